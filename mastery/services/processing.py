"""The learning pipeline: pending Caliper events → outcomes, XP ledger, gradebook, time and
mastery facts, student and app rollups, event quality.

Design (see docs/learning-rules.md):

- **Outbox.** Ingest writes one ``caliper.EventOutbox`` row per job and lane with the
  events. A batch deletes outbox rows and writes the facts of their events in one
  transaction, so a crash anywhere leaves the whole batch pending and it is simply processed
  again, and no event is ever counted twice. The event rows are never updated.
- **Lanes.** Events carry a lane (student pk modulo ``CALIPER_PROCESSING_LANES``). One worker
  at a time drains a lane (a transaction-level PostgreSQL advisory lock per batch), so a
  student's facts are never written by two transactions at once, and lanes run in parallel.
- **Recompute activities, add sums.** An activity's outcomes depend on all its events (the
  time budget is shared by its attempts, in attempt order), so every activity a batch touches
  is rescored from all its processed events: order and batch split do not matter. Time
  facts, rollups and event quality are sums: the batch adds its events' amounts and, for each
  outcome it rewrote, the new values minus the stored ones. Their cost does not grow with the
  size of the day.
- **Set-based.** A batch costs a fixed number of queries, whatever it holds. On PostgreSQL
  the key sets travel as one JSON parameter, rows are written from tuples by ``COPY`` into a
  staging table and upserted (sums as ``stored + added``), and only changed outcomes (with
  their results and mastery facts) are rewritten.
- **Broker loss.** Tasks only say "lane N has work". A lost message, a dead worker or a
  broker that was down at ingest is recovered by the sweeper (beat, every few seconds),
  which enqueues every lane that still has pending events. A send fails fast (short broker
  timeouts), and after a failure the process stops trying for a few seconds (a circuit
  breaker), so a broker outage never becomes an ingest outage.
- **Debounce.** The lane task is sent with a short countdown and coalesced while queued, so
  single-event requests share batches instead of paying a batch each. The lane's queued
  flag holds the id of the message that set it, and only that message's task clears it as
  it starts: a message sent without the flag (the sweeper's, which cannot know whether the
  flagged one was lost) runs once and is not replaced by the next request's send, so extra
  messages do not multiply under a steady load.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from caliper.models import CaliperEvent, EventOutbox, IngestJob
from mastery.rules import ACTIVITY_EVENT_TYPES, TIME_SPENT_EVENT_TYPES
from mastery.services.cohorts import student_app_days_fill_enqueue
from mastery.services.facts import TimeKey, mastery_facts_recompute, time_facts_add
from mastery.services.gradebook import assessment_results_write
from mastery.services.ledger import ledger_entries_sync
from mastery.services.locks import lane_lock_try
from mastery.services.outcomes import ActivityKey, activity_outcomes_recompute
from mastery.services.rollups import RollupDeltas, rollup_deltas_apply
from roster.models import User

__all__ = [
    "lane_flag_clear",
    "learning_events_enqueue",
    "learning_events_process",
    "learning_events_sweep",
    "learning_lane_drain",
    "learning_lanes_pending",
]

logger = logging.getLogger(__name__)

# While a lane's message is queued and not yet started, further enqueues of that lane are
# skipped. The flag's value is that message's id, and its task clears it when it starts,
# before it looks for events. The TTL bounds the damage of a flag whose message was lost:
# the sweeper ignores flags anyway.
_QUEUED_FLAG = "mastery:lane-queued:{lane}"
_QUEUED_TTL = 30
_SWEEP_LOCK = "lock:mastery:sweep"

# After a failed send, sends from this process are skipped for this long (the sweeper covers
# them): one dead-broker timeout per window, not one per request.
_BREAKER_OPEN_S = 5.0
_breaker_open_until = 0.0

ENQUEUE_FAILED = "Could not queue processing of lane %s; the sweeper will pick it up"
ENQUEUE_SKIPPED = "Broker unreachable a moment ago: not queueing lane %s; the sweeper will"

_SECONDS = ("active", "inactive", "waste", "unknown", "anti_pattern")


class _BatchRow(NamedTuple):
    """The columns of a pending event the pipeline needs (never the payload)."""

    id: int
    api_client_id: int
    user_id: int | None
    is_timeback: bool
    event_type: str
    day: dt.date  # of the event time, in UTC
    object_iri: str
    app_name: str
    subject: str
    missing_fields: bool  # some recommended Timeback field was absent
    active_seconds: float | None
    inactive_seconds: float | None
    waste_seconds: float | None
    unknown_seconds: float | None
    anti_pattern_seconds: float | None


_ROW_SQL = {
    "missing_fields": "e.missing_fields::text <> '[]'",
    # A date, not the instant: cheaper to load, and the day is all the batch needs.
    "day": "(e.event_time AT TIME ZONE 'UTC')::date",
}
_ROW_COLUMNS = [_ROW_SQL.get(name, f"e.{name}") for name in _BatchRow._fields]


# ---------------------------------------------------------------------------------------
# Queueing
# ---------------------------------------------------------------------------------------


def learning_events_enqueue(*, lanes: Iterable[int]) -> None:
    """Queue ``learning_events_process_task`` for each of ``lanes`` once the current
    transaction commits (at once outside one), to start ``CALIPER_PROCESSING_DEBOUNCE_S``
    later; a lane already queued is not queued again, so the events accepted meanwhile share
    its batch. Never raises and never waits long: a broker error is logged (the events are
    safe in the store and the sweeper processes them), and after one, sends from this
    process are skipped for a few seconds."""
    for lane in sorted(set(lanes)):
        transaction.on_commit(partial(_lane_send, lane, coalesce=True, debounce=True))


def lane_flag_clear(*, lane: int, message_id: str | None) -> None:
    """Called by the lane task as it starts: if the lane's queued flag was set for this
    message, clear it (later events need a new message). Any other message (the sweeper's,
    a redelivery, a direct call) leaves the flag to the queued message that owns it, so
    that each flag is cleared once and extra messages are not replaced by new ones."""
    flag = _QUEUED_FLAG.format(lane=lane)
    # Not atomic: should the flag expire and be set again between the two calls, the new
    # one is dropped, and the next enqueue sends one more message (run once, harmlessly).
    if message_id is not None and cache.get(flag) == message_id:
        cache.delete(flag)


def _lane_send(lane: int, *, coalesce: bool, debounce: bool = False) -> None:
    from mastery.tasks import learning_events_process_task

    if coalesce and _breaker_open():
        logger.warning(ENQUEUE_SKIPPED, lane)
        return
    flag = _QUEUED_FLAG.format(lane=lane)
    message_id = str(uuid.uuid4())
    options: dict[str, Any] = {"args": (lane,), "retry": False, "task_id": message_id}
    if debounce and settings.CALIPER_PROCESSING_DEBOUNCE_S > 0:
        # Events accepted before the task starts are coalesced into it (the queued flag),
        # so they share one batch.
        options["countdown"] = settings.CALIPER_PROCESSING_DEBOUNCE_S
    try:
        if coalesce and not cache.add(flag, message_id, timeout=_QUEUED_TTL):
            return
        # retry=False and the short broker timeouts (settings/celery.py): a dead broker
        # fails fast instead of holding the request; the sweeper resends within seconds.
        learning_events_process_task.apply_async(**options)
    except Exception:  # any broker or cache failure: the events are safe in the store
        _breaker_trip()
        logger.exception(ENQUEUE_FAILED, lane)
        if coalesce:  # the flag is this send's: no message holds it
            _flag_drop(flag)


def _breaker_open() -> bool:
    return time.monotonic() < _breaker_open_until


def _breaker_trip() -> None:
    # Per process, no lock: a lost update only means one more attempt.
    global _breaker_open_until
    _breaker_open_until = time.monotonic() + _BREAKER_OPEN_S


def _flag_drop(flag: str) -> None:
    try:
        cache.delete(flag)
    except Exception:  # the flag expires by itself
        logger.warning("Could not clear %s", flag)


# ---------------------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------------------


def learning_events_process(
    *, lane: int, batch_size: int | None = None, time_budget_s: float = 10.0
) -> int:
    """Process the pending events of ``lane`` in batches of about ``batch_size`` (default
    ``CALIPER_PROCESSING_BATCH_SIZE``; whole jobs: a batch ends with the job that reaches the
    size), each in its own transaction,
    while batches come back full (a backlog) and ``time_budget_s`` lasts. Returns the number
    of events processed (0 at once if another worker holds the lane). Events committed
    while the last batch ran are left to ``learning_lane_drain``'s closing check."""
    batch_size = batch_size or settings.CALIPER_PROCESSING_BATCH_SIZE
    deadline = time.monotonic() + time_budget_s
    total = 0
    while True:
        done = _batch_process(lane=lane, batch_size=batch_size)
        if done is None:
            break
        total += done
        # A partial batch took everything pending: looping on would process the trickle
        # that arrives meanwhile one tiny batch after another, a batch's fixed cost each
        # time (under single-event POSTs that kept a core busy per lane).
        if done < batch_size or time.monotonic() >= deadline:
            break
    return total


