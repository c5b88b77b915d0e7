"""The learning pipeline: pending Caliper events → outcomes, XP ledger, gradebook, time and
mastery facts, student rollups, and app-days queued for their rollups.

Design (see docs/learning-rules.md):

- **Outbox.** ``CaliperEvent.processed_at`` is NULL until the event's facts are committed;
  marking a batch processed and writing its facts happen in one transaction, so a crash
  anywhere leaves the whole batch pending and it is simply processed again.
- **Lanes.** Events carry a lane (student pk modulo ``CALIPER_PROCESSING_LANES``). One worker
  at a time drains a lane (a transaction-level PostgreSQL advisory lock per batch), so a
  student's facts are never written by two transactions at once, and lanes run in parallel.
- **Recompute, not increment.** For every key a batch touches (an activity, a student-day, a
  unit) the facts are recomputed from all processed events of that key. Processing an event
  twice, or the events of an activity in any order or batch split, gives the same rows.
- **Set-based.** A batch costs a fixed number of queries, whatever it holds. On
  PostgreSQL the key sets travel as one JSON parameter, pure aggregations (time facts,
  student rollups) are ``INSERT … SELECT … ON CONFLICT`` statements, rows are written from
  tuples by ``COPY``, and only changed outcomes (with their results and mastery facts) are
  rewritten.
- **Broker loss.** Tasks only say "lane N has work". A lost message, a dead worker or a
  broker that was down at ingest is recovered by the sweeper (beat, every few seconds),
  which enqueues every lane that still has pending events. A send fails fast (short broker
  timeouts), and after a failure the process stops trying for a few seconds (a circuit
  breaker), so a broker outage never becomes an ingest outage.
- **Debounce.** The lane task is sent with a short countdown and coalesced while queued, so
  single-event requests share batches instead of paying a batch each.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from caliper.models import CaliperEvent
from mastery.rules import ACTIVITY_EVENT_TYPES, TIME_SPENT_EVENT_TYPES
from mastery.services.facts import TimeKey, mastery_facts_recompute, time_facts_recompute
from mastery.services.gradebook import assessment_results_write
from mastery.services.ledger import ledger_entries_sync
from mastery.services.outcomes import ActivityKey, activity_outcomes_recompute
from mastery.services.rollups import (
    AppDayKey,
    StudentDayKey,
    rollup_keys_dirty,
    rollups_pending,
    rollups_refresh,
    student_rollups_recompute,
)
from roster.models import User

__all__ = [
    "lane_flag_clear",
    "learning_events_enqueue",
    "learning_events_process",
    "learning_events_sweep",
    "learning_lane_drain",
    "learning_lanes_pending",
    "rollups_drain",
    "rollups_enqueue",
]

logger = logging.getLogger(__name__)

_LANE_LOCK_CLASS = 7311  # PostgreSQL advisory-lock namespace of the processing lanes
# While a lane's message is queued and not yet started, further enqueues of that lane are
# skipped (the task clears the flag when it starts, before it looks for events). The TTL
# bounds the damage of a flag whose message was lost: the sweeper ignores flags anyway.
_QUEUED_FLAG = "mastery:lane-queued:{lane}"
_ROLLUPS_QUEUED_FLAG = "mastery:rollups-queued"
_QUEUED_TTL = 30
_SWEEP_LOCK = "lock:mastery:sweep"

# After a failed send, sends from this process are skipped for this long (the sweeper covers
# them): one dead-broker timeout per window, not one per request.
_BREAKER_OPEN_S = 5.0
_breaker_open_until = 0.0

ENQUEUE_FAILED = "Could not queue processing of lane %s; the sweeper will pick it up"
ENQUEUE_SKIPPED = "Broker unreachable a moment ago: not queueing lane %s; the sweeper will"
ROLLUPS_ENQUEUE_FAILED = "Could not queue the rollup refresh; the sweeper will pick it up"


class _BatchRow(NamedTuple):
    """The columns of a pending event the pipeline needs (never the payload)."""

    id: int
    api_client_id: int
    user_id: int | None
    is_timeback: bool
    event_type: str
    event_time: dt.datetime
    object_iri: str
    app_name: str
    subject: str


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


def rollups_enqueue() -> None:
    """Queue ``rollups_refresh_task`` after commit, unless one is already queued. Never
    raises."""
    transaction.on_commit(partial(_rollups_send, coalesce=True))


def lane_flag_clear(*, lane: int) -> None:
    """Called by the lane task as it starts: later events need a new message."""
    cache.delete(_QUEUED_FLAG.format(lane=lane))


def rollups_drain(*, time_budget_s: float = 10.0) -> int:
    """What the rollup task does: clear its queued flag, then refresh queued app-days until
    none is left or ``time_budget_s`` is spent, and queue itself again if app-days still
    wait then. Returns the app-days recomputed."""
    cache.delete(_ROLLUPS_QUEUED_FLAG)
    deadline = time.monotonic() + time_budget_s
    total = 0
    # Drain, not one pass: keys dirtied while a refresh ran were announced by a message that
    # may have found the refresh locked.
    while True:
        refreshed = rollups_refresh()
        total += refreshed
        if not refreshed:
            return total
        if time.monotonic() >= deadline:
            # Out of budget with keys left: a new message, not a wait for the sweeper.
            if rollups_pending():
                _rollups_send(coalesce=True)
            return total


def _lane_send(lane: int, *, coalesce: bool, debounce: bool = False) -> None:
    from mastery.tasks import learning_events_process_task

    if coalesce and _breaker_open():
        logger.warning(ENQUEUE_SKIPPED, lane)
        return
    flag = _QUEUED_FLAG.format(lane=lane)
    options: dict[str, Any] = {"args": (lane,), "retry": False}
    if debounce and settings.CALIPER_PROCESSING_DEBOUNCE_S > 0:
        # Events accepted before the task starts are coalesced into it (the queued flag),
        # so they share one batch.
        options["countdown"] = settings.CALIPER_PROCESSING_DEBOUNCE_S
    try:
        if coalesce and not cache.add(flag, "1", timeout=_QUEUED_TTL):
            return
        # retry=False and the short broker timeouts (settings/celery.py): a dead broker
        # fails fast instead of holding the request; the sweeper resends within seconds.
        learning_events_process_task.apply_async(**options)
    except Exception:  # any broker or cache failure: the events are safe in the store
        _breaker_trip()
        logger.exception(ENQUEUE_FAILED, lane)
        _flag_drop(flag)


def _rollups_send(*, coalesce: bool) -> None:
    from mastery.tasks import rollups_refresh_task

    if coalesce and _breaker_open():
        return
    try:
        if coalesce and not cache.add(_ROLLUPS_QUEUED_FLAG, "1", timeout=_QUEUED_TTL):
            return
        # Debounced like the lanes: the batches of both lanes committed meanwhile share
        # one refresh.
        countdown = settings.CALIPER_PROCESSING_DEBOUNCE_S if coalesce else 0
        rollups_refresh_task.apply_async(retry=False, countdown=countdown or None)
    except Exception:  # the dirty keys stay queued; the sweeper resends
        _breaker_trip()
        logger.exception(ROLLUPS_ENQUEUE_FAILED)
        _flag_drop(_ROLLUPS_QUEUED_FLAG)


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
    *, lane: int, batch_size: int = 5000, time_budget_s: float = 10.0
) -> int:
    """Process the pending events of ``lane`` in batches of ``batch_size``, each in its own
    transaction, while batches come back full (a backlog) and ``time_budget_s`` lasts; after
    each batch the rollup refresh is queued. Returns the number of events processed (0 at
    once if another worker holds the lane). Events committed while the last batch ran are
    left to ``learning_lane_drain``'s closing check."""
    deadline = time.monotonic() + time_budget_s
    total = 0
    while True:
        done = _batch_process(lane=lane, batch_size=batch_size)
        if done is None:
            break
        if done:
            # Each committed batch announces its app-days at once: waiting for the end of
            # the drain (up to the time budget) would hold the app rollups back as long.
            rollups_enqueue()
        total += done
        # A partial batch took everything pending: looping on would process the trickle
        # that arrives meanwhile one tiny batch after another, a batch's fixed cost each
        # time (under single-event POSTs that kept a core busy per lane).
        if done < batch_size or time.monotonic() >= deadline:
            break
    return total


