"""HTTP routes of the caliper API (mounted at the site root: the paths are Timeback's)."""

from django.urls import path, re_path

from caliper.api import views

app_name = "caliper-api"

urlpatterns = [
    # Clients post with and without a trailing slash; both are served without a redirect
    # (a redirected POST loses its body).
    re_path(r"^caliper/event/?$", views.CaliperEventView.as_view(), name="event"),
    re_path(r"^caliper/event/validate/?$", views.CaliperValidateView.as_view(), name="validate"),
    re_path(r"^caliper/events/?$", views.CaliperEventsView.as_view(), name="events"),
    path(
        "caliper/events/<str:external_id>",
        views.CaliperEventDetailView.as_view(),
        name="event-detail",
    ),
    path("jobs/<str:job_id>/status", views.JobStatusView.as_view(), name="job-status"),
]
