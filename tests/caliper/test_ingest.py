"""events_ingest: storage, Timeback columns, attribution, idempotency, all-or-nothing refusals,
after-commit enqueue, and the fixed number of queries per envelope."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caliper.models import CaliperEntity, CaliperEvent, EventOutbox, IngestJob
from caliper.services import CaliperRejected, body_hash, events_ingest
from caliper.services.actors import actor_keys
from roster.models import UserRole
from tests.caliper.factories import (
    ROSTER_USERS,
    SENSOR,
    activity_context,
    activity_event,
    envelope,
    make_caliper_client,
    new_id,
    person_entity,
    time_spent_event,
    timeback_user,
    view_event,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the lanes handed to the pipeline (the pipeline itself is tested in mastery)."""
    calls: list[list[int]] = []

    def fake(*, lanes: Any) -> None:
        calls.append(sorted(lanes))

    import caliper.services.ingest as ingest

    monkeypatch.setattr(ingest, "lanes_enqueue", fake)
    return calls


@pytest.fixture
def world() -> dict[str, Any]:
    a, b = make_tenant("a"), make_tenant("b")
    return {"a": a, "b": b, "client": make_caliper_client(a.district)}


def _refusal(grant: Any, payload: Any) -> CaliperRejected:
    before = (CaliperEvent.objects.count(), IngestJob.objects.count())
    with pytest.raises(CaliperRejected) as info:
        events_ingest(grant=grant, payload=payload)
    assert (CaliperEvent.objects.count(), IngestJob.objects.count()) == before
    return info.value


# ---- storage and extraction -------------------------------------------------------------------


