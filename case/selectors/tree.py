"""Reads of the staff framework browser: the frameworks, a framework's tree one level at a
time, an item's path and associations, and search by code and by text.

The tree is the framework's ``isChildOf`` associations: the origin is the child, the
destination its parent (an item, or the document itself for the top level). Siblings are
ordered by ``sequenceNumber``, then ``listEnumeration``, then ``humanCodingScheme`` (both
compared as people read them: ``2`` before ``10``), then the package's order.

Every read here is a fixed number of queries whatever the framework's size: a level is
loaded with the child counts of its nodes (not their children), several levels at once when
a page opens on a deep item, and the paths of a whole search page come from one recursive
query. Items are read without their JSON except where one item is shown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from case.models import CaseAssociation, CaseDocument, CaseItem

__all__ = [
    "CHILD_OF",
    "LEVEL_LIMIT",
    "SEARCH_PAGE_SIZE",
    "FrameworkRow",
    "ItemAssociation",
    "PathStep",
    "SearchHit",
    "SearchResults",
    "TreeNode",
    "framework_list",
    "item_associations",
    "item_get",
    "item_path",
    "items_paths",
    "standards_search",
    "tree_children",
    "tree_opened",
]

CHILD_OF = "isChildOf"
# A level shows this many nodes at most; beyond that the page says how many more there are
# and offers search (a flat framework of 10,000 items is one level).
LEVEL_LIMIT = 500
SEARCH_PAGE_SIZE = 50
# The columns the tree and search show; ``data`` (the full JSON) is read for one item only.
ITEM_COLUMNS = (
    "id",
    "identifier",
    "document_id",
    "position",
    "human_coding_scheme",
    "full_statement",
    "abbreviated_statement",
    "list_enumeration",
    "item_type",
    "education_levels",
)


# ---- frameworks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameworkRow:
    document: CaseDocument
    items: int
    associations: int


def _count_of(model: type[CaseItem] | type[CaseAssociation]) -> Subquery:
    # A correlated COUNT per document rather than two joined Counts, which would multiply.
    return Subquery(
        model.objects.filter(document=OuterRef("pk"))
        .order_by()
        .values("document")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def framework_list() -> list[FrameworkRow]:
    """Every stored framework with its item and association counts (one query)."""
    documents = (
        CaseDocument.objects.defer("data", "layout")
        .annotate(
            n_items=Coalesce(_count_of(CaseItem), Value(0)),
            n_associations=Coalesce(_count_of(CaseAssociation), Value(0)),
        )
        .order_by("title", "identifier")
    )
    return [
        FrameworkRow(document=d, items=d.n_items, associations=d.n_associations)  # type: ignore[attr-defined]
        for d in documents
    ]


# ---- the tree ----------------------------------------------------------------------------------


@dataclass
class TreeNode:
    """An item at its place in the tree: its order among its siblings, how many children it
    has, and those children when the page shows them (``None``: not loaded)."""

    item: CaseItem
    parent: str
    sequence_number: int | None
    association_position: int
    child_count: int = 0
    children: list[TreeNode] | None = None
    more: int = 0  # children beyond LEVEL_LIMIT, not shown
    on_path: bool = False

    @property
    def identifier(self) -> str:
        return self.item.identifier


_CHUNKS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """``EX.2`` before ``EX.10``; text parts compare case-insensitively."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _CHUNKS.split(text)
        if part
    )


def _sibling_key(node: TreeNode) -> tuple[Any, ...]:
    item = node.item
    return (
        node.sequence_number is None,
        node.sequence_number if node.sequence_number is not None else 0,
        item.list_enumeration == "",
        _natural(item.list_enumeration),
        item.human_coding_scheme == "",
        _natural(item.human_coding_scheme),
        item.position,
        node.association_position,
    )


def _child_of(document: CaseDocument) -> QuerySet[CaseAssociation]:
    return CaseAssociation.objects.filter(document=document, association_type=CHILD_OF)


