"""OneRoster collection query parameters: ``limit``, ``offset``, ``sort``/``orderBy``,
``filter`` (the 1EdTech grammar), ``fields`` and ``search``; paging headers.

The filter grammar is ``<field><predicate>'<value>'`` clauses joined by ``AND``/``OR`` (AND
binds tighter than OR). A small tokenizer turns it into a Django ``Q`` through a per-entity
field map (OneRoster JSON name → ORM path), so clients never name ORM paths directly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IContains
from django.utils.dateparse import parse_date, parse_datetime

from common.exceptions import ApplicationError

__all__ = [
    "FieldSpec",
    "InvalidFilter",
    "InvalidQuery",
    "InvalidSelection",
    "ListParams",
    "link_header",
    "page_envelope",
    "parse_fields",
    "parse_filter",
    "parse_list_params",
]

MAX_FILTER_LENGTH = 2000
MAX_CLAUSES = 20


class InvalidQuery(ApplicationError):
    status_code = 400
    code_minor = "invaliddata"


class InvalidFilter(ApplicationError):
    status_code = 400
    code_minor = "invalid_filter_field"


class InvalidSelection(ApplicationError):
    status_code = 400
    code_minor = "invalid_selection_field"


# ---------------------------------------------------------------------------------------------
# Field maps
# ---------------------------------------------------------------------------------------------

STR, BOOL, NUM, DATE, DATETIME = "str", "bool", "num", "date", "datetime"
LIST, JSON = "list", "json"


@dataclass(frozen=True)
class FieldSpec:
    """How a filterable/sortable OneRoster field maps to the ORM.

    ``many`` marks paths through multi-valued relations (roles, terms): such filters are
    applied as ``pk IN (subquery)`` so that rows are never duplicated.
    """

    path: str
    kind: str = STR
    many: bool = False
    sortable: bool = True


# ---------------------------------------------------------------------------------------------
# Filter tokenizer and parser
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<value>'(?:[^']|'')*')
      | (?P<op>!=|>=|<=|=|>|<|~)
      | (?P<logic>AND|OR)(?=[\s(']|$)
      | (?P<field>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Clause:
    field: str
    op: str
    value: str


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split a filter into (kind, text) tokens; raises InvalidQuery on stray characters."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        kind = match.lastgroup or "bad"
        raw = match.group(kind)
        if kind == "bad":
            if raw == "'":
                raise InvalidQuery("filter: unterminated quoted value", field="filter")
            raise InvalidQuery(
                f"filter: unexpected character {raw!r} at position {match.start(kind)}",
                field="filter",
            )
        if kind == "value":
            raw = raw[1:-1].replace("''", "'")
        tokens.append((kind, raw))
        pos = match.end()
    return tokens


def parse_clauses(text: str) -> list[list[Clause]]:
    """Parse a filter into OR-groups of AND-ed clauses (AND binds tighter than OR)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidQuery(f"filter: longer than {MAX_FILTER_LENGTH} characters", field="filter")
    tokens = tokenize(text)
    if not tokens:
        raise InvalidQuery("filter: empty expression", field="filter")
    groups: list[list[Clause]] = [[]]
    i = 0
    count = 0
    while True:
        if i + 3 > len(tokens):
            raise InvalidQuery("filter: expected <field><predicate>'<value>'", field="filter")
        (k1, field), (k2, op), (k3, value) = tokens[i], tokens[i + 1], tokens[i + 2]
        if k1 != "field":
            raise InvalidQuery(f"filter: expected a field name, got {field!r}", field="filter")
        if k2 != "op":
            raise InvalidQuery(
                f"filter: unknown or missing predicate after {field!r} (use = != > >= < <= ~)",
                field="filter",
            )
        if k3 != "value":
            raise InvalidQuery(
                f"filter: the value for {field!r} must be in single quotes", field="filter"
            )
        groups[-1].append(Clause(field, op, value))
        count += 1
        if count > MAX_CLAUSES:
            raise InvalidQuery(f"filter: more than {MAX_CLAUSES} clauses", field="filter")
        i += 3
        if i == len(tokens):
            return groups
        kind, logic = tokens[i]
        if kind != "logic":
            raise InvalidQuery(f"filter: expected AND or OR, got {logic!r}", field="filter")
        if logic == "OR":
            groups.append([])
        i += 1
        if i == len(tokens):
            raise InvalidQuery(f"filter: dangling {logic}", field="filter")


_METADATA_KEY = re.compile(r"^metadata\.([A-Za-z0-9_]{1,64})$")
_OPS = {"=": "exact", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "~": "icontains"}


def _coerce(spec: FieldSpec, field: str, value: str) -> Any:
    if spec.kind == BOOL:
        if value.lower() not in ("true", "false"):
            raise InvalidQuery(f"filter: {field} takes 'true' or 'false'", field="filter")
        return value.lower() == "true"
    if spec.kind == NUM:
        try:
            number = float(value)
        except ValueError:
            raise InvalidQuery(f"filter: {field} takes a number", field="filter") from None
        if not math.isfinite(number):
            raise InvalidQuery(f"filter: {field} takes a finite number", field="filter")
        return number
    if spec.kind == DATE:
        parsed_date: date | None = None
        try:
            parsed_date = parse_date(value[:10]) if len(value) >= 10 else None
        except ValueError:
            parsed_date = None
        if parsed_date is None:
            raise InvalidQuery(f"filter: {field} takes a date YYYY-MM-DD", field="filter")
        return parsed_date
    if spec.kind == DATETIME:
        parsed: datetime | None = None
        try:
            parsed = parse_datetime(value)
            if parsed is None and (d := parse_date(value)) is not None:
                parsed = datetime(d.year, d.month, d.day, tzinfo=UTC)
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidQuery(f"filter: {field} takes an ISO 8601 date-time", field="filter")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    return value


