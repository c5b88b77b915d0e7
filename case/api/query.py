"""The CASE binding's list parameters (REST/JSON binding §3): ``limit``/``offset``,
``sort``/``orderBy``, ``filter``, ``fields``; and the paging headers.

The filter grammar is ``field op 'value'`` (op one of ``= != > >= < <= ~``; ``~`` means
contains; values in single quotes, compared without regard to case), at most two predicates
joined by one `` AND `` or `` OR ``. Fields are the binding's JSON names that the selectors'
field maps allow; anything else is refused with ``invalid_selection_field`` (filter, fields)
or ``invalid_sort_field`` (sort), naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, cast
from urllib.parse import urlencode

from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.request import Request

from case.selectors.frameworks import Condition, ListField, Operator
from common.exceptions import ApplicationError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "InvalidQuery",
    "InvalidSelection",
    "InvalidSort",
    "ListParams",
    "fields_parse",
    "link_header",
    "list_params",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_FILTER_LENGTH = 1000

MSG_LIMIT = "limit: must be an integer from 1 to {max}"
MSG_OFFSET = "offset: must be an integer of 0 or more"
MSG_ORDER_BY = "orderBy: must be asc or desc"
MSG_SORT = "sort: {field!r} is not a sortable field (one of {known})"
MSG_FILTER_SYNTAX = (
    "filter: {text!r} is not of the form field op 'value' (op one of = != > >= < <= ~), "
    "with at most one AND or OR"
)
MSG_FILTER_FIELD = "filter: {field!r} is not a field lists filter on (one of {known})"
MSG_FILTER_DATE = "filter: {value!r} is not a date and time for {field}"
MSG_FILTER_ORDER = "filter: {field} is a date and time: {op} applies to text only"
MSG_FIELDS = "fields: {field!r} is not a field name"


class InvalidQuery(ApplicationError):
    status_code = 400
    code_minor = "invalid_selection_field"


class InvalidSelection(InvalidQuery):
    code_minor = "invalid_selection_field"


class InvalidSort(InvalidQuery):
    code_minor = "invalid_sort_field"


@dataclass
class ListParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str | None = None
    descending: bool = False
    conditions: list[Condition] = field(default_factory=list)
    join: Literal["AND", "OR"] = "AND"
    fields: list[str] | None = None


_PREDICATE = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>!=|>=|<=|=|>|<|~)\s*'(?P<value>[^']*)'\s*$"
)
_JOIN = re.compile(r"\s+(AND|OR)\s+(?=(?:[^']*'[^']*')*[^']*$)")
_FIELD_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


def _integer(raw: str | None, default: int, message: str, *, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidQuery(message, field=message.split(":")[0]) from None
    if not low <= value <= high:
        raise InvalidQuery(message, field=message.split(":")[0])
    return value


def _conditions(
    text: str, fields: Mapping[str, ListField]
) -> tuple[list[Condition], Literal["AND", "OR"]]:
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidSelection(MSG_FILTER_SYNTAX.format(text=text[:80] + "…"), field="filter")
    parts = _JOIN.split(text)
    # ``split`` with a group keeps the joining words: [pred, word, pred].
    if len(parts) not in (1, 3):
        raise InvalidSelection(MSG_FILTER_SYNTAX.format(text=text), field="filter")
    join = cast(Literal["AND", "OR"], parts[1] if len(parts) == 3 else "AND")
    out = []
    for predicate in parts[::2]:
        match = _PREDICATE.match(predicate)
        if match is None:
            raise InvalidSelection(MSG_FILTER_SYNTAX.format(text=text), field="filter")
        name, op, raw = match.group("field"), match.group("op"), match.group("value")
        spec = fields.get(name)
        if spec is None:
            known = ", ".join(fields)
            raise InvalidSelection(MSG_FILTER_FIELD.format(field=name, known=known), field=name)
        value: str | dt.datetime = raw
        if spec.kind == "datetime":
            if op == "~":
                raise InvalidSelection(MSG_FILTER_ORDER.format(field=name, op=op), field=name)
            value = _when(raw, name)
        out.append(Condition(field=name, operator=cast(Operator, op), value=value))
    return out, join


def _when(raw: str, name: str) -> dt.datetime:
    parsed = None
    try:
        parsed = parse_datetime(raw.replace("Z", "+00:00"))
        if parsed is None and (day := parse_date(raw)) is not None:
            parsed = dt.datetime.combine(day, dt.time())
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidSelection(MSG_FILTER_DATE.format(value=raw, field=name), field=name)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def fields_parse(raw: str | None) -> list[str] | None:
    """The ``fields`` parameter as names, or None when absent."""
    if raw is None or raw.strip() == "":
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    for name in names:
        if not _FIELD_NAME.match(name):
            raise InvalidSelection(MSG_FIELDS.format(field=name), field="fields")
    return names


def list_params(request: Request, fields: Mapping[str, ListField]) -> ListParams:
    """The list parameters of ``request`` checked against the entity's ``fields``."""
    query = request.query_params
    params = ListParams(
        limit=_integer(
            query.get("limit"),
            DEFAULT_LIMIT,
            MSG_LIMIT.format(max=MAX_LIMIT),
            low=1,
            high=MAX_LIMIT,
        ),
        offset=_integer(query.get("offset"), 0, MSG_OFFSET, low=0, high=2**31),
        fields=fields_parse(query.get("fields")),
    )
    order = (query.get("orderBy") or "asc").lower()
    if order not in ("asc", "desc"):
        raise InvalidQuery(MSG_ORDER_BY, field="orderBy")
    params.descending = order == "desc"
    sort = query.get("sort")
    if sort:
        if sort not in fields:
            raise InvalidSort(MSG_SORT.format(field=sort, known=", ".join(fields)), field=sort)
        params.sort = sort
    text = query.get("filter")
    if text:
        params.conditions, params.join = _conditions(text, fields)
    return params


def link_header(request: Request, *, params: ListParams, total: int) -> str:
    """``Link`` with ``first``, ``last``, and ``prev``/``next`` where they exist."""
    base = request.build_absolute_uri(request.path)
    kept = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}

    def url(offset: int) -> str:
        return f"{base}?{urlencode({**kept, 'limit': params.limit, 'offset': offset})}"

    last = max(0, ((total - 1) // params.limit) * params.limit) if total else 0
    links = [f'<{url(0)}>; rel="first"']
    if params.offset > 0:
        links.append(f'<{url(max(0, params.offset - params.limit))}>; rel="prev"')
    if params.offset + params.limit < total:
        links.append(f'<{url(params.offset + params.limit)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)
