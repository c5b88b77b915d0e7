"""The per student × app × course × day rollup: filled a whole (app, day) bucket at a time,
only when its sources changed, idempotently, and again after a rebuild."""

from __future__ import annotations

import datetime as dt

import pytest

from mastery.models import RollupFill, StudentAppDayRollup
from mastery.services import learning_events_process, rollups_rebuild
from mastery.services.cohorts import (
    student_app_day_bucket_fill,
    student_app_days_fill,
    student_app_days_stale,
)
from tests.mastery.factories import ACTIVITY, MOMENT, Scene, caliper_event, make_scene

pytestmark = pytest.mark.django_db

DAY = MOMENT.date()


@pytest.fixture
def scene(db: None) -> Scene:
    scene = make_scene("co")
    scene.students[0].grades = ["04"]
    scene.students[0].save()
    return scene


def _process() -> None:
    for lane in range(2):
        learning_events_process(lane=lane, time_budget_s=60)


def _rows() -> list[StudentAppDayRollup]:
    return list(StudentAppDayRollup.objects.order_by("student_id", "course_iri"))


def test_a_bucket_sums_outcomes_first_masteries_events_and_time(scene: Scene) -> None:
    student, other = scene.students
    client, course = scene.api_client, scene.course_iri
    # Two attempts at one activity: 70% (no mastery), then 100% with a unit mastered.
    caliper_event(client=client, user=student, kind="time", active=600, waste=60, course_iri=course)
    caliper_event(
        client=client, user=student, total=10, correct=7, attempt=1, xp=5, course_iri=course
    )
    caliper_event(
        client=client,
        user=student,
        kind="time",
        active=300,
        inactive=30,
        course_iri=course,
        event_time=MOMENT + dt.timedelta(minutes=20),
    )
    caliper_event(
        client=client,
        user=student,
        total=10,
        correct=10,
        attempt=2,
        xp=5,
        mastered=1,
        course_iri=course,
        event_time=MOMENT + dt.timedelta(minutes=30),
    )
    # A later mastery of the same activity is not a first mastery.
    caliper_event(
        client=client,
        user=student,
        total=10,
        correct=10,
        attempt=3,
        xp=5,
        mastered=1,
        course_iri=course,
        event_time=MOMENT + dt.timedelta(minutes=40),
    )
    caliper_event(client=client, user=other, total=4, correct=4, object_iri=ACTIVITY + "-b")
    _process()
    assert student_app_days_stale() == [(client.pk, DAY)]
    assert student_app_days_fill() == 1
    mine, theirs = _rows()
    assert (mine.student_id, mine.course_iri, mine.grade) == (student.pk, course, "04")
    assert mine.school_id == scene.school.pk and mine.org_scope_id == student.org_scope_id
    assert (mine.events, mine.completions, mine.assessed) == (5, 3, 3)
    assert (mine.total_questions, mine.correct_questions) == (30, 27)
    assert mine.units_mastered == 1
    assert mine.mastery_minutes == pytest.approx(15.0)  # 10 + 5 active minutes to mastery
    assert (mine.active_seconds, mine.inactive_seconds, mine.waste_seconds) == (900, 30, 60)
    assert mine.xp > 0
    assert (theirs.student_id, theirs.course_iri, theirs.completions) == (other.pk, "", 1)
    assert student_app_days_stale() == []
    assert student_app_days_fill() == 0


def test_filling_again_writes_the_same_rows(scene: Scene) -> None:
    caliper_event(client=scene.api_client, user=scene.student, total=5, correct=5)
    _process()
    student_app_days_fill()
    first = [(r.student_id, r.course_iri, r.completions, r.xp) for r in _rows()]
    assert student_app_day_bucket_fill(api_client_id=scene.api_client.pk, day=DAY) == 1
    assert [(r.student_id, r.course_iri, r.completions, r.xp) for r in _rows()] == first


def test_a_new_batch_makes_its_bucket_stale_and_the_fill_catches_up(scene: Scene) -> None:
    caliper_event(client=scene.api_client, user=scene.student, total=5, correct=5)
    _process()
    student_app_days_fill()
    caliper_event(
        client=scene.api_client,
        user=scene.student,
        total=5,
        correct=5,
        object_iri=ACTIVITY + "-2",
        event_time=MOMENT + dt.timedelta(hours=1),
    )
    _process()
    assert student_app_days_stale() == [(scene.api_client.pk, DAY)]
    student_app_days_fill()
    assert [r.completions for r in _rows()] == [2]


def test_pending_events_are_not_counted_until_processed(scene: Scene) -> None:
    caliper_event(client=scene.api_client, user=scene.student, total=5, correct=5)
    _process()
    student_app_days_fill()
    caliper_event(client=scene.api_client, user=scene.student, kind="time", active=60)
    student_app_day_bucket_fill(api_client_id=scene.api_client.pk, day=DAY)
    assert [r.events for r in _rows()] == [1]


def test_a_rebuild_has_its_buckets_filled_again(scene: Scene) -> None:
    caliper_event(client=scene.api_client, user=scene.student, total=5, correct=5)
    _process()
    student_app_days_fill()
    StudentAppDayRollup.objects.update(completions=99)  # damage
    rollups_rebuild(days=[DAY])
    assert not RollupFill.objects.exists()
    student_app_days_fill()
    assert [r.completions for r in _rows()] == [1]


def test_processing_queues_a_fill(scene: Scene, settings) -> None:
    from mastery.services import learning_lane_drain

    settings.DASHBOARD_FILL_DEBOUNCE_S = 0
    caliper_event(client=scene.api_client, user=scene.student, total=5, correct=5)
    learning_lane_drain(lane=scene.student.pk % 2)
    # Eager Celery in tests: the queued fill ran.
    assert [r.completions for r in _rows()] == [1]
