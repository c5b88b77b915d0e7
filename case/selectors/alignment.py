"""Alignment, both ways: what teaches a standard (the content aligned to a CFItem, from the
index), what standards an object covers (its own ``learningObjectiveSet``, resolved to the
stored CFItems), and the per-student evidence per standard.

Who may see what is the tenancy rule of the rest of the platform: content and evidence are
read within the org subtrees the caller is granted (``org_ids``; ``None``: every org, for
administrators)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from case.choices import AlignedKind
from case.models import CaseAlignment, CaseItem, StandardEvidence
from case.services.alignment import aligned_rows, objective_set_of, objectives_of
from qti.models import QtiResource

__all__ = [
    "CONTENT_KINDS",
    "AlignedObject",
    "EvidenceSummary",
    "aligned_object_find",
    "StandardRef",
    "content_for_standard",
    "evidence_for_standard",
    "evidence_of_student",
    "evidence_summary",
    "standards_of_object",
]

CASE_SOURCE = "CASE"
CONTENT_KINDS = tuple(
    k.value for k in AlignedKind if k not in (AlignedKind.RESULT, AlignedKind.ASSESSMENT_RESULT)
)


@dataclass(frozen=True)
class AlignedObject:
    kind: str
    pk: int
    identifier: str  # its sourcedId (roster) or QTI identifier
    title: str


@dataclass(frozen=True)
class StandardRef:
    """An objective of a ``learningObjectiveSet``, with its CFItem when it is stored."""

    source: str
    identifier: str
    item: CaseItem | None


def _identity(kind: str, obj: Any) -> tuple[str, str]:
    if isinstance(obj, QtiResource):
        return obj.identifier, obj.title or obj.identifier
    return obj.sourced_id, getattr(obj, "title", "") or obj.sourced_id


def content_for_standard(
    *,
    identifier: str,
    org_ids: Collection[int] | None,
    kinds: Collection[str] = CONTENT_KINDS,
    source: str = CASE_SOURCE,
) -> list[AlignedObject]:
    """The content aligned to a standard (a CFItem identifier), by kind then identifier: one
    query for the index and one per kind found."""
    entries = CaseAlignment.objects.filter(source=source, objective=identifier, kind__in=kinds)
    if org_ids is not None:
        entries = entries.filter(org_scope_id__in=org_ids)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, target in entries.values_list("kind", "target_id"):
        by_kind[kind].append(target)
    out: list[AlignedObject] = []
    for kind in sorted(by_kind):
        rows = aligned_rows(kind=kind)
        assert rows is not None  # the index holds known kinds only
        for obj in rows.filter(pk__in=by_kind[kind]):
            ident, title = _identity(kind, obj)
            out.append(AlignedObject(kind, obj.pk, ident, title))
    out.sort(key=lambda o: (o.kind, o.identifier))
    return out


def standards_of_object(*, kind: str, obj: Any) -> list[StandardRef]:
    """The standards an object lists (its own set, not the index: always current), each
    with its stored CFItem (None when the framework is not here)."""
    pairs = sorted(objectives_of(objective_set_of(kind=kind, obj=obj)))
    items = CaseItem.objects.filter(
        identifier__in=[i for s, i in pairs if s == CASE_SOURCE]
    ).select_related("document")
    found = {item.identifier: item for item in items}
    return [StandardRef(s, i, found.get(i) if s == CASE_SOURCE else None) for s, i in pairs]


def evidence_of_student(
    *, student_id: int, source: str = CASE_SOURCE
) -> list[tuple[StandardEvidence, CaseItem | None]]:
    """A student's evidence per standard, weakest first, with the CFItems."""
    rows = list(
        StandardEvidence.objects.filter(student_id=student_id, source=source).order_by(
            "recent_accuracy", "objective"
        )
    )
    items = CaseItem.objects.filter(identifier__in=[r.objective for r in rows]).select_related(
        "document"
    )
    found = {item.identifier: item for item in items}
    return [(row, found.get(row.objective)) for row in rows]


def evidence_for_standard(
    *, identifier: str, org_ids: Collection[int] | None, source: str = CASE_SOURCE
) -> QuerySet[StandardEvidence]:
    """Every student's evidence on one standard (for hole filling: who is below the gate)."""
    rows = StandardEvidence.objects.filter(source=source, objective=identifier)
    if org_ids is not None:
        rows = rows.filter(org_scope_id__in=org_ids)
    return rows.select_related("student").order_by("recent_accuracy", "student__sourced_id")


def aligned_object_find(*, kind: str, identifier: str, org_ids: Collection[int] | None) -> Any:
    """An object of ``kind`` by its sourcedId (QTI content: its identifier), within
    ``org_ids``; None when there is none the caller may see."""
    rows = aligned_rows(kind=kind)
    if rows is None:
        return None
    if rows.model is QtiResource:
        rows = rows.filter(identifier=identifier)
    else:
        rows = rows.filter(sourced_id=identifier)
    if org_ids is not None:
        rows = rows.filter(org_scope_id__in=org_ids)
    return rows.order_by("pk").first()


@dataclass(frozen=True)
class EvidenceSummary:
    students: int
    mastered: int
    mean_accuracy: float | None


def evidence_summary(
    *, identifier: str, org_ids: Collection[int] | None, source: str = CASE_SOURCE
) -> EvidenceSummary:
    """How the students within ``org_ids`` do on one standard (one query)."""
    rows = StandardEvidence.objects.filter(source=source, objective=identifier)
    if org_ids is not None:
        rows = rows.filter(org_scope_id__in=org_ids)
    found = rows.aggregate(
        students=Count("pk"), mastered=Count("pk", filter=Q(mastered=True)), mean=Avg("accuracy")
    )
    return EvidenceSummary(found["students"], found["mastered"], found["mean"])
