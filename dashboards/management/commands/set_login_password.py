"""Give a roster user (a student or staff member) a login password."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.exceptions import ApplicationError
from dashboards.services import login_password_set
from roster.models import User


class Command(BaseCommand):
    help = "Set the login password of the roster user with this sourcedId (prompted if omitted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sourced_id")
        parser.add_argument("--password", default="", help="(else prompted)")

    def handle(self, *args: Any, sourced_id: str, password: str, **options: Any) -> None:
        user = User.objects.filter(sourced_id=sourced_id).first()
        if user is None:
            raise CommandError(f"sourced_id: no roster user {sourced_id!r}")
        password = password or getpass.getpass("Password: ")
        try:
            username = login_password_set(user=user, password=password)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{sourced_id} signs in as {username!r}"))
