"""Dashboard logins that are not roster users: app developers, who see their organisation's
apps. (Students and staff sign in as their OneRoster user, linked by ``User.login``.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common.models import BaseModel

__all__ = ["DeveloperAccount"]


class DeveloperAccount(BaseModel):
    """A developer's login and the organisation whose apps (API clients) they may see."""

    login = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="developer_account"
    )
    organisation = models.ForeignKey(
        "roster.Org",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Apps of API clients belonging to this org (or below it) are theirs.",
    )

    class Meta:
        ordering = ["login__username"]

    def __str__(self) -> str:
        return f"{self.login} ({self.organisation})"
