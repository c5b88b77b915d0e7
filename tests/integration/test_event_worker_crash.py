"""Caliper events through a real Celery worker on Redis: an accepted event is never lost and
never counted twice, when the worker is killed mid-batch or the broker is down at ingest.

The events are accepted over HTTP (the view, the service and its after-commit enqueue), the
worker processes them from the store, and the facts are then checked against what the
events say: one outcome per completion, ledger sums equal to the awards, time sums equal to
the seconds sent, rollups equal to a recompute and to a rebuild from scratch.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis
from django.db import connection
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from caliper.models import CaliperEvent
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    MasteryFact,
    StudentDailyRollup,
    TimeFact,
    XpLedgerEntry,
)
from roster.models import AssessmentResult, Org, User, UserRole
from tenancy.models import ApiClientSensor
from tenancy.services import api_client_create
from tests.conftest import obtain_token
from tests.integration.conftest import Worker, _reset_producer_pool
from timeback.celery import app as celery_app

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SENSOR = "https://crash-app.example.org"
ROSTER = "https://timeback.example.org/ims/oneroster/rostering/v1p2"
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
# All events on one past day, away from midnight, so every fact lands on the same day.
DAY = datetime.now(UTC).date() - timedelta(days=3)
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/15"


# ---- data ------------------------------------------------------------------------------------


@dataclass
class Sent:
    """The events sent and what they say, to check the facts against."""

    events: list[dict[str, Any]] = field(default_factory=list)
    completions: set[str] = field(default_factory=set)
    seconds: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))

    def ids(self) -> list[str]:
        return [e["id"] for e in self.events]


def _tenant(n_students: int) -> tuple[APIClient, list[User]]:
    district = Org.objects.create(
        sourced_id="crash-district", name="Crash District", type="district", identifier="CD"
    )
    school = Org.objects.create(
        sourced_id="crash-school", name="Crash School", type="school", identifier="CS",
        parent=district,
    )  # fmt: skip
    students = User.objects.bulk_create(
        User(
            sourced_id=f"crash-stu-{i:03d}",
            given_name=f"S{i}",
            family_name="Crash",
            email=f"crash-stu-{i:03d}@example.org",
            username=f"crash-stu-{i:03d}",
            primary_org=school,
            primary_role="student",
            org_scope=school,
        )
        for i in range(n_students)
    )
    UserRole.objects.bulk_create(
        UserRole(user=u, role_type="primary", role="student", org=school) for u in students
    )
    created = api_client_create(
        name="crash-app", org_sourced_id=district.sourced_id, scopes=["event.create"]
    )
    ApiClientSensor.objects.get_or_create(api_client=created.api_client, iri=SENSOR)
    token = obtain_token(created.client_id, created.client_secret)["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api, list(User.objects.filter(org_scope=school).order_by("pk"))


def _event(
    kind: str, student: User, activity: str, moment: datetime, items: list[dict[str, Any]],
    attempt: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    generated: dict[str, Any] = {
        "id": f"{SENSOR}/metrics/{uuid.uuid4()}",
        "type": (
            "TimebackActivityMetricsCollection"
            if kind == "ActivityEvent"
            else "TimebackTimeSpentMetricsCollection"
        ),
        "items": items,
    }
    if attempt is not None:
        generated["attempt"] = attempt
    return {
        "@context": DATA_VERSION,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": kind,
        "profile": "TimebackProfile",
        "action": "Completed" if kind == "ActivityEvent" else "SpentTime",
        "eventTime": moment.isoformat().replace("+00:00", "Z"),
        "actor": {
            "id": f"{ROSTER}/users/{student.sourced_id}",
            "type": "TimebackUser",
            "email": student.email,
        },
        "object": {
            "id": activity,
            "type": "TimebackActivityContext",
            "subject": "Math",
            "app": {"name": "Crash App"},
            "course": {"id": f"{ROSTER}/courses/crash-math-g4", "name": "Math G4"},
            "activity": {"name": activity.rsplit("/", 1)[-1]},
        },
        "generated": generated,
        "edApp": SENSOR,
    }


def _activities(students: list[User], n: int, *, seed: int) -> Sent:
    """``n`` activities: one or two TimeSpentEvents and a completion each, with accuracy,
    attempts and reported XP varied so that every XP rule is exercised."""
    rnd = random.Random(seed)
    sent = Sent()
    start = datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=UTC)
    for i in range(n):
        student = students[i % len(students)]
        activity = f"{SENSOR}/activities/math/g4/lesson-{seed}-{i}"
        moment = start + timedelta(seconds=5 * i)
        for part in range(rnd.choice((1, 1, 2))):
            seconds = {
                "active": rnd.randint(30, 900),
                "inactive": rnd.randint(0, 60),
                "waste": rnd.choice((0, 0, 45)),
            }
            items = [{"type": k, "value": v} for k, v in seconds.items()]
            items[2]["subType"] = "eating"
            sent.events.append(
                _event("TimeSpentEvent", student, activity, moment + timedelta(seconds=part), items)
            )
            for kind, value in seconds.items():
                sent.seconds[(student.sourced_id, kind)] += value
        total = rnd.choice((5, 10, 20))
        correct = total - rnd.choice((0, 0, 1, 2, 3, total))
        items = [
            {"type": "totalQuestions", "value": total},
            {"type": "correctQuestions", "value": correct},
            {"type": "masteredUnits", "value": rnd.choice((0, 1))},
        ]
        if rnd.random() < 0.9:  # some apps leave xpEarned out: it is computed then
            items.insert(0, {"type": "xpEarned", "value": rnd.randint(1, 20)})
        done = _event(
            "ActivityEvent", student, activity, moment + timedelta(seconds=3), items,
            attempt=rnd.choice((1, 1, 2)),
        )  # fmt: skip
        sent.events.append(done)
        sent.completions.add(done["id"])
    # Apps send in any order: a completion may arrive before the time spent on it.
    rnd.shuffle(sent.events)
    return sent


def _post(api: APIClient, events: list[dict[str, Any]], *, per_envelope: int) -> int:
    accepted = 0
    for i in range(0, len(events), per_envelope):
        envelope = {
            "sensor": SENSOR,
            "sendTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "dataVersion": DATA_VERSION,
            "data": events[i : i + per_envelope],
        }
        response = api.post("/caliper/event", envelope, format="json")
        assert response.status_code == 200, response.content[:2000]
        accepted += response.json()["accepted"]
    return accepted


# ---- waiting ---------------------------------------------------------------------------------


def _pending(ids: Iterable[str]) -> int:
    return CaliperEvent.objects.pending().filter(external_id__in=list(ids)).count()


def _sweep() -> None:
    """What the beat schedule does every tick: re-enqueue lanes with pending events."""
    from mastery.tasks import learning_events_sweep_task

    learning_events_sweep_task.delay()


def _wait_drained(sent: Sent, *, timeout: float = 240, sweep_every: float = 5.0) -> None:
    """Until no event of ``sent`` is pending, ticking the sweeper
    as beat would (a message held by a killed worker comes back only after the broker's
    visibility timeout; the sweeper is what resumes the work)."""
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + sweep_every
    while time.monotonic() < deadline:
        if _pending(sent.ids()) == 0:
            return
        if time.monotonic() >= next_sweep:
            _sweep()
            next_sweep = time.monotonic() + sweep_every
        time.sleep(0.2)
    raise AssertionError(f"{_pending(sent.ids())} events pending after {timeout}s")


def _worker_in_transaction(min_age_ms: int = 30) -> bool:
    """True while another session on this database has had a transaction open for a moment:
    the worker is inside a batch."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
            "AND now() - xact_start > %s * interval '1 millisecond'",
            [min_age_ms],
        )
        return bool(cur.fetchone()[0])


