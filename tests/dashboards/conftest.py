"""Dashboard test data: two districts (a, b), each with a school, two students and an app,
plus logins of every kind: a student, a teacher and a district administrator of a, a
developer of each district, and a superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from dashboards.services import developer_account_create, login_password_set
from roster.models import User, UserRole
from tests.mastery.factories import make_scene

PASSWORD = "a-long-test-passphrase-1"


@pytest.fixture
def world(db: None) -> dict[str, object]:
    a, b = make_scene("pa"), make_scene("pb")
    teacher = User.objects.create(
        sourced_id="pa-tea",
        given_name="T",
        family_name="A",
        email="t@pa.example.org",
        primary_org=a.school,
        primary_role="teacher",
        org_scope=a.school,
    )
    UserRole.objects.create(user=teacher, role_type="primary", role="teacher", org=a.school)
    principal = User.objects.create(
        sourced_id="pa-dist-admin",
        given_name="D",
        family_name="A",
        email="d@pa.example.org",
        primary_org=a.district,
        primary_role="districtAdministrator",
        org_scope=a.district,
    )
    logins = {
        "student a": login_password_set(user=a.students[0], password=PASSWORD),
        "teacher a": login_password_set(user=teacher, password=PASSWORD),
        "district admin a": login_password_set(user=principal, password=PASSWORD),
    }
    developer_account_create(username="dev-a", password=PASSWORD, organisation=a.district)
    developer_account_create(username="dev-b", password=PASSWORD, organisation=b.district)
    get_user_model().objects.create_superuser("root", "r@example.org", PASSWORD)
    return {"a": a, "b": b, "logins": logins}
