"""Activity recompute: every completion of an activity, scored by the rules from the whole
event store.

An activity is (student, event object id). Whatever event of it arrives, all its
completions are scored again from all its processed events, so the result does not depend
on the order or the envelopes the events came in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Sum

from caliper.models import CaliperEvent
from mastery.models import ActivityOutcome
from mastery.rules import (
    ACTIVITY_EVENT_TYPES,
    TIME_SPENT_EVENT_TYPES,
    Completion,
    activity_evaluate,
)
from mastery.services.bulk import bulk_upsert

__all__ = ["ActivityKey", "ScoredCompletion", "activity_outcomes_recompute"]

ActivityKey = tuple[int, str]  # (student pk, activity IRI)


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
    missing_fields: list[str] | None


# Upsert on the completion event; every derived column is rewritten.
_OUTCOME_UPDATE_FIELDS = [
    "student",
    "api_client",
    "org_scope",
    "app_name",
    "subject",
    "course_iri",
    "course_name",
    "activity_iri",
    "activity_name",
    "occurred_at",
    "day",
    "attempt",
    "total_questions",
    "correct_questions",
    "accuracy",
    "mastered_units_claimed",
    "mastered_units",
    "xp_reported",
    "active_minutes",
    "xp_base",
    "multiplier",
    "xp_awarded",
    "xp_inflation",
    "findings",
    "updated_at",
]


@dataclass(frozen=True)
class ScoredCompletion:
    """A completion with the outcome the rules gave it (the row that was upserted)."""

    external_id: str
    outcome: ActivityOutcome


def activity_outcomes_recompute(
    *, keys: Collection[ActivityKey], org_scopes: Mapping[int, int]
) -> list[ScoredCompletion]:
    """Score every processed completion of the activities ``keys`` and upsert their
    ``ActivityOutcome`` rows. ``org_scopes`` maps student pk → the student's org_scope pk.
    Returns the completions, in activity then attempt order. Two queries and one upsert."""
    if not keys:
        return []
    wanted = set(keys)
    users = {user for user, _ in wanted}
    iris = {iri for _, iri in wanted}
    base = CaliperEvent.objects.filter(
        user_id__in=users, object_iri__in=iris, is_timeback=True, processed_at__isnull=False
    )
    # The filter is a superset (users × IRIs); keep only the wanted pairs.
    by_activity: dict[ActivityKey, list[_CompletionRow]] = defaultdict(list)
    completions = base.filter(event_type__in=ACTIVITY_EVENT_TYPES)
    for values in completions.values_list(*_CompletionRow._fields):
        row = _CompletionRow(*values)
        if (row.user_id, row.object_iri) in wanted:
            by_activity[(row.user_id, row.object_iri)].append(row)
    active: dict[ActivityKey, float] = {}
    for user_id, iri, seconds in (
        base.filter(event_type__in=TIME_SPENT_EVENT_TYPES)
        .values("user_id", "object_iri")
        .annotate(seconds=Sum("active_seconds"))
        .values_list("user_id", "object_iri", "seconds")
    ):
        if (user_id, iri) in wanted:
            active[(user_id, iri)] = float(seconds or 0.0)

    scored: list[ScoredCompletion] = []
    for key in sorted(by_activity):
        scored.extend(_activity_score(by_activity[key], active.get(key, 0.0), org_scopes))
    bulk_upsert(
        [s.outcome for s in scored],
        unique_fields=["event"],
        update_fields=_OUTCOME_UPDATE_FIELDS,
    )
    return scored


def _activity_score(
    rows: list[_CompletionRow], active_seconds: float, org_scopes: Mapping[int, int]
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
            missing_fields=tuple(r.missing_fields or ()),
        )
        for r in ordered
    ]
    results = activity_evaluate(completions=completions, active_seconds=active_seconds)
    out = []
    for r, completion, result in zip(ordered, completions, results, strict=True):
        outcome = ActivityOutcome(
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
        out.append(ScoredCompletion(external_id=r.external_id, outcome=outcome))
    return out
