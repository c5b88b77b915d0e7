"""Reads of the QTI app: the resources a client may see, a page of them with Timeback's
search, filter and sort, an item's response scored by the engine (compiled once per stored
version), a test's structure and questions, the authors' preview and package files. The
reads of test delivery (attempts, their pages, results reports) are in ``qti.selectors.delivery``.

Visibility is the tenancy rule of the roster API: a client sees the resources whose
``org_scope`` is in its granted org subtrees (``Grant.org_ids``).
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import QueryDict
from django.urls import reverse
from lxml import etree

from common.exceptions import ApplicationError, NotFound
from qti.models import QtiAsset, QtiResource
from qti.processing import ItemScorer, QtiProcessingError
from qti.processing.values import value_to_json
from qti.rendering import RenderedItem, render_item
from qti.xml import local_name, qti_parse

__all__ = [
    "CompiledItem",
    "ItemPreview",
    "ItemRefPlace",
    "ResourcePage",
    "ScoredResponse",
    "asset_get",
    "compiled_item",
    "item_base_url",
    "item_identifiers_stored",
    "item_places",
    "item_preview",
    "item_refs_below",
    "item_refs_held",
    "item_response_score",
    "items_resolve",
    "part_get",
    "part_list",
    "resource_get",
    "resource_page",
    "resources_visible",
    "section_get",
]

MSG_NOT_FOUND = "{label} {identifier!r} was not found"
MSG_FILTER = "filter: cannot read {clause!r} (use field op 'value', joined by AND or OR)"
MSG_FILTER_FIELD = "filter: unknown field {field!r} (one of {fields})"
MSG_RESPONSE_TARGET = (
    "identifier: {identifier!r} is neither this item nor one of its response variables"
)
MSG_NO_RESPONSE = "identifier: the item declares no response variable"
MSG_RESPONSE_INVALID = "response: {reason}"

# Timeback's sort keys → model ordering (``type`` is the item's first interaction).
SORT_FIELDS = {
    "title": "title",
    "identifier": "identifier",
    "type": "parsed__interactions__0__type",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
# Filterable fields → model lookups.
FILTER_FIELDS = {
    "identifier": "identifier",
    "title": "title",
    "type": "parsed__interactions__0__type",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "subject": "metadata__subject",
    "grade": "metadata__grade",
    "difficulty": "metadata__difficulty",
    "metadata.subject": "metadata__subject",
    "metadata.grade": "metadata__grade",
    "metadata.difficulty": "metadata__difficulty",
}
_OPS = {"=": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "icontains"}
_CLAUSE = re.compile(
    r"""^\s*(?P<field>[A-Za-z][\w.]*)\s*(?P<op>!=|>=|<=|=|>|<|~)\s*
        (?:'(?P<sq>(?:[^']|'')*)'|"(?P<dq>(?:[^"]|"")*)"|(?P<bare>[^\s'"]+))\s*$""",
    re.VERBOSE,
)
_JOINER = re.compile(r"\s+(AND|OR)\s+")
_INTEGER = re.compile(r"^-?\d+$")


def resources_visible(*, org_ids: Collection[int], kind: str) -> QuerySet[QtiResource]:
    """The resources of ``kind`` in the granted orgs."""
    return QtiResource.objects.filter(kind=kind, org_scope_id__in=list(org_ids))


def resource_get(
    *, org_ids: Collection[int], home_org_id: int, kind: str, identifier: str
) -> QtiResource:
    """One visible resource by identifier (404 when unknown or not visible). The same
    identifier may exist in two granted orgs: the client's own org wins, then the lowest pk."""
    rows = list(
        resources_visible(org_ids=org_ids, kind=kind).filter(identifier=identifier).order_by("pk")
    )
    if not rows:
        label = {"item": "Assessment item", "test": "Assessment test"}.get(kind, kind.capitalize())
        raise NotFound(MSG_NOT_FOUND.format(label=label, identifier=identifier), field="identifier")
    return next((r for r in rows if r.org_scope_id == home_org_id), rows[0])


def _value(match: re.Match[str]) -> str:
    if match.group("sq") is not None:
        return match.group("sq").replace("''", "'")
    if match.group("dq") is not None:
        return match.group("dq").replace('""', '"')
    return match.group("bare")


