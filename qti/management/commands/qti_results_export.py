"""Export a test's attempts as QTI 3.0 results reports:
``manage.py qti_results_export TEST_IDENTIFIER --org ID --out DIR [--all]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qti.selectors.delivery import attempt_results_report, attempts_of_test
from roster.models import Org


class Command(BaseCommand):
    help = (
        "Write one QTI 3.0 results report (assessmentResult XML) per attempt at a test, "
        "finished attempts only unless --all is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("test", help="the assessment test's identifier")
        parser.add_argument("--org", required=True, help="the owning org's sourcedId")
        parser.add_argument("--out", required=True, type=Path, help="the folder to write to")
        parser.add_argument("--all", action="store_true", help="attempts under way too")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Org.objects.filter(sourced_id=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no org with sourcedId {options['org']!r}")
        attempts = attempts_of_test(
            org_id=org.pk, identifier=options["test"], finished_only=not options["all"]
        )
        if attempts is None:
            raise CommandError(f"test: no assessment test {options['test']!r} in {org.sourced_id}")
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out: {out} is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        count = 0
        for attempt in attempts.iterator():
            path = out / f"results-{attempt.uuid}.xml"
            path.write_bytes(attempt_results_report(attempt=attempt))
            count += 1
        self.stdout.write(self.style.SUCCESS(f"{options['test']}: {count} report(s) in {out}"))
