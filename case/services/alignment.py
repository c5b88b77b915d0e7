"""Alignment: the index of every ``learningObjectiveSet`` the platform's objects carry, and
each student's evidence per standard.

Resources, course components, lessons (component resources), line items, assessment line
items, QTI items, tests and outcome declarations, and results carry ``learningObjectiveSet``
entries (``{"source": "CASE", "learningObjectiveIds": [CFItem identifiers]}``) as Timeback
writes them (QTI content also from its packages' CASE metadata). ``alignments_refresh`` keeps
``CaseAlignment`` in step with them: per kind, the rows changed since the last refresh (a
watermark in ``AlignmentFill``, re-read with a margin so a slow commit is never missed) have
their entries rewritten, and entries of rows that are gone are dropped. Running it twice
gives the same index; a crash leaves the watermark where it was.

``evidence_refresh`` then rolls the results up per student and standard
(``StandardEvidence``): every graded result aligned to the standard, through its line item or
itself, counts as its score ÷ the line item's maximum (100 when none is set, as Timeback's
gradebook scores are percentages); the mean over all of them is the accuracy, over the latest
three the recent accuracy, and a standard is mastered when the recent accuracy reaches the
mastery gate (90%). Students whose results changed since the last refresh are recomputed
whole.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from case.choices import AlignedKind
from case.models import AlignmentFill, CaseAlignment, StandardEvidence
from mastery.rules import MASTERY_GATE
from qti.models import QtiResource
from qti.services.manifest import timeback_metadata
from roster.models import (
    AssessmentLineItem,
    AssessmentResult,
    ComponentResource,
    CourseComponent,
    LineItem,
    Resource,
    Result,
    User,
)

__all__ = [
    "EVIDENCE",
    "RECENT",
    "aligned_rows",
    "alignments_refresh",
    "evidence_refresh",
    "objective_set_of",
    "objectives_of",
    "standards_evidence_refresh_locked",
]

EVIDENCE = "evidence"
RECENT = 3
MARGIN = dt.timedelta(seconds=10)
BATCH = 2000
MAX_OBJECTIVE = 255
GRADED = ("fully graded", "partially graded")
_LOCK = "case:evidence-refresh"
_LOCK_SECONDS = 15 * 60


def objectives_of(value: Any) -> set[tuple[str, str]]:
    """The (source, objective id) pairs of a ``learningObjectiveSet`` (malformed entries are
    skipped: the writers check them; the index only reads)."""
    out: set[tuple[str, str]] = set()
    if not isinstance(value, list):
        return out
    for entry in value:
        if not isinstance(entry, dict):
            continue
        source = entry.get("source")
        ids = entry.get("learningObjectiveIds")
        if not isinstance(source, str) or not source or not isinstance(ids, list):
            continue
        for ident in ids:
            if isinstance(ident, str) and ident and len(ident) <= MAX_OBJECTIVE:
                out.add((source[:MAX_OBJECTIVE], ident))
    return out


def _metadata_set(row: dict[str, Any]) -> Any:
    return (row.get("metadata") or {}).get("learningObjectiveSet")


def _qti_set(row: dict[str, Any]) -> Any:
    metadata = row.get("metadata") or {}
    found = metadata.get("learningObjectiveSet")
    return found if found else timeback_metadata(metadata).get("learningObjectiveSet")


def _column_set(row: dict[str, Any]) -> Any:
    return row.get("learning_objective_set")


def objective_set_of(*, kind: str, obj: Any) -> Any:
    """The ``learningObjectiveSet`` an object of ``kind`` carries (QTI content: also from its
    package's CASE metadata)."""
    if kind in (AlignedKind.QTI_ITEM, AlignedKind.QTI_TEST, AlignedKind.QTI_OUTCOME):
        return _qti_set({"metadata": obj.metadata})
    if hasattr(obj, "learning_objective_set"):
        return obj.learning_objective_set
    return _metadata_set({"metadata": obj.metadata})


@dataclass(frozen=True)
class _Source:
    kind: str
    model: type[Model]
    stamp: str
    field: str
    read: Callable[[dict[str, Any]], Any]
    where: Q = Q()


_SOURCES = (
    _Source(AlignedKind.RESOURCE, Resource, "date_last_modified", "metadata", _metadata_set),
    _Source(
        AlignedKind.COURSE_COMPONENT,
        CourseComponent,
        "date_last_modified",
        "metadata",
        _metadata_set,
    ),
    _Source(
        AlignedKind.COMPONENT_RESOURCE,
        ComponentResource,
        "date_last_modified",
        "metadata",
        _metadata_set,
    ),
    _Source(
        AlignedKind.LINE_ITEM, LineItem, "date_last_modified", "learning_objective_set", _column_set
    ),
    _Source(
        AlignedKind.ASSESSMENT_LINE_ITEM,
        AssessmentLineItem,
        "date_last_modified",
        "learning_objective_set",
        _column_set,
    ),
    _Source(AlignedKind.QTI_ITEM, QtiResource, "updated_at", "metadata", _qti_set, Q(kind="item")),
    _Source(AlignedKind.QTI_TEST, QtiResource, "updated_at", "metadata", _qti_set, Q(kind="test")),
    _Source(
        AlignedKind.QTI_OUTCOME, QtiResource, "updated_at", "metadata", _qti_set, Q(kind="outcomes")
    ),
    _Source(
        AlignedKind.RESULT, Result, "date_last_modified", "learning_objective_set", _column_set
    ),
    _Source(
        AlignedKind.ASSESSMENT_RESULT,
        AssessmentResult,
        "date_last_modified",
        "learning_objective_set",
        _column_set,
    ),
)
_BY_KIND = {str(source.kind): source for source in _SOURCES}


def aligned_rows(*, kind: str) -> QuerySet[Any] | None:
    """Every row of ``kind`` (a ``AlignedKind``) that may carry a learningObjectiveSet, or
    None for an unknown kind: the one registry of what is aligned, read by the selectors."""
    source = _BY_KIND.get(kind)
    if source is None:
        return None
    return source.model.objects.filter(source.where)  # type: ignore[attr-defined,no-any-return]


def _fill(kind: str) -> AlignmentFill | None:
    return AlignmentFill.objects.select_for_update().filter(kind=kind).first()


def _mark(fill: AlignmentFill | None, kind: str, through: dt.datetime) -> None:
    if fill is None:
        AlignmentFill.objects.create(kind=kind, through=through)
    else:
        fill.through = through
        fill.save(update_fields=["through", "updated_at"])


def _refresh_kind(source: _Source, *, started: dt.datetime, full: bool) -> int:
    """Rewrite the index entries of one kind's changed rows; the count of entries written."""
    written = 0
    with transaction.atomic():
        fill = _fill(source.kind)
        rows = source.model.objects.filter(source.where)  # type: ignore[attr-defined]
        if fill is not None and not full:
            rows = rows.filter(**{f"{source.stamp}__gte": fill.through - MARGIN})
        changed = rows.values("pk", "org_scope_id", source.field).order_by("pk")
        batch: list[dict[str, Any]] = []
        for row in changed.iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) >= BATCH:
                written += _rewrite(source, batch)
                batch = []
        if batch:
            written += _rewrite(source, batch)
        existing = source.model.objects.filter(source.where).values("pk")  # type: ignore[attr-defined]
        CaseAlignment.objects.filter(kind=source.kind).exclude(target_id__in=existing).delete()
        _mark(fill, source.kind, started)
    return written


