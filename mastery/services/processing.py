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
- **Set-based.** A batch of 2,000 events costs about twenty queries, whatever it holds.
- **Broker loss.** Tasks only say "lane N has work". A lost message, a dead worker or a
  broker that was down at ingest is recovered by the sweeper (beat, every few seconds),
  which enqueues every lane that still has pending events.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from functools import partial
from typing import NamedTuple

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

ENQUEUE_FAILED = "Could not queue processing of lane %s; the sweeper will pick it up"
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
    transaction commits (at once outside one). Never raises: a broker error is logged, and
    the sweeper processes the events anyway (they are safe in the store)."""
    for lane in sorted(set(lanes)):
        transaction.on_commit(partial(_lane_send, lane, coalesce=True))


def rollups_enqueue() -> None:
    """Queue ``rollups_refresh_task`` after commit, unless one is already queued. Never
    raises."""
    transaction.on_commit(partial(_rollups_send, coalesce=True))


def lane_flag_clear(*, lane: int) -> None:
    """Called by the lane task as it starts: later events need a new message."""
    cache.delete(_QUEUED_FLAG.format(lane=lane))


def rollups_drain(*, time_budget_s: float = 10.0) -> int:
    """What the rollup task does: clear its queued flag, then refresh queued app-days until
    none is left or ``time_budget_s`` is spent. Returns the app-days recomputed."""
    cache.delete(_ROLLUPS_QUEUED_FLAG)
    deadline = time.monotonic() + time_budget_s
    total = 0
    # Drain, not one pass: keys dirtied while a refresh ran were announced by a message that
    # may have found the refresh locked.
    while True:
        refreshed = rollups_refresh()
        total += refreshed
        if not refreshed or time.monotonic() >= deadline:
            return total


def _lane_send(lane: int, *, coalesce: bool) -> None:
    from mastery.tasks import learning_events_process_task

    flag = _QUEUED_FLAG.format(lane=lane)
    try:
        if coalesce and not cache.add(flag, "1", timeout=_QUEUED_TTL):
            return
        # retry=False: a dead broker fails fast instead of holding the request; the
        # sweeper resends within seconds.
        learning_events_process_task.apply_async(args=(lane,), retry=False)
    except Exception:  # any broker or cache failure: the events are safe in the store
        logger.exception(ENQUEUE_FAILED, lane)
        _flag_drop(flag)


def _rollups_send(*, coalesce: bool) -> None:
    from mastery.tasks import rollups_refresh_task

    try:
        if coalesce and not cache.add(_ROLLUPS_QUEUED_FLAG, "1", timeout=_QUEUED_TTL):
            return
        rollups_refresh_task.apply_async(retry=False)
    except Exception:  # the dirty keys stay queued; the sweeper resends
        logger.exception(ROLLUPS_ENQUEUE_FAILED)
        _flag_drop(_ROLLUPS_QUEUED_FLAG)


def _flag_drop(flag: str) -> None:
    try:
        cache.delete(flag)
    except Exception:  # the flag expires by itself
        logger.warning("Could not clear %s", flag)


# ---------------------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------------------


def learning_events_process(
    *, lane: int, batch_size: int = 2000, time_budget_s: float = 10.0
) -> int:
    """Process the pending events of ``lane`` in batches of ``batch_size``, each in its own
    transaction, until none is pending or ``time_budget_s`` is spent. Returns the number of
    events processed (0 at once if another worker holds the lane: it drains it)."""
    deadline = time.monotonic() + time_budget_s
    total = 0
    while True:
        done = _batch_process(lane=lane, batch_size=batch_size)
        if done is None:
            break
        total += done
        # Stop only on an empty batch: events committed while a batch ran were announced by
        # a message that found the lane locked, so this loop must look for them.
        if done == 0 or time.monotonic() >= deadline:
            break
    return total


def learning_lane_drain(*, lane: int) -> int:
    """What the lane task does: clear the lane's queued flag (events committed from now on
    need a new message), process the lane, then queue the rollup refresh if anything was
    processed, and the lane again if its time budget ran out with events left."""
    lane_flag_clear(lane=lane)
    processed = learning_events_process(lane=lane)
    if processed:
        rollups_enqueue()
        if learning_lanes_pending(lanes=[lane]):
            _lane_send(lane, coalesce=True)
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
        pending = CaliperEvent.objects.filter(lane=lane, processed_at__isnull=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        rows = [
            _BatchRow(*values) for values in pending.values_list(*_BatchRow._fields)[:batch_size]
        ]
        if not rows:
            return 0
        # Marked first: the recompute below reads processed events only (what the read
        # APIs count), and this batch is part of them.
        CaliperEvent.objects.filter(id__in=[r.id for r in rows]).update(processed_at=timezone.now())
        dirty = _facts_derive(rows)
        dirty |= {(r.api_client_id, _day(r.event_time)) for r in rows}
        rollup_keys_dirty(keys=dirty)  # last: see rollup_keys_dirty
        return len(rows)


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
    org_scopes = dict(
        User.objects.filter(pk__in={r.user_id for r in timeback}).values_list("pk", "org_scope_id")
    )
    completions = activity_outcomes_recompute(keys=activities, org_scopes=org_scopes)
    ledger_entries_sync(completions=completions)
    assessment_results_write(completions=completions)
    mastery_facts_recompute(completions=completions)
    time_facts_recompute(keys=time_keys, org_scopes=org_scopes)
    student_days: set[StudentDayKey] = {(k[0], k[4]) for k in time_keys}
    student_days |= {(c.outcome.student_id, c.outcome.day) for c in completions}
    student_rollups_recompute(keys=student_days, org_scopes=org_scopes)
    return {(c.outcome.api_client_id, c.outcome.day) for c in completions}


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()
