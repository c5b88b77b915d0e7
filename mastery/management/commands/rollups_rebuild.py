"""Recompute time facts, rollups and event quality from the event store:
``manage.py rollups_rebuild [--day YYYY-MM-DD ...]``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mastery.services import rollups_rebuild


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day: {text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Recompute the time facts, student and app rollups and event quality of the given "
        "UTC days (default: every day with events) from the processed events and outcomes. "
        "Waits for the processing lanes, and holds them while it runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", action="append", default=[], help="a UTC day, YYYY-MM-DD (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = sorted({_day(text) for text in options["day"]}) or None
        rebuilt = rollups_rebuild(days=days)
        self.stdout.write(self.style.SUCCESS(f"rebuilt {rebuilt} app-day(s)"))