def learning_lane_drain(*, lane: int, message_id: str | None = None) -> int:
    """What the lane task (message ``message_id``) does: clear the lane's queued flag if it
    is this message's (events committed from now on need a new message), process the lane,
    then queue the lane again, debounced, if events are pending.

    The closing check runs whatever was processed: an event committed while this task held
    the lane was announced by a message whose task found the lane locked and gave up, so
    the holder must look for it after its last commit."""
    lane_flag_clear(lane=lane, message_id=message_id)
    processed = learning_events_process(lane=lane)
    if processed:
        student_app_days_fill_enqueue()
    if learning_lanes_pending(lanes=[lane]):
        _lane_send(lane, coalesce=True, debounce=True)
    return processed


def learning_lanes_pending(*, lanes: Iterable[int] | None = None) -> list[int]:
    """The lanes (of ``lanes``, default every lane in the outbox) that have pending events.
    One indexed probe per lane asked for, or one small scan of the outbox."""
    if lanes is None:
        return sorted(set(EventOutbox.objects.values_list("lane", flat=True).distinct()))
    return [lane for lane in sorted(set(lanes)) if EventOutbox.objects.filter(lane=lane).exists()]


def learning_events_sweep() -> list[int]:
    """Periodic: queue every lane with pending events, whatever messages are believed queued
    (they may have been lost). Overlapping sweeps are skipped (cache lock). Returns the
    lanes queued."""
    if not cache.add(_SWEEP_LOCK, "1", timeout=60):
        return []
    try:
        lanes = learning_lanes_pending()
        for lane in lanes:
            _lane_send(lane, coalesce=False)
        return lanes
    finally:
        cache.delete(_SWEEP_LOCK)


