"""The developer dashboard: figures from the per student × app × course × day rollup,
filters by course, grade and dates, CSV downloads, a pinned query count, and tenancy."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from dashboards.selectors import AppFilters, app_dashboard
from mastery.models import AppDailyRollup, AppEventQuality, StudentAppDayRollup
from tests.dashboards.conftest import PASSWORD
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

OTHER_COURSE = "https://timeback.example.org/ims/oneroster/rostering/v1p2/courses/other"


def _row(scene: Scene, student: int, day: dt.date, **values) -> StudentAppDayRollup:
    person = scene.students[student]
    defaults = {"course_iri": scene.course_iri, "course_name": "Math G4", "grade": "04"}
    return StudentAppDayRollup.objects.create(
        api_client=scene.api_client,
        day=day,
        student=person,
        org_scope=person.org_scope,
        **(defaults | values),
    )


@pytest.fixture
def data(world: dict[str, object]) -> Scene:
    scene: Scene = world["a"]  # type: ignore[assignment]
    scene.course.metadata = {"metrics": {"totalLessons": 4}}
    scene.course.save()
    today = timezone.now().date()
    yesterday = today - dt.timedelta(days=1)
    _row(
        scene,
        0,
        today,
        events=10,
        completions=2,
        assessed=2,
        xp=20,
        total_questions=20,
        correct_questions=19,
        units_mastered=2,
        mastery_minutes=24,
        active_seconds=1200,
        waste_seconds=300,
    )
    _row(
        scene,
        0,
        yesterday,
        events=4,
        completions=1,
        assessed=1,
        xp=5,
        total_questions=10,
        correct_questions=5,
        active_seconds=600,
    )
    _row(
        scene,
        1,
        today,
        events=6,
        completions=1,
        assessed=1,
        xp=8,
        total_questions=10,
        correct_questions=7,
        active_seconds=600,
        course_iri=OTHER_COURSE,
        course_name="Reading",
        grade="05",
    )
    # The app-day rollups the pipeline keeps alongside (what the unfiltered days read).
    AppEventQuality.objects.create(
        api_client=scene.api_client, day=today, events=16, completions=3, xp_above_active=1
    )
    AppEventQuality.objects.create(
        api_client=scene.api_client, day=yesterday, events=4, completions=1
    )
    AppDailyRollup.objects.create(
        api_client=scene.api_client,
        day=today,
        students=2,
        activities_completed=3,
        xp=28,
        active_seconds=1800,
        waste_seconds=300,
    )
    AppDailyRollup.objects.create(
        api_client=scene.api_client,
        day=yesterday,
        students=1,
        activities_completed=1,
        xp=5,
        active_seconds=600,
    )
    return scene


def test_the_figures_in_four_queries(data: Scene, django_assert_num_queries) -> None:
    today = timezone.now().date()
    filters = AppFilters(start=today - dt.timedelta(days=29), end=today)
    # The range's rows grouped per student and course, the courses, quality and days.
    with django_assert_num_queries(4):
        board = app_dashboard(app=data.api_client, filters=filters)
    assert board.students_reached == 2 and board.events == 20 and board.completions == 4
    assert [(d.students, d.events) for d in board.days] == [(1, 4), (2, 16)]
    # Student 0: 24/30 = 80%; student 1: 70%.
    assert dict(board.accuracy_histogram) == {
        "0–50%": 0,
        "50–60%": 0,
        "60–70%": 0,
        "70–80%": 1,
        "80–90%": 1,
        "90–95%": 0,
        "95–100%": 0,
    }
    assert dict(board.mastery_minutes_histogram)["10–15 min"] == 1  # 24 min / 2 units
    assert board.xp_per_active_minute == pytest.approx(33 / 40)
    assert board.waste_percent == pytest.approx(100 * 300 / 2700)
    math = next(c for c in board.courses if c.course_iri == data.course_iri)
    assert (math.students, math.units_mastered, math.total_units) == (1, 2, 4)
    assert math.completion == 0.5
    assert board.quality["xp_above_active"] == 1
    assert board.grade_options == ["04", "05"] and len(board.course_options) == 2

    with django_assert_num_queries(4):
        by_course = app_dashboard(
            app=data.api_client,
            filters=AppFilters(filters.start, filters.end, course_iri=OTHER_COURSE),
        )
    assert by_course.students_reached == 1 and by_course.events == 6
    by_grade = app_dashboard(app=data.api_client, filters=AppFilters(today, today, grade="04"))
    assert by_grade.events == 10 and len(by_grade.days) == 1
    assert by_grade.grade_options == ["04", "05"]  # the options ignore the filters


def _dev(username: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def test_the_page_filters_and_csv(data: Scene, django_assert_num_queries) -> None:
    client = _dev("dev-a")
    url = f"/dashboard/apps/{data.api_client.pk}/"
    # Session and login, the viewer (developer account, org subtree), the app, 4 for the data.
    with django_assert_num_queries(10):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and 'id="students-reached">2<' in text
    assert "Accuracy per student" in text and "Table: Time to mastery per student" in text
    fragment = client.get(url, {"grade": "05"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="app-results"') and 'id="students-reached">1<' in fragment
    download = client.get(url, {"download": "courses"})
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["course", "course_iri", "students"] and len(rows) == 3
    for table in ("days", "accuracy", "mastery_minutes", "quality"):
        assert client.get(url, {"download": table}).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "2026-05-02", "end": "2026-05-01"}, "start"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "start"),
        ({"download": "passwords"}, "download"),
        ({"grade": "x" * 20}, "grade"),
    ],
)
def test_bad_filters_get_a_400_naming_the_field(data: Scene, query: dict, field: str) -> None:
    response = _dev("dev-a").get(f"/dashboard/apps/{data.api_client.pk}/", query)
    assert response.status_code == 400 and f"{field}:" in response.content.decode()


def test_only_the_developers_own_apps(world: dict[str, object], data: Scene) -> None:
    b: Scene = world["b"]  # type: ignore[assignment]
    logins: dict[str, str] = world["logins"]  # type: ignore[assignment]
    assert _dev("dev-a").get(f"/dashboard/apps/{data.api_client.pk}/").status_code == 200
    assert _dev("dev-b").get(f"/dashboard/apps/{data.api_client.pk}/").status_code == 404
    assert _dev("dev-b").get(f"/dashboard/apps/{b.api_client.pk}/").status_code == 200
    for kind in ("student a", "teacher a"):
        assert _dev(logins[kind]).get(f"/dashboard/apps/{data.api_client.pk}/").status_code == 404
    assert _dev("root").get(f"/dashboard/apps/{b.api_client.pk}/").status_code == 200