def _clause_q(clause: Clause, fields: Mapping[str, FieldSpec]) -> tuple[Q, bool]:
    meta = _METADATA_KEY.match(clause.field)
    if meta:
        spec = FieldSpec(path=f"metadata__{meta.group(1)}", kind=JSON)
    elif clause.field in fields:
        spec = fields[clause.field]
    else:
        raise InvalidFilter(
            f"filter: unknown field {clause.field!r}", field=clause.field or "filter"
        )
    op = clause.op
    if spec.kind == LIST:
        # JSON string arrays: '=' means "has this element", '~' "an element contains".
        if op not in ("=", "!=", "~"):
            raise InvalidQuery(f"filter: {clause.field} supports = != ~ only", field="filter")
        needle = json.dumps(clause.value)[1:-1] if op == "~" else json.dumps(clause.value)
        q = Q(IContains(Cast(spec.path, output_field=TextField()), needle))
        return (~q if op == "!=" else q), spec.many
    if op in ("~",) and spec.kind not in (STR, JSON):
        raise InvalidQuery(f"filter: ~ applies to text fields, not {clause.field}", field="filter")
    value = _coerce(spec, clause.field, clause.value)
    if op == "!=":
        return ~Q(**{f"{spec.path}__exact": value}), spec.many
    lookup = _OPS[op]
    return Q(**{f"{spec.path}__{lookup}": value}), spec.many


def parse_filter(text: str, fields: Mapping[str, FieldSpec]) -> tuple[Q, bool]:
    """A filter expression as a ``Q``, and whether it crosses a multi-valued relation."""
    result = Q()
    many = False
    for n, group in enumerate(parse_clauses(text)):
        part = Q()
        for clause in group:
            q, is_many = _clause_q(clause, fields)
            many = many or is_many
            part &= q
        result = part if n == 0 else result | part
    return result, many


# ---------------------------------------------------------------------------------------------
# Paging, sorting, field selection
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListParams:
    limit: int
    offset: int
    order_by: tuple[str, ...]
    filter_q: Q | None
    filter_many: bool
    fields: tuple[str, ...] | None
    search: str


def _int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidQuery(f"{name} must be an integer", field=name) from None
    if not low <= value <= high:
        raise InvalidQuery(f"{name} must be between {low} and {high}", field=name)
    return value


def parse_fields(raw: str | None, allowed: Sequence[str]) -> tuple[str, ...] | None:
    """``fields=a,b`` → ("a", "b"); unknown names → 400 invalid_selection_field."""
    if raw is None or raw.strip() == "":
        return None
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise InvalidSelection(f"fields: unknown field {unknown[0]!r}", field=unknown[0][:100])
    return names


def parse_list_params(
    params: Mapping[str, str], fields: Mapping[str, FieldSpec], output_fields: Sequence[str]
) -> ListParams:
    conf = settings.ONEROSTER
    limit = _int_param(params, "limit", conf["DEFAULT_LIMIT"], 1, conf["MAX_LIMIT"])
    offset = _int_param(params, "offset", 0, 0, 2**31 - 1)
    order = params.get("orderBy", "asc") or "asc"
    if order not in ("asc", "desc"):
        raise InvalidQuery("orderBy must be asc or desc", field="orderBy")
    sort = params.get("sort") or ""
    order_by: tuple[str, ...] = ("sourced_id",)
    if sort:
        spec = fields.get(sort)
        if spec is None or spec.many or not spec.sortable or spec.kind == LIST:
            raise InvalidQuery(f"sort: unknown or unsortable field {sort!r}", field="sort")
        sign = "-" if order == "desc" else ""
        order_by = (f"{sign}{spec.path}", "sourced_id")
    elif order == "desc":
        order_by = ("-sourced_id",)
    filter_q, many = (None, False)
    raw_filter = params.get("filter")
    if raw_filter:
        filter_q, many = parse_filter(raw_filter, fields)
    search = (params.get("search") or "").strip()[:200]
    return ListParams(
        limit=limit,
        offset=offset,
        order_by=order_by,
        filter_q=filter_q,
        filter_many=many,
        fields=parse_fields(params.get("fields"), output_fields),
        search=search,
    )


def page_envelope(*, key: str, items: list[Any], total: int, limit: int, offset: int) -> dict:
    return {
        key: items,
        "totalCount": total,
        "pageCount": max(1, math.ceil(total / limit)) if total else 0,
        "pageNumber": offset // limit + 1,
        "offset": offset,
        "limit": limit,
    }


def link_header(*, url: str, params: Mapping[str, str], total: int, limit: int, offset: int) -> str:
    """RFC 8288 ``Link``: next/prev/first/last, only the relations that exist."""

    def href(new_offset: int) -> str:
        query = {k: v for k, v in params.items() if k not in ("limit", "offset")}
        query.update(limit=str(limit), offset=str(new_offset))
        return f"<{url}?{urlencode(query)}>"

    links = []
    last = max(0, ((total - 1) // limit) * limit) if total else 0
    if offset + limit < total:
        links.append(f'{href(offset + limit)}; rel="next"')
    if offset > 0:
        links.append(f'{href(max(0, offset - limit))}; rel="prev"')
    links.append(f'{href(0)}; rel="first"')
    links.append(f'{href(last)}; rel="last"')
    return ", ".join(links)