def _filter_q(expression: str) -> Q:
    """Timeback's filter expression (``type='choice' AND title~'fraction'``) as a Q: clauses
    ``field op value`` with =, !=, >, >=, <, <=, ~ (contains), joined by AND / OR (AND binds
    tighter, no parentheses)."""
    parts = _JOINER.split(expression.strip())
    clauses, joiners = parts[0::2], parts[1::2]
    qs: list[Q] = []
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ApplicationError(MSG_FILTER.format(clause=clause), field="filter")
        name = match.group("field")
        lookup = FILTER_FIELDS.get(name)
        if lookup is None:
            fields = ", ".join(FILTER_FIELDS)
            raise ApplicationError(
                MSG_FILTER_FIELD.format(field=name, fields=fields), field="filter"
            )
        value: str = _value(match)
        if name == "type" and not value.startswith("qti-"):
            value = f"qti-{value}-interaction"
        op = match.group("op")
        if op in ("=", "!=") and lookup == "metadata__grade" and _INTEGER.match(value):
            # Grades are stored as sent: "3" from Timeback's documents, 3 from its client.
            q = Q(**{lookup: value}) | Q(**{lookup: int(value)})
            qs.append(~q if op == "!=" else q)
        elif op == "!=":
            qs.append(~Q(**{lookup: value}))
        else:
            qs.append(Q(**{f"{lookup}__{_OPS[op]}": value}))
    # AND binds tighter than OR: fold each run of ANDs, then OR the runs.
    groups: list[Q] = [qs[0]]
    for joiner, q in zip(joiners, qs[1:], strict=True):
        if joiner == "AND":
            groups[-1] &= q
        else:
            groups.append(q)
    result = groups[0]
    for group in groups[1:]:
        result |= group
    return result


@dataclass(frozen=True)
class ResourcePage:
    rows: list[QtiResource]
    total: int
    page: int
    pages: int
    limit: int
    sort: str
    order: str


def resource_page(
    *,
    org_ids: Collection[int],
    kind: str,
    page: int,
    limit: int,
    sort: str,
    order: str,
    query: str = "",
    filter_expression: str = "",
) -> ResourcePage:
    """A page of visible resources: ``query`` searches title and identifier (contains, any
    case), ``filter_expression`` as ``_filter_q`` reads it, sorted by a Timeback sort key."""
    qs = resources_visible(org_ids=org_ids, kind=kind)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(identifier__icontains=query))
    if filter_expression:
        qs = qs.filter(_filter_q(filter_expression))
    key = SORT_FIELDS[sort]
    ordering = Lower(key) if sort == "title" else key
    if order == "desc":
        qs = qs.order_by(ordering.desc() if sort == "title" else f"-{key}", "-pk")  # type: ignore[union-attr]
    else:
        qs = qs.order_by(ordering.asc() if sort == "title" else key, "pk")  # type: ignore[union-attr]
    total = qs.count()
    pages = (total + limit - 1) // limit
    start = (page - 1) * limit
    rows = list(qs[start : start + limit]) if start < total else []
    return ResourcePage(rows, total, page, pages, limit, sort, order)


# ---------------------------------------------------------------------------------------------
# Scoring: one compiled engine per stored version of an item
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledItem:
    """An item compiled once: the engine, its response variables, and the text of each
    modal feedback by (outcome identifier, feedback identifier)."""

    scorer: ItemScorer
    response_ids: tuple[str, ...]
    feedback_text: dict[tuple[str, str], str]


_CACHE_SIZE = 512
_compiled: OrderedDict[tuple[int, str], CompiledItem] = OrderedDict()
_compiled_lock = threading.Lock()


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _compile(resource: QtiResource) -> CompiledItem:
    scorer = ItemScorer.from_xml(resource.xml)
    root = qti_parse(resource.xml)
    feedback = {
        (el.get("outcome-identifier") or "", el.get("identifier") or ""): _text(el)
        for el in root.iter()
        if isinstance(el.tag, str) and local_name(el) == "qti-modal-feedback"
    }
    response_ids = tuple(
        d.identifier for d in scorer.responses if d.identifier not in ("numAttempts", "duration")
    )
    return CompiledItem(scorer, response_ids, feedback)


def compiled_item(*, resource: QtiResource) -> CompiledItem:
    """The compiled item for this stored version (keyed by pk and ``updated_at``: a replaced
    document compiles again; at most ``_CACHE_SIZE`` items are kept, least recently used
    dropped first)."""
    key = (resource.pk, resource.updated_at.isoformat())
    with _compiled_lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
    compiled = _compile(resource)  # outside the lock: compiling is the slow part
    with _compiled_lock:
        _compiled[key] = compiled
        _compiled.move_to_end(key)
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return compiled


