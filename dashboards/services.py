"""Dashboard logins: a roster user's password (set by staff), developer accounts, and the
demo logins ``make run`` prints."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from common.exceptions import InvalidData
from dashboards.models import DeveloperAccount
from roster.models import Org, User

__all__ = ["DemoLogin", "demo_logins_ensure", "developer_account_create", "login_password_set"]

DEMO_STUDENT_PASSWORD = "timeback-student"
DEMO_STAFF_PASSWORD = "timeback-staff"
DEMO_DEVELOPER = ("developer", "timeback-developer")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    who: str


@transaction.atomic
def login_password_set(*, user: User, password: str, check: bool = True) -> str:
    """Give roster ``user`` a login (username: their OneRoster username, else sourcedId) with
    ``password``; returns the username. Weak passwords are refused (``check``)."""
    username = (user.username or user.sourced_id)[:150]
    login = user.login
    if login is None:
        model = get_user_model()
        if model._default_manager.filter(username=username).exists():
            raise InvalidData(f"username: {username!r} is taken by another login", field="username")
        login = model._default_manager.create_user(username=username, email=user.email)
        User.objects.filter(pk=user.pk).update(login=login)
        user.login = login
    if check:
        try:
            validate_password(password, login)
        except ValidationError as exc:
            raise InvalidData("password: " + " ".join(exc.messages), field="password") from exc
    login.set_password(password)
    login.save(update_fields=["password"])
    return str(login.username)


@transaction.atomic
def developer_account_create(
    *, username: str, password: str, organisation: Org
) -> DeveloperAccount:
    """A developer login seeing the apps of ``organisation`` (and below)."""
    model = get_user_model()
    login = model._default_manager.filter(username=username).first()
    if login is None:
        login = model._default_manager.create_user(username=username)
    login.set_password(password)
    login.save()
    account, _ = DeveloperAccount.objects.update_or_create(
        login=login, defaults={"organisation": organisation}
    )
    return account


def demo_logins_ensure(*, district_sourced_id: str) -> list[DemoLogin]:
    """A demo student, a demo staff member (a teacher) and a demo developer for the demo
    district (fixed, demo-only passwords)."""
    district = Org.objects.get(sourced_id=district_sourced_id)
    logins: list[DemoLogin] = []
    student = User.objects.filter(primary_role="student").order_by("sourced_id").first()
    if student is not None:
        name = login_password_set(user=student, password=DEMO_STUDENT_PASSWORD, check=False)
        logins.append(DemoLogin("student", name, DEMO_STUDENT_PASSWORD, student.sourced_id))
    teacher = User.objects.filter(primary_role="teacher").order_by("sourced_id").first()
    if teacher is not None:
        name = login_password_set(user=teacher, password=DEMO_STAFF_PASSWORD, check=False)
        logins.append(DemoLogin("staff", name, DEMO_STAFF_PASSWORD, teacher.sourced_id))
    developer_account_create(
        username=DEMO_DEVELOPER[0], password=DEMO_DEVELOPER[1], organisation=district
    )
    logins.append(DemoLogin("developer", *DEMO_DEVELOPER, district.sourced_id))
    return logins