# ---- the facts -------------------------------------------------------------------------------


def _approx(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _assert_every_fact_exactly_once(sent: Sent, students: list[User]) -> None:
    events = CaliperEvent.objects.filter(external_id__in=sent.ids())
    assert events.count() == len(sent.events)
    assert not events.pending().exists()

    # One outcome per completion, none for anything else.
    outcomes = ActivityOutcome.objects.filter(student__in=students)
    assert outcomes.count() == len(sent.completions)
    assert set(outcomes.values_list("event__external_id", flat=True)) == sent.completions

    # The ledger entries of each completion sum to its current award, and only completions
    # have entries.
    ledger = dict(
        XpLedgerEntry.objects.filter(student__in=students)
        .values("source_event__external_id")
        .annotate(total=Sum("value"))
        .values_list("source_event__external_id", "total")
    )
    assert set(ledger) <= sent.completions
    for event_id, awarded in outcomes.values_list("event__external_id", "xp_awarded"):
        assert _approx(ledger.get(event_id, 0.0), awarded), (event_id, ledger.get(event_id))

    # Time facts hold exactly the seconds sent, per student and kind.
    by_student = {s.pk: s.sourced_id for s in students}
    got: dict[tuple[str, str], float] = defaultdict(float)
    for row in TimeFact.objects.filter(student__in=students).values(
        "student_id", "active_seconds", "inactive_seconds", "waste_seconds"
    ):
        for kind in ("active", "inactive", "waste"):
            got[(by_student[row["student_id"]], kind)] += row[f"{kind}_seconds"]
    for key, seconds in sent.seconds.items():
        assert _approx(got[key], seconds), (key, got[key], seconds)

    # Student rollups equal a recompute from the facts.
    expected: dict[tuple[int, date], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in outcomes.values("student_id", "day", "xp_awarded"):
        key = (row["student_id"], row["day"])
        expected[key]["activities_completed"] += 1
        expected[key]["xp"] += row["xp_awarded"]
    for row in TimeFact.objects.filter(student__in=students).values(
        "student_id", "day", "active_seconds", "waste_seconds"
    ):
        key = (row["student_id"], row["day"])
        expected[key]["active_seconds"] += row["active_seconds"]
        expected[key]["waste_seconds"] += row["waste_seconds"]
    rollups = {
        (r["student_id"], r["day"]): r
        for r in StudentDailyRollup.objects.filter(student__in=students).values()
    }
    assert set(rollups) == set(expected)
    for key, values in expected.items():
        for name, value in values.items():
            assert _approx(rollups[key][name], value), (key, name, rollups[key][name], value)

    # The gradebook got one result per completion, never two.
    results = AssessmentResult.objects.filter(student__in=students)
    assert results.count() == len(sent.completions)
    assert not (results.values("sourced_id").annotate(n=Count("id")).filter(n__gt=1).exists())


def _snapshot(students: list[User]) -> dict[str, Any]:
    """Every derived row of ``students``, without its timestamps and surrogate keys."""

    def rows(qs: Any, *key: str) -> dict[tuple[Any, ...], dict[str, Any]]:
        out = {}
        for row in qs.values():
            for drop in ("id", "created_at", "updated_at"):
                row.pop(drop, None)
            out[tuple(row[k] for k in key)] = row
        return out

    ledger = (
        XpLedgerEntry.objects.filter(student__in=students)
        .values("source_event_id")
        .annotate(total=Sum("value"))
    )
    return {
        "outcomes": rows(ActivityOutcome.objects.filter(student__in=students), "event_id"),
        "ledger": {r["source_event_id"]: round(r["total"], 6) for r in ledger},
        "time": rows(
            TimeFact.objects.filter(student__in=students),
            "student_id",
            "api_client_id",
            "app_name",
            "subject",
            "day",
        ),  # fmt: skip
        "mastery": rows(
            MasteryFact.objects.filter(student__in=students),
            "student_id",
            "course_iri",
            "unit_iri",
        ),  # fmt: skip
        "student_rollups": rows(
            StudentDailyRollup.objects.filter(student__in=students), "student_id", "day"
        ),
        "app_rollups": rows(AppDailyRollup.objects.all(), "api_client_id", "day"),
        "results": AssessmentResult.objects.filter(student__in=students).count(),
    }


def _assert_rebuild_changes_nothing(students: list[User]) -> None:
    """The sums the batches maintained (time facts, rollups) equal a rebuild from scratch:
    no batch was counted twice or lost, whatever the worker's deaths."""
    from mastery.services import rollups_rebuild

    before = _snapshot(students)
    assert rollups_rebuild() > 0
    assert _snapshot(students) == before


# ---- tests -----------------------------------------------------------------------------------


def test_events_survive_their_worker_dying_mid_batch(
    real_broker: str, worker_factory: Callable[[], Worker]
) -> None:
    api, students = _tenant(40)
    sent = _activities(students, 2000, seed=1)  # ~5,000 events
    assert _post(api, sent.events, per_envelope=500) == len(sent.events)
    # Nothing runs yet: every event waits in the store, its lanes' messages on the broker.
    assert _pending(sent.ids()) == len(sent.events)
    assert redis.Redis.from_url(real_broker).dbsize() > 0

    first = worker_factory()
    first.start()
    # Kill it inside a batch, after an earlier batch committed: the store then holds
    # processed events, events of the rolled-back batch and events not yet looked at.
    deadline = time.monotonic() + 60
    while _pending(sent.ids()) == len(sent.events):
        assert time.monotonic() < deadline, "the worker committed no batch"
        time.sleep(0.005)
    while not _worker_in_transaction():
        assert _pending(sent.ids()), "the worker finished before it could be killed mid-batch"
        time.sleep(0.002)
    first.kill()  # SIGKILL: no cleanup, no ack, an open transaction
    left = _pending(sent.ids())
    assert 0 < left < len(sent.events)

    time.sleep(0.5)  # PostgreSQL notices the closed connection and rolls its work back
    second = worker_factory()
    second.start()
    _wait_drained(sent)
    _assert_every_fact_exactly_once(sent, students)

    second.stop()
    _assert_rebuild_changes_nothing(students)
    _assert_every_fact_exactly_once(sent, students)


def test_events_accepted_while_the_broker_is_down_are_processed_by_the_sweeper(
    real_broker: str, worker_factory: Callable[[], Worker]
) -> None:
    api, students = _tenant(10)
    sent = _activities(students, 200, seed=2)
    celery_app.conf.broker_url = CLOSED_PORT_BROKER
    _reset_producer_pool()
    try:
        # The events are committed before the enqueue fails: the client gets its 200.
        assert _post(api, sent.events, per_envelope=250) == len(sent.events)
    finally:
        celery_app.conf.broker_url = real_broker
        _reset_producer_pool()
    assert redis.Redis.from_url(real_broker).dbsize() == 0  # no message ever reached it

    worker_factory().start()
    time.sleep(2)
    assert _pending(sent.ids()) == len(sent.events)  # no message: nobody was told

    _wait_drained(sent, sweep_every=1.0)
    _assert_every_fact_exactly_once(sent, students)
