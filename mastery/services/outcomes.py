"""Activity recompute: every completion of an activity, scored by the rules from the whole
event store.

An activity is (student, event object id). Whatever event of it arrives, all its
completions are scored again from all its processed events, so the result does not depend
on the order or the envelopes the events came in. Only outcomes whose values changed are
written: the stored outcome and the completion's ledger balance are read with the
completions, in the same query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from django.db import connection
from django.db.models import Sum

from caliper.models import CaliperEvent
from mastery.models import ActivityOutcome, XpLedgerEntry
from mastery.rules import (
    ACTIVITY_EVENT_TYPES,
    TIME_SPENT_EVENT_TYPES,
    Completion,
    activity_evaluate,
)
from mastery.services.bulk import bulk_upsert_rows, is_postgresql

__all__ = [
    "PROCESSED_SQL",
    "ActivityKey",
    "OutcomeRow",
    "ScoredCompletion",
    "activity_outcomes_recompute",
    "json_param",
]

ActivityKey = tuple[int, str]  # (student pk, activity IRI)

# SQL condition on an event aliased ``e``: processed, i.e. its (job, lane) is out of the
# outbox (``CaliperEventQuerySet.processed``). One probe of the outbox's (job, lane) key.
PROCESSED_SQL = (
    "NOT EXISTS (SELECT 1 FROM caliper_eventoutbox x WHERE x.job_id = e.job_id AND x.lane = e.lane)"
)


class _CompletionRow(NamedTuple):
    """The columns of a completion event the rules and the outcome row need."""

    id: int
    external_id: str
    user_id: int
    api_client_id: int
    object_iri: str
    event_time: dt.datetime
    subject: str
    app_name: str
    course_iri: str
    course_name: str
    activity_name: str
    attempt: int | None
    xp_earned: float | None
    total_questions: int | None
    correct_questions: int | None
    mastered_units: int | None
    missing_fields: bool  # some recommended field was absent (only that counts)


class OutcomeRow(NamedTuple):
    """The values of an ``ActivityOutcome`` row (its attnames, in this order), without the
    surrogate key and the timestamps."""

    event_id: int
    student_id: int
    api_client_id: int
    org_scope_id: int
    app_name: str
    subject: str
    course_iri: str
    course_name: str
    activity_iri: str
    activity_name: str
    occurred_at: dt.datetime
    day: dt.date
    attempt: int
    total_questions: int | None
    correct_questions: int | None
    accuracy: float | None
    mastered_units_claimed: int
    mastered_units: int
    xp_reported: float | None
    active_minutes: float
    xp_base: float
    multiplier: float
    xp_awarded: float
    xp_inflation: float
    findings: list[str]


_OUTCOME_FIELDS = OutcomeRow._fields
# Upsert on the completion event; every derived column is rewritten.
_OUTCOME_UPDATE_FIELDS = [*(f for f in _OUTCOME_FIELDS if f != "event_id"), "updated_at"]
_N_COMPLETION = len(_CompletionRow._fields)
_N_OUTCOME = len(_OUTCOME_FIELDS)


@dataclass(frozen=True, slots=True)
class ScoredCompletion:
    """A completion with the outcome the rules gave it. ``changed``: the stored outcome row
    differed (or there was none) and was rewritten. ``before``: the stored outcome (None for
    a new completion). ``booked``: the sum of the completion's ledger entries before this
    batch (None when it has none)."""

    external_id: str
    outcome: OutcomeRow
    changed: bool = True
    booked: float | None = None
    before: OutcomeRow | None = None


class _Stored(NamedTuple):
    outcome: OutcomeRow | None
    booked: float | None


def json_param(value: Any) -> str:
    """A JSON text parameter: a large key list passed as one value (``%s::jsonb``) instead
    of thousands of placeholders, or an array literal quoted element by element."""
    return orjson.dumps(value, default=str).decode()


def activity_outcomes_recompute(
    *, keys: Collection[ActivityKey], org_scopes: Mapping[int, int]
) -> list[ScoredCompletion]:
    """Score every processed completion of the activities ``keys`` and upsert the
    ``ActivityOutcome`` rows whose values changed. ``org_scopes`` maps student pk → the
    student's org_scope pk. Returns all the completions (changed or not), in activity then
    attempt order. Two queries and one upsert."""
    if not keys:
        return []
    wanted = set(keys)
    if is_postgresql():
        by_activity, stored, active = _read_postgresql(wanted)
    else:
        by_activity, stored, active = _read_orm(wanted)

    scored: list[ScoredCompletion] = []
    for key in sorted(by_activity):
        scored.extend(_activity_score(by_activity[key], active.get(key, 0.0), org_scopes, stored))
    bulk_upsert_rows(
        ActivityOutcome,
        fields=_OUTCOME_FIELDS,
        rows=[s.outcome for s in scored if s.changed],
        unique_fields=["event"],
        update_fields=_OUTCOME_UPDATE_FIELDS,
    )
    return scored


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------

_KEYS_SQL = (
    "SELECT (k->>0)::bigint AS user_id, k->>1 AS object_iri FROM jsonb_array_elements(%s::jsonb) k"
)


def _read_postgresql(
    wanted: set[ActivityKey],
) -> tuple[dict[ActivityKey, list[_CompletionRow]], dict[int, _Stored], dict[ActivityKey, float]]:
    keys = json_param(sorted(wanted))
    completion_cols = ", ".join(
        "e.missing_fields::text <> '[]'" if name == "missing_fields" else f"e.{name}"
        for name in _CompletionRow._fields
    )
    outcome_cols = ", ".join(f"o.{name}" for name in _OUTCOME_FIELDS)
    by_activity: dict[ActivityKey, list[_CompletionRow]] = defaultdict(list)
    stored: dict[int, _Stored] = {}
    active: dict[ActivityKey, float] = {}
    time_types = frozenset(TIME_SPENT_EVENT_TYPES)
    with connection.cursor() as cursor:
        # One pass over the activities' events, both kinds: an activity's TimeSpentEvents
        # and completions sit together under the (user, object IRI) index.
        cursor.execute(
            f"WITH k AS MATERIALIZED ({_KEYS_SQL}) "
            f"SELECT e.event_type, e.active_seconds, {completion_cols}, o.id, {outcome_cols}, "
            "CASE WHEN e.event_type = ANY(%s::text[]) THEN (SELECT sum(l.value) "
            "FROM mastery_xpledgerentry l WHERE l.source_event_id = e.id) END "
            "FROM caliper_caliperevent e "
            "JOIN k ON e.user_id = k.user_id AND e.object_iri = k.object_iri "
            "LEFT JOIN mastery_activityoutcome o ON o.event_id = e.id "
            f"WHERE e.is_timeback AND {PROCESSED_SQL} "
            "AND e.event_type = ANY(%s::text[])",
            [
                keys,
                list(ACTIVITY_EVENT_TYPES),
                list(ACTIVITY_EVENT_TYPES + TIME_SPENT_EVENT_TYPES),
            ],
        )
        for event_type, seconds, *values in cursor.fetchall():
            row = _CompletionRow(*values[:_N_COMPLETION])
            key = (row.user_id, row.object_iri)
            if event_type in time_types:
                active[key] = active.get(key, 0.0) + float(seconds or 0.0)
                continue
            by_activity[key].append(row)
            outcome = None
            if values[_N_COMPLETION] is not None:
                start = _N_COMPLETION + 1
                outcome = _outcome_loaded(values[start : start + _N_OUTCOME])
            stored[row.id] = _Stored(outcome, values[-1])
    return by_activity, stored, active


def _read_orm(
    wanted: set[ActivityKey],
) -> tuple[dict[ActivityKey, list[_CompletionRow]], dict[int, _Stored], dict[ActivityKey, float]]:
    users = {user for user, _ in wanted}
    iris = {iri for _, iri in wanted}
    base = CaliperEvent.objects.processed().filter(
        user_id__in=users, object_iri__in=iris, is_timeback=True
    )
    # The filter is a superset (users × IRIs); keep only the wanted pairs.
    by_activity: dict[ActivityKey, list[_CompletionRow]] = defaultdict(list)
    ids = []
    for values in base.filter(event_type__in=ACTIVITY_EVENT_TYPES).values_list(
        *_CompletionRow._fields
    ):
        row = _CompletionRow._make((*values[:-1], bool(values[-1])))
        if (row.user_id, row.object_iri) in wanted:
            by_activity[(row.user_id, row.object_iri)].append(row)
            ids.append(row.id)
    outcomes = {
        values[0]: OutcomeRow(*values)
        for values in ActivityOutcome.objects.filter(event_id__in=ids).values_list(*_OUTCOME_FIELDS)
    }
    booked = dict(
        XpLedgerEntry.objects.filter(source_event_id__in=ids)
        .values("source_event_id")
        .annotate(total=Sum("value"))
        .values_list("source_event_id", "total")
    )
    stored = {pk: _Stored(outcomes.get(pk), booked.get(pk)) for pk in ids}
    active: dict[ActivityKey, float] = {}
    for user_id, iri, seconds in (
        base.filter(event_type__in=TIME_SPENT_EVENT_TYPES)
        .values("user_id", "object_iri")
        .annotate(seconds=Sum("active_seconds"))
        .values_list("user_id", "object_iri", "seconds")
    ):
        if (user_id, iri) in wanted:
            active[(user_id, iri)] = float(seconds or 0.0)
    return by_activity, stored, active


def _outcome_loaded(values: Sequence[Any]) -> OutcomeRow:
    *head, findings = values  # findings is the last field, JSON text from a raw cursor
    return OutcomeRow._make(
        (*head, orjson.loads(findings) if isinstance(findings, str) else findings)
    )


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------


def _activity_score(
    rows: list[_CompletionRow],
    active_seconds: float,
    org_scopes: Mapping[int, int],
    stored: Mapping[int, _Stored],
) -> list[ScoredCompletion]:
    # Completions without a reported attempt are numbered by their place in time; the
    # external id breaks ties so the order never depends on the order of arrival (pk).
    by_time = sorted(rows, key=lambda r: (r.event_time, r.external_id))
    attempts = {
        r.external_id: (r.attempt if r.attempt is not None else ordinal)
        for ordinal, r in enumerate(by_time, start=1)
    }
    ordered = sorted(by_time, key=lambda r: (attempts[r.external_id], r.event_time, r.external_id))
    completions = [
        Completion(
            attempt=attempts[r.external_id],
            xp_reported=r.xp_earned,
            total_questions=r.total_questions,
            correct_questions=r.correct_questions,
            mastered_units_claimed=max(0, r.mastered_units or 0),
            missing_fields=("missing",) if r.missing_fields else (),
        )
        for r in ordered
    ]
    results = activity_evaluate(completions=completions, active_seconds=active_seconds)
    out = []
    for r, completion, result in zip(ordered, completions, results, strict=True):
        outcome = OutcomeRow(
            event_id=r.id,
            student_id=r.user_id,
            api_client_id=r.api_client_id,
            org_scope_id=org_scopes[r.user_id],
            app_name=r.app_name,
            subject=r.subject,
            course_iri=r.course_iri,
            course_name=r.course_name,
            activity_iri=r.object_iri,
            activity_name=r.activity_name,
            occurred_at=r.event_time,
            day=r.event_time.astimezone(dt.UTC).date(),
            attempt=completion.attempt,
            total_questions=completion.total_questions,
            correct_questions=completion.correct_questions,
            accuracy=None if result.accuracy is None else round(result.accuracy, 6),
            mastered_units_claimed=completion.mastered_units_claimed,
            mastered_units=result.mastered_units,
            xp_reported=completion.xp_reported,
            active_minutes=result.cap_minutes,
            xp_base=result.xp_base,
            multiplier=result.multiplier,
            xp_awarded=result.xp_awarded,
            xp_inflation=result.xp_inflation,
            findings=result.findings,
        )
        before = stored.get(r.id)
        out.append(
            ScoredCompletion(
                external_id=r.external_id,
                outcome=outcome,
                changed=before is None or before.outcome != outcome,
                booked=None if before is None else before.booked,
                before=None if before is None else before.outcome,
            )
        )
    return out
