"""The XP ledger: append-only signed entries whose sum per source event is its award."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Sum

from mastery.choices import LedgerReason
from mastery.models import XpLedgerEntry
from mastery.services.bulk import bulk_upsert
from mastery.services.outcomes import ScoredCompletion

__all__ = ["LEDGER_TOLERANCE", "ledger_entries_sync"]

# Differences below this are floating-point noise of summing entries, not XP.
LEDGER_TOLERANCE = 1e-6


def ledger_entries_sync(*, completions: Sequence[ScoredCompletion]) -> int:
    """Append, for each completion whose ledger entries do not sum to its current award, one
    signed entry making up the difference (``award`` for its first entry, ``adjustment``
    after). History is never edited; a completion already in balance gets nothing, so running
    this twice appends nothing. Returns the number of entries appended. Two queries."""
    if not completions:
        return 0
    event_ids = [c.outcome.event_id for c in completions]
    booked = dict(
        XpLedgerEntry.objects.filter(source_event_id__in=event_ids)
        .values("source_event_id")
        .annotate(total=Sum("value"))
        .values_list("source_event_id", "total")
    )
    entries = []
    for completion in completions:
        outcome = completion.outcome
        current = booked.get(outcome.event_id)
        delta = round(outcome.xp_awarded - (current or 0.0), 6)
        if abs(delta) <= LEDGER_TOLERANCE:
            continue
        entries.append(
            XpLedgerEntry(
                student_id=outcome.student_id,
                api_client_id=outcome.api_client_id,
                org_scope_id=outcome.org_scope_id,
                source_event_id=outcome.event_id,
                value=delta,
                reason=LedgerReason.AWARD if current is None else LedgerReason.ADJUSTMENT,
                app_name=outcome.app_name,
                subject=outcome.subject,
                course_iri=outcome.course_iri,
                course_name=outcome.course_name,
                occurred_at=outcome.occurred_at,
            )
        )
    bulk_upsert(entries)
    return len(entries)
