"""HTTP routes of the caliper API (mounted at the site root: the paths are Timeback's)."""

from django.urls import path  # noqa: F401

app_name = "caliper-api"

urlpatterns: list = []
