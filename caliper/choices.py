"""Choices of the Caliper app."""

from django.db import models

__all__ = ["JobState"]


class JobState(models.TextChoices):
    """The states ``GET /jobs/{id}/status`` reports (Timeback's job vocabulary)."""

    WAITING = "waiting", "Waiting"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
