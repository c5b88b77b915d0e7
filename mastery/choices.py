"""Choices of the mastery app."""

from django.db import models

__all__ = ["Finding", "LedgerReason"]


class LedgerReason(models.TextChoices):
    """Why an XP ledger entry exists."""

    AWARD = "award", "Award for a completed activity"
    ADJUSTMENT = "adjustment", "Correction after more events of the activity arrived"


class Finding(models.TextChoices):
    """Breaches of the non-negotiables found in an app's events (its event quality)."""

    XP_ABOVE_ACTIVE = "xp_above_active", "XP above the active minutes observed"
    XP_BELOW_80 = "xp_below_80", "XP claimed below 80% accuracy"
    MASTERY_BELOW_90 = "mastery_below_90", "Mastery claimed below 90% accuracy"
    NO_TIME_SPENT = "no_time_spent", "Completed activity with no time spent"
    MISSING_FIELDS = "missing_fields", "Required or recommended fields missing"
    UNATTRIBUTED = "unattributed", "Actor matches no rostered user"