@dataclass(frozen=True)
class ScoredResponse:
    score: float
    feedback_identifier: str
    feedback_value: str
    outcomes: dict[str, Any]


def item_response_score(
    *, resource: QtiResource, identifier: str, response: str | list[str]
) -> ScoredResponse:
    """Score one response to an item, Timeback style: ``identifier`` is the item's (or one
    of its response variables; the item's goes to ``RESPONSE``, else its first response
    variable). ``score`` is SCORE scaled to 0–1 by the item's maximum when the item has one,
    else SCORE itself. The feedback is the first modal feedback shown (its identifier and
    text); without one, ``correct``/``incorrect`` by whether the response is correct."""
    compiled = compiled_item(resource=resource)
    if identifier in compiled.response_ids:
        target = identifier
    elif not compiled.response_ids:
        raise ApplicationError(MSG_NO_RESPONSE, field="identifier")
    elif identifier in (resource.identifier, compiled.scorer.identifier):
        target = "RESPONSE" if "RESPONSE" in compiled.response_ids else compiled.response_ids[0]
    else:
        raise ApplicationError(
            MSG_RESPONSE_TARGET.format(identifier=identifier), field="identifier"
        )
    try:
        result = compiled.scorer.score({target: response}, seed=0)
    except QtiProcessingError as exc:
        raise ApplicationError(MSG_RESPONSE_INVALID.format(reason=exc), field="response") from exc
    raw = result.score or 0.0
    top = result.max_score
    score = raw / top if top else raw
    modal = next((f for f in result.feedback if f.kind == "modal"), None)
    if modal is not None:
        feedback_id = modal.identifier
        value = compiled.feedback_text.get((modal.outcome_identifier, modal.identifier), "")
    else:
        correct = result.correct if result.correct is not None else (top is not None and raw >= top)
        feedback_id = "correct" if correct else "incorrect"
        value = "Correct" if correct else "Incorrect"
    outcomes = {k: v.to_python() for k, v in result.outcomes.items()}
    return ScoredResponse(float(score), feedback_id, value, outcomes)


# ---------------------------------------------------------------------------------------------
# Assessment tests: parts, sections and item references from the stored structure
# ---------------------------------------------------------------------------------------------

MSG_PART_NOT_FOUND = "Test part {identifier!r} was not found in assessment test {test!r}"
MSG_SECTION_NOT_FOUND = "Section {identifier!r} was not found in test part {part!r}"


@dataclass(frozen=True)
class ItemRefPlace:
    """One item reference of a test, with the test part and innermost section holding it."""

    ref: dict[str, Any]
    test_part: str
    section: str


def part_list(*, resource: QtiResource) -> list[dict[str, Any]]:
    """The test parts of a stored test, as ``document_summary`` recorded them."""
    return [
        node
        for node in resource.parsed.get("structure") or []
        if node.get("type") == "qti-test-part"
    ]


def part_get(*, resource: QtiResource, identifier: str) -> dict[str, Any]:
    part = next(
        (p for p in part_list(resource=resource) if p.get("identifier") == identifier), None
    )
    if part is None:
        message = MSG_PART_NOT_FOUND.format(identifier=identifier, test=resource.identifier)
        raise NotFound(message, field="identifier")
    return part


