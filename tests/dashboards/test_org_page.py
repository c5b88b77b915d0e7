"""The staff view: a school's classes and students over a window, flagged (below goal, high
waste, off the mastery band) and diagnosed (motivation, placement, curriculum) overall and
per app; the drill-down from school to student; and who may open it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dashboards.selectors import org_overview, viewer_for
from mastery.models import StudentAppDayRollup, StudentDailyRollup
from roster.models import User
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_student_page import _enrol
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db


def _login(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def school(world: dict[str, object]) -> Scene:
    scene: Scene = world["a"]  # type: ignore[assignment]
    _enrol(scene)  # goals: 40 XP and 30 active minutes a day
    today = timezone.now().date()
    keen, idle = scene.students
    StudentDailyRollup.objects.create(
        student=keen,
        org_scope=keen.org_scope,
        day=today,
        xp=400,
        activities_completed=9,
        total_questions=100,
        correct_questions=99,
        mastered_units=3,
        active_seconds=7 * 3600,
    )
    StudentDailyRollup.objects.create(
        student=idle,
        org_scope=idle.org_scope,
        day=today,
        xp=5,
        activities_completed=6,
        total_questions=40,
        correct_questions=24,
        active_seconds=600,
        waste_seconds=600,
    )
    StudentAppDayRollup.objects.create(
        api_client=scene.api_client,
        day=today,
        student=idle,
        org_scope=idle.org_scope,
        school=scene.school,
        completions=6,
        total_questions=40,
        correct_questions=24,
        active_seconds=600,
        waste_seconds=600,
    )
    return scene


def test_flags_and_diagnosis(world: dict[str, object], school: Scene, django_assert_num_queries):
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    from django.contrib.auth import get_user_model

    viewer = viewer_for(login=get_user_model().objects.get(username=logins["teacher a"]))
    today = timezone.now().date()
    # Subtree, class members, the students, daily rollups, goals (2), the page's per-app rows.
    with django_assert_num_queries(7):
        overview = org_overview(
            viewer=viewer, org=school.school, start=today - dt.timedelta(days=6), end=today
        )
    keen, idle = sorted(overview.page, key=lambda s: s.sourced_id)  # with their apps
    assert not keen.below_goal and keen.off_band
    assert [f.finding for f in keen.findings] == ["accuracy_too_high"]
    assert keen.diagnoses == ["placement"]
    assert idle.below_goal and idle.high_waste and idle.off_band
    assert {f.finding for f in idle.findings} == {
        "low_minutes",
        "high_waste",
        "accuracy_too_low",
        "no_growth",
    }
    assert idle.diagnoses == ["curriculum", "motivation", "placement"]
    (app,) = idle.apps
    assert app.app == "pa-app" and {f.diagnosis for f in app.findings} >= {"placement"}
    assert (overview.below_goal, overview.high_waste, overview.off_band) == (1, 1, 2)
    assert overview.inactive == 0 and not idle.inactive
    (klass,) = overview.classes
    assert (klass.students, klass.below_goal, klass.off_band) == (2, 1, 2)


def test_the_drill_down_from_school_to_student(world: dict[str, object], school: Scene) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    teacher = _login(logins["teacher a"])
    landing = teacher.get("/dashboard/").content.decode()
    assert 'href="/dashboard/orgs/pa-school/"' in landing
    page = teacher.get("/dashboard/orgs/pa-school/")
    text = page.content.decode()
    assert page.status_code == 200 and 'id="below-goal">1<' in text
    assert 'href="/dashboard/students/pa-stu-1/"' in text and "motivation" in text
    narrowed = teacher.get(
        "/dashboard/orgs/pa-school/", {"klass": "pa-school-class"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert narrowed.startswith('<div id="org-results"') and 'id="students-count">2<' in narrowed
    student = teacher.get("/dashboard/students/pa-stu-1/").content.decode()
    assert 'id="diagnosis"' in student and "placement: accuracy too low" in student
    assert 'href="/dashboard/orgs/pa-school/"' in student  # back to the school
    district = _login(logins["district admin a"]).get("/dashboard/orgs/pa-district/")
    assert district.status_code == 200 and 'id="students-count">2<' in district.content.decode()


def test_who_may_open_a_school(world: dict[str, object], school: Scene) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    assert _login(logins["teacher a"]).get("/dashboard/orgs/pb-school/").status_code == 404
    assert _login(logins["teacher a"]).get("/dashboard/orgs/pa-district/").status_code == 404
    assert _login(logins["student a"]).get("/dashboard/orgs/pa-school/").status_code == 404
    assert _login("dev-a").get("/dashboard/orgs/pa-school/").status_code == 404
    assert _login("root").get("/dashboard/orgs/pb-school/").status_code == 200
    student_view = _login(logins["student a"]).get("/dashboard/students/pa-stu-0/")
    assert 'id="diagnosis"' not in student_view.content.decode()


@pytest.mark.parametrize("query", [{"days": "0"}, {"days": "x"}, {"days": "365"}])
def test_a_bad_window_gets_a_400(world: dict[str, object], query: dict) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    response = _login(logins["teacher a"]).get("/dashboard/orgs/pa-school/", query)
    assert response.status_code == 400 and "days:" in response.content.decode()


def test_students_of_other_schools_are_not_counted(world: dict[str, object], school: Scene):
    b: Scene = world["b"]  # type: ignore[assignment]
    User.objects.filter(pk=b.students[0].pk).update(primary_org=school.school)
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    text = _login(logins["teacher a"]).get("/dashboard/orgs/pa-school/").content.decode()
    # The moved student's org scope is still b's: the teacher's grant does not cover it.
    assert 'id="students-count">2<' in text


def test_staff_set_a_students_password(world: dict[str, object], school: Scene) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    teacher = _login(logins["teacher a"])
    url = "/dashboard/students/pa-stu-1/password/"
    assert 'id="student-password"' in teacher.get("/dashboard/students/pa-stu-1/").content.decode()
    short = teacher.post(url, {"password": "abc", "confirm": "abc"})
    assert short.status_code == 400 and "password:" in short.content.decode()
    differ = teacher.post(url, {"password": PASSWORD, "confirm": PASSWORD + "x"})
    assert (
        differ.status_code == 400 and "confirm: the two passwords differ" in differ.content.decode()
    )
    assert not User.objects.get(sourced_id="pa-stu-1").login_id
    done = teacher.post(url, {"password": PASSWORD, "confirm": PASSWORD}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "signs in as <code>pa-stu-1</code>" in done.content.decode()
    assert _login("pa-stu-1").get("/dashboard/")["Location"] == "/dashboard/students/pa-stu-1/"
    # Nobody else may: the student themself, other schools' staff, developers.
    assert _login(logins["student a"]).post(url, {"password": PASSWORD}).status_code == 403
    assert _login("dev-a").post(url, {"password": PASSWORD}).status_code == 403
    other = "/dashboard/students/pb-stu-0/password/"
    assert teacher.post(other, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 404
    assert teacher.get(url).status_code == 405
    student_view = _login(logins["student a"]).get("/dashboard/students/pa-stu-0/")
    assert 'id="student-password"' not in student_view.content.decode()


def test_the_students_are_paged_flagged_first(world: dict[str, object], school: Scene) -> None:
    from django.contrib.auth import get_user_model

    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    viewer = viewer_for(login=get_user_model().objects.get(username=logins["teacher a"]))
    today = timezone.now().date()
    first = org_overview(viewer=viewer, org=school.school, start=today, end=today, per_page=1)
    assert first.page.paginator.num_pages == 2 and len(first.students) == 2
    # Both are flagged; within them, by name: S0 before S1.
    assert [s.sourced_id for s in first.page] == ["pa-stu-0"]
    second = org_overview(
        viewer=viewer, org=school.school, start=today, end=today, per_page=1, page=2
    )
    assert [s.sourced_id for s in second.page] == ["pa-stu-1"] and second.page[0].apps
    text = _login(logins["teacher a"]).get("/dashboard/orgs/pa-school/", {"page": "9"}).content
    assert b"Page 1 of 1" not in text  # one page only: no pager
    assert (
        _login(logins["teacher a"]).get("/dashboard/orgs/pa-school/", {"page": "0"}).status_code
        == 400
    )


def test_the_school_page_query_count(
    world: dict[str, object], school: Scene, django_assert_num_queries
) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    teacher = _login(logins["teacher a"])
    # Session and login, the viewer (login, roles, org subtree), the org, 7 for the data.
    with django_assert_num_queries(14):
        assert teacher.get("/dashboard/orgs/pa-school/").status_code == 200
