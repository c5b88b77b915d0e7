"""Time facts (student × app × subject × day) and mastery facts (student × course × unit),
recomputed whole for the keys a batch touched."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncDate

from caliper.models import CaliperEvent
from mastery.models import MasteryFact, TimeFact
from mastery.rules import ACCURACY_EPSILON, MASTERY_GATE, TIME_SPENT_EVENT_TYPES
from mastery.services.bulk import bulk_upsert
from mastery.services.outcomes import ScoredCompletion

__all__ = ["TimeKey", "day_bounds", "mastery_facts_recompute", "time_facts_recompute"]

TimeKey = tuple[int, int, str, str, dt.date]  # (student, api client, app name, subject, day)

_SECONDS = ("active", "inactive", "waste", "unknown", "anti_pattern")


def day_bounds(days: Collection[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants from the start of the first of ``days`` to the end of the last."""
    first, last = min(days), max(days)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return start, end


def time_facts_recompute(*, keys: Collection[TimeKey], org_scopes: Mapping[int, int]) -> int:
    """Recompute the ``TimeFact`` rows ``keys`` from all processed TimeSpentEvents of each
    student-day and upsert them. One aggregate query and one upsert. Returns rows written."""
    if not keys:
        return 0
    wanted = set(keys)
    start, end = day_bounds({key[4] for key in wanted})
    rows = (
        CaliperEvent.objects.filter(
            user_id__in={key[0] for key in wanted},
            is_timeback=True,
            event_type__in=TIME_SPENT_EVENT_TYPES,
            processed_at__isnull=False,
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
            TimeFact(
                student_id=key[0],
                api_client_id=key[1],
                app_name=key[2],
                subject=key[3],
                day=key[4],
                org_scope_id=org_scopes[key[0]],
                **{f"{name}_seconds": round(float(row[name] or 0.0), 6) for name in _SECONDS},
            )
        )
    facts.sort(key=lambda f: (f.student_id, f.api_client_id, f.app_name, f.subject, f.day))
    bulk_upsert(
        facts,
        unique_fields=["student", "api_client", "app_name", "subject", "day"],
        update_fields=["org_scope", *(f"{name}_seconds" for name in _SECONDS), "updated_at"],
    )
    return len(facts)


def mastery_facts_recompute(*, completions: Sequence[ScoredCompletion]) -> int:
    """Recompute the ``MasteryFact`` of every (student, course, unit) in ``completions``.

    ``completions`` must hold *all* completions of their activities (as
    ``activity_outcomes_recompute`` returns them, in attempt order), so each fact is whole:
    attempts, best and latest accuracy, mastered (some attempt reached the 90% gate), the
    mastered units accepted (the most any attempt was granted) and when mastery was first
    reached. One upsert. Returns rows written."""
    groups: dict[tuple[int, str, str], list[ScoredCompletion]] = defaultdict(list)
    for completion in completions:
        o = completion.outcome
        groups[(o.student_id, o.course_iri, o.activity_iri)].append(completion)
    facts = []
    for (student_id, course_iri, unit_iri), members in sorted(groups.items()):
        outcomes = [m.outcome for m in members]
        accuracies = [o.accuracy for o in outcomes if o.accuracy is not None]
        reached = [o for o in outcomes if _gate_met(o.accuracy)]
        latest = outcomes[-1]
        facts.append(
            MasteryFact(
                student_id=student_id,
                org_scope_id=latest.org_scope_id,
                course_iri=course_iri,
                course_name=latest.course_name,
                subject=latest.subject,
                unit_iri=unit_iri,
                unit_name=latest.activity_name,
                attempts=len(outcomes),
                best_accuracy=max(accuracies) if accuracies else None,
                latest_accuracy=latest.accuracy,
                mastered=bool(reached),
                mastered_units=max((o.mastered_units for o in outcomes), default=0),
                mastered_at=min(o.occurred_at for o in reached) if reached else None,
            )
        )
    bulk_upsert(
        facts,
        unique_fields=["student", "course_iri", "unit_iri"],
        update_fields=[
            "org_scope",
            "course_name",
            "subject",
            "unit_name",
            "attempts",
            "best_accuracy",
            "latest_accuracy",
            "mastered",
            "mastered_units",
            "mastered_at",
            "updated_at",
        ],
    )
    return len(facts)


def _gate_met(accuracy: float | None) -> bool:
    return accuracy is not None and accuracy >= MASTERY_GATE - ACCURACY_EPSILON
