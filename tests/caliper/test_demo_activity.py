"""Demo learning activity: sent through the real ingest path as the demo app, processed into
the rollups the dashboards read, idempotent per day, and varied enough for the diagnosis."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import timezone

from caliper.models import CaliperEvent, EventOutbox, IngestJob
from caliper.services.demo import DEMO_APP_NAME, demo_activity_seed
from common.exceptions import NotFound
from dashboards.services import demo_logins_ensure
from mastery.models import ActivityOutcome, StudentAppDayRollup, StudentDailyRollup
from mastery.progress import Finding, Totals, findings_of, school_days
from roster.models import ComponentResource, Course, User
from roster.services.demo import (
    DEMO_DISTRICT_ID,
    DEMO_SENSOR,
    demo_credentials_ensure,
    demo_district_seed,
)
from tenancy.models import ApiClient

pytestmark = pytest.mark.django_db

# A Tuesday, in the past: no event of the window is squeezed before "now".
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def demo_world() -> str:
    """The demo district, its client and logins; returns the demo student login's sourcedId."""
    demo_district_seed()
    demo_credentials_ensure()
    logins = demo_logins_ensure(district_sourced_id=DEMO_DISTRICT_ID)
    return next(login.who for login in logins if login.role == "student")


def test_events_go_through_ingest_and_the_pipeline_into_the_rollups(demo_world: str) -> None:
    summary = demo_activity_seed(today=TODAY, days=5, students=10)

    assert summary.demo_student == demo_world
    assert summary.students == 10 and summary.days_seeded == 5 and summary.days_skipped == 0
    assert summary.new == summary.events == CaliperEvent.objects.count() > 0
    assert summary.envelopes >= 1
    # Stored as the demo client and its sensor, every actor matched to a roster student,
    # every event naming the app, a subject, a demo course and a lesson.
    client = ApiClient.objects.get(application__client_id="timeback-demo-client")
    events = CaliperEvent.objects.all()
    assert set(events.values_list("api_client_id", flat=True)) == {client.pk}
    assert set(events.values_list("sensor", flat=True)) == {DEMO_SENSOR}
    assert not events.filter(user__isnull=True).exists()
    assert set(events.values_list("app_name", flat=True)) == {DEMO_APP_NAME}
    assert set(events.values_list("event_type", flat=True)) == {"ActivityEvent", "TimeSpentEvent"}
    assert not events.filter(course_iri="").exists() and not events.filter(subject="").exists()
    courses = set(Course.objects.values_list("sourced_id", flat=True))
    assert {iri.rsplit("/", 1)[-1] for iri in events.values_list("course_iri", flat=True)} <= (
        courses
    )
    lessons = set(ComponentResource.objects.values_list("sourced_id", flat=True))
    assert {iri.rsplit("/", 1)[-1] for iri in events.values_list("object_iri", flat=True)} <= (
        lessons
    )
    assert all(e.missing_fields == [] for e in events.only("missing_fields"))
    assert {e.event_time.date() for e in events.only("event_time")} <= {
        TODAY - dt.timedelta(days=n) for n in range(5)
    }

    # Processed (the outbox is empty, every job stamped) into the rollups.
    assert not EventOutbox.objects.exists()
    assert not IngestJob.objects.filter(processed_at__isnull=True).exists()
    student = User.objects.get(sourced_id=demo_world)
    today = StudentDailyRollup.objects.get(student=student, day=TODAY)
    assert today.xp > 0 and today.activities_completed > 0 and today.active_seconds > 0
    per_app = StudentAppDayRollup.objects.filter(student=student, day=TODAY)
    assert per_app.exists()
    assert per_app.aggregate(xp=Sum("xp"))["xp"] == pytest.approx(today.xp)
    assert set(per_app.values_list("api_client_id", flat=True)) == {client.pk}
    assert StudentAppDayRollup.objects.values("student").distinct().count() > 1
    # No completion was refused by the learning rules for a quality reason of the app.
    findings = Counter(
        f for fs in ActivityOutcome.objects.values_list("findings", flat=True) for f in fs
    )
    assert not {"xp_above_active", "no_time_spent", "missing_fields"} & set(findings)


def test_a_second_run_adds_nothing(demo_world: str) -> None:
    first = demo_activity_seed(today=TODAY, days=3, students=6)
    stored = CaliperEvent.objects.count()
    xp = StudentDailyRollup.objects.aggregate(xp=Sum("xp"))["xp"]

    second = demo_activity_seed(today=TODAY, days=3, students=6)

    assert first.new == stored > 0
    assert second.new == 0 and second.events == 0 and second.envelopes == 0
    assert second.days_skipped == 3
    assert CaliperEvent.objects.count() == stored
    assert StudentDailyRollup.objects.aggregate(xp=Sum("xp"))["xp"] == xp


