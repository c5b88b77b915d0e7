"""Read APIs in Timeback's shapes: EduBridge analytics, the XP ledger and insights.

Facts are built directly (tests/mastery/analytics_factories.py). Response shapes are pinned
under tests/mastery/responses/ (ids scrubbed); query counts are pinned and do not grow with
the number of events.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from roster.models import Course
from tests.mastery.analytics_factories import (
    SENSOR,
    activity_record,
    app_client,
    mastery_fact,
    time_record,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

RESPONSES = Path(__file__).parent / "responses"
COURSE_URL = "https://api.example/ims/oneroster/rostering/v1p2/courses/a-c-math"
ACTIVITY = "/edubridge/analytics/activity"
WEEKLY = "/edubridge/analytics/facts/weekly"
FRACTIONS = f"{SENSOR}/activities/math/g3/fractions-1"
STORY = f"{SENSOR}/activities/reading/g3/story-2"

# Per request, once the client's grant is cached: the access token (1), the student or
# enrollment (1), then two data queries.
QUERIES = {"activity": 4, "weekly": 4, "enrollment": 4, "grade": 4, "xp": 4, "insights": 4}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _scrub(node, keys=("id", "sourceEventId")):
    if isinstance(node, dict):
        return {k: ("<id>" if k in keys else _scrub(v, keys)) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub(v, keys) for v in node]
    return node


def assert_pinned(name: str, body: dict) -> None:
    path = RESPONSES / f"{name}.json"
    got = _scrub(body)
    if os.environ.get("UPDATE_RESPONSES"):
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(path.read_text())


@pytest.fixture
def a():
    return make_tenant("a")


@pytest.fixture
def b():
    return make_tenant("b")


@pytest.fixture
def app(a):
    return app_client(a.district, client_id="fastmath-app")


@pytest.fixture
def reader(a, b, api_client_for):
    api = api_client_for(a.district, scopes=("events.readonly",))
    # The first request caches the client's grant (org subtrees): steady state from here on.
    assert api.get("/insights/1.0/users/nobody").status_code == 404
    return api


@pytest.fixture
def week(a, app):
    """A week of a student's learning in two subjects and two apps, across a UTC midnight."""
    s = a.student
    # Monday 13 Jan, 15:00 UTC (10:00 New York): Math in two apps.
    time_record(
        student=s,
        api_client=app,
        at=utc(2025, 1, 13, 15),
        active=600,
        inactive=30,
        activity_iri=FRACTIONS,
    )
    activity_record(
        student=s,
        api_client=app,
        at=utc(2025, 1, 13, 15, 10),
        activity_iri=FRACTIONS,
        course_iri=COURSE_URL,
        course_name="Algebra",
        activity_name="Fractions 1",
        total=10,
        correct=10,
        xp_reported=12,
        xp_awarded=12.5,
        mastered=1,
    )
    time_record(
        student=s,
        api_client=app,
        at=utc(2025, 1, 13, 16),
        app="Reader",
        active=120,
        waste=60,
        activity_iri=f"{SENSOR}/activities/warmup",
    )
    # Wednesday 15 Jan 02:00 UTC = Tuesday 14 Jan 21:00 in New York: Reading.
    time_record(
        student=s,
        api_client=app,
        at=utc(2025, 1, 15, 2),
        subject="Reading",
        app="Reader",
        active=300,
        course_iri=COURSE_URL,
        activity_iri=STORY,
    )
    activity_record(
        student=s,
        api_client=app,
        at=utc(2025, 1, 15, 2, 5),
        subject="Reading",
        app="Reader",
        total=5,
        correct=4,
        xp_reported=5,
        xp_awarded=4,
        attempt=2,
        event_type="TimebackActivityEvent",
        activity_iri=STORY,
    )
    return s


# ---- activity -----------------------------------------------------------------------------------


def test_activity_shape(reader, week, django_assert_num_queries):
    with django_assert_num_queries(QUERIES["activity"]):
        response = reader.get(
            ACTIVITY,
            {
                "studentId": "a-student",
                "startDate": "2025-01-12T00:00:00.000Z",
                "endDate": "2025-01-18T23:59:59.999Z",
            },
        )
    assert response.status_code == 200, response.content
    assert_pinned("activity", response.json())


def test_activity_by_email_in_a_timezone(reader, week):
    response = reader.get(
        ACTIVITY,
        {
            "email": "student@a.example.org",
            "startDate": "2025-01-12T05:00:00.000Z",
            "endDate": "2025-01-19T04:59:59.999Z",
            "timezone": "America/New_York",
        },
    )
    assert response.status_code == 200, response.content
    assert_pinned("activity_new_york", response.json())
    assert sorted(response.json()["facts"]) == ["2025-01-13", "2025-01-14"]


