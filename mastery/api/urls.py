"""HTTP routes of the mastery API (mounted at the site root: the paths are Timeback's)."""

from django.urls import path

from mastery.api import views

app_name = "mastery-api"

urlpatterns = [
    path(
        "edubridge/analytics/activity",
        views.ActivityFactsView.as_view(),
        name="analytics-activity",
    ),
    path(
        "edubridge/analytics/facts/weekly",
        views.WeeklyFactsView.as_view(),
        name="analytics-weekly",
    ),
    path(
        "edubridge/analytics/enrollment/<str:enrollment_id>",
        views.EnrollmentFactsView.as_view(),
        name="analytics-enrollment",
    ),
    path(
        "edubridge/analytics/highestGradeMastered/<str:student_id>/<str:subject>",
        views.HighestGradeMasteredView.as_view(),
        name="analytics-highest-grade",
    ),
    path("xp/1.0/users/<str:user_id>/entries", views.XpEntriesView.as_view(), name="xp-entries"),
    path("insights/1.0/users/<str:user_id>", views.InsightsView.as_view(), name="insights"),
]
