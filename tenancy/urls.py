from django.urls import path, re_path
from oauth2_provider import views as oauth2_views

app_name = "oauth2"

urlpatterns = [
    # Timeback clients post to /oauth2/token; both spellings are served.
    re_path(r"^token/?$", oauth2_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth2_views.IntrospectTokenView.as_view(), name="introspect"),
]