def _batch_process(*, lane: int, batch_size: int) -> int | None:
    """One batch in one transaction; None if the lane is held by another worker."""
    with transaction.atomic():
        if not lane_lock_try(lane=lane):
            return None
        # Out of the outbox first: the activity recompute below reads processed events only
        # (what the read APIs count), and this batch is part of them.
        rows = _batch_claim(lane=lane, batch_size=batch_size)
        if not rows:
            return 0
        _facts_derive(rows)
        return len(rows)


def _batch_claim(*, lane: int, batch_size: int) -> list[_BatchRow]:
    """Delete the oldest outbox rows of ``lane`` up to ``batch_size`` events (at least one
    row), stamp their jobs processed, and return their events. The lane lock makes the
    caller the only reader of the lane's rows, so no row locks are needed."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM caliper_eventoutbox WHERE id IN (SELECT id FROM ("
                "SELECT id, sum(events) OVER (ORDER BY id) - events AS before "
                "FROM caliper_eventoutbox WHERE lane = %s ORDER BY id LIMIT %s) s "
                "WHERE before < %s) RETURNING job_id",
                [lane, batch_size, batch_size],
            )
            jobs = sorted(str(job) for (job,) in cursor.fetchall())
            if not jobs:
                return []
            array = "{" + ",".join(jobs) + "}"
            cursor.execute(
                "UPDATE caliper_ingestjob SET processed_at = %s WHERE id = ANY(%s::uuid[])",
                [now, array],
            )
            cursor.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM caliper_caliperevent e "
                "WHERE e.job_id = ANY(%s::uuid[]) AND e.lane = %s ORDER BY e.id",
                [array, lane],
            )
            return [_BatchRow(*values) for values in cursor.fetchall()]
    claimed, total = [], 0
    for pk, job_id, events in (
        EventOutbox.objects.filter(lane=lane)
        .order_by("id")
        .values_list("id", "job_id", "events")[:batch_size]
    ):
        if total >= batch_size:
            break
        claimed.append((pk, job_id))
        total += events
    if not claimed:
        return []
    EventOutbox.objects.filter(id__in=[pk for pk, _ in claimed]).delete()
    job_ids = [job_id for _, job_id in claimed]
    IngestJob.objects.filter(id__in=job_ids).update(processed_at=now)
    fields = [name for name in _BatchRow._fields if name not in _ROW_SQL]
    rows = []
    for values in (
        CaliperEvent.objects.filter(job_id__in=job_ids, lane=lane)
        .order_by("id")
        .values_list(*fields, "event_time", "missing_fields")
    ):
        record = dict(zip(fields, values[:-2], strict=True))
        moment, missing = values[-2:]
        if isinstance(missing, str):
            missing = json.loads(missing)
        rows.append(_BatchRow(**record, day=_day(moment), missing_fields=bool(missing)))
    return rows


def _facts_derive(rows: list[_BatchRow]) -> None:
    """Derive every fact of the batch ``rows``: rescore the activities their Timeback events
    touch (outcomes, ledger, gradebook, mastery), then add the batch's time and the changed
    outcomes to the time facts and the rollups, and count its events' quality. Unattributed
    and other events derive no fact, but count in the quality of their app-day."""
    timeback = [r for r in rows if r.is_timeback and r.user_id is not None]
    activities: set[ActivityKey] = set()
    seconds: dict[TimeKey, list[float]] = {}
    for r in timeback:
        assert r.user_id is not None
        if r.event_type in ACTIVITY_EVENT_TYPES or r.event_type in TIME_SPENT_EVENT_TYPES:
            activities.add((r.user_id, r.object_iri))
        if r.event_type in TIME_SPENT_EVENT_TYPES:
            key = (r.user_id, r.api_client_id, r.app_name, r.subject, r.day)
            sums = seconds.setdefault(key, [0.0] * len(_SECONDS))
            for i, name in enumerate(_SECONDS):
                sums[i] += float(getattr(r, f"{name}_seconds") or 0.0)
    org_scopes = _org_scopes({r.user_id for r in timeback if r.user_id is not None})
    completions = activity_outcomes_recompute(keys=activities, org_scopes=org_scopes)
    ledger_entries_sync(completions=completions)
    assessment_results_write(completions=completions)
    mastery_facts_recompute(completions=completions)
    time_facts_add(seconds=seconds, org_scopes=org_scopes)
    deltas = RollupDeltas()
    deltas.events_add(rows)
    for c in completions:
        if c.changed:
            deltas.outcome_replace(c.before, c.outcome)
    # Last: the app-day rows are shared by the lanes (see rollup_deltas_apply).
    rollup_deltas_apply(deltas=deltas, org_scopes=org_scopes)


def _org_scopes(students: set[int]) -> dict[int, int]:
    """Student pk → org_scope pk."""
    if not students:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, org_scope_id FROM roster_user WHERE id = ANY(%s::bigint[])",
                ["{" + ",".join(map(str, sorted(students))) + "}"],
            )
            return dict(cursor.fetchall())
    return dict(User.objects.filter(pk__in=students).values_list("pk", "org_scope_id"))


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()
