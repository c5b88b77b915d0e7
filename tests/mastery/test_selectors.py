"""Selectors of the read APIs: parameters, day bucketing by timezone, the TimeFact shortcut,
mastery-derived grades, time summaries and tenancy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from common.exceptions import ApplicationError, NotFound
from mastery import selectors
from roster.models import Course
from tests.mastery.analytics_factories import (
    activity_record,
    app_client,
    mastery_fact,
    time_record,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def a():
    return make_tenant("a")


@pytest.fixture
def app(a):
    return app_client(a.district)


# ---- parameters ---------------------------------------------------------------------------------


def test_timezone_defaults_to_utc_and_rejects_unknown_names():
    assert selectors.timezone_parse(value=None) is dt.UTC
    assert selectors.timezone_parse(value="America/New_York") == NY
    for bad in ("Mars/Olympus", "../etc", "not a zone"):
        with pytest.raises(ApplicationError) as err:
            selectors.timezone_parse(value=bad)
        assert err.value.field == "timezone"
        assert bad in err.value.message


def test_date_range_bare_dates_cover_whole_local_days():
    rng = selectors.date_range_parse(start="2025-01-14", end="2025-01-15", tz=NY)
    assert rng.start == dt.datetime(2025, 1, 14, tzinfo=NY)
    assert rng.end.astimezone(dt.UTC) == utc(2025, 1, 16, 4, 59, 59, 999999)


def test_date_range_accepts_what_the_official_client_sends():
    rng = selectors.date_range_parse(
        start="2025-01-14T05:00:00.000Z", end="2025-01-15T04:59:59.999Z", tz=NY
    )
    assert rng.start == utc(2025, 1, 14, 5)
    assert rng.end == utc(2025, 1, 15, 4, 59, 59, 999000)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, "2025-01-01", "startDate"),
        ("2025-01-01", None, "endDate"),
        ("yesterday", "2025-01-01", "startDate"),
        ("2025-01-01", "2025-13-01", "endDate"),
        ("2025-01-02", "2025-01-01", "endDate"),
    ],
)
def test_date_range_errors_name_the_field(start, end, field):
    with pytest.raises(ApplicationError) as err:
        selectors.date_range_parse(start=start, end=end, tz=dt.UTC)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("week_date", "tz", "sunday"),
    [
        ("2025-01-15", dt.UTC, dt.date(2025, 1, 12)),  # a Wednesday
        ("2025-01-12", dt.UTC, dt.date(2025, 1, 12)),  # the Sunday itself
        ("2025-01-18", dt.UTC, dt.date(2025, 1, 12)),  # the Saturday
        # The client sends local midnight converted to UTC: still the local Sunday.
        ("2025-01-12T05:00:00.000Z", NY, dt.date(2025, 1, 12)),
        ("2025-01-12T02:00:00Z", NY, dt.date(2025, 1, 5)),  # still Saturday in New York
    ],
)
def test_week_is_sunday_to_saturday_in_local_days(week_date, tz, sunday):
    got, rng = selectors.week_range(week_date=week_date, tz=tz)
    assert got == sunday
    assert rng.start == dt.datetime.combine(sunday, dt.time.min, tzinfo=tz)
    assert rng.end.astimezone(tz).date() == sunday + dt.timedelta(days=6)


def test_grade_rank_orders_ceds_codes():
    ranks = [selectors.grade_rank(g) for g in ("PK", "KG", "K", "01", "3", "12", "13")]
    assert ranks == [-1, 0, 0, 1, 3, 12, 13]
    assert selectors.grade_rank("Other") is None


def test_course_sourced_id_from_iris():
    url = "https://x.example/ims/oneroster/rostering/v1p2/courses/c-1"
    assert selectors.course_sourced_id(url) == "c-1"
    assert selectors.course_sourced_id("urn:uuid:abc") == "abc"
    assert selectors.course_sourced_id("c-2") == "c-2"


# ---- who ----------------------------------------------------------------------------------------


def test_student_outside_the_grant_is_not_found(a):
    b = make_tenant("b")
    org_ids = {a.district.pk, a.school.pk}
    assert selectors.student_get(org_ids=org_ids, sourced_id="a-student") == a.student
    assert selectors.student_get(org_ids=org_ids, email="STUDENT@a.example.org") == a.student
    with pytest.raises(NotFound):
        selectors.student_get(org_ids=org_ids, sourced_id=b.student.sourced_id)
    with pytest.raises(NotFound):
        selectors.student_get(org_ids=org_ids, email=b.student.email)
    with pytest.raises(ApplicationError) as err:
        selectors.student_get(org_ids=org_ids)
    assert err.value.field == "studentId"


# ---- daily facts --------------------------------------------------------------------------------


def test_days_are_local_days_of_the_timezone(a, app):
    # 02:00 UTC on the 15th is 21:00 on the 14th in New York.
    activity_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 2), xp_awarded=4)
    time_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 2), active=120)
    in_utc = selectors.daily_facts_get(
        student_id=a.student.pk,
        rng=selectors.date_range_parse(start="2025-01-14", end="2025-01-15", tz=dt.UTC),
        tz=dt.UTC,
    )
    assert list(in_utc.by_app) == [dt.date(2025, 1, 15)]
    in_ny = selectors.daily_facts_get(
        student_id=a.student.pk,
        rng=selectors.date_range_parse(start="2025-01-14", end="2025-01-15", tz=NY),
        tz=NY,
    )
    assert list(in_ny.by_app) == [dt.date(2025, 1, 14)]
    metrics = in_ny.by_subject()[dt.date(2025, 1, 14)]["Math"]
    assert (metrics.xp_earned, metrics.active_seconds, metrics.apps) == (4, 120, {"FastMath"})


def test_time_fact_shortcut_agrees_with_the_raw_events(a, app):
    for day in (13, 14, 15):
        for hour in (0, 12, 23):
            time_record(
                student=a.student,
                api_client=app,
                at=utc(2025, 1, day, hour, 30),
                active=60 * hour + 1,
                inactive=5,
                waste=day,
                app="Reader" if hour == 12 else "FastMath",
                subject="Reading" if hour == 23 else "Math",
            )
    whole_days = selectors.date_range_parse(start="2025-01-13", end="2025-01-15", tz=dt.UTC)
    assert selectors._whole_utc_days(whole_days) is not None
    # Ending a little before the end of the 15th (after its last event): not whole days,
    # so this reads the raw events.
    mid_day = selectors.DateRange(start=whole_days.start, end=utc(2025, 1, 15, 23, 59, 59))
    assert selectors._whole_utc_days(mid_day) is None
    raw_path = selectors.daily_facts_get(student_id=a.student.pk, rng=mid_day, tz=dt.UTC)
    shortcut = selectors.daily_facts_get(student_id=a.student.pk, rng=whole_days, tz=dt.UTC)
    assert raw_path == shortcut
    assert len(shortcut.by_app) == 3


def test_unprocessed_and_other_students_events_are_not_counted(a, app):
    b = make_tenant("b")
    activity_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 9), processed=False)
    time_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 9), processed=False)
    activity_record(student=b.student, api_client=app, at=utc(2025, 1, 15, 9))
    time_record(student=b.student, api_client=app, at=utc(2025, 1, 15, 9))
    for tz in (dt.UTC, NY):
        facts = selectors.daily_facts_get(
            student_id=a.student.pk,
            rng=selectors.date_range_parse(start="2025-01-14", end="2025-01-16", tz=tz),
            tz=tz,
        )
        assert facts.by_app == {}


def test_course_filter_keys_on_the_course_sourced_id(a, app):
    url = "https://api.example/ims/oneroster/rostering/v1p2/courses/a-c-math"
    activity_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 9), course_iri=url)
    at = utc(2025, 1, 15, 9)
    activity_record(student=a.student, api_client=app, at=at, course_iri="a-c-math")
    activity_record(
        student=a.student, api_client=app, at=utc(2025, 1, 15, 9), course_iri=url + "-2"
    )
    time_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 9), course_iri=url)
    time_record(student=a.student, api_client=app, at=utc(2025, 1, 15, 9), active=999)
    facts = selectors.daily_facts_get(
        student_id=a.student.pk,
        rng=selectors.DateRange(start=None, end=None),
        tz=dt.UTC,
        course_sourced_id="a-c-math",
    )
    metrics = facts.by_subject()[dt.date(2025, 1, 15)]["Math"]
    assert metrics.xp_earned == 10
    assert metrics.active_seconds == 60


# ---- weekly rows --------------------------------------------------------------------------------


def test_weekly_rows_join_outcome_and_enrollment(a, app):
    url = "https://api.example/ims/oneroster/rostering/v1p2/courses/a-c-math"
    done = activity_record(
        student=a.student, api_client=app, at=utc(2025, 1, 13, 9), course_iri=url, xp_awarded=7
    )
    pending = activity_record(
        student=a.student, api_client=app, at=utc(2025, 1, 14, 9), processed=False
    )
    spent = time_record(student=a.student, api_client=app, at=utc(2025, 1, 14, 10))
    activity_record(student=a.student, api_client=app, at=utc(2025, 1, 19, 0, 0, 1))  # next week
    _, rng = selectors.week_range(week_date="2025-01-15", tz=dt.UTC)
    rows = selectors.weekly_fact_rows(student=a.student, rng=rng)
    assert [r["id"] for r in rows] == [done.pk, pending.pk, spent.pk]
    assert rows[0]["outcome__xp_awarded"] == 7
    assert rows[0]["course_id"] == "a-c-math"
    assert rows[0]["enrollment_id"] == "a-e-student"
    assert rows[1]["outcome__xp_awarded"] is None
    assert rows[1]["enrollment_id"] is None


# ---- highest grade mastered ---------------------------------------------------------------------


def test_highest_grade_is_the_highest_course_with_every_unit_mastered(a):
    courses = {}
    for sid, grade in (("g3", "03"), ("g4", "04"), ("g5", "05")):
        courses[sid] = Course.objects.create(
            sourced_id=sid, title=sid, org=a.district, org_scope=a.district, grades=[grade]
        )
    base = "https://api.example/ims/oneroster/rostering/v1p2/courses/"
    mastery_fact(student=a.student, course_iri=base + "g3", unit_iri="u1", best_accuracy=0.9)
    mastery_fact(student=a.student, course_iri=base + "g3", unit_iri="u2", best_accuracy=1.0)
    # A unit without questions (a video) neither counts for nor against the course.
    mastery_fact(student=a.student, course_iri=base + "g3", unit_iri="v1", best_accuracy=None)
    # Grade 4: one unit below the 90% gate: not mastered.
    mastery_fact(student=a.student, course_iri=base + "g4", unit_iri="u1", best_accuracy=0.95)
    mastery_fact(student=a.student, course_iri=base + "g4", unit_iri="u2", best_accuracy=0.89)
    # Grade 5 mastered, but in another subject.
    mastery_fact(student=a.student, course_iri=base + "g5", unit_iri="u1", subject="Reading")
    math = selectors.highest_grade_mastered_get(student=a.student, subject="math")
    assert math.highest_grade_overall == "03"
    assert (math.rit_grade, math.placement_grade, math.test_out_grade) == (None, None, None)
    reading = selectors.highest_grade_mastered_get(student=a.student, subject="Reading")
    assert reading.highest_grade_overall == "05"
    science = selectors.highest_grade_mastered_get(student=a.student, subject="Science")
    assert science.highest_grade_overall is None


# ---- XP ledger and insights ---------------------------------------------------------------------


def test_xp_page_filters_by_application_and_range(a, app):
    other = app_client(a.district, client_id="other-app")
    for day in (10, 11, 12):
        activity_record(student=a.student, api_client=app, at=utc(2025, 1, day, 9))
    activity_record(student=a.student, api_client=other, at=utc(2025, 1, 11, 9))
    everything = selectors.DateRange(start=None, end=None)
    page = selectors.xp_entries_page(
        student_id=a.student.pk, application_id=None, rng=everything, offset=1, limit=2
    )
    assert page.total == 4
    assert [e.occurred_at.day for e in page.entries] == [11, 11]
    mine = selectors.xp_entries_page(
        student_id=a.student.pk,
        application_id="other-app",
        rng=selectors.date_range_parse(start="2025-01-11", end="2025-01-11", tz=dt.UTC),
        offset=0,
        limit=100,
    )
    assert mine.total == 1


def test_time_summary_waste_percentage_over_active_inactive_waste(a, app):
    time_record(
        student=a.student, api_client=app, at=utc(2025, 1, 10), active=3000, waste=400, inactive=200
    )
    time_record(
        student=a.student, api_client=app, at=utc(2025, 1, 11), subject="Reading", active=100
    )
    activity_record(student=a.student, api_client=app, at=utc(2025, 1, 10), xp_awarded=12.5)
    overall, per_subject = selectors.time_summary_get(student_id=a.student.pk)
    assert overall.total_seconds == 3700
    assert overall.waste_percentage == round(100 * 400 / 3700, 2)
    assert overall.total_xp_earned == 12.5
    assert overall.fact_count == 3
    assert list(per_subject) == ["Math", "Reading"]
    assert per_subject["Math"].waste_percentage == round(100 * 400 / 3600, 2) == 11.11
    assert per_subject["Reading"].total_xp_earned == 0
