"""Import a OneRoster 1.2 CSV package: ``manage.py oneroster_import PACKAGE.zip``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from roster.services.csv_import import oneroster_csv_import


class Command(BaseCommand):
    help = "Import a OneRoster 1.2 / 1.2.1 CSV package (bulk and delta), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package", type=Path, help="the package zip")
        parser.add_argument("--dry-run", action="store_true", help="validate, change nothing")
        parser.add_argument("--json", action="store_true", help="print the machine log as JSON")
        parser.add_argument(
            "--org", default=None, help="home org sourcedId (delta packages without orgs.csv)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["package"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        bars: dict[str, tqdm] = {}

        def progress(name: str, done: int, total: int | None) -> None:
            bar = bars.get(name)
            if bar is None:
                bar = bars[name] = tqdm(desc=f"{name}.csv", unit=" rows", leave=False)
            bar.update(done - bar.n)
            if total is not None:
                bar.close()

        report = oneroster_csv_import(
            package=path, dry_run=options["dry_run"], progress=progress, home_org=options["org"]
        )
        for bar in bars.values():
            bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._summary(report)
        if not report.ok:
            raise CommandError(f"package rejected: {report.problem_count} problem(s)")

    def _summary(self, report: Any) -> None:
        for name, c in report.counts.items():
            self.stdout.write(
                f"{name + '.csv':<36} rows {c['rows']:>9}  created {c['created']:>9}  "
                f"updated {c['updated']:>9}  tobedeleted {c['tobedeleted']:>9}"
            )
        for p in report.problems:
            where = ":".join(str(x) for x in (p.file, p.line, p.column) if x not in (None, ""))
            self.stdout.write(self.style.ERROR(f"{where}: [{p.rule}] {p.message}"))
        if report.problem_count > len(report.problems):
            self.stdout.write(f"... and {report.problem_count - len(report.problems)} more")
        verdict = "dry run: valid, nothing written" if report.dry_run else "imported"
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"{verdict} (source {report.source}) in {report.seconds:.1f} s")
            )
