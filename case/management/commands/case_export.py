"""Export a CASE framework: ``manage.py case_export IDENTIFIER [--format json|csv]
[--out FILE]`` (the package as it was imported, or its items as CSV)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from case.selectors import document_get
from case.services.packages import framework_package
from case.services.sources import framework_csv


class Command(BaseCommand):
    help = "Write a stored CASE framework as its CFPackage JSON or as a CSV of its items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifier", help="the CFDocument's identifier")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--out", type=Path, help="the file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = document_get(identifier=options["identifier"])
        if document is None:
            raise CommandError(f"identifier: no framework {options['identifier']!r}")
        if options["format"] == "csv":
            text = framework_csv(document=document)
        else:
            text = json.dumps(framework_package(document=document), indent=2, ensure_ascii=False)
        if options["out"]:
            options["out"].write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"{options['identifier']}: {options['out']}"))
        else:
            self.stdout.write(text)