def test_activity_query_count_is_flat(reader, a, app, django_assert_num_queries):
    for i in range(40):
        activity_record(student=a.student, api_client=app, at=utc(2025, 1, 1 + i % 20, 9))
        time_record(student=a.student, api_client=app, at=utc(2025, 1, 1 + i % 20, 9, 30))
    for tz in ("UTC", "Asia/Kolkata"):
        with django_assert_num_queries(QUERIES["activity"]):
            response = reader.get(
                ACTIVITY,
                {
                    "studentId": "a-student",
                    "startDate": "2025-01-01",
                    "endDate": "2025-01-31",
                    "timezone": tz,
                },
            )
        assert response.status_code == 200
        facts = response.json()["facts"]
        assert sum(f["Math"]["activityMetrics"]["xpEarned"] for f in facts.values()) == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startDate": "2025-01-01", "endDate": "2025-01-02"}, "studentId"),
        ({"studentId": "a-student", "endDate": "2025-01-02"}, "startDate"),
        ({"studentId": "a-student", "startDate": "soon", "endDate": "2025-01-02"}, "startDate"),
        ({"studentId": "a-student", "startDate": "2025-01-03", "endDate": "2025-01-02"}, "endDate"),
        (
            {
                "studentId": "a-student",
                "startDate": "2025-01-01",
                "endDate": "2025-01-02",
                "timezone": "Mars/Olympus_Mons",
            },
            "timezone",
        ),
    ],
)
def test_activity_bad_parameters_are_400_naming_the_field(reader, params, field):
    response = reader.get(ACTIVITY, params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["errors"][0]["field"] == field
    assert field in body["message"] or body["errors"][0]["message"] == body["message"]


def test_invalid_timezone_message_names_it(reader):
    response = reader.get(
        ACTIVITY,
        {
            "studentId": "a-student",
            "startDate": "2025-01-01",
            "endDate": "2025-01-02",
            "timezone": "Mars/Olympus_Mons",
        },
    )
    assert response.json() == {
        "status": "error",
        "message": "timezone must be an IANA timezone name (e.g. America/New_York), "
        "got 'Mars/Olympus_Mons'",
        "errors": [
            {
                "field": "timezone",
                "message": "timezone must be an IANA timezone name (e.g. America/New_York), "
                "got 'Mars/Olympus_Mons'",
            }
        ],
    }


# ---- auth and tenancy ---------------------------------------------------------------------------


def _every_route(student: str, enrollment: str) -> list[tuple[str, dict]]:
    span = {"startDate": "2025-01-01", "endDate": "2025-01-31"}
    return [
        (ACTIVITY, {"studentId": student, **span}),
        (WEEKLY, {"studentId": student, "weekDate": "2025-01-15"}),
        (f"/edubridge/analytics/enrollment/{enrollment}", span),
        (f"/edubridge/analytics/highestGradeMastered/{student}/Math", {}),
        (f"/xp/1.0/users/{student}/entries", {}),
        (f"/insights/1.0/users/{student}", {}),
    ]


def test_every_route_needs_a_token(client, a):
    for path, params in _every_route("a-student", "a-e-student"):
        response = client.get(path, params)
        assert response.status_code == 401, path
        assert response.json()["status"] == "error"
        assert response.json()["errors"][0]["field"] == "Authorization"


@pytest.mark.parametrize("scopes", [("roster.readonly",), ("admin",)])
def test_every_route_needs_an_events_read_scope(a, api_client_for, scopes):
    # OneRoster's "admin" does not imply the Caliper scopes.
    api = api_client_for(a.district, scopes=scopes)
    for path, params in _every_route("a-student", "a-e-student"):
        response = api.get(path, params)
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["field"] == "scope"


def test_caliper_admin_may_read(a, api_client_for, week):
    api = api_client_for(a.district, scopes=("caliper.admin",))
    for path, params in _every_route("a-student", "a-e-student"):
        assert api.get(path, params).status_code == 200, path


def test_students_and_enrollments_outside_the_grant_are_404(reader, b):
    for path, params in _every_route("b-student", "b-e-student"):
        response = reader.get(path, params)
        assert response.status_code == 404, path
        assert response.json()["status"] == "error"
    response = reader.get(
        ACTIVITY,
        {"email": "student@b.example.org", "startDate": "2025-01-01", "endDate": "2025-01-02"},
    )
    assert response.status_code == 404


# ---- weekly -------------------------------------------------------------------------------------


def test_weekly_shape(reader, week, django_assert_num_queries):
    with django_assert_num_queries(QUERIES["weekly"]):
        response = reader.get(
            WEEKLY,
            {
                "studentId": "a-student",
                "weekDate": "2025-01-15T05:00:00.000Z",
                "timezone": "America/New_York",
            },
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert_pinned("weekly", body)
    assert [row["dayOfWeek"] for row in body["facts"]] == [1, 1, 1, 2, 2]
    assert {row["eventType"] for row in body["facts"]} == {"ActivityEvent", "TimeSpentEvent"}


def test_weekly_bad_week_date_is_400(reader):
    response = reader.get(WEEKLY, {"studentId": "a-student", "weekDate": "last week"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "weekDate"
    response = reader.get(WEEKLY, {"studentId": "a-student"})
    assert response.json()["errors"][0]["field"] == "weekDate"


# ---- enrollment and highest grade ---------------------------------------------------------------


def test_enrollment_facts_are_the_courses(reader, week, django_assert_num_queries):
    with django_assert_num_queries(QUERIES["enrollment"]):
        response = reader.get(
            "/edubridge/analytics/enrollment/a-e-student",
            {"startDate": "2025-01-12", "endDate": "2025-01-18"},
        )
    assert response.status_code == 200, response.content
    assert_pinned("enrollment", response.json())


def test_enrollment_facts_without_a_range(reader, week):
    response = reader.get("/edubridge/analytics/enrollment/a-e-student")
    assert response.status_code == 200
    body = response.json()
    assert (body["startDate"], body["endDate"]) == (None, None)
    assert sorted(body["facts"]) == ["2025-01-13", "2025-01-15"]


def test_highest_grade_mastered(reader, a, django_assert_num_queries):
    Course.objects.create(
        sourced_id="a-c-math-4", title="Math 4", org=a.district, org_scope=a.district, grades=["04"]
    )
    mastery_fact(student=a.student, course_iri=COURSE_URL, unit_iri="u1")
    mastery_fact(student=a.student, course_iri=COURSE_URL + "-4", unit_iri="u1", best_accuracy=0.5)
    with django_assert_num_queries(QUERIES["grade"]):
        response = reader.get("/edubridge/analytics/highestGradeMastered/a-student/Math")
    assert response.status_code == 200, response.content
    assert_pinned("highest_grade", response.json())
    empty = reader.get("/edubridge/analytics/highestGradeMastered/a-student/Science").json()
    assert empty["grades"]["highestGradeOverall"] is None


# ---- XP ledger ----------------------------------------------------------------------------------


def test_xp_entries_shape_and_paging(reader, week, a, django_assert_num_queries):
    other = app_client(a.district, client_id="reader-app")
    for day in range(1, 6):
        activity_record(student=a.student, api_client=other, at=utc(2025, 2, day, 9), xp_awarded=-1)
    with django_assert_num_queries(QUERIES["xp"]):
        response = reader.get("/xp/1.0/users/a-student/entries", {"applicationId": "fastmath-app"})
    assert response.status_code == 200, response.content
    assert_pinned("xp_entries", response.json())
    paged = reader.get("/xp/1.0/users/a-student/entries", {"offset": 3, "limit": 2}).json()
    assert (paged["offset"], paged["limit"], paged["total"]) == (3, 2, 7)
    assert [e["dateGenerated"][:10] for e in paged["entries"]] == ["2025-02-02", "2025-02-03"]
    ranged = reader.get(
        "/xp/1.0/users/a-student/entries", {"startDate": "2025-02-02", "endDate": "2025-02-03"}
    ).json()
    assert ranged["total"] == 2
    assert sum(e["value"] for e in ranged["entries"]) == -2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"startDate": "then"}, "startDate"),
    ],
)
def test_xp_entries_bad_parameters(reader, params, field):
    response = reader.get("/xp/1.0/users/a-student/entries", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


# ---- insights -----------------------------------------------------------------------------------


def test_insights_time_summary(reader, week, django_assert_num_queries):
    with django_assert_num_queries(QUERIES["insights"]):
        response = reader.get("/insights/1.0/users/a-student")
    assert response.status_code == 200, response.content
    body = response.json()
    assert_pinned("insights", body)
    summary = body["insights"][0]
    assert summary["totalSeconds"] == 600 + 30 + 120 + 60 + 300
    assert summary["wastePercentage"] == round(100 * 60 / 1110, 2)
