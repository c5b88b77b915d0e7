"""Export a OneRoster 1.2 bulk CSV package: ``manage.py oneroster_export OUT.zip``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roster.models import Org
from roster.services.csv_export import oneroster_csv_export


class Command(BaseCommand):
    help = "Write every live roster row as a OneRoster 1.2 bulk CSV package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="the zip to write")
        parser.add_argument(
            "--org", action="append", default=[], help="only this org's subtree (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org_ids = None
        if options["org"]:
            roots = list(
                Org.objects.filter(sourced_id__in=options["org"]).values_list("pk", "sourced_id")
            )
            missing = set(options["org"]) - {sid for _, sid in roots}
            if missing:
                raise CommandError(f"unknown org(s): {', '.join(sorted(missing))}")
            org_ids = _subtree({pk for pk, _ in roots})
        counts = oneroster_csv_export(out=options["out"], org_ids=org_ids)
        for name, n in counts.items():
            self.stdout.write(f"{name + '.csv':<36} {n:>9} rows")
        self.stdout.write(self.style.SUCCESS(f"wrote {options['out']}"))


def _subtree(roots: set[int]) -> set[int]:
    found, frontier = set(roots), set(roots)
    while frontier:
        frontier = (
            set(Org.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return found
