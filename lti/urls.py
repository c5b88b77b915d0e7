from django.urls import path

from lti import views
from lti.api.ags import LineItemsView, LineItemView, ResultsView, ScoresView
from lti.api.views import ContextMembershipsView

app_name = "lti"

urlpatterns = [
    path("jwks", views.platform_jwks_view, name="jwks"),
    path("openid-configuration", views.openid_configuration_view, name="openid-configuration"),
    path("register", views.registration_view, name="register"),
    # Timeback as a tool, launched from schools' LMSes.
    path("tool/login", views.lms_login_view, name="lms-login"),
    path("tool/launch", views.lms_launch_view, name="lms-launch"),
    path("tool/deep-link", views.lms_deep_link_view, name="lms-deep-link"),
    path("authorize", views.authorize_view, name="authorize"),
    path("token", views.service_token_view, name="token"),
    path("tools/<int:tool_id>/launch", views.tool_launch_view, name="tool-launch"),
    path("tools/<int:tool_id>/deep-link", views.tool_deep_link_view, name="tool-deep-link"),
    path("deep-linking/return", views.deep_link_return_view, name="deep-link-return"),
    path(
        "nrps/contexts/<int:class_id>/memberships",
        ContextMembershipsView.as_view(),
        name="nrps-memberships",
    ),
    path("ags/contexts/<int:class_id>/lineitems", LineItemsView.as_view(), name="ags-lineitems"),
    path(
        "ags/contexts/<int:class_id>/lineitems/<int:line_item_id>",
        LineItemView.as_view(),
        name="ags-lineitem",
    ),
    path(
        "ags/contexts/<int:class_id>/lineitems/<int:line_item_id>/scores",
        ScoresView.as_view(),
        name="ags-scores",
    ),
    path(
        "ags/contexts/<int:class_id>/lineitems/<int:line_item_id>/results",
        ResultsView.as_view(),
        name="ags-results",
    ),
]