def _rewrite(source: _Source, rows: list[dict[str, Any]]) -> int:
    CaseAlignment.objects.filter(kind=source.kind, target_id__in=[r["pk"] for r in rows]).delete()
    entries = [
        CaseAlignment(
            kind=source.kind,
            target_id=row["pk"],
            org_scope_id=row["org_scope_id"],
            source=src,
            objective=objective,
        )
        for row in rows
        for src, objective in sorted(objectives_of(source.read(row)))
    ]
    CaseAlignment.objects.bulk_create(entries, batch_size=BATCH)
    return len(entries)


def alignments_refresh(*, full: bool = False, now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the alignment index up to date (every row when ``full``); entries written per
    kind."""
    started = now or timezone.now()
    return {source.kind: _refresh_kind(source, started=started, full=full) for source in _SOURCES}


# ---- evidence -------------------------------------------------------------------------------


@dataclass
class _Scored:
    fraction: float
    at: dt.datetime


def _line_item_kind(kind: str) -> str:
    if kind == AlignedKind.ASSESSMENT_RESULT:
        return str(AlignedKind.ASSESSMENT_LINE_ITEM)
    return str(AlignedKind.LINE_ITEM)


def _results_of(student_ids: Iterable[int]) -> dict[int, list[tuple[str, int, int, _Scored]]]:
    """Each student's graded results: (kind, result pk, line item pk, its score)."""
    out: dict[int, list[tuple[str, int, int, _Scored]]] = defaultdict(list)
    ids = list(student_ids)
    for kind, model, item_field in (
        (AlignedKind.ASSESSMENT_RESULT, AssessmentResult, "assessment_line_item"),
        (AlignedKind.RESULT, Result, "line_item"),
    ):
        rows = (
            model.objects.filter(  # type: ignore[attr-defined]
                student_id__in=ids, score__isnull=False, score_status__in=GRADED, status="active"
            )
            .values(
                "pk",
                "student_id",
                "score",
                "score_date",
                "date_last_modified",
                f"{item_field}_id",
                f"{item_field}__result_value_max",
            )
            .iterator(chunk_size=BATCH)
        )
        for row in rows:
            top = row[f"{item_field}__result_value_max"] or 100.0
            fraction = max(0.0, min(1.0, float(row["score"]) / float(top))) if top > 0 else 0.0
            day = row["score_date"]
            at = (
                dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
                if day is not None
                else row["date_last_modified"]
            )
            out[row["student_id"]].append(
                (str(kind), row["pk"], row[f"{item_field}_id"], _Scored(fraction, at))
            )
    return out


def _objectives_by_target(
    results: dict[int, list[tuple[str, int, int, _Scored]]],
) -> dict[tuple[str, int], set[tuple[str, str]]]:
    """The objectives of each result and line item the results name, from the index."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entries in results.values():
        for kind, pk, item_pk, _ in entries:
            wanted[kind].add(pk)
            wanted[_line_item_kind(kind)].add(item_pk)
    out: dict[tuple[str, int], set[tuple[str, str]]] = defaultdict(set)
    for kind, pks in wanted.items():
        rows = CaseAlignment.objects.filter(kind=kind, target_id__in=pks).values_list(
            "target_id", "source", "objective"
        )
        for target, source, objective in rows.iterator(chunk_size=BATCH):
            out[(kind, target)].add((source, objective))
    return out


def _evidence_rows(student_ids: list[int]) -> list[StandardEvidence]:
    homes = dict(User.objects.filter(pk__in=student_ids).values_list("pk", "org_scope_id"))
    results = _results_of(student_ids)
    objectives = _objectives_by_target(results)
    rows: list[StandardEvidence] = []
    for student_id, entries in results.items():
        home = homes.get(student_id)
        if home is None:
            continue
        per: dict[tuple[str, str], list[_Scored]] = defaultdict(list)
        for kind, pk, item_pk, scored in entries:
            own = objectives.get((kind, pk), set())
            aligned = own | objectives.get((_line_item_kind(kind), item_pk), set())
            for key in aligned:
                per[key].append(scored)
        for (source, objective), scores in per.items():
            scores.sort(key=lambda s: s.at)
            recent = scores[-RECENT:]
            total = sum(s.fraction for s in scores)
            recent_accuracy = sum(s.fraction for s in recent) / len(recent)
            rows.append(
                StandardEvidence(
                    student_id=student_id,
                    org_scope_id=home,
                    source=source,
                    objective=objective,
                    results=len(scores),
                    score_fraction_sum=total,
                    accuracy=total / len(scores),
                    recent_accuracy=recent_accuracy,
                    mastered=recent_accuracy >= MASTERY_GATE - 1e-9,
                    first_at=scores[0].at,
                    last_at=scores[-1].at,
                )
            )
    return rows


def evidence_refresh(*, full: bool = False, now: dt.datetime | None = None) -> int:
    """Recompute the evidence of every student whose results (or their alignment) changed
    since the last refresh (everyone's when ``full``); the rows written. Refreshes the
    alignment index first."""
    started = now or timezone.now()
    alignments_refresh(full=full, now=started)
    with transaction.atomic():
        fill = _fill(EVIDENCE)
        since = None if fill is None or full else fill.through - MARGIN
        students: set[int] = set()
        for model in (AssessmentResult, Result):
            rows = model.objects.all()  # type: ignore[attr-defined]
            if since is not None:
                rows = rows.filter(date_last_modified__gte=since)
            students.update(rows.values_list("student_id", flat=True).distinct())
        if since is not None:
            # a line item aligned anew changes the evidence of everyone with a result on it
            changed_items = AssessmentLineItem.objects.filter(date_last_modified__gte=since)
            students.update(
                AssessmentResult.objects.filter(assessment_line_item__in=changed_items).values_list(
                    "student_id", flat=True
                )
            )
            changed_lines = LineItem.objects.filter(date_last_modified__gte=since)
            students.update(
                Result.objects.filter(line_item__in=changed_lines).values_list(
                    "student_id", flat=True
                )
            )
        written = 0
        ordered = sorted(students)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            StandardEvidence.objects.filter(student_id__in=chunk).delete()
            evidence = _evidence_rows(chunk)
            StandardEvidence.objects.bulk_create(evidence, batch_size=BATCH)
            written += len(evidence)
        _mark(fill, EVIDENCE, started)
    return written


def standards_evidence_refresh_locked() -> int:
    """``evidence_refresh`` by one worker at a time (a cache lock): a second caller returns 0
    at once; the lock expires if its holder dies."""
    if not cache.add(_LOCK, "1", timeout=_LOCK_SECONDS):
        return 0
    try:
        return evidence_refresh()
    finally:
        cache.delete(_LOCK)