def test_a_later_run_sends_only_the_days_not_seeded_yet(demo_world: str) -> None:
    demo_activity_seed(today=TODAY, days=3, students=6)
    per_day = Counter(e.date() for e in CaliperEvent.objects.values_list("event_time", flat=True))

    later = demo_activity_seed(today=TODAY + dt.timedelta(days=1), days=3, students=6)

    assert later.days_seeded == 1 and later.days_skipped == 2 and later.new > 0
    after = Counter(e.date() for e in CaliperEvent.objects.values_list("event_time", flat=True))
    assert after[TODAY + dt.timedelta(days=1)] == later.new
    for day, count in per_day.items():
        assert after[day] == count, day
    student = User.objects.get(sourced_id=demo_world)
    assert StudentDailyRollup.objects.get(student=student, day=TODAY + dt.timedelta(days=1)).xp > 0


def test_today_has_no_event_in_the_future(demo_world: str) -> None:
    today = timezone.now().date()
    demo_activity_seed(today=today, days=1, students=4)

    latest = CaliperEvent.objects.order_by("-event_time").values_list("event_time", flat=True)[0]
    assert latest.date() == today and latest <= timezone.now()
    student = User.objects.get(sourced_id=demo_world)
    assert StudentDailyRollup.objects.get(student=student, day=today).xp > 0


def test_envelopes_respect_the_size_limit(demo_world: str, settings: object) -> None:
    settings.CALIPER_MAX_EVENTS_PER_ENVELOPE = 25  # type: ignore[attr-defined]
    summary = demo_activity_seed(today=TODAY, days=1, students=8)

    assert summary.envelopes >= -(-summary.events // 25) > 1
    assert IngestJob.objects.count() == summary.envelopes
    assert max(IngestJob.objects.values_list("event_count", flat=True)) <= 25


def test_the_learners_give_the_diagnosis_its_cases(demo_world: str) -> None:
    summary = demo_activity_seed(today=TODAY, days=10, students=30)
    assert {"on track", "high waste", "too easy", "too hard", "no growth"} <= set(summary.profiles)
    assert summary.profiles["on track"] > summary.students / 3

    days = school_days(start=TODAY - dt.timedelta(days=9), end=TODAY)
    found: Counter[str] = Counter()
    for row in StudentDailyRollup.objects.values("student").annotate(
        xp=Sum("xp"),
        completions=Sum("activities_completed"),
        total=Sum("total_questions"),
        correct=Sum("correct_questions"),
        mastered=Sum("mastered_units"),
        active=Sum("active_seconds"),
        inactive=Sum("inactive_seconds"),
        waste=Sum("waste_seconds"),
    ):
        totals = Totals(
            xp=row["xp"],
            completions=row["completions"],
            total_questions=row["total"],
            correct_questions=row["correct"],
            mastered_units=row["mastered"],
            active_seconds=row["active"],
            inactive_seconds=row["inactive"],
            waste_seconds=row["waste"],
        )
        rows = findings_of(totals=totals, days=days, active_minutes_goal=90)
        found.update(r.finding.value for r in rows)
        if not rows:
            found["none"] += 1
    for finding in (
        Finding.HIGH_WASTE,
        Finding.ACCURACY_TOO_HIGH,
        Finding.ACCURACY_TOO_LOW,
        Finding.NO_GROWTH,
    ):
        assert found[finding.value] >= 1, found
    assert found["none"] > 30 / 3, found  # many students are fine


def test_the_demo_courses_state_goals_and_metrics() -> None:
    demo_district_seed()
    for course in Course.objects.all():
        goals, metrics = course.metadata["goals"], course.metadata["metrics"]
        assert set(goals) == {
            "dailyXp",
            "dailyLessons",
            "dailyActiveMinutes",
            "dailyAccuracy",
            "dailyMasteredUnits",
        }
        assert goals["dailyAccuracy"] == 80 and goals["dailyXp"] > 0
        lessons = ComponentResource.objects.filter(course_component__course=course)
        assert metrics["totalLessons"] == lessons.count() > 0
        assert metrics["totalXp"] == sum(cr.resource.metadata["xp"] for cr in lessons)
        assert metrics["totalGrades"] == 1
    # A student's day (one course per subject) is about an hour and a half of learning.
    grade_3 = Course.objects.filter(grades=["3"])
    assert sum(c.metadata["goals"]["dailyXp"] for c in grade_3) == 90


def test_without_the_demo_client_it_says_what_to_run() -> None:
    demo_district_seed()
    with pytest.raises(NotFound, match="seed_demo"):
        demo_activity_seed(today=TODAY, days=1, students=2)