def learning_lane_drain(*, lane: int) -> int:
    """What the lane task does: clear the lane's queued flag (events committed from now on
    need a new message), process the lane (each batch queues the rollup refresh of its
    app-days), then queue the lane again, debounced, if events are pending.

    The closing check runs whatever was processed: an event committed while this task held
    the lane was announced by a message whose task found the lane locked and gave up, so
    the holder must look for it after its last commit."""
    lane_flag_clear(lane=lane)
    processed = learning_events_process(lane=lane)
    if learning_lanes_pending(lanes=[lane]):
        _lane_send(lane, coalesce=True, debounce=True)
    return processed


def learning_lanes_pending(*, lanes: Iterable[int] | None = None) -> list[int]:
    """The lanes (of ``lanes``, default all configured ones and any beyond) that have pending
    events. One indexed probe per lane."""
    configured = range(settings.CALIPER_PROCESSING_LANES)
    wanted = sorted(set(configured if lanes is None else lanes))
    pending = CaliperEvent.objects.filter(processed_at__isnull=True)
    found = [lane for lane in wanted if pending.filter(lane=lane).exists()]
    if lanes is None:
        # Events of lanes beyond the current setting (it was lowered) must not be stranded.
        found += sorted(
            set(
                pending.filter(lane__gte=settings.CALIPER_PROCESSING_LANES)
                .values_list("lane", flat=True)
                .distinct()
            )
        )
    return found


