from django.urls import path

from lti import views

app_name = "lti"

urlpatterns = [
    path("jwks", views.platform_jwks_view, name="jwks"),
]
