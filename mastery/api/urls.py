"""HTTP routes of the mastery API (mounted at the site root: the paths are Timeback's)."""

from django.urls import path  # noqa: F401

app_name = "mastery-api"

urlpatterns: list = []
