"""python manage.py createclient NAME --org SOURCEDID --scope ... [--env] [--grant] [--sensor URL]
[--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.exceptions import ApplicationError
from tenancy.scopes import KNOWN_SCOPES
from tenancy.services import api_client_create


class Command(BaseCommand):
    help = "Create OAuth2 client credentials for an org, with 1EdTech scopes and Caliper sensors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--org", required=True, help="sourcedId of the client's org")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            help="scope URI or short name (repeat, or space-separate); known: "
            + ", ".join(KNOWN_SCOPES),
        )
        parser.add_argument("--env", default="staging", choices=["staging", "production"])
        parser.add_argument(
            "--grant",
            action="append",
            default=[],
            help="sourcedId of an org whose subtree the client may use (default: --org)",
        )
        parser.add_argument(
            "--sensor",
            action="append",
            default=[],
            metavar="URL",
            help="Caliper sensor / edApp IRI the client sends events from (repeat); IRIs "
            "under it are covered too",
        )
        parser.add_argument("--client-id", default=None, help="fixed client_id (demo data)")
        parser.add_argument("--client-secret", default=None, help="fixed secret (demo data)")
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s for value in options["scope"] for s in value.split()]
        try:
            created = api_client_create(
                name=options["name"],
                org_sourced_id=options["org"],
                scopes=scopes,
                environment=options["env"],
                granted_org_sourced_ids=options["grant"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                sensors=options["sensor"],
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        except Exception as exc:  # e.g. a duplicate client_id
            raise CommandError(str(exc)) from exc
        payload = {"client_id": created.client_id, "client_secret": created.client_secret}
        if options["json"]:
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(self.style.SUCCESS(f"Created client {options['name']!r}"))
        self.stdout.write(json.dumps(payload, indent=2))
        self.stdout.write("The secret is shown once; store it now.")
