"""The XP ledger: append-only signed entries whose sum per source event is its award."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from mastery.choices import LedgerReason
from mastery.models import XpLedgerEntry
from mastery.services.bulk import bulk_upsert_rows
from mastery.services.outcomes import ScoredCompletion

__all__ = ["LEDGER_TOLERANCE", "ledger_entries_sync"]

# Differences below this are floating-point noise of summing entries, not XP.
LEDGER_TOLERANCE = 1e-6

_FIELDS = (
    "student_id",
    "api_client_id",
    "org_scope_id",
    "source_event_id",
    "value",
    "reason",
    "app_name",
    "subject",
    "course_iri",
    "course_name",
    "occurred_at",
    "created_at",
)


def ledger_entries_sync(*, completions: Sequence[ScoredCompletion]) -> int:
    """Append, for each completion whose ledger entries do not sum to its current award, one
    signed entry making up the difference (``award`` for its first entry, ``adjustment``
    after). History is never edited; a completion already in balance gets nothing, so running
    this twice appends nothing. ``completions`` carry their booked sums (read with them).
    Returns the number of entries appended. At most one upsert."""
    if not completions:
        return 0
    now = timezone.now()
    entries = []
    for completion in completions:
        outcome = completion.outcome
        current = completion.booked
        delta = round(outcome.xp_awarded - (current or 0.0), 6)
        if abs(delta) <= LEDGER_TOLERANCE:
            continue
        entries.append(
            (
                outcome.student_id,
                outcome.api_client_id,
                outcome.org_scope_id,
                outcome.event_id,
                delta,
                str(LedgerReason.AWARD if current is None else LedgerReason.ADJUSTMENT),
                outcome.app_name,
                outcome.subject,
                outcome.course_iri,
                outcome.course_name,
                outcome.occurred_at,
                now,
            )
        )
    return bulk_upsert_rows(XpLedgerEntry, fields=_FIELDS, rows=entries)
