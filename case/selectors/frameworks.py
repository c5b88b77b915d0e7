"""Reads behind the CASE API: framework lists with the binding's filter and sort, objects by
identifier, an item's associations, a definition with its children, and a framework's
``isChildOf`` tree.

Frameworks are public standards: every reader sees every framework (the API asks only for
the ``case.readonly`` scope, not for an organisation), so nothing here filters by tenancy.
Uploads record the uploading organisation, which alone may replace the framework (see
``case.services.uploads``).

Filters and sorts name the binding's JSON fields; ``DOCUMENT_FIELDS`` and ``ITEM_FIELDS``
map each one allowed to the column stored beside the JSON (never to ``data``), so that every
list is a plain indexed query whatever the framework's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Q, QuerySet

from case.models import (
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubric,
)

__all__ = [
    "ASSOCIATION_TREE_TYPE",
    "DOCUMENT_FIELDS",
    "ITEM_FIELDS",
    "Condition",
    "FieldKind",
    "FrameworkTree",
    "ListField",
    "Operator",
    "association_find",
    "definition_find",
    "definition_with_children",
    "document_find",
    "document_list",
    "framework_tree",
    "item_associations",
    "item_find",
    "item_list",
    "rubric_find",
]

ASSOCIATION_TREE_TYPE = "isChildOf"
# Deeper trees than this are cut (a cycle in hostile data would otherwise never end).
MAX_TREE_DEPTH = 64

FieldKind = Literal["text", "datetime"]
Operator = Literal["=", "!=", ">", ">=", "<", "<=", "~"]


@dataclass(frozen=True)
class ListField:
    """A JSON field of the binding that lists may filter and sort on, and its column."""

    column: str
    kind: FieldKind = "text"


@dataclass(frozen=True)
class Condition:
    """One ``field op 'value'`` predicate of a list's filter (value already typed)."""

    field: str
    operator: Operator
    value: str | dt.datetime


DOCUMENT_FIELDS: dict[str, ListField] = {
    "identifier": ListField("identifier"),
    "sourcedId": ListField("identifier"),
    "uri": ListField("uri"),
    "title": ListField("title"),
    "creator": ListField("creator"),
    "publisher": ListField("publisher"),
    "adoptionStatus": ListField("adoption_status"),
    "version": ListField("version"),
    "language": ListField("language"),
    "lastChangeDateTime": ListField("last_change", "datetime"),
}

ITEM_FIELDS: dict[str, ListField] = {
    "identifier": ListField("identifier"),
    "sourcedId": ListField("identifier"),
    "uri": ListField("uri"),
    "fullStatement": ListField("full_statement"),
    "humanCodingScheme": ListField("human_coding_scheme"),
    "abbreviatedStatement": ListField("abbreviated_statement"),
    "listEnumeration": ListField("list_enumeration"),
    "CFItemType": ListField("item_type"),
    "language": ListField("language"),
    "lastChangeDateTime": ListField("last_change", "datetime"),
    "CFDocumentURI.identifier": ListField("document__identifier"),
    "CFDocumentURI.sourcedId": ListField("document__identifier"),
}

_LOOKUPS: dict[str, str] = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}


def _condition_q(condition: Condition, fields: Mapping[str, ListField]) -> Q:
    spec = fields[condition.field]
    column, value = spec.column, condition.value
    if condition.operator == "~":
        return Q(**{f"{column}__icontains": value})
    if condition.operator in ("=", "!="):
        lookup = "exact" if spec.kind == "datetime" else "iexact"
        q = Q(**{f"{column}__{lookup}": value})
        return ~q if condition.operator == "!=" else q
    return Q(**{f"{column}__{_LOOKUPS[condition.operator]}": value})


def _filtered(
    queryset: QuerySet[Any],
    fields: Mapping[str, ListField],
    *,
    conditions: Iterable[Condition],
    join: Literal["AND", "OR"],
    sort: str | None,
    descending: bool,
) -> QuerySet[Any]:
    predicates = [_condition_q(c, fields) for c in conditions]
    if predicates:
        combined = predicates[0]
        for q in predicates[1:]:
            combined = combined & q if join == "AND" else combined | q
        queryset = queryset.filter(combined)
    if sort:
        column = fields[sort].column
        queryset = queryset.order_by(f"-{column}" if descending else column, "pk")
    return queryset


def document_list(
    *,
    conditions: Iterable[Condition] = (),
    join: Literal["AND", "OR"] = "AND",
    sort: str | None = None,
    descending: bool = False,
) -> QuerySet[CaseDocument]:
    """Every framework (public standards), filtered and sorted on ``DOCUMENT_FIELDS``;
    by title otherwise."""
    queryset = CaseDocument.objects.order_by("title", "identifier", "pk")
    return _filtered(
        queryset,
        DOCUMENT_FIELDS,
        conditions=conditions,
        join=join,
        sort=sort,
        descending=descending,
    )


