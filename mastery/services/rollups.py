"""Rollups for dashboards: per student per day (written with the facts, in the processing
transaction) and per app per day (written by ``rollups_refresh`` from a queue of dirty keys).

Every rollup row is recomputed whole from the facts and the events of its key, never
incremented, so a rerun (after a crash, or twice) writes the same row. The app-day queue
(``RollupDirtyKey``) makes the app rollups resumable: a key stays queued until a refresh that
read it has committed its rows, and a key dirtied again meanwhile (new token) stays queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from caliper.models import CaliperEvent
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    AppEventQuality,
    RollupDirtyKey,
    StudentDailyRollup,
    TimeFact,
)
from mastery.rules import (
    ACCURACY_EPSILON,
    ACTIVITY_EVENT_TYPES,
    MASTERY_GATE,
    TIME_SPENT_EVENT_TYPES,
    XP_FLOOR,
)
from mastery.services.bulk import bulk_upsert, is_postgresql
from mastery.services.facts import day_bounds
from mastery.services.outcomes import json_param

__all__ = [
    "OUTCOME_FINDING_CONDITIONS",
    "AppDayKey",
    "StudentDayKey",
    "rollup_keys_dirty",
    "rollups_pending",
    "rollups_refresh",
    "student_rollups_recompute",
]

logger = logging.getLogger(__name__)

StudentDayKey = tuple[int, dt.date]
AppDayKey = tuple[int, dt.date]

# The findings of mastery.rules as conditions on ActivityOutcome columns, so event quality is
# counted by the database. tests/mastery/test_processing.py checks that they select exactly
# the outcomes whose ``findings`` list holds the code.
OUTCOME_FINDING_CONDITIONS: dict[str, Q] = {
    "xp_above_active": Q(xp_inflation__gt=ACCURACY_EPSILON),
    "xp_below_80": Q(xp_reported__gt=0, accuracy__lt=XP_FLOOR - ACCURACY_EPSILON),
    "mastery_below_90": Q(mastered_units_claimed__gt=0)
    & (Q(accuracy__isnull=True) | Q(accuracy__lt=MASTERY_GATE - ACCURACY_EPSILON)),
    "no_time_spent": Q(active_minutes__lte=0),
}

_ROLLUP_LOCK_CLASS = 7312  # PostgreSQL advisory-lock namespace of the app rollup refresh
_ROLLUP_CACHE_LOCK = "lock:mastery:rollups-refresh"
_SECONDS = ("active", "inactive", "waste", "unknown", "anti_pattern")


def _r(value: Any) -> float:
    # Sums of floats depend on the order the database adds them in; a fixed precision keeps
    # a recomputed row identical to the one it replaces.
    return round(float(value or 0.0), 6) + 0.0


# ---------------------------------------------------------------------------------------
# Student × day
# ---------------------------------------------------------------------------------------


def student_rollups_recompute(
    *, keys: Collection[StudentDayKey], org_scopes: Mapping[int, int]
) -> int:
    """Recompute the ``StudentDailyRollup`` rows ``keys`` from the student's outcomes and time
    facts of each day. One ``INSERT … SELECT … ON CONFLICT`` on PostgreSQL; elsewhere two
    aggregate queries and one upsert. Returns rows written."""
    if not keys:
        return 0
    wanted = set(keys)
    if is_postgresql():
        return _student_rollups_sql(wanted)
    students = {student for student, _ in wanted}
    days = {day for _, day in wanted}
    first, last = min(days), max(days)
    totals: dict[StudentDayKey, dict[str, Any]] = {key: {} for key in wanted}
    for row in (
        ActivityOutcome.objects.filter(student_id__in=students, day__gte=first, day__lte=last)
        .values("student_id", "day")
        .annotate(
            xp=Sum("xp_awarded"),
            activities_completed=Count("id"),
            total_questions=Sum("total_questions"),
            correct_questions=Sum("correct_questions"),
            mastered_units=Sum("mastered_units"),
        )
        .order_by()
    ):
        _merge(totals, dict(row))
    for time_row in (
        TimeFact.objects.filter(student_id__in=students, day__gte=first, day__lte=last)
        .values("student_id", "day")
        .annotate(**{f"{name}_seconds": Sum(f"{name}_seconds") for name in _SECONDS})
        .order_by()
    ):
        _merge(totals, dict(time_row))
    rows = [
        StudentDailyRollup(
            student_id=student,
            org_scope_id=org_scopes[student],
            day=day,
            xp=_r(t.get("xp")),
            activities_completed=int(t.get("activities_completed") or 0),
            total_questions=int(t.get("total_questions") or 0),
            correct_questions=int(t.get("correct_questions") or 0),
            mastered_units=int(t.get("mastered_units") or 0),
            **{f"{name}_seconds": _r(t.get(f"{name}_seconds")) for name in _SECONDS},
        )
        for (student, day), t in sorted(totals.items())
    ]
    bulk_upsert(
        rows,
        unique_fields=["student", "day"],
        update_fields=[
            "org_scope",
            "xp",
            "activities_completed",
            "total_questions",
            "correct_questions",
            "mastered_units",
            *(f"{name}_seconds" for name in _SECONDS),
            "updated_at",
        ],
    )
    return len(rows)


_STUDENT_COUNTS = ("activities_completed", "total_questions", "correct_questions", "mastered_units")


def _student_rollups_sql(wanted: set[StudentDayKey]) -> int:
    seconds = [f"{name}_seconds" for name in _SECONDS]
    columns = ["xp", *_STUDENT_COUNTS, *seconds]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in ["org_scope_id", *columns, "updated_at"])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH k AS MATERIALIZED (SELECT DISTINCT (k->>0)::bigint AS student_id, "
            "(k->>1)::date AS day FROM jsonb_array_elements(%s::jsonb) k), "
            "o AS (SELECT o.student_id, o.day, sum(o.xp_awarded) AS xp, "
            "count(*) AS activities_completed, sum(o.total_questions) AS total_questions, "
            "sum(o.correct_questions) AS correct_questions, "
            "sum(o.mastered_units) AS mastered_units "
            "FROM mastery_activityoutcome o JOIN k ON o.student_id = k.student_id "
            "AND o.day = k.day GROUP BY 1, 2), "
            "t AS (SELECT t.student_id, t.day, "
            + ", ".join(f"sum(t.{c}) AS {c}" for c in seconds)
            + " FROM mastery_timefact t JOIN k ON t.student_id = k.student_id "
            "AND t.day = k.day GROUP BY 1, 2) "
            "INSERT INTO mastery_studentdailyrollup (student_id, org_scope_id, day, "
            f"{', '.join(columns)}, created_at, updated_at) "
            "SELECT k.student_id, u.org_scope_id, k.day, "
            # Rounded to 6 decimals as _r does: a recompute writes the row it replaces.
            "round(coalesce(o.xp, 0)::numeric, 6)::float8, "
            + ", ".join(f"coalesce(o.{c}, 0)" for c in _STUDENT_COUNTS)
            + ", "
            + ", ".join(f"round(coalesce(t.{c}, 0)::numeric, 6)::float8" for c in seconds)
            + ", %s, %s FROM k JOIN roster_user u ON u.id = k.student_id "
            "LEFT JOIN o ON o.student_id = k.student_id AND o.day = k.day "
            "LEFT JOIN t ON t.student_id = k.student_id AND t.day = k.day "
            # Key order: two lanes never lock shared rows in opposite orders.
            "ORDER BY k.student_id, k.day "
            f"ON CONFLICT (student_id, day) DO UPDATE SET {updates}",
            [json_param(sorted(wanted)), now, now],
        )
        return int(cursor.rowcount)


def _merge(totals: dict[StudentDayKey, dict[str, Any]], row: dict[str, Any]) -> None:
    key = (row.pop("student_id"), row.pop("day"))
    if key in totals:
        totals[key].update(row)


# ---------------------------------------------------------------------------------------
# App × day: the dirty-key queue and its refresh
# ---------------------------------------------------------------------------------------


def rollup_keys_dirty(*, keys: Collection[AppDayKey]) -> None:
    """Queue the app-days ``keys`` for ``rollups_refresh``. An already queued key gets a new
    token, so a refresh that read the old one leaves it queued.

    The processing transaction calls this last: the upsert locks the (shared) key rows until
    commit, and last means the other lane waits on them for the commit only."""
    if not keys:
        return
    bulk_upsert(
        # Sorted, so that two lanes lock shared keys in one order and cannot deadlock.
        [RollupDirtyKey(api_client_id=client, day=day) for client, day in sorted(set(keys))],
        unique_fields=["api_client", "day"],
        update_fields=["token"],
    )


def rollups_refresh(*, limit: int = 5000) -> int:
    """Recompute ``AppDailyRollup`` and ``AppEventQuality`` for up to ``limit`` queued
    app-days and dequeue them. One refresh runs at a time (a PostgreSQL advisory lock, or a
    cache lock elsewhere): a second caller returns 0 at once. Safe to run twice or to crash
    half-way. Returns the number of app-days recomputed."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [_ROLLUP_LOCK_CLASS])
                if not cursor.fetchone()[0]:
                    return 0
            return _refresh(limit)
    if not cache.add(_ROLLUP_CACHE_LOCK, "1", timeout=300):
        return 0
    try:
        with transaction.atomic():
            return _refresh(limit)
    finally:
        cache.delete(_ROLLUP_CACHE_LOCK)


