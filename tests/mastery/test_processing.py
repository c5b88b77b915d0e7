"""The learning pipeline on the real database: facts, ledger, gradebook and rollups from
stored events; independent of arrival order and batch split; a failed batch leaves no trace;
the sums the batches maintain agree with a rebuild from scratch."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from caliper.models import CaliperEvent, EventOutbox, IngestJob
from mastery.choices import Finding, LedgerReason
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    AppEventQuality,
    AppStudentDay,
    MasteryFact,
    StudentDailyRollup,
    TimeFact,
    XpLedgerEntry,
)
from mastery.services import learning_events_process, rollups_rebuild
from mastery.services.gradebook import line_item_sourced_id
from mastery.services.rollups import OUTCOME_FINDING_CONDITIONS
from roster.models import AssessmentLineItem, AssessmentResult
from tests.mastery.factories import ACTIVITY, MOMENT, SENSOR, Scene, caliper_event, make_scene

pytestmark = pytest.mark.django_db

DAY = MOMENT.date()


@pytest.fixture
def scene(db: None) -> Scene:
    return make_scene()


def process_all(batch_size: int = 2000) -> int:
    total = 0
    for lane in range(2):
        total += learning_events_process(lane=lane, batch_size=batch_size, time_budget_s=60)
    return total


def pending() -> int:
    return CaliperEvent.objects.pending().count()


def ledger_sum(event: CaliperEvent) -> float:
    return XpLedgerEntry.objects.filter(source_event=event).aggregate(s=Sum("value"))["s"] or 0.0


# ---- one activity, end to end -------------------------------------------------------------


def test_an_activity_becomes_outcome_ledger_result_facts_and_rollups(scene: Scene) -> None:
    s, c = scene.student, scene.api_client
    caliper_event(client=c, user=s, kind="time", active=600, inactive=60, waste=30,
                  course_iri=scene.course_iri)  # fmt: skip
    caliper_event(client=c, user=s, kind="time", active=300, inactive=0, waste=90,
                  event_time=MOMENT + timedelta(minutes=5),
                  course_iri=scene.course_iri)  # fmt: skip
    done = caliper_event(client=c, user=s, xp=12, total=10, correct=10, mastered=1, attempt=1,
                         event_time=MOMENT + timedelta(minutes=16),
                         course_iri=scene.course_iri)  # fmt: skip

    assert process_all() == 3
    assert not pending()

    outcome = ActivityOutcome.objects.get()
    assert outcome.event == done
    assert (outcome.attempt, outcome.accuracy, outcome.multiplier) == (1, 1.0, 1.25)
    assert outcome.active_minutes == 15
    assert (outcome.xp_base, outcome.xp_awarded, outcome.xp_inflation) == (12, 15, 0)
    assert outcome.mastered_units == 1
    assert outcome.findings == []
    assert outcome.org_scope == s.org_scope
    assert outcome.day == DAY

    [entry] = XpLedgerEntry.objects.all()
    assert (entry.value, entry.reason, entry.source_event) == (15, LedgerReason.AWARD, done)
    assert (entry.subject, entry.app_name, entry.course_iri) == ("Math", "Test App",
                                                                 scene.course_iri)  # fmt: skip

    fact = TimeFact.objects.get()
    assert (fact.active_seconds, fact.inactive_seconds, fact.waste_seconds) == (900, 60, 120)
    assert fact.waste_percentage == round(100 * 120 / 1080, 2)

    mastery = MasteryFact.objects.get()
    assert (mastery.unit_iri, mastery.course_iri) == (ACTIVITY, scene.course_iri)
    assert mastery.mastered and mastery.mastered_units == 1 and mastery.best_accuracy == 1.0
    assert mastery.mastered_at == done.event_time

    rollup = StudentDailyRollup.objects.get()
    assert (rollup.student, rollup.day, rollup.xp) == (s, DAY, 15)
    assert rollup.activities_completed == 1
    assert (rollup.total_questions, rollup.mastered_units) == (10, 1)
    assert rollup.active_seconds == 900

    app = AppDailyRollup.objects.get()
    assert (app.api_client, app.day, app.students, app.xp) == (c, DAY, 1, 15)
    assert (app.activities_completed, app.active_seconds, app.waste_seconds) == (1, 900, 120)
    quality = AppEventQuality.objects.get()
    assert (quality.events, quality.timeback_events, quality.completions) == (3, 3, 1)
    assert not EventOutbox.objects.exists()
    assert IngestJob.objects.filter(processed_at__isnull=True).count() == 0


def test_the_gradebook_gets_a_line_item_and_a_result_with_xp_metadata(scene: Scene) -> None:
    s, c = scene.student, scene.api_client
    caliper_event(client=c, user=s, kind="time", active=1200, course_iri=scene.course_iri)
    done = caliper_event(client=c, user=s, xp=10, total=10, correct=9, mastered=1, attempt=2,
                         course_iri=scene.course_iri, app_name="Fractions App")  # fmt: skip
    process_all()

    item = AssessmentLineItem.objects.get()
    assert item.sourced_id == line_item_sourced_id(api_client_id=c.pk, activity_iri=ACTIVITY)
    assert item.sourced_id.startswith("caliper_") and len(item.sourced_id) == 8 + 64
    assert item.course == scene.course  # the course IRI ends in a known sourcedId
    assert item.title == "Fractions 1"
    assert item.org_scope_id == c.organisation_id

    result = AssessmentResult.objects.get()
    assert result.sourced_id == f"caliper_{done.external_id}"
    assert result.assessment_line_item == item
    assert (result.student, result.org_scope_id) == (s, s.org_scope_id)
    assert (result.score, result.score_status, result.score_date) == (90.0, "fully graded", DAY)
    assert result.metadata == {
        "xp": 5.0,
        "multiplier": 0.5,
        "accuracy": 90.0,
        "totalQuestions": 10,
        "correctQuestions": 9,
        "masteredUnits": 1,
        "appName": "Fractions App",
        "attempt": 2,
        "originalObjectId": ACTIVITY,
        "caliperSourcedId": done.external_id,
        "lessonType": "external-lesson",
    }


def test_an_unknown_course_leaves_the_line_item_without_course(scene: Scene) -> None:
    caliper_event(client=scene.api_client, user=scene.student,
                  course_iri=f"{SENSOR}/courses/unknown", xp=3, total=1, correct=1)  # fmt: skip
    process_all()
    assert AssessmentLineItem.objects.get().course is None
    assert AssessmentResult.objects.get().metadata["xp"] == 0  # no time spent: no XP


# ---- the ledger follows the award -------------------------------------------------------------


def test_time_arriving_after_the_completion_adjusts_the_award(scene: Scene) -> None:
    s, c = scene.student, scene.api_client
    done = caliper_event(client=c, user=s, xp=10, total=10, correct=9)
    process_all()
    outcome = ActivityOutcome.objects.get()
    assert outcome.xp_awarded == 0 and Finding.NO_TIME_SPENT in outcome.findings
    assert not XpLedgerEntry.objects.exists()  # nothing to book yet

    caliper_event(client=c, user=s, kind="time", active=240)
    process_all()
    assert [(e.value, e.reason) for e in XpLedgerEntry.objects.all()] == [(4.0, LedgerReason.AWARD)]

    caliper_event(client=c, user=s, kind="time", active=600)
    process_all()
    assert [(e.value, e.reason) for e in XpLedgerEntry.objects.all()] == [
        (4.0, LedgerReason.AWARD),
        (6.0, LedgerReason.ADJUSTMENT),
    ]
    assert ledger_sum(done) == ActivityOutcome.objects.get().xp_awarded == 10
    assert StudentDailyRollup.objects.get().xp == 10


def test_a_later_attempt_uses_what_the_first_left(scene: Scene) -> None:
    s, c = scene.student, scene.api_client
    caliper_event(client=c, user=s, kind="time", active=1800)
    first = caliper_event(client=c, user=s, xp=20, total=10, correct=7,
                          event_time=MOMENT + timedelta(minutes=20))  # fmt: skip
    second = caliper_event(client=c, user=s, xp=20, total=10, correct=10,
                           event_time=MOMENT + timedelta(minutes=40))  # fmt: skip
    process_all()
    by_event = {o.event_id: o for o in ActivityOutcome.objects.all()}
    assert (by_event[first.pk].attempt, by_event[second.pk].attempt) == (1, 2)  # by time
    assert by_event[first.pk].xp_awarded == 0
    assert Finding.XP_BELOW_80 in by_event[first.pk].findings
    assert (by_event[second.pk].active_minutes, by_event[second.pk].xp_awarded) == (10, 10)
    assert Finding.XP_ABOVE_ACTIVE in by_event[second.pk].findings
    fact = MasteryFact.objects.get()
    assert (fact.attempts, fact.best_accuracy, fact.latest_accuracy) == (2, 1.0, 1.0)


# ---- order independence and idempotency ----------------------------------------------------


def _story(scene: Scene) -> list[dict[str, Any]]:
    """Events of two activities of two students: time split over several events,
    completions with and without attempts, reported and absent XP, a deduction."""
    s0, s1 = scene.students
    other = f"{SENSOR}/activities/math/g4/fractions-2"
    t = MOMENT
    return [
        dict(user=s0, kind="time", active=420, inactive=30, waste=15, event_time=t),
        dict(user=s0, kind="time", active=500, event_time=t + timedelta(minutes=8)),
        dict(user=s0, xp=9, total=10, correct=10, mastered=1,
             event_time=t + timedelta(minutes=7)),
        dict(user=s0, xp=None, total=5, correct=4, event_time=t + timedelta(minutes=20)),
        dict(user=s1, object_iri=other, kind="time", active=700, waste=100,
             event_time=t + timedelta(days=1)),
        dict(user=s1, object_iri=other, xp=30, total=20, correct=18, attempt=1,
             event_time=t + timedelta(days=1, minutes=12)),
        dict(user=s1, object_iri=other, xp=-2, attempt=2,
             event_time=t + timedelta(days=1, minutes=13)),
    ]  # fmt: skip


def _store(scene: Scene, story: list[dict[str, Any]], order: list[int]) -> None:
    for i in order:
        caliper_event(client=scene.api_client, external_id=f"urn:uuid:story-{i:02d}",
                      course_iri=scene.course_iri, **story[i])  # fmt: skip


def _wipe() -> None:
    for model in (XpLedgerEntry, ActivityOutcome, AssessmentResult, AssessmentLineItem,
                  MasteryFact, TimeFact, StudentDailyRollup, AppDailyRollup, AppEventQuality,
                  AppStudentDay, CaliperEvent, EventOutbox, IngestJob):  # fmt: skip
        model.objects.all().delete()


def _snapshot() -> dict[str, Any]:
    """Every derived row, keyed by natural keys (event external ids, not pks)."""

    def rows(qs: Any, *key: str, drop: tuple[str, ...] = ()) -> dict[Any, dict[str, Any]]:
        out = {}
        for row in qs.values():
            for name in ("id", "created_at", "updated_at", "date_last_modified", *drop):
                row.pop(name, None)
            out[tuple(row[k] for k in key)] = row
        return out

    external = dict(CaliperEvent.objects.values_list("pk", "external_id"))
    outcomes = {
        external[k[0]]: v for k, v in rows(ActivityOutcome.objects.all(), "event_id").items()
    }
    ledger = {
        external[r["source_event_id"]]: round(r["total"], 6)
        for r in XpLedgerEntry.objects.values("source_event_id").annotate(total=Sum("value"))
    }
    for row in outcomes.values():
        row.pop("event_id")
    results = rows(AssessmentResult.objects.all(), "sourced_id", drop=("assessment_line_item_id",))
    return {
        "outcomes": outcomes,
        "ledger": ledger,
        "time": rows(TimeFact.objects.all(), "student_id", "app_name", "subject", "day"),
        "mastery": rows(MasteryFact.objects.all(), "student_id", "course_iri", "unit_iri"),
        "students": rows(StudentDailyRollup.objects.all(), "student_id", "day"),
        "apps": rows(AppDailyRollup.objects.all(), "api_client_id", "day"),
        "quality": rows(AppEventQuality.objects.all(), "api_client_id", "day"),
        "items": rows(AssessmentLineItem.objects.all(), "sourced_id"),
        "results": results,
    }


def test_every_arrival_order_gives_the_same_facts(scene: Scene) -> None:
    story = _story(scene)
    _store(scene, story, list(range(len(story))))
    process_all()
    expected = _snapshot()
    assert len(expected["outcomes"]) == 4 and sum(expected["ledger"].values()) > 0

    # Activity A (indexes 0–3) in every order, each event processed as it arrives (the most
    # batches possible), with activity B in between.
    for order in itertools.permutations(range(4)):
        _wipe()
        for i in [*order[:2], 4, *order[2:], 5, 6]:
            _store(scene, story, [i])
            process_all()
        assert _snapshot() == expected, order


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
def test_any_batch_split_gives_the_same_facts(scene: Scene, batch_size: int) -> None:
    story = _story(scene)
    _store(scene, story, list(range(len(story))))
    process_all()
    expected = _snapshot()
    for seed in range(3):
        _wipe()
        order = list(range(len(story)))
        random.Random(seed).shuffle(order)
        _store(scene, story, order)
        process_all(batch_size=batch_size)
        assert _snapshot() == expected, (seed, order)


def test_a_failed_batch_leaves_no_trace_and_is_processed_again(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mastery.services import processing

    story = _story(scene)
    _store(scene, story, list(range(len(story))))
    process_all()
    expected = _snapshot()
    _wipe()
    _store(scene, story, list(range(len(story))))
    empty = _snapshot()

    def crash(**_: Any) -> None:
        raise RuntimeError("worker died before the rollups")

    # Every fact but the rollups is written when the batch dies: all of it rolls back.
    monkeypatch.setattr(processing, "rollup_deltas_apply", crash)
    with pytest.raises(RuntimeError):
        process_all()
    assert _snapshot() == empty
    assert pending() == len(story)
    monkeypatch.undo()
    assert process_all() == len(story)
    assert _snapshot() == expected
    assert process_all() == 0  # and nothing is pending


def test_the_maintained_sums_agree_with_a_rebuild(scene: Scene) -> None:
    story = _story(scene)
    order = list(range(len(story)))
    random.Random(3).shuffle(order)
    for i in order:
        _store(scene, story, [i])
        process_all()
    maintained = _snapshot()
    assert rollups_rebuild() == 2
    assert _snapshot() == maintained
    assert rollups_rebuild(days=[DAY]) == 1
    assert _snapshot() == maintained


def test_rebuild_repairs_damaged_rollups(scene: Scene) -> None:
    _store(scene, _story(scene), list(range(7)))
    process_all()
    expected = _snapshot()
    StudentDailyRollup.objects.update(xp=0, active_seconds=0)
    AppDailyRollup.objects.update(students=9, xp=0)
    AppEventQuality.objects.update(events=0)
    TimeFact.objects.update(waste_seconds=1)
    AppStudentDay.objects.all().delete()
    rollups_rebuild()
    assert _snapshot() == expected
    assert AppStudentDay.objects.count() == 2


def test_ledger_entries_of_each_completion_sum_to_its_award(scene: Scene) -> None:
    story = _story(scene)
    order = list(range(len(story)))
    random.Random(7).shuffle(order)
    for i in order:
        _store(scene, story, [i])
        process_all()
    for outcome in ActivityOutcome.objects.select_related("event"):
        assert ledger_sum(outcome.event) == pytest.approx(outcome.xp_awarded)


# ---- what is not processed into facts --------------------------------------------------------


def test_unattributed_events_yield_no_facts_but_count_in_quality(scene: Scene) -> None:
    c = scene.api_client
    caliper_event(client=c, user=None, kind="time", active=600)
    caliper_event(client=c, user=None, xp=10, total=10, correct=10)
    assert process_all() == 2
    assert not pending()
    for model in (ActivityOutcome, XpLedgerEntry, TimeFact, MasteryFact, StudentDailyRollup,
                  AssessmentResult):  # fmt: skip
        assert not model.objects.exists(), model
    quality = AppEventQuality.objects.get()
    assert (quality.events, quality.unattributed, quality.completions) == (2, 2, 1)
    assert AppDailyRollup.objects.get().students == 0


def test_other_caliper_events_are_marked_processed_and_counted(scene: Scene) -> None:
    c, s = scene.api_client, scene.student
    caliper_event(client=c, user=s, event_type="NavigationEvent", is_timeback=False)
    # A Timeback type that failed the profile shape: stored, not a fact, a missing-field breach.
    caliper_event(client=c, user=s, is_timeback=False, xp=5)
    assert process_all() == 2
    assert not ActivityOutcome.objects.exists()
    quality = AppEventQuality.objects.get()
    assert (quality.events, quality.timeback_events, quality.missing_fields) == (2, 0, 1)


def test_only_the_given_lane_is_processed(scene: Scene) -> None:
    s0, s1 = scene.students
    assert s0.pk % 2 != s1.pk % 2
    caliper_event(client=scene.api_client, user=s0, kind="time", active=60)
    caliper_event(client=scene.api_client, user=s1, kind="time", active=60)
    assert learning_events_process(lane=s0.pk % 2) == 1
    assert CaliperEvent.objects.pending().get().user == s1


# ---- event quality ---------------------------------------------------------------------------


def test_quality_counts_each_finding(scene: Scene) -> None:
    c, s = scene.api_client, scene.student
    activity = iter(f"{SENSOR}/activities/a{i}" for i in range(10))

    def completion(active: float | None, **kw: Any) -> None:
        iri = next(activity)
        if active:
            caliper_event(client=c, user=s, kind="time", object_iri=iri, active=active)
        caliper_event(client=c, user=s, object_iri=iri, **kw)

    completion(60, xp=5, total=10, correct=10)  # above active
    completion(600, xp=5, total=10, correct=5)  # below 80
    completion(600, xp=5, total=10, correct=8, mastered=1)  # mastery below 90
    completion(None, xp=5, total=10, correct=10)  # no time (and above active)
    completion(600, xp=5, total=10, correct=10, missing_fields=["course"])  # missing
    completion(600, xp=5, total=10, correct=10)  # clean
    process_all()
    quality = AppEventQuality.objects.get()
    assert quality.xp_above_active == 2
    assert quality.xp_below_80 == 1
    assert quality.mastery_below_90 == 1
    assert quality.no_time_spent == 1
    assert quality.missing_fields == 1
    assert quality.completions == 6
    assert quality.events == 11


def test_the_quality_conditions_match_the_rules_findings(scene: Scene) -> None:
    story = _story(scene)
    _store(scene, story, list(range(len(story))))
    caliper_event(client=scene.api_client, user=scene.student, object_iri="urn:x:1", xp=3,
                  total=10, correct=1, mastered=2)  # fmt: skip
    process_all()
    outcomes = list(ActivityOutcome.objects.all())
    for code, condition in OUTCOME_FINDING_CONDITIONS.items():
        selected = set(ActivityOutcome.objects.filter(condition).values_list("pk", flat=True))
        assert selected == {o.pk for o in outcomes if code in o.findings}, code
        assert selected or code == Finding.XP_ABOVE_ACTIVE, code  # the data exercises it


# ---- students per app-day -----------------------------------------------------------------


def test_a_student_counts_once_per_app_day_across_batches(scene: Scene) -> None:
    c = scene.api_client
    s0, s1 = scene.students
    for user, minutes in ((s0, 0), (s0, 5), (s1, 9), (s0, 30)):
        caliper_event(client=c, user=user, kind="time", active=60,
                      event_time=MOMENT + timedelta(minutes=minutes))  # fmt: skip
        process_all()
    caliper_event(client=c, user=s1, kind="time", active=60, event_time=MOMENT + timedelta(days=1))
    process_all()
    by_day = dict(AppDailyRollup.objects.values_list("day", "students"))
    assert by_day == {DAY: 2, DAY + timedelta(days=1): 1}


# ---- cost --------------------------------------------------------------------------------------


def _batch(scene: Scene, n: int, offset: int) -> None:
    events = []
    for i in range(n):
        user = scene.students[0]
        iri = f"{SENSOR}/activities/q{offset + i}"
        events.append(caliper_event(client=scene.api_client, user=user, kind="time",
                                    object_iri=iri, active=300, save=False))  # fmt: skip
        events.append(caliper_event(client=scene.api_client, user=user, object_iri=iri, xp=4,
                                    total=5, correct=5, course_iri=scene.course_iri,
                                    save=False))  # fmt: skip
    CaliperEvent.objects.bulk_create(events)


def test_a_batch_costs_a_fixed_number_of_queries(scene: Scene) -> None:
    lane = scene.students[0].pk % 2

    def queries(n: int, offset: int) -> list[str]:
        _batch(scene, n, offset)
        with CaptureQueriesContext(connection) as ctx:
            assert learning_events_process(lane=lane) == 2 * n
        return [q["sql"] for q in ctx.captured_queries]

    small, large = queries(5, 0), queries(200, 100)
    assert len(small) <= 45
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    else:
        # SQLite caps a statement at 999 parameters: only the bulk inserts split.
        def others(sqls: list[str]) -> int:
            return sum(not sql.startswith("INSERT") for sql in sqls)

        assert others(large) == others(small)


# ---- the rebuild command -----------------------------------------------------------------------


def test_the_rebuild_command(scene: Scene) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    _store(scene, _story(scene), list(range(7)))
    process_all()
    expected = _snapshot()
    StudentDailyRollup.objects.update(xp=0)
    out = StringIO()
    call_command("rollups_rebuild", "--day", DAY.isoformat(), stdout=out)
    assert "rebuilt 1 app-day(s)" in out.getvalue()
    assert _snapshot()["students"] != expected["students"]  # the other day is left alone
    call_command("rollups_rebuild", stdout=out)
    assert _snapshot() == expected
    with pytest.raises(CommandError, match="--day: 'tuesday' is not a date"):
        call_command("rollups_rebuild", "--day", "tuesday")
