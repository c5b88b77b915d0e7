"""List, rotate and prune the LTI platform's signing keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lti.models import PlatformKey
from lti.selectors import platform_jwks
from lti.services import platform_key_rotate, platform_keys_prune


class Command(BaseCommand):
    help = (
        "List the LTI platform keys; --rotate retires the active key (still published for "
        "LTI_KEY_GRACE_SECONDS) and makes a new one; --prune deletes keys past their grace "
        "period (a dry run without --commit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rotate", action="store_true", help="make a new active key")
        parser.add_argument("--prune", action="store_true", help="delete keys past grace")
        parser.add_argument("--commit", action="store_true", help="really prune")

    def handle(self, *args: Any, rotate: bool, prune: bool, commit: bool, **options: Any) -> None:
        if rotate:
            key = platform_key_rotate()
            self.stdout.write(self.style.SUCCESS(f"New active key {key.kid}"))
        if prune:
            if commit:
                n = platform_keys_prune()
                self.stdout.write(self.style.SUCCESS(f"Deleted {n} retired key(s)"))
            else:
                published = {k["kid"] for k in platform_jwks()["keys"]}
                stale = PlatformKey.objects.exclude(kid__in=published).count()
                self.stdout.write(
                    self.style.WARNING(f"Would delete {stale} retired key(s); add --commit")
                )
        published = {k["kid"] for k in platform_jwks()["keys"]}
        for key in PlatformKey.objects.all():
            state = (
                "active" if key.retired_at is None else f"retired {key.retired_at:%Y-%m-%d %H:%M}"
            )
            shown = "published" if key.kid in published else "not published"
            self.stdout.write(f"{key.kid}  {key.alg}  {state}  {shown}")