def rollups_pending() -> bool:
    """True when some app-day waits for ``rollups_refresh``."""
    return RollupDirtyKey.objects.exists()


def _refresh(limit: int) -> int:
    queued = list(
        RollupDirtyKey.objects.order_by("day", "api_client_id").values_list(
            "api_client_id", "day", "token"
        )[:limit]
    )
    if not queued:
        return 0
    keys = sorted({(client, day) for client, day, _ in queued})
    rollups, qualities = [], []
    for client, day in keys:
        rollup, quality = _app_day(client, day)
        rollups.append(rollup)
        qualities.append(quality)
    bulk_upsert(
        rollups,
        unique_fields=["api_client", "day"],
        update_fields=[
            "students",
            "activities_completed",
            "xp",
            "total_questions",
            "correct_questions",
            "mastered_units",
            "active_seconds",
            "inactive_seconds",
            "waste_seconds",
            "updated_at",
        ],
    )
    bulk_upsert(
        qualities,
        unique_fields=["api_client", "day"],
        update_fields=[
            "events",
            "timeback_events",
            "completions",
            "unattributed",
            "xp_above_active",
            "xp_below_80",
            "mastery_below_90",
            "no_time_spent",
            "missing_fields",
            "updated_at",
        ],
    )
    # Dequeue only the keys still carrying the token read above: a key dirtied again since
    # (its processing transaction may even be committing now) has a new token and stays.
    # Tokens are unique per dirtying, so they alone name the versions read.
    RollupDirtyKey.objects.filter(token__in=[token for *_, token in queued]).delete()
    return len(keys)