def item_list(
    *,
    conditions: Iterable[Condition] = (),
    join: Literal["AND", "OR"] = "AND",
    sort: str | None = None,
    descending: bool = False,
) -> QuerySet[CaseItem]:
    """Every item of every framework, with its document's title and URI (one query for a
    page), filtered and sorted on ``ITEM_FIELDS``; in package order otherwise."""
    queryset = (
        CaseItem.objects.select_related("document")
        .defer("document__data", "document__layout")
        .order_by("document__title", "document_id", "position", "pk")
    )
    return _filtered(
        queryset, ITEM_FIELDS, conditions=conditions, join=join, sort=sort, descending=descending
    )


def document_find(*, identifier: str) -> CaseDocument | None:
    return CaseDocument.objects.filter(identifier=identifier).first()


def item_find(*, identifier: str) -> CaseItem | None:
    return (
        CaseItem.objects.select_related("document")
        .defer("document__data", "document__layout")
        .filter(identifier=identifier)
        .first()
    )


def association_find(*, identifier: str) -> CaseAssociation | None:
    return (
        CaseAssociation.objects.select_related("document")
        .defer("document__data", "document__layout")
        .filter(identifier=identifier)
        .first()
    )


def item_associations(*, item: CaseItem) -> list[CaseAssociation]:
    """Every stored association whose origin or destination is ``item``, in any framework
    (a crosswalk may live in another framework than the item), in package order."""
    return list(
        CaseAssociation.objects.filter(
            Q(origin_identifier=item.identifier) | Q(destination_identifier=item.identifier)
        ).order_by("document_id", "position", "pk")
    )


def definition_find(*, kind: str, identifier: str) -> CaseDefinition | None:
    return CaseDefinition.objects.filter(kind=kind, identifier=identifier).first()


def definition_with_children(*, kind: str, identifier: str) -> list[CaseDefinition] | None:
    """The definition, then the ones of its kind below it by hierarchy code (``1`` → ``1.2``,
    ``1.2.1``), ordered by code; None when there is no such definition. The binding answers
    concepts, subjects and item types this way."""
    found = definition_find(kind=kind, identifier=identifier)
    if found is None:
        return None
    code = found.data.get("hierarchyCode") if isinstance(found.data, dict) else None
    if not isinstance(code, str) or not code:
        return [found]
    children = list(
        CaseDefinition.objects.filter(kind=kind, data__hierarchyCode__startswith=code + ".")
        .exclude(pk=found.pk)
        .order_by("pk")
    )
    children.sort(key=lambda d: str(d.data.get("hierarchyCode") or ""))
    return [found, *children]


def rubric_find(*, identifier: str) -> CaseRubric | None:
    return CaseRubric.objects.filter(identifier=identifier).first()


# ---- the tree ------------------------------------------------------------------------------


@dataclass
class FrameworkTree:
    """A framework's items as its ``isChildOf`` associations arrange them: ``top`` are the
    document's children (then the items with no parent at all, so that none is lost);
    ``children`` maps an item's identifier to its children, ordered."""

    items: dict[str, CaseItem] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)

    def walk(self, identifier: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """The children of ``identifier`` that are not its ancestors (cycles are cut)."""
        if len(seen) >= MAX_TREE_DEPTH:
            return []
        return [c for c in self.children.get(identifier, []) if c not in seen]


def framework_tree(*, document: CaseDocument) -> FrameworkTree:
    """The tree of ``document`` (two queries). Siblings are ordered by ``sequenceNumber``,
    then ``listEnumeration``, then ``humanCodingScheme``, then package order."""
    items = {i.identifier: i for i in CaseItem.objects.filter(document=document)}
    links = CaseAssociation.objects.filter(
        document=document, association_type=ASSOCIATION_TREE_TYPE
    ).values_list("origin_identifier", "destination_identifier", "sequence_number")
    parents: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    has_parent: set[str] = set()
    for child, parent, sequence in links:
        if child not in items or child == parent:
            continue
        if parent == document.identifier or parent in items:
            parents[parent].append((child, sequence))
            has_parent.add(child)

    def order(entry: tuple[str, int | None]) -> tuple[Any, ...]:
        item = items[entry[0]]
        return (
            entry[1] is None,
            entry[1] or 0,
            _natural(item.list_enumeration),
            _natural(item.human_coding_scheme),
            item.position,
        )

    tree = FrameworkTree(items=items)
    for parent, entries in parents.items():
        ordered = [child for child, _ in sorted(set(entries), key=order)]
        if parent == document.identifier:
            tree.top = ordered
        else:
            tree.children[parent] = ordered
    orphans = [i for i in sorted(items.values(), key=lambda i: i.position)]
    tree.top += [i.identifier for i in orphans if i.identifier not in has_parent]
    return tree


def _natural(text: str) -> tuple[Any, ...]:
    """``"2"`` before ``"10"``; text after numbers."""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)
