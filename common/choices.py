from django.db import models

__all__ = ["StatusType"]


class StatusType(models.TextChoices):
    ACTIVE = "active", "active"
    TO_BE_DELETED = "tobedeleted", "tobedeleted"
