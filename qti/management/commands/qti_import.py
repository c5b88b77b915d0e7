"""Import a QTI content package or document: ``manage.py qti_import PACKAGE.zip --org ID``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qti.services.packages import package_import
from roster.models import Org


class Command(BaseCommand):
    help = (
        "Import an IMS content package (zip with imsmanifest.xml) or a single QTI 3.0 / 2.x "
        "document into an organisation, all or nothing, with a report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package", type=Path, help="the package zip or QTI XML file")
        parser.add_argument("--org", required=True, help="the owning org's sourcedId")
        parser.add_argument("--dry-run", action="store_true", help="check, change nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["package"]
        if not path.is_file():
            raise CommandError(f"package: {path} is not a file")
        org = Org.objects.filter(sourced_id=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no org with sourcedId {options['org']!r}")
        report = package_import(
            data=path.read_bytes(), file_name=path.name, org=org, dry_run=options["dry_run"]
        )
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(report.counts.items()))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for check in report.checks:
                self.stdout.write(f"  check: {check}")
            for problem in report.problems:
                where = f"{problem.file}" + (f" <{problem.element}>" if problem.element else "")
                self.stdout.write(f"  {where}: {problem.rule}: {problem.message}")
            if report.converted:
                self.stdout.write(f"  converted from QTI 2.x: {len(report.converted)} document(s)")
        if not report.ok:
            raise CommandError(
                f"{path.name}: refused ({len(report.problems)} problem(s)); nothing stored"
            )
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {verb} {counts or 'nothing'}"))
