from django.db import models

__all__ = ["Environment"]


class Environment(models.TextChoices):
    STAGING = "staging", "staging"
    PRODUCTION = "production", "production"