def test_activity_event_is_stored_with_timeback_columns(
    world, enqueued, django_capture_on_commit_callbacks
) -> None:
    student = world["a"].student
    event = activity_event(
        timeback_user(student), xp=15, total=10, correct=8, mastered=2, attempt=2
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = events_ingest(grant=world["client"].grant, payload=envelope(event))
    assert (result.accepted, result.duplicates, result.entities) == (1, 0, 0)
    row = CaliperEvent.objects.get()
    assert row.external_id == event["id"]
    assert row.job_id == result.job_id
    assert row.body_hash == body_hash(event)
    assert row.user_id == student.pk
    assert row.org_scope_id == student.org_scope_id
    assert row.lane == student.pk % 2
    assert CaliperEvent.objects.pending().get() == row
    assert EventOutbox.objects.filter(job_id=result.job_id, lane=row.lane, events=1).exists()
    assert row.is_timeback
    assert (row.event_type, row.action, row.profile) == (
        "ActivityEvent",
        "Completed",
        "TimebackProfile",
    )
    assert row.sensor == SENSOR and row.ed_app == SENSOR
    assert row.actor_iri == ROSTER_USERS + student.sourced_id
    assert row.actor_email == student.email
    assert row.object_iri == event["object"]["id"]
    assert row.object_type == "TimebackActivityContext"
    assert (row.subject, row.app_name, row.course_name, row.activity_name) == (
        "Math",
        "Example Math",
        "Math G3",
        "Fractions 1",
    )
    assert row.course_iri.endswith("/courses/c-1")
    assert (row.attempt, row.xp_earned, row.total_questions, row.correct_questions) == (
        2,
        15.0,
        10,
        8,
    )
    assert row.mastered_units == 2
    assert row.missing_fields == []
    assert row.payload == event
    assert row.event_time.isoformat() == "2025-03-01T09:59:00+00:00"
    job = IngestJob.objects.get()
    assert (job.event_count, job.duplicate_count, job.sensor) == (1, 0, SENSOR)
    assert enqueued == [[student.pk % 2]]


def test_time_spent_metrics_are_summed_per_type(world, enqueued) -> None:
    event = time_spent_event(timeback_user(world["a"].student), active=100, inactive=20, waste=5)
    event["generated"]["items"].append({"type": "unknown", "value": 7})
    event["generated"]["items"].append({"type": "anti-pattern", "value": 3})
    events_ingest(grant=world["client"].grant, payload=envelope(event))
    row = CaliperEvent.objects.get()
    assert (row.active_seconds, row.inactive_seconds, row.waste_seconds) == (100, 20, 5)
    assert (row.unknown_seconds, row.anti_pattern_seconds) == (7, 3)
    assert row.xp_earned is None and row.total_questions is None


def test_missing_recommended_fields_are_recorded(world, enqueued) -> None:
    context = activity_context(course=False)
    del context["activity"]
    event = activity_event(
        timeback_user(world["a"].student), xp=None, total=None, correct=None, context=context
    )
    events_ingest(grant=world["client"].grant, payload=envelope(event))
    row = CaliperEvent.objects.get()
    assert row.missing_fields == ["course", "activity", "totalQuestions", "xpEarned"]
    assert row.course_iri == "" and row.activity_name == ""


def test_plain_caliper_event_is_stored_unattributed(world, enqueued) -> None:
    result = events_ingest(grant=world["client"].grant, payload=envelope(view_event()))
    row = CaliperEvent.objects.get()
    assert result.accepted == 1
    assert row.user_id is None and row.lane == 0
    assert row.org_scope_id == world["a"].district.pk  # the client's home org
    assert not row.is_timeback and row.subject == ""
    assert row.object_type == "Document"


def test_entities_are_upserted_per_client(world, enqueued) -> None:
    grant = world["client"].grant
    first = events_ingest(grant=grant, payload=envelope(person_entity(), view_event()))
    assert (first.accepted, first.entities) == (1, 1)
    renamed = person_entity() | {"name": "Renamed"}
    second = events_ingest(grant=grant, payload=envelope(renamed))
    assert second.entities == 1
    entity = CaliperEntity.objects.get()
    assert entity.payload["name"] == "Renamed"
    assert entity.job_id == second.job_id
    assert entity.entity_type == "Person"
    other = make_caliper_client(world["b"].district)
    events_ingest(grant=other.grant, payload=envelope(person_entity()))
    assert CaliperEntity.objects.count() == 2


# ---- actor matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        (ROSTER_USERS + "s-1", "s-1"),
        ("https://host/ims/oneroster/rostering/v1p2/users/a%20b/", "a b"),
        ("urn:uuid:0f2c1a0e-0000-4000-8000-000000000001", "0f2c1a0e-0000-4000-8000-000000000001"),
        ("s-2", "s-2"),
        ("https://example.edu/users/554433", ""),
        ("https://example.edu/autograder", ""),
    ],
)
def test_actor_keys(iri: str, expected: str) -> None:
    assert actor_keys({"id": iri, "email": "x@example.org"}) == (expected, "x@example.org")
    assert actor_keys(iri) == (expected, "")


def test_actor_matched_by_urn_uuid_sourced_id(world, enqueued) -> None:
    student = world["a"].student
    actor = {"id": f"urn:uuid:{student.sourced_id}", "type": "TimebackUser", "email": "other@x.org"}
    events_ingest(grant=world["client"].grant, payload=envelope(activity_event(actor)))
    assert CaliperEvent.objects.get().user_id == student.pk


def test_actor_matched_by_email_when_id_names_nobody(world, enqueued) -> None:
    student = world["a"].student
    actor = timeback_user(sid="not-a-roster-user", email=student.email)
    events_ingest(grant=world["client"].grant, payload=envelope(activity_event(actor)))
    assert CaliperEvent.objects.get().user_id == student.pk


def test_id_match_wins_over_email(world, enqueued) -> None:
    student, teacher = world["a"].student, world["a"].teacher
    actor = timeback_user(student, email=teacher.email)
    events_ingest(grant=world["client"].grant, payload=envelope(activity_event(actor)))
    assert CaliperEvent.objects.get().user_id == student.pk


def test_actor_outside_grant_refuses_the_whole_envelope(world, enqueued) -> None:
    ok = activity_event(timeback_user(world["a"].student))
    foreign = activity_event(timeback_user(world["b"].student))
    error = _refusal(world["client"].grant, envelope(ok, foreign))
    assert error.status_code == 403
    assert [(p.index, p.field, p.rule) for p in error.problems] == [
        (1, "data[1].actor", "actor-outside-grant")
    ]
    assert enqueued == []


