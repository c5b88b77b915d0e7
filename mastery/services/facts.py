"""Time facts (student × app × subject × day), added to a batch at a time (or recomputed
whole by a rebuild), and mastery facts (student × course × unit), recomputed whole for the
units a batch touched."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from caliper.models import CaliperEvent
from mastery.models import MasteryFact, TimeFact
from mastery.rules import ACCURACY_EPSILON, MASTERY_GATE, TIME_SPENT_EVENT_TYPES
from mastery.services.bulk import bulk_upsert_rows, is_postgresql
from mastery.services.outcomes import PROCESSED_SQL, ScoredCompletion, json_param

__all__ = [
    "TimeKey",
    "day_bounds",
    "mastery_facts_recompute",
    "time_facts_add",
    "time_facts_recompute",
]

TimeKey = tuple[int, int, str, str, dt.date]  # (student, api client, app name, subject, day)

_SECONDS = ("active", "inactive", "waste", "unknown", "anti_pattern")


def day_bounds(days: Collection[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants from the start of the first of ``days`` to the end of the last."""
    first, last = min(days), max(days)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


def time_facts_add(
    *, seconds: Mapping[TimeKey, Sequence[float]], org_scopes: Mapping[int, int]
) -> int:
    """Add to the ``TimeFact`` rows the seconds (active, inactive, waste, unknown,
    anti-pattern) of the batch's TimeSpentEvents, summed per key; missing rows start at
    zero. Each event is added by the transaction that takes it out of the outbox, so once.
    One upsert. Returns the rows written."""
    rows = [
        (*key, org_scopes[key[0]], *(round(float(v), 6) + 0.0 for v in values))
        for key, values in sorted(seconds.items())
    ]
    return bulk_upsert_rows(
        TimeFact,
        fields=_TIME_FIELDS,
        rows=rows,
        unique_fields=_TIME_KEY,
        increment_fields=[f"{name}_seconds" for name in _SECONDS],
        update_fields=["org_scope", "updated_at"],
    )


def time_facts_recompute(*, keys: Collection[TimeKey], org_scopes: Mapping[int, int]) -> int:
    """Recompute the ``TimeFact`` rows ``keys`` from all processed TimeSpentEvents of each
    key and upsert them (the rebuild; batches use ``time_facts_add``). One statement on
    PostgreSQL (``INSERT … SELECT … GROUP BY … ON CONFLICT``, restricted to the keys);
    elsewhere one aggregate query and one upsert."""
    if not keys:
        return 0
    wanted = set(keys)
    if is_postgresql():
        return _time_facts_sql(wanted)
    start, end = day_bounds({key[4] for key in wanted})
    rows = (
        CaliperEvent.objects.processed()
        .filter(
            user_id__in={key[0] for key in wanted},
            is_timeback=True,
            event_type__in=TIME_SPENT_EVENT_TYPES,
            event_time__gte=start,
            event_time__lt=end,
        )
        .annotate(day=TruncDate("event_time", tzinfo=dt.UTC))
        .values("user_id", "api_client_id", "app_name", "subject", "day")
        .annotate(**{name: Sum(f"{name}_seconds") for name in _SECONDS})
        .order_by()
    )
    facts = []
    for group in rows:
        row: dict[str, Any] = dict(group)
        key = (row["user_id"], row["api_client_id"], row["app_name"], row["subject"], row["day"])
        if key not in wanted:
            continue
        facts.append(
            (
                *key,
                org_scopes[key[0]],
                *(round(float(row[name] or 0.0), 6) for name in _SECONDS),
            )
        )
    facts.sort()
    return bulk_upsert_rows(
        TimeFact,
        fields=_TIME_FIELDS,
        rows=facts,
        unique_fields=_TIME_KEY,
        update_fields=["org_scope", *(f"{name}_seconds" for name in _SECONDS), "updated_at"],
    )


_TIME_KEY = ("student", "api_client", "app_name", "subject", "day")
_TIME_FIELDS = (
    "student_id",
    "api_client_id",
    "app_name",
    "subject",
    "day",
    "org_scope_id",
    *(f"{name}_seconds" for name in _SECONDS),
)