def learning_events_sweep() -> list[int]:
    """Periodic: queue every lane with pending events and, if app-days wait, the rollup
    refresh, whatever messages are believed queued (they may have been lost). Overlapping
    sweeps are skipped (cache lock). Returns the lanes queued."""
    if not cache.add(_SWEEP_LOCK, "1", timeout=60):
        return []
    try:
        lanes = learning_lanes_pending()
        for lane in lanes:
            _lane_send(lane, coalesce=False)
        if rollups_pending():
            _rollups_send(coalesce=False)
        return lanes
    finally:
        cache.delete(_SWEEP_LOCK)


def _lane_lock(lane: int) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: one process, tasks run in it one at a time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LANE_LOCK_CLASS, lane])
        return bool(cursor.fetchone()[0])


def _batch_process(*, lane: int, batch_size: int) -> int | None:
    """One batch in one transaction; None if the lane is held by another worker."""
    with transaction.atomic():
        if not _lane_lock(lane):
            return None
        # Marked first: the recompute below reads processed events only (what the read
        # APIs count), and this batch is part of them.
        rows = _batch_claim(lane=lane, batch_size=batch_size)
        if not rows:
            return 0
        dirty = _facts_derive(rows)
        dirty |= {(r.api_client_id, _day(r.event_time)) for r in rows}
        rollup_keys_dirty(keys=dirty)  # last: see rollup_keys_dirty
        return len(rows)


def _batch_claim(*, lane: int, batch_size: int) -> list[_BatchRow]:
    """Mark up to ``batch_size`` pending events of ``lane`` processed (oldest first; rows
    locked by another transaction are skipped) and return them."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One statement: the pending-index probe, the row locks and the marking, with the
        # columns returned (no second statement naming thousands of ids).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE caliper_caliperevent e SET processed_at = %s "
                "FROM (SELECT id FROM caliper_caliperevent "
                "WHERE lane = %s AND processed_at IS NULL ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED) p WHERE e.id = p.id "
                f"RETURNING {', '.join(f'e.{name}' for name in _BatchRow._fields)}",
                [now, lane, batch_size],
            )
            return [_BatchRow(*values) for values in cursor.fetchall()]
    pending = CaliperEvent.objects.filter(lane=lane, processed_at__isnull=True).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    rows = [_BatchRow(*values) for values in pending.values_list(*_BatchRow._fields)[:batch_size]]
    if rows:
        CaliperEvent.objects.filter(id__in=[r.id for r in rows]).update(processed_at=now)
    return rows


def _facts_derive(rows: list[_BatchRow]) -> set[AppDayKey]:
    """Recompute every fact the Timeback events of ``rows`` touch. Unattributed and other
    events derive nothing (their app-day is still refreshed for event quality). Returns the
    app-days of the outcomes recomputed."""
    timeback = [r for r in rows if r.is_timeback and r.user_id is not None]
    if not timeback:
        return set()
    activities: set[ActivityKey] = set()
    time_keys: set[TimeKey] = set()
    for r in timeback:
        assert r.user_id is not None
        if r.event_type in ACTIVITY_EVENT_TYPES or r.event_type in TIME_SPENT_EVENT_TYPES:
            activities.add((r.user_id, r.object_iri))
        if r.event_type in TIME_SPENT_EVENT_TYPES:
            time_keys.add((r.user_id, r.api_client_id, r.app_name, r.subject, _day(r.event_time)))
    org_scopes = _org_scopes({r.user_id for r in timeback if r.user_id is not None})
    completions = activity_outcomes_recompute(keys=activities, org_scopes=org_scopes)
    ledger_entries_sync(completions=completions)
    assessment_results_write(completions=completions)
    mastery_facts_recompute(completions=completions)
    time_facts_recompute(keys=time_keys, org_scopes=org_scopes)
    student_days: set[StudentDayKey] = {(k[0], k[4]) for k in time_keys}
    student_days |= {(c.outcome.student_id, c.outcome.day) for c in completions}
    student_rollups_recompute(keys=student_days, org_scopes=org_scopes)
    return {(c.outcome.api_client_id, c.outcome.day) for c in completions}


def _org_scopes(students: set[int]) -> dict[int, int]:
    """Student pk → org_scope pk."""
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
