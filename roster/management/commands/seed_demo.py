"""python manage.py seed_demo [--seed N] [--no-activity]: the deterministic demo district,
its credentials and logins, and two weeks of demo learning activity."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from caliper.services.demo import demo_activity_seed
from case.services.alignment import alignments_refresh
from case.services.demo import case_demo_seed, demo_standard_id
from common.exceptions import ApplicationError
from dashboards.services import demo_logins_ensure
from qti.services.demo import DEMO_ITEM_STANDARDS, qti_demo_seed
from roster.models import Org
from roster.services.demo import DEMO_DISTRICT_ID, demo_credentials_ensure, demo_district_seed


class Command(BaseCommand):
    help = (
        "Create the demo district (3 schools, ~600 students, classes, gradebook, course "
        "structure) plus a demo admin and API client, and the demo app's learning events of "
        "the last two weeks. Safe to run again: existing rows and events are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="skip the demo learning activity (Caliper events and their rollups)",
        )
        parser.add_argument(
            "--days", type=int, default=14, help="days of demo activity, up to today (default 14)"
        )
        parser.add_argument(
            "--students", type=int, default=60, help="students with demo activity (default 60)"
        )

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
        for name in sorted(summary.updated):
            self.stdout.write(f"  {name:<20} {summary.updated[name]:>6} rows given goals/metrics")
        changed = summary.created_total + summary.updated_total
        style = self.style.SUCCESS if changed else self.style.NOTICE
        self.stdout.write(
            style(
                f"Demo district {summary.district!r}: {summary.created_total} rows created "
                + (
                    f"and {summary.updated_total} given course goals and metrics "
                    if summary.updated_total
                    else ""
                )
                + f"in {elapsed:.1f}s"
                + ("" if changed else " (already complete; nothing changed)")
            )
        )
        district = Org.objects.get(sourced_id=DEMO_DISTRICT_ID)
        framework = case_demo_seed()
        self.stdout.write(
            f"  CASE framework {framework.title!r}: "
            + ("created" if framework.created else "already there")
            + "; staff browse it at /standards/"
        )
        content = qti_demo_seed(
            org_id=district.pk,
            objectives={
                item: [demo_standard_id(code) for code in codes]
                for item, codes in DEMO_ITEM_STANDARDS.items()
            },
        )
        alignments_refresh()
        self.stdout.write(
            f"  QTI test {content.test.title!r}: {content.created} documents created; "
            "students take it at /qti/tests/"
        )
        if not options["no_activity"]:
            self._activity(options)
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

    def _activity(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        # Without a broker (`make run`) the pipeline's tasks run in-process and Celery logs a
        # line for each; the summary below says what they did.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            activity = demo_activity_seed(
                today=timezone.now().date(),
                days=options["days"],
                students=options["students"],
                seed=options["seed"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        finally:
            trace.setLevel(level)
        elapsed = time.monotonic() - started
        style = self.style.SUCCESS if activity.new else self.style.NOTICE
        self.stdout.write(
            style(
                f"Demo activity: {activity.students} students over {activity.days} days "
                f"({activity.days_seeded} days sent, {activity.days_skipped} seeded before): "
                f"{activity.events} events sent as the demo app, {activity.new} new, "
                f"in {elapsed:.1f}s"
            )
        )
        self.stdout.write(
            "  learners: " + ", ".join(f"{n} {name}" for name, n in activity.profiles.items())
        )