def _time_facts_sql(wanted: set[TimeKey]) -> int:
    seconds = [f"{name}_seconds" for name in _SECONDS]
    # Sums rounded to 6 decimals, as everywhere: a recomputed row equals the one it replaces
    # whatever order the database added the floats in.
    sums = ", ".join(f"round(coalesce(sum(e.{c}), 0)::numeric, 6)::float8" for c in seconds)
    days = sorted({(key[0], key[4]) for key in wanted})
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in ["org_scope_id", *seconds, "updated_at"])
    now = timezone.now()
    with connection.cursor() as cursor:
        # Recomputed per student-day: every (client, app, subject) group of the student-days
        # the keys name, a superset of the keys (recomputing an untouched key rewrites the
        # row it has). The events are found by the (user, event_time) index; matching the
        # keys' clients as well lets the planner pick the client-day index instead, which
        # holds every student's events of that day.
        cursor.execute(
            "WITH d AS MATERIALIZED (SELECT (d->>0)::bigint AS student_id, "
            "(d->>1)::date AS day FROM jsonb_array_elements(%s::jsonb) d) "
            "INSERT INTO mastery_timefact (student_id, api_client_id, app_name, subject, day, "
            f"org_scope_id, {', '.join(seconds)}, created_at, updated_at) "
            "SELECT e.user_id, e.api_client_id, e.app_name, e.subject, d.day, "
            f"u.org_scope_id, {sums}, %s, %s "
            "FROM d JOIN roster_user u ON u.id = d.student_id "
            "JOIN caliper_caliperevent e ON e.user_id = d.student_id "
            "AND e.event_time >= (d.day::timestamp AT TIME ZONE 'UTC') "
            "AND e.event_time < ((d.day + 1)::timestamp AT TIME ZONE 'UTC') "
            f"WHERE e.is_timeback AND {PROCESSED_SQL} "
            "AND e.event_type = ANY(%s::text[]) "
            "GROUP BY 1, 2, 3, 4, 5, 6 "
            # Key order: two lanes never lock shared rows in opposite orders.
            "ORDER BY 1, 2, 3, 4, 5 "
            "ON CONFLICT (student_id, api_client_id, app_name, subject, day) "
            f"DO UPDATE SET {updates}",
            [json_param(days), now, now, list(TIME_SPENT_EVENT_TYPES)],
        )
        return int(cursor.rowcount)


_MASTERY_FIELDS = (
    "student_id",
    "course_iri",
    "unit_iri",
    "org_scope_id",
    "course_name",
    "subject",
    "unit_name",
    "attempts",
    "best_accuracy",
    "latest_accuracy",
    "mastered",
    "mastered_units",
    "mastered_at",
)
# Every column but the key is rewritten.
_MASTERY_UPDATE_FIELDS = [name.removesuffix("_id") for name in _MASTERY_FIELDS[3:]] + ["updated_at"]


def mastery_facts_recompute(*, completions: Sequence[ScoredCompletion]) -> int:
    """Recompute the ``MasteryFact`` of every (student, course, unit) in ``completions``
    that has a changed outcome (a fact is a function of its outcomes: with none changed it
    is already right).

    ``completions`` must hold *all* completions of their activities (as
    ``activity_outcomes_recompute`` returns them, in attempt order), so each fact is whole:
    attempts, best and latest accuracy, mastered (some attempt reached the 90% gate), the
    mastered units accepted (the most any attempt was granted) and when mastery was first
    reached. At most one upsert. Returns rows written."""
    groups: dict[tuple[int, str, str], list[ScoredCompletion]] = defaultdict(list)
    for completion in completions:
        o = completion.outcome
        groups[(o.student_id, o.course_iri, o.activity_iri)].append(completion)
    facts = []
    for key, members in sorted(groups.items()):
        if not any(m.changed for m in members):
            continue
        outcomes = [m.outcome for m in members]
        accuracies = [o.accuracy for o in outcomes if o.accuracy is not None]
        reached = [o for o in outcomes if _gate_met(o.accuracy)]
        latest = outcomes[-1]
        facts.append(
            (
                *key,
                latest.org_scope_id,
                latest.course_name,
                latest.subject,
                latest.activity_name,
                len(outcomes),
                max(accuracies) if accuracies else None,
                latest.accuracy,
                bool(reached),
                max((o.mastered_units for o in outcomes), default=0),
                min(o.occurred_at for o in reached) if reached else None,
            )
        )
    return bulk_upsert_rows(
        MasteryFact,
        fields=_MASTERY_FIELDS,
        rows=facts,
        unique_fields=["student", "course_iri", "unit_iri"],
        update_fields=_MASTERY_UPDATE_FIELDS,
    )


def _gate_met(accuracy: float | None) -> bool:
    return accuracy is not None and accuracy >= MASTERY_GATE - ACCURACY_EPSILON