def test_actor_outside_grant_by_email_is_refused(world, enqueued) -> None:
    actor = timeback_user(sid="unknown", email=world["b"].student.email)
    error = _refusal(world["client"].grant, envelope(activity_event(actor)))
    assert error.status_code == 403


def test_user_with_a_role_in_the_grant_is_inside_it(world, enqueued) -> None:
    """A user whose home org is elsewhere but who holds a role in a granted org is visible
    (the rule of User.objects.for_orgs); the event is filed under that granted org."""
    visitor = world["b"].teacher
    UserRole.objects.create(user=visitor, role="teacher", org=world["a"].school, position=1)
    events_ingest(
        grant=world["client"].grant, payload=envelope(activity_event(timeback_user(visitor)))
    )
    row = CaliperEvent.objects.get()
    assert row.user_id == visitor.pk
    assert row.org_scope_id == world["a"].school.pk


def test_school_grant_sees_its_students_only(world, enqueued) -> None:
    school_client = make_caliper_client(world["a"].district, grants=(world["a"].school,))
    events_ingest(
        grant=school_client.grant,
        payload=envelope(activity_event(timeback_user(world["a"].student))),
    )
    assert CaliperEvent.objects.get().org_scope_id == world["a"].school.pk


# ---- idempotency ------------------------------------------------------------------------------


def test_resend_is_a_counted_no_op(world, enqueued) -> None:
    grant = world["client"].grant
    events = [activity_event(timeback_user(world["a"].student)) for _ in range(3)]
    events_ingest(grant=grant, payload=envelope(*events))
    again = events_ingest(
        grant=grant, payload=envelope(*events, activity_event(timeback_user(world["a"].student)))
    )
    assert (again.accepted, again.duplicates) == (1, 3)
    assert CaliperEvent.objects.count() == 4
    full_duplicate = events_ingest(grant=grant, payload=envelope(*events))
    assert (full_duplicate.accepted, full_duplicate.duplicates) == (0, 3)
    assert full_duplicate.job_id is not None
    assert IngestJob.objects.get(pk=full_duplicate.job_id).duplicate_count == 3


def test_same_id_twice_in_one_envelope(world, enqueued) -> None:
    event = activity_event(timeback_user(world["a"].student))
    result = events_ingest(grant=world["client"].grant, payload=envelope(event, dict(event)))
    assert (result.accepted, result.duplicates) == (1, 1)
    changed = activity_event(timeback_user(world["a"].student), event_id=event["id"], xp=99)
    fresh = activity_event(timeback_user(world["a"].student))
    error = _refusal(world["client"].grant, envelope(fresh, changed | {"id": fresh["id"]}))
    assert error.status_code == 409
    assert error.problems[0].field == "data[1].id"


def test_same_id_different_body_is_a_409_naming_index_and_id(world, enqueued) -> None:
    grant = world["client"].grant
    event = activity_event(timeback_user(world["a"].student))
    events_ingest(grant=grant, payload=envelope(event))
    changed = activity_event(timeback_user(world["a"].student), event_id=event["id"], xp=99)
    error = _refusal(grant, envelope(view_event(), changed))
    assert error.status_code == 409
    (problem,) = error.problems
    assert (problem.index, problem.field, problem.rule) == (1, "data[1].id", "id-conflict")
    assert event["id"] in problem.message


def test_a_stored_id_is_refused_by_the_write_then_looked_up(world, enqueued, monkeypatch) -> None:
    """Stored ids are not looked up before the write: the unique index refuses the COPY of a
    resent event (or one another request stored meanwhile), the transaction rolls back, and
    a second pass that looks the ids up answers it as a duplicate."""
    import caliper.services.ingest as ingest

    grant = world["client"].grant
    event = activity_event(timeback_user(world["a"].student))
    real = ingest._stored_events
    calls: list[int] = []

    def counted(*, external_ids: list[str]) -> dict[str, tuple[str, int]]:
        calls.append(1)
        return real(external_ids=external_ids)

    monkeypatch.setattr(ingest, "_stored_events", counted)
    events_ingest(grant=grant, payload=envelope(event))
    assert calls == []  # a fresh envelope costs no lookup
    fresh = view_event()
    result = events_ingest(grant=grant, payload=envelope(fresh, event))
    assert len(calls) == 1
    assert (result.accepted, result.duplicates) == (1, 1)
    assert CaliperEvent.objects.count() == 2
    assert IngestJob.objects.count() == 2  # the rolled-back job is gone