def _sections_below(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for child in node.get("children") or []:
        if child.get("type") == "qti-assessment-section":
            found.append(child)
            found.extend(_sections_below(child))
    return found


def section_get(*, part: dict[str, Any], identifier: str) -> dict[str, Any]:
    """A section of the part by identifier, at any depth (subsections included)."""
    section = next((s for s in _sections_below(part) if s.get("identifier") == identifier), None)
    if section is None:
        message = MSG_SECTION_NOT_FOUND.format(identifier=identifier, part=part.get("identifier"))
        raise NotFound(message, field="identifier")
    return section


def item_refs_below(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The item references under a part or section, subsections included, in document order."""
    refs = []
    for child in node.get("children") or []:
        if child.get("type") == "qti-assessment-item-ref":
            refs.append(child)
        elif child.get("type") == "qti-assessment-section":
            refs.extend(item_refs_below(child))
    return refs


def item_refs_held(*, resource: QtiResource) -> set[str]:
    """The identifiers of every item reference of a stored test."""
    return {str(p.ref.get("identifier") or "") for p in item_places(resource=resource)}


def _places(node: dict[str, Any], part: str, section: str) -> list[ItemRefPlace]:
    out = []
    for child in node.get("children") or []:
        if child.get("type") == "qti-assessment-item-ref":
            out.append(ItemRefPlace(child, part, section))
        elif child.get("type") == "qti-assessment-section":
            out.extend(_places(child, part, child.get("identifier") or ""))
    return out


def item_places(*, resource: QtiResource) -> list[ItemRefPlace]:
    """Every item reference of the test in document order."""
    out = []
    for part in part_list(resource=resource):
        out.extend(_places(part, part.get("identifier") or "", ""))
    return out


def item_identifiers_stored(*, org_id: int, identifiers: Collection[str]) -> set[str]:
    """Which of ``identifiers`` name a stored item of organisation ``org_id`` (one query)."""
    if not identifiers:
        return set()
    return set(
        QtiResource.objects.filter(
            kind="item", org_scope_id=org_id, identifier__in=list(identifiers)
        ).values_list("identifier", flat=True)
    )


def _joined_href(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), href)) if href else ""


def items_resolve(*, resource: QtiResource, places: list[ItemRefPlace]) -> dict[int, QtiResource]:
    """The stored items the references point at, by position in ``places``, in one query.
    An item of the test's own org counts: first the one the reference's ``href`` names in
    the test's package (imported packages keep paths), else the one with its identifier."""
    identifiers = {p.ref.get("identifier") or "" for p in places}
    hrefs = {_joined_href(resource.href, p.ref.get("href") or "") for p in places} - {""}
    match = Q(identifier__in=identifiers)
    if resource.package_id is not None and hrefs:
        match |= Q(package_id=resource.package_id, href__in=hrefs)
    rows = list(
        QtiResource.objects.filter(match, kind="item", org_scope_id=resource.org_scope_id).order_by(
            "pk"
        )
    )
    by_href = {
        r.href: r
        for r in rows
        if resource.package_id is not None and r.package_id == resource.package_id
    }
    by_identifier: dict[str, QtiResource] = {}
    for row in rows:
        by_identifier.setdefault(row.identifier, row)
    found: dict[int, QtiResource] = {}
    for index, place in enumerate(places):
        item = by_href.get(_joined_href(resource.href, place.ref.get("href") or ""))
        if item is None:
            item = by_identifier.get(place.ref.get("identifier") or "")
        if item is not None:
            found[index] = item
    return found


# ---- authors' preview and package files --------------------------------------------------


def item_base_url(resource: QtiResource) -> str:
    """Where an item's relative URLs (images, media) resolve: its package's assets, in the
    folder of its document."""
    if resource.package_id is None:
        return ""
    folder = posixpath.dirname(resource.href)
    root = reverse("qti:asset", args=[resource.package_id, "x"])[:-1]
    return f"{root}{folder}/" if folder else root


def asset_get(*, package_id: int, path: str) -> QtiAsset | None:
    return QtiAsset.objects.filter(package_id=package_id, path=posixpath.normpath(path)).first()


@dataclass(frozen=True)
class ItemPreview:
    item: RenderedItem
    outcomes: dict[str, Any] | None
    errors: list[str]


def item_preview(*, resource: QtiResource, submitted: QueryDict | None) -> ItemPreview:
    """An item rendered for its author and, when responses were submitted, scored by the
    engine: the outcomes, and the item rendered again with the feedback they show."""
    outcomes = None
    errors: list[str] = []
    shown: list[str] = []
    responses: dict[str, Any] = {}
    if submitted is not None:
        scorer = compiled_item(resource=resource).scorer
        for key in submitted:
            if key == "csrfmiddlewaretoken":
                continue
            values = submitted.getlist(key)
            responses[key] = values if len(values) > 1 else values[0]
        try:
            result = scorer.score(responses, seed=0)
        except QtiProcessingError as exc:  # it names the response and the rule
            errors.append(str(exc))
        else:
            outcomes = {k: value_to_json(v) for k, v in sorted(result.outcomes.items())}
            shown = result.feedback_identifiers
    item = render_item(
        item_xml=resource.xml,
        responses=responses,
        shown_feedback=shown,
        base_url=item_base_url(resource),
        views=("candidate", "author"),
    )
    return ItemPreview(item=item, outcomes=outcomes, errors=errors)
