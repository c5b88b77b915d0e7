from django.urls import path

from lti import views
from lti.api.views import ContextMembershipsView

app_name = "lti"

urlpatterns = [
    path("jwks", views.platform_jwks_view, name="jwks"),
    path("authorize", views.authorize_view, name="authorize"),
    path("token", views.service_token_view, name="token"),
    path("tools/<int:tool_id>/launch", views.tool_launch_view, name="tool-launch"),
    path(
        "nrps/contexts/<int:class_id>/memberships",
        ContextMembershipsView.as_view(),
        name="nrps-memberships",
    ),
]
