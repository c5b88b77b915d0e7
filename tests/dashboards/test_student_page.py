"""The student page: today's XP against the goal, the week, time saved, waste, mastery per
subject and course, recent activity; read from rollups in a pinned number of queries; and
its HTMX refresh (204 while nothing changed, the fragment once something did)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dashboards.selectors import student_dashboard
from mastery.models import MasteryFact, StudentAppDayRollup, StudentDailyRollup
from roster.models import AcademicSession, Class, Enrollment
from tests.dashboards.conftest import PASSWORD
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

GOALS = {"goals": {"dailyXp": 40, "dailyActiveMinutes": 30}, "metrics": {"totalLessons": 10}}


def _enrol(scene: Scene) -> None:
    scene.course.metadata = GOALS
    scene.course.save()
    term = AcademicSession.objects.create(
        sourced_id=f"{scene.school.sourced_id}-term",
        title="Term",
        type="term",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        school_year="2026",
        org=scene.school,
        org_scope=scene.school,
    )
    klass = Class.objects.create(
        sourced_id=f"{scene.school.sourced_id}-class",
        title="Math 4A",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    klass.terms.add(term)
    for student in scene.students:
        Enrollment.objects.create(
            sourced_id=f"enr-{student.sourced_id}",
            user=student,
            klass=klass,
            school=scene.school,
            role="student",
            org_scope=scene.school,
        )


def _activity(scene: Scene, today: dt.date) -> None:
    student = scene.student
    StudentDailyRollup.objects.create(
        student=student,
        org_scope=student.org_scope,
        day=today,
        xp=45,
        active_seconds=2700,
        inactive_seconds=600,
        waste_seconds=300,
    )
    StudentDailyRollup.objects.create(
        student=student, org_scope=student.org_scope, day=today - dt.timedelta(days=1), xp=10
    )
    for unit, mastered in (("u1", True), ("u2", True), ("u3", False)):
        MasteryFact.objects.create(
            student=student,
            org_scope=student.org_scope,
            course_iri=scene.course_iri,
            course_name="Math G4",
            subject="Math",
            unit_iri=f"https://app.example.org/{unit}",
            attempts=1,
            mastered=mastered,
        )
    StudentAppDayRollup.objects.create(
        api_client=scene.api_client,
        day=today,
        student=student,
        org_scope=student.org_scope,
        course_iri=scene.course_iri,
        course_name="Math G4",
        subject="Math",
        completions=3,
        xp=45,
        total_questions=20,
        correct_questions=18,
        active_seconds=2700,
    )


def test_the_figures(world: dict[str, object], django_assert_num_queries) -> None:
    scene: Scene = world["a"]  # type: ignore[assignment]
    today = timezone.now().date()
    _enrol(scene)
    _activity(scene, today)
    with django_assert_num_queries(8):
        data = student_dashboard(student=scene.student, today=today)
    assert data.goals.xp == 40 and data.goal_share == 1.0
    assert data.week.xp_today == 45 and data.week.streak == 2
    # Goal met after 1 h of screen time: 7 h − 1 h saved.
    assert data.time_saved_today_s == 6 * 3600 and data.time_saved_week_s == 6 * 3600
    ((subject, (course,)),) = data.subjects
    assert subject == "Math" and (course.mastered, course.total, course.level) == (2, 10, "Grade 4")
    assert course.percent == 20
    (recent,) = data.recent
    assert (recent.app, recent.completions, recent.accuracy) == ("pa-app", 3, 0.9)


def test_the_page_and_its_refresh(world: dict[str, object], django_assert_num_queries) -> None:
    scene: Scene = world["a"]  # type: ignore[assignment]
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    today = timezone.now().date()
    _enrol(scene)
    _activity(scene, today)
    client = Client()
    client.post("/accounts/login/", {"username": logins["student a"], "password": PASSWORD})
    url = f"/dashboard/students/{scene.student.sourced_id}/"
    # Session and login, the viewer (login, roles, org subtree), the student, 8 for the data.
    with django_assert_num_queries(14):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="xp-today" data-xp="45"' in text and 'id="xp-goal">40<' in text
    assert "6 h 0 min" in text and "XP this week" in text and "Table: XP this week" in text
    assert "Grade 4" in text and "2 / 10" in text
    assert 'hx-trigger="every' in text and "vendor/plotly.min.js" in text
    version = text.split('data-version="', 1)[1].split('"', 1)[0]
    poll = {"HTTP_HX_REQUEST": "true"}
    assert client.get(url, {"since": version}, **poll).status_code == 204
    StudentDailyRollup.objects.filter(student=scene.student, day=today).update(
        xp=60, updated_at=timezone.now() + dt.timedelta(seconds=1)
    )
    fragment = client.get(url, {"since": version}, **poll)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="student-dashboard"') and "<html" not in body
    assert 'data-xp="60"' in body


def test_staff_open_their_students_only(world: dict[str, object]) -> None:
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    teacher = Client()
    teacher.post("/accounts/login/", {"username": logins["teacher a"], "password": PASSWORD})
    assert teacher.get("/dashboard/students/pa-stu-1/").status_code == 200
    assert teacher.get("/dashboard/students/pb-stu-0/").status_code == 404
    developer = Client()
    developer.post("/accounts/login/", {"username": "dev-a", "password": PASSWORD})
    assert developer.get("/dashboard/students/pa-stu-0/").status_code == 404