def test_key_order_does_not_change_the_body_hash() -> None:
    event = view_event()
    assert body_hash(event) == body_hash(dict(reversed(list(event.items()))))


# ---- refusals ---------------------------------------------------------------------------------


def test_invalid_envelope_stores_nothing(world, enqueued) -> None:
    bad = view_event() | {"action": "Completed"}
    error = _refusal(world["client"].grant, envelope(view_event(), bad))
    assert error.status_code == 400
    assert any(p.index == 1 and p.field == "data[1].action" for p in error.problems)


def test_unsupported_data_version_is_422(world, enqueued) -> None:
    payload = envelope(view_event()) | {"dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p1"}
    error = _refusal(world["client"].grant, payload)
    assert error.status_code == 422
    assert error.problems[0].field == "dataVersion"


def test_foreign_sensor_is_refused(world, enqueued) -> None:
    error = _refusal(
        world["client"].grant, envelope(view_event(), sensor="https://evil.example.org")
    )
    assert error.status_code == 403
    assert (error.problems[0].field, error.problems[0].rule) == ("sensor", "sensor-not-registered")


def test_sensor_under_a_registered_iri_is_accepted(world, enqueued) -> None:
    result = events_ingest(
        grant=world["client"].grant, payload=envelope(view_event(), sensor=SENSOR + "/sensors/main")
    )
    assert result.accepted == 1
    # A look-alike host is not "under" the registered IRI.
    error = _refusal(world["client"].grant, envelope(view_event(), sensor=SENSOR + ".evil.org"))
    assert error.status_code == 403


def test_foreign_ed_app_is_refused(world, enqueued) -> None:
    event = activity_event(
        timeback_user(world["a"].student), ed_app="https://other-app.example.org"
    )
    error = _refusal(world["client"].grant, envelope(view_event(), event))
    assert error.status_code == 403
    assert (error.problems[0].index, error.problems[0].field) == (1, "data[1].edApp")
    embedded = activity_event(timeback_user(world["a"].student), ed_app=None) | {
        "edApp": {"id": SENSOR + "/v2", "type": "SoftwareApplication"}
    }
    assert events_ingest(grant=world["client"].grant, payload=envelope(embedded)).accepted == 1


def test_over_long_iris_are_400_not_a_database_error(world, enqueued) -> None:
    long_tail = "/x" * 1100
    error = _refusal(world["client"].grant, envelope(view_event(), sensor=SENSOR + long_tail))
    assert (error.status_code, error.problems[0].field) == (400, "sensor")
    event = activity_event(timeback_user(world["a"].student), ed_app=SENSOR + long_tail)
    error = _refusal(world["client"].grant, envelope(event))
    assert (error.status_code, error.problems[0].field) == (400, "data[0].edApp")
    assert error.problems[0].rule == "max-length"


def test_too_many_events_is_413(world, enqueued, settings) -> None:
    settings.CALIPER_MAX_EVENTS_PER_ENVELOPE = 2
    error = _refusal(world["client"].grant, envelope(view_event(), view_event(), view_event()))
    assert error.status_code == 413
    assert (error.problems[0].field, error.problems[0].rule) == ("data", "max-items")


def test_time_metric_sum_over_a_day_is_refused(world, enqueued) -> None:
    event = time_spent_event(timeback_user(world["a"].student), active=80_000)
    event["generated"]["items"].append({"type": "active", "value": 80_000})
    with pytest.raises(CaliperRejected) as info:
        events_ingest(grant=world["client"].grant, payload=envelope(event))
    assert info.value.status_code == 400
    assert CaliperEvent.objects.count() == 0