def _app_day(client: int, day: dt.date) -> tuple[AppDailyRollup, AppEventQuality]:
    """The rollup and the event quality of one app-day, from its events, outcomes and time
    facts. Three aggregate queries."""
    start, end = day_bounds([day])
    timeback_types = ACTIVITY_EVENT_TYPES + TIME_SPENT_EVENT_TYPES
    events = CaliperEvent.objects.filter(
        api_client_id=client, event_time__gte=start, event_time__lt=end
    ).aggregate(
        events=Count("id"),
        timeback_events=Count("id", filter=Q(is_timeback=True)),
        completions=Count("id", filter=Q(is_timeback=True, event_type__in=ACTIVITY_EVENT_TYPES)),
        unattributed=Count("id", filter=Q(user__isnull=True)),
        # Recommended fields absent, or a Timeback event type that failed the profile shape.
        missing_fields=Count(
            "id",
            filter=~Q(missing_fields=[]) | Q(event_type__in=timeback_types, is_timeback=False),
        ),
        students=Count("user_id", distinct=True),
    )
    outcomes = ActivityOutcome.objects.filter(api_client_id=client, day=day).aggregate(
        activities_completed=Count("id"),
        xp=Sum("xp_awarded"),
        total_questions=Sum("total_questions"),
        correct_questions=Sum("correct_questions"),
        mastered_units=Sum("mastered_units"),
        **{
            code: Count("id", filter=condition)
            for code, condition in OUTCOME_FINDING_CONDITIONS.items()
        },
    )
    time = TimeFact.objects.filter(api_client_id=client, day=day).aggregate(
        active=Sum("active_seconds"),
        inactive=Sum("inactive_seconds"),
        waste=Sum("waste_seconds"),
    )
    rollup = AppDailyRollup(
        api_client_id=client,
        day=day,
        students=int(events["students"] or 0),
        activities_completed=int(outcomes["activities_completed"] or 0),
        xp=_r(outcomes["xp"]),
        total_questions=int(outcomes["total_questions"] or 0),
        correct_questions=int(outcomes["correct_questions"] or 0),
        mastered_units=int(outcomes["mastered_units"] or 0),
        active_seconds=_r(time["active"]),
        inactive_seconds=_r(time["inactive"]),
        waste_seconds=_r(time["waste"]),
    )
    quality = AppEventQuality(
        api_client_id=client,
        day=day,
        events=int(events["events"]),
        timeback_events=int(events["timeback_events"]),
        completions=int(events["completions"]),
        unattributed=int(events["unattributed"]),
        missing_fields=int(events["missing_fields"]),
        **{code: int(outcomes[code]) for code in OUTCOME_FINDING_CONDITIONS},
    )
    return rollup, quality