def _levels(
    *, document: CaseDocument, parents: Sequence[str]
) -> dict[str, tuple[list[TreeNode], int]]:
    """The children of each of ``parents`` (identifiers of the document or of its items),
    ordered, with their child counts: three queries whatever the number of parents or
    children. Each parent maps to its first ``LEVEL_LIMIT`` children and how many more."""
    links = list(
        _child_of(document)
        .filter(destination_identifier__in=parents)
        .values_list("origin_identifier", "destination_identifier", "sequence_number", "position")
    )
    origins = _child_of(document).filter(destination_identifier__in=parents)
    items = {
        i.identifier: i
        for i in CaseItem.objects.filter(
            document=document, identifier__in=Subquery(origins.values("origin_identifier"))
        ).only(*ITEM_COLUMNS)
    }
    by_parent: dict[str, list[TreeNode]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for origin, parent, sequence, position in links:
        item = items.get(origin)
        # An association to an item this framework does not hold, or the same link twice.
        if item is None or (origin, parent) in seen:
            continue
        seen.add((origin, parent))
        by_parent[parent].append(
            TreeNode(
                item=item, parent=parent, sequence_number=sequence, association_position=position
            )
        )
    counts = dict(
        _child_of(document)
        .filter(destination_identifier__in=Subquery(origins.values("origin_identifier")))
        .order_by()
        .values("destination_identifier")
        .annotate(n=Count("origin_identifier", distinct=True))
        .values_list("destination_identifier", "n")
    )
    out: dict[str, tuple[list[TreeNode], int]] = {}
    for parent in parents:
        nodes = sorted(by_parent.get(parent, []), key=_sibling_key)
        for node in nodes:
            node.child_count = counts.get(node.identifier, 0)
        out[parent] = (nodes[:LEVEL_LIMIT], max(0, len(nodes) - LEVEL_LIMIT))
    return out


def tree_children(*, document: CaseDocument, parent: str) -> tuple[list[TreeNode], int]:
    """One level: the children of ``parent`` (the document's identifier for the top level, or
    an item's), ordered, each with its child count; and how many more than ``LEVEL_LIMIT``
    there are. Three queries."""
    return _levels(document=document, parents=[parent])[parent]


def tree_opened(
    *, document: CaseDocument, path: Sequence[PathStep], item: CaseItem | None
) -> tuple[list[TreeNode], int]:
    """The top level with the branch down to ``item`` open: each item of ``path`` (its
    ancestors) and ``item`` itself carry their children. Three queries, whatever the depth."""
    branch = [step.identifier for step in path if step.item is not None]
    if item is not None:
        branch.append(item.identifier)
    levels = _levels(document=document, parents=[document.identifier, *branch])
    opened = set(branch)

    def attach(nodes: list[TreeNode]) -> None:
        for node in nodes:
            if node.identifier in opened:
                node.on_path = True
                node.children, node.more = levels[node.identifier]
                # An item under several parents is opened under the first one only.
                opened.discard(node.identifier)
                attach(node.children)

    top, more = levels[document.identifier]
    attach(top)
    return top, more


# ---- one item ----------------------------------------------------------------------------------


def item_get(*, document: CaseDocument, identifier: str) -> CaseItem | None:
    """An item of ``document`` (with its JSON), by identifier."""
    item = CaseItem.objects.filter(document=document, identifier=identifier).first()
    if item is not None:
        item.document = document  # the caller's row: no second read of the framework
    return item


@dataclass(frozen=True)
class PathStep:
    """An ancestor: an item, or (first) the framework itself."""

    identifier: str
    label: str
    item: CaseItem | None = None


def _edges_up(identifiers: Iterable[str]) -> list[tuple[str, str, int, int]]:
    """Every ``isChildOf`` edge above ``identifiers``, to the top: one recursive query.
    ``UNION`` (not ``UNION ALL``) ends the walk on a cycle."""
    idents = list(dict.fromkeys(identifiers))
    if not idents:
        return []
    table = connection.ops.quote_name(CaseAssociation._meta.db_table)
    marks = ", ".join(["%s"] * len(idents))
    sql = f"""
        WITH RECURSIVE up(node) AS (
            SELECT a.origin_identifier FROM {table} a
            WHERE a.association_type = %s AND a.origin_identifier IN ({marks})
            UNION
            SELECT a.destination_identifier FROM up
            JOIN {table} a ON a.origin_identifier = up.node AND a.association_type = %s
        )
        SELECT a.origin_identifier, a.destination_identifier, a.document_id, a.position
        FROM {table} a
        WHERE a.association_type = %s AND a.origin_identifier IN (SELECT node FROM up)
    """  # noqa: S608 - the table name is ours; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [CHILD_OF, *idents, CHILD_OF, CHILD_OF])
        return [(str(o), str(d), int(doc), int(p)) for o, d, doc, p in cursor.fetchall()]


def _label(item: CaseItem) -> str:
    text = item.abbreviated_statement or item.full_statement
    if len(text) > 80:
        text = text[:79] + "…"
    return f"{item.human_coding_scheme} {text}".strip() if item.human_coding_scheme else text


def items_paths(*, items: Sequence[CaseItem]) -> dict[int, list[PathStep]]:
    """The path of each item (by pk): its framework, then its ancestors from the top down.
    Within an item's framework, through its first parent (in the package's order) where it
    has several. Two queries for any number of items (one when none has a parent)."""
    edges = _edges_up(i.identifier for i in items)
    parents: dict[tuple[int, str], str] = {}
    for origin, destination, document_id, _position in sorted(edges, key=lambda e: e[3]):
        parents.setdefault((document_id, origin), destination)
    ancestors = {dest for (_, _), dest in parents.items()}
    found = (
        {
            i.identifier: i
            for i in CaseItem.objects.filter(identifier__in=ancestors).only(*ITEM_COLUMNS)
        }
        if ancestors
        else {}
    )
    out: dict[int, list[PathStep]] = {}
    for item in items:
        document = item.document
        steps: list[PathStep] = []
        seen = {item.identifier}
        current = parents.get((item.document_id, item.identifier))
        while current is not None and current not in seen and current != document.identifier:
            seen.add(current)
            ancestor = found.get(current)
            if ancestor is None or ancestor.document_id != item.document_id:
                break
            steps.append(PathStep(identifier=current, label=_label(ancestor), item=ancestor))
            current = parents.get((item.document_id, current))
        steps.append(PathStep(identifier=document.identifier, label=document.title))
        out[item.pk] = list(reversed(steps))
    return out


def item_path(*, item: CaseItem) -> list[PathStep]:
    """The framework, then the item's ancestors from the top down (not the item)."""
    return items_paths(items=[item])[item.pk]


@dataclass(frozen=True)
class ItemAssociation:
    """One of an item's associations other than its place in the tree, seen from the item:
    ``outgoing`` when the item is the origin. ``other`` is the far end when this server holds
    it (an item of any framework, or a framework)."""

    association: CaseAssociation
    outgoing: bool
    other_identifier: str
    other_title: str
    other_uri: str
    other: CaseItem | CaseDocument | None = None


def _node_title(data: Any, fallback: str) -> str:
    return str(data.get("title") or fallback) if isinstance(data, dict) else fallback


def item_associations(*, item: CaseItem) -> list[ItemAssociation]:
    """The item's associations of every type but ``isChildOf`` (the tree shows those), from
    any framework, in both directions, each with its far end resolved: three queries."""
    associations = list(
        CaseAssociation.objects.filter(
            Q(origin_identifier=item.identifier) | Q(destination_identifier=item.identifier)
        )
        .exclude(association_type=CHILD_OF)
        .order_by("association_type", "document_id", "position")
    )
    others = {
        a.destination_identifier if a.origin_identifier == item.identifier else a.origin_identifier
        for a in associations
    }
    items: dict[str, CaseItem | CaseDocument] = {}
    if others:
        items.update(
            (i.identifier, i)
            for i in CaseItem.objects.filter(identifier__in=others)
            .select_related("document")
            .only(*ITEM_COLUMNS, "document__identifier", "document__title")
        )
        items.update(
            (d.identifier, d)
            for d in CaseDocument.objects.filter(identifier__in=others).only("identifier", "title")
        )
    out = []
    for a in associations:
        outgoing = a.origin_identifier == item.identifier
        if outgoing:
            ident, uri, node = a.destination_identifier, a.destination_uri, "destinationNodeURI"
        else:
            ident, uri, node = a.origin_identifier, a.origin_uri, "originNodeURI"
        other = items.get(ident)
        title = _node_title((a.data or {}).get(node), ident)
        if isinstance(other, CaseItem):
            title = _label(other) or title
        elif isinstance(other, CaseDocument):
            title = other.title
        out.append(
            ItemAssociation(
                association=a,
                outgoing=outgoing,
                other_identifier=ident,
                other_title=title,
                other_uri=uri,
                other=other,
            )
        )
    return out


# ---- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    item: CaseItem
    path: list[PathStep]
    by_code: bool


@dataclass
class SearchResults:
    query: str
    page: Page[Any] | None = None
    hits: list[SearchHit] = field(default_factory=list)


def standards_search(
    *, query: str, framework: CaseDocument | None = None, page: int = 1
) -> SearchResults:
    """Items whose human coding scheme starts with ``query`` (case-insensitively), then those
    whose full or abbreviated statement contains it; within one framework or across all;
    ``SEARCH_PAGE_SIZE`` a page, each hit with its framework and path. Four queries a page
    (count, page, paths, ancestors) whatever the number of frameworks or items."""
    query = query.strip()
    results = SearchResults(query=query)
    if not query:
        return results
    by_code = Q(human_coding_scheme__istartswith=query)
    matches = (
        CaseItem.objects.filter(
            by_code | Q(full_statement__icontains=query) | Q(abbreviated_statement__icontains=query)
        )
        .select_related("document")
        .only(*ITEM_COLUMNS, "document__identifier", "document__title")
        .annotate(
            code_hit=Case(
                When(by_code, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("code_hit", "human_coding_scheme", "document__title", "document_id", "position")
    )
    if framework is not None:
        matches = matches.filter(document=framework)
    found: Page[Any] = Paginator(matches, SEARCH_PAGE_SIZE).get_page(page)
    results.page = found
    items: list[CaseItem] = list(found.object_list)
    paths = items_paths(items=items)
    results.hits = [
        SearchHit(item=i, path=paths[i.pk], by_code=i.code_hit == 0)  # type: ignore[attr-defined]
        for i in items
    ]
    return results
