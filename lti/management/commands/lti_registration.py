"""Start an LTI Dynamic Registration: a one-time token for an API client, and the URL of
the tool's registration page to open with it."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lti.services.registration import registration_token_issue
from tenancy.models import ApiClient


class Command(BaseCommand):
    help = (
        "Issue a one-time LTI Dynamic Registration token for the API client whose OAuth "
        "client_id is --client, and print the tool's registration URL to open with it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, help="the API client's OAuth client_id")
        parser.add_argument("--tool-url", required=True, help="the tool's registration URL")
        parser.add_argument("--hours", type=int, default=24, help="token lifetime")
        parser.add_argument(
            "--base-url", default="", help="this platform's public URL (default PUBLIC_BASE_URL)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        api_client = ApiClient.objects.filter(application__client_id=options["client"]).first()
        if api_client is None:
            raise CommandError(f"--client: no API client has client_id {options['client']!r}")
        base = (options["base_url"] or settings.PUBLIC_BASE_URL).rstrip("/")
        if not base:
            raise CommandError("--base-url: required when PUBLIC_BASE_URL is not set")
        token = registration_token_issue(api_client=api_client, seconds=options["hours"] * 3600)
        query = urllib.parse.urlencode(
            {
                "openid_configuration": f"{base}/lti/openid-configuration",
                "registration_token": token,
            }
        )
        separator = "&" if "?" in options["tool_url"] else "?"
        self.stdout.write(self.style.SUCCESS(f"{options['tool_url']}{separator}{query}"))
