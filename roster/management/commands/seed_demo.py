"""python manage.py seed_demo [--seed N]: the deterministic demo district and credentials."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dashboards.services import demo_logins_ensure
from roster.services.demo import DEMO_DISTRICT_ID, demo_credentials_ensure, demo_district_seed


class Command(BaseCommand):
    help = (
        "Create the demo district (3 schools, ~600 students, classes, gradebook, course "
        "structure) plus a demo admin and API client. Safe to run again: existing rows are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        summary = demo_district_seed(seed=options["seed"])
        credentials = demo_credentials_ensure()
        logins = demo_logins_ensure(district_sourced_id=DEMO_DISTRICT_ID)
        elapsed = time.monotonic() - started
        for name in sorted(summary.totals):
            self.stdout.write(
                f"  {name:<20} {summary.totals[name]:>6} rows, "
                f"{summary.created.get(name, 0):>6} new"
            )
        style = self.style.SUCCESS if summary.created_total else self.style.NOTICE
        self.stdout.write(
            style(
                f"Demo district {summary.district!r}: {summary.created_total} rows created "
                f"in {elapsed:.1f}s"
                + ("" if summary.created_total else " (already complete; nothing changed)")
            )
        )
        self.stdout.write(self.style.WARNING("Demo credentials (never use them in production):"))
        self.stdout.write(
            f"  admin login:   {credentials.admin_username} / {credentials.admin_password}"
            + ("" if credentials.admin_created else "  (existing user kept as it was)")
        )
        self.stdout.write(f"  API client_id: {credentials.client_id}")
        self.stdout.write(
            f"  API secret:    {credentials.client_secret}"
            + ("" if credentials.client_created else "  (existing client kept as it was)")
        )
        self.stdout.write("  token URL:     /oauth2/token   API base: /ims/oneroster/")
        for login in logins:
            self.stdout.write(
                f"  {login.role + ' login:':<16} {login.username} / {login.password}  ({login.who})"
            )
        self.stdout.write("  sign in at:      /accounts/login/")