def test_dry_run_checks_everything_and_stores_nothing(world, enqueued) -> None:
    grant = world["client"].grant
    result = events_ingest(
        grant=grant, payload=envelope(view_event(), person_entity()), dry_run=True
    )
    assert (result.job_id, result.accepted, result.entities) == (None, 1, 1)
    assert (
        CaliperEvent.objects.count()
        == IngestJob.objects.count()
        == CaliperEntity.objects.count()
        == 0
    )
    with pytest.raises(CaliperRejected):
        events_ingest(
            grant=grant,
            payload=envelope(activity_event(timeback_user(world["b"].student))),
            dry_run=True,
        )


# ---- after commit -----------------------------------------------------------------------------


def test_enqueue_runs_only_after_commit(
    world, enqueued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events_ingest(grant=world["client"].grant, payload=envelope(view_event()))
    assert enqueued == []  # nothing sent inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [[0]]


def test_duplicate_only_envelope_enqueues_nothing(
    world, enqueued, django_capture_on_commit_callbacks
) -> None:
    event = view_event()
    events_ingest(grant=world["client"].grant, payload=envelope(event))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events_ingest(grant=world["client"].grant, payload=envelope(event))
    assert callbacks == []


def test_enqueue_hands_lanes_to_the_pipeline_and_swallows_broker_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import caliper.services.ingest as ingest

    seen: list[list[int]] = []
    pipeline = types.ModuleType("mastery.services")
    pipeline.learning_events_enqueue = lambda *, lanes: seen.append(list(lanes))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mastery.services", pipeline)
    ingest.lanes_enqueue(lanes={1, 0})
    assert seen == [[0, 1]]

    def boom(*, lanes: Any) -> None:
        raise ConnectionError("broker down")

    pipeline.learning_events_enqueue = boom  # type: ignore[attr-defined]
    ingest.lanes_enqueue(lanes=[0])  # logged, not raised


# ---- query budget -----------------------------------------------------------------------------


def _statement(sql: str) -> str:
    words = sql.split()
    if words[0] == "INSERT":
        return " ".join(words[:3])
    if words[0] == "SELECT":
        return " ".join(words[:2])
    return words[0]


def test_queries_do_not_grow_with_the_envelope(world, enqueued) -> None:
    """SELECT actors, then (in one transaction) the job, one bulk write of
    the events (COPY on PostgreSQL) and one upsert of the entities. SQLite caps the parameters
    of one statement, so there the events INSERT is split into batches."""
    grant = world["client"].grant
    student, teacher = world["a"].student, world["a"].teacher

    def statements(n: int) -> tuple[list[str], int]:
        items = [activity_event(timeback_user(student if i % 2 else teacher)) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            events_ingest(grant=grant, payload=envelope(*items, person_entity(new_id())))
        sqls = [q["sql"] for q in ctx.captured_queries]
        event_inserts = [
            q
            for q in sqls
            if q.startswith(('INSERT INTO "caliper_caliperevent"', 'COPY "caliper_caliperevent"'))
        ]
        others = [_statement(q) for q in sqls if q not in event_inserts]
        return others, len(event_inserts)

    small, small_inserts = statements(2)
    large, large_inserts = statements(100)
    assert small == large
    assert [q for q in small if not q.startswith(("SAVEPOINT", "RELEASE"))] == [
        'SELECT u."id",',
        'INSERT INTO "caliper_ingestjob"',
        'INSERT INTO "caliper_eventoutbox"',
        'INSERT INTO "caliper_caliperentity"',
    ]
    assert small_inserts == 1
    if connection.vendor == "postgresql":
        assert large_inserts == 1


def test_a_resend_is_a_no_op_even_if_its_actor_left_the_grant(world, enqueued) -> None:
    """The write refuses stored ids without a lookup, but a refusal decided before the write
    (here: the actor is no longer inside the grant) is only made by a pass that knows the
    stored ids: the resend of an accepted event stays a no-op."""
    import dataclasses

    grant = world["client"].grant
    event = activity_event(timeback_user(world["a"].student))
    events_ingest(grant=grant, payload=envelope(event))
    narrowed = dataclasses.replace(grant, org_ids=frozenset({world["b"].district.pk}))
    result = events_ingest(grant=narrowed, payload=envelope(event))
    assert (result.accepted, result.duplicates) == (0, 1)
    fresh = activity_event(timeback_user(world["a"].student))
    error = _refusal(narrowed, envelope(fresh))
    assert error.status_code == 403
