"""Who may see what on the dashboards, as a matrix: each kind of login against students,
schools and apps of two districts; and signing in through the login page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from common.exceptions import InvalidData
from dashboards.selectors import apps_visible, orgs_visible, students_visible, viewer_for
from dashboards.services import login_password_set
from roster.models import Org, User
from tests.dashboards.conftest import PASSWORD
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db


def _viewer(username: str):
    return viewer_for(login=get_user_model().objects.get(username=username))


def _sids(rows) -> set[str]:
    return {r.sourced_id for r in rows}


def test_the_matrix(world: dict[str, object]) -> None:
    a: Scene = world["a"]  # type: ignore[assignment]
    b: Scene = world["b"]  # type: ignore[assignment]
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    everyone = {s.sourced_id for s in [*a.students, *b.students]}
    cases = {
        # login: (kind, students, orgs, apps)
        logins["student a"]: ("student", {"pa-stu-0"}, set(), set()),
        logins["teacher a"]: ("staff", {"pa-stu-0", "pa-stu-1"}, {"pa-school"}, set()),
        logins["district admin a"]: (
            "staff",
            {"pa-stu-0", "pa-stu-1"},
            {"pa-district", "pa-school"},
            set(),
        ),
        "dev-a": ("developer", set(), set(), {"pa-app"}),
        "dev-b": ("developer", set(), set(), {"pb-app"}),
        "root": (
            "admin",
            everyone,
            {"pa-district", "pa-school", "pb-district", "pb-school"},
            {"pa-app", "pb-app"},
        ),
    }
    for username, (kind, students, orgs, apps) in cases.items():
        viewer = _viewer(username)
        assert viewer.kind == kind, username
        assert _sids(students_visible(viewer=viewer)) == students, username
        assert _sids(orgs_visible(viewer=viewer)) == orgs, username
        assert {c.name for c in apps_visible(viewer=viewer)} == apps, username
    nobody = viewer_for(login=None)
    assert nobody.kind == "none"
    assert not students_visible(viewer=nobody).exists()
    assert not apps_visible(viewer=nobody).exists() and not orgs_visible(viewer=nobody).exists()


def test_students_sign_in_and_land_on_their_dashboard(world: dict[str, object]) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    client = Client()
    page = client.post(
        "/accounts/login/", {"username": logins["student a"], "password": PASSWORD}, follow=True
    )
    assert page.redirect_chain[-1][0] == "/dashboard/students/pa-stu-0/"
    assert "Your learning" in page.content.decode()
    assert client.get("/dashboard/students/pa-stu-1/").status_code == 404
    bad = Client().post("/accounts/login/", {"username": logins["student a"], "password": "x"})
    assert bad.status_code == 200 and "did not match" in bad.content.decode()


def test_developers_and_staff_see_theirs_only(world: dict[str, object]) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "dev-b", "password": PASSWORD})
    text = client.get("/dashboard/").content.decode()
    assert "pb-app" in text and "pa-app" not in text
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    staff = Client()
    staff.post("/accounts/login/", {"username": logins["teacher a"], "password": PASSWORD})
    text = staff.get("/dashboard/").content.decode()
    assert 'data-sourced-id="pa-school"' in text and "pb-school" not in text
    assert Client().get("/dashboard/")["Location"].startswith("/accounts/login/")


def test_passwords_are_checked_and_usernames_unique(world: dict[str, object]) -> None:
    a: Scene = world["a"]  # type: ignore[assignment]
    with pytest.raises(InvalidData, match="password:"):
        login_password_set(user=a.students[1], password="123")
    get_user_model().objects.create_user(username="pa-stu-1")
    with pytest.raises(InvalidData, match="username: 'pa-stu-1' is taken"):
        login_password_set(user=User.objects.get(sourced_id="pa-stu-1"), password=PASSWORD)


def test_the_demo_logins(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", "--no-activity", stdout=out)
    text = out.getvalue()
    for role in ("student login:", "staff login:", "developer login:"):
        assert role in text
    assert viewer_for(login=get_user_model().objects.get(username="developer")).kind == "developer"
    assert Org.objects.filter(sourced_id="demo-district").exists()
