"""Import CASE frameworks: ``manage.py case_import SOURCE [--dry-run] [--json]``.

SOURCE is a CFPackage JSON file, a CSV of items (with ``--title``), a CASE server's
``…/CFPackages/{id}`` URL, or a CASE server's base URL (every framework it serves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from case.choices import FrameworkSource
from case.services.files import framework_file_import
from case.services.packages import ImportReport, framework_import
from case.services.sources import case_server_packages


class Command(BaseCommand):
    help = (
        "Import CASE 1.1 frameworks from a CFPackage JSON file, a CSV of items, or a CASE "
        "server URL: each all or nothing, idempotent by identifier, with a report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a .json or .csv file, or an http(s) URL")
        parser.add_argument("--dry-run", action="store_true", help="check, change nothing")
        parser.add_argument("--json", action="store_true", help="print the reports as JSON")
        parser.add_argument("--title", help="CSV: the framework's title (default: file name)")
        parser.add_argument("--identifier", help="CSV: the framework's identifier (a UUID)")
        parser.add_argument("--creator", default="", help="CSV: the framework's creator")

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        if source.startswith(("http://", "https://")):
            packages, problems = case_server_packages(url=source)
            if problems:
                raise CommandError(f"{source}: {problems[0]}")
            kind = FrameworkSource.URL
        else:
            path = Path(source)
            if not path.is_file():
                raise CommandError(f"source: {source} is not a file or an http(s) URL")
            report = framework_file_import(
                data=path.read_bytes(),
                file_name=path.name,
                title=options["title"] or path.stem,
                creator=options["creator"],
                identifier=options["identifier"] or "",
                dry_run=options["dry_run"],
                source=FrameworkSource.FILE,
            )
            self._print(path.name, report, as_json=options["json"])
            if not report.ok:
                raise CommandError(f"{path.name}: refused; nothing stored")
            return
        failed = 0
        for ref, package in packages:
            report = framework_import(
                package=package, source=kind, source_ref=ref, dry_run=options["dry_run"]
            )
            self._print(ref, report, as_json=options["json"])
            failed += 0 if report.ok else 1
        if failed:
            raise CommandError(
                f"{failed} of {len(packages)} framework(s) refused; nothing stored for them"
            )

    def _print(self, ref: str, report: ImportReport, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"source": ref, **report.as_dict()}, indent=2))
            return
        for check in report.checks:
            self.stdout.write(f"  check: {check}")
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        if report.ok:
            counts = ", ".join(
                f"{kind} " + " ".join(f"{n} {what}" for what, n in c.items() if n)
                for kind, c in report.counts.items()
                if any(c.values())
            )
            verb = (
                "would import" if report.dry_run else ("created" if report.created else "updated")
            )
            self.stdout.write(
                self.style.SUCCESS(f"{ref}: {verb} {report.title!r} ({report.document}): {counts}")
            )
