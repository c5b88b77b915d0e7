"""Caliper 1.2 envelope, event and entity validation.

``envelope_validate`` walks an already parsed JSON payload and returns every problem it finds
(up to ``MAX_PROBLEMS``); an empty list means the envelope may be stored. It is pure: no
database, no settings, no I/O. Events of the Timeback profile are handed to
``caliper.validation.timeback``; all other events are checked against ``rules.EVENT_RULES`` and
entities against ``rules.ENTITY_PROPERTIES``.
"""

from __future__ import annotations

from typing import Any, Literal

from caliper.validation import timeback
from caliper.validation.problems import (
    RULE_ACTION_NOT_ALLOWED,
    RULE_CONTEXT,
    RULE_DEPTH,
    RULE_ENUM,
    RULE_FORMAT_DATETIME,
    RULE_FORMAT_DURATION,
    RULE_FORMAT_IRI,
    RULE_FORMAT_UUID,
    RULE_MIN_ITEMS,
    RULE_RANGE,
    RULE_REQUIRED,
    RULE_TYPE,
    RULE_TYPE_NOT_ALLOWED,
    RULE_UNKNOWN_ACTION,
    RULE_UNKNOWN_PROFILE,
    RULE_UNKNOWN_PROPERTY,
    RULE_UNKNOWN_TYPE,
    RULE_UNSUPPORTED_VERSION,
    Collector,
    Problem,
    is_datetime,
    is_duration,
    is_entity_id,
    is_integer,
    is_iri,
    is_number,
    is_uuid_urn,
)
from caliper.validation.rules import (
    ACTION_ALIASES,
    ACTIONS,
    BOOL,
    CALIPER_CONTEXT,
    CALIPER_EVENT_TYPES,
    DATETIME,
    DURATION,
    ENTITY_PROPERTIES,
    ENTITY_REQUIRED,
    ENUM,
    EVENT_COMMON_REFS,
    EVENT_RULES,
    INT,
    LIST,
    NNINT,
    NON_ENTITY_TYPES,
    NUM,
    OBJECT,
    PROFILES,
    REF,
    STR,
    TIMEBACK_ACTIVITY_TYPES,
    TIMEBACK_TIME_SPENT_TYPES,
    TYPED,
    Prop,
    is_a,
)

__all__ = ["entity_id", "envelope_validate", "event_kind"]

ENVELOPE_KEYS = ("sensor", "sendTime", "dataVersion", "data")
# Embedded entities nest (isPartOf chains, items of items); real documents stay shallow, and
# the cap keeps a hostile payload from exhausting the stack.
MAX_DEPTH = 24

_TIMEBACK_TYPES = frozenset(TIMEBACK_ACTIVITY_TYPES + TIMEBACK_TIME_SPENT_TYPES)
_EVENT_TYPES = CALIPER_EVENT_TYPES | _TIMEBACK_TYPES
_EVENT_REQUIRED = ("@context", "id", "type", "actor", "action", "object", "eventTime")
_EVENT_ROLES = ("actor", "object", "generated", "target", "referrer")

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

MSG_ENVELOPE_NOT_OBJECT = (
    "The envelope must be a JSON object with sensor, sendTime, dataVersion and data."
)
MSG_REQUIRED = "{field}: is required"
MSG_NULL = "{field}: must not be null"
MSG_UNKNOWN_ENVELOPE_KEY = (
    "{field}: is not an envelope property (allowed: sensor, sendTime, dataVersion, data)"
)
MSG_UNSUPPORTED_VERSION = (
    "{field}: '{value}' is not a supported Caliper version (supported: " + CALIPER_CONTEXT + ")"
)
MSG_NOT_STRING = "{field}: must be a string"
MSG_NOT_OBJECT = "{field}: must be an object"
MSG_NOT_ARRAY = "{field}: must be an array"
MSG_NOT_BOOLEAN = "{field}: must be a boolean"
MSG_NOT_NUMBER = "{field}: must be a number"
MSG_NOT_INTEGER = "{field}: must be an integer"
MSG_NEGATIVE = "{field}: must not be negative"
MSG_EMPTY_DATA = "{field}: must hold at least one event or entity"
MSG_DATETIME = "{field}: '{value}' is not a date-time (expected e.g. 2024-04-24T14:12:00.000Z)"
MSG_DURATION = "{field}: '{value}' is not an ISO 8601 duration (expected e.g. PT50M30S)"
MSG_EVENT_ID = "{field}: '{value}' is not a UUID URN (expected urn:uuid:<UUID>)"
MSG_IRI = "{field}: '{value}' is not an absolute IRI"
MSG_ENTITY_ID = "{field}: '{value}' is not an absolute IRI or blank node identifier"
MSG_REF_TYPE = "{field}: must be an entity object or its IRI"
MSG_CONTEXT = (
    "{field}: must be the Caliper context " + CALIPER_CONTEXT + ", or an array ending with it"
)
MSG_UNKNOWN_EVENT_TYPE = "{field}: '{value}' is not a Caliper 1.2 or Timeback event type"
MSG_UNKNOWN_ENTITY_TYPE = "{field}: '{value}' is not a Caliper 1.2 entity type"
MSG_UNKNOWN_ACTION = "{field}: '{value}' is not a Caliper action"
MSG_ACTION_NOT_ALLOWED = (
    "{field}: '{value}' is not an allowed action for {event} (allowed: {allowed})"
)
MSG_TYPE_NOT_ALLOWED = "{field}: '{value}' is not allowed here (expected: {allowed})"
MSG_UNKNOWN_PROFILE = "{field}: '{value}' is not a Caliper profile"
MSG_ENUM = "{field}: '{value}' is not one of the allowed terms"
MSG_DEPTH = "{field}: entities are nested too deeply"


def _repr(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed(types: frozenset[str]) -> str:
    return ", ".join(sorted(types))


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def event_kind(item: dict[str, Any]) -> Literal["event", "entity"]:
    """ "event" for a Caliper event, "entity" for a describe object (an item without
    ``action`` whose type is not an event type)."""
    kind = item.get("type")
    if "action" in item or (isinstance(kind, str) and kind in _EVENT_TYPES):
        return "event"
    return "entity"


def entity_id(value: object) -> str:
    """The id of an embedded entity, the IRI itself for a thinned reference, "" if none."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        if isinstance(found, str):
            return found
    return ""


def envelope_validate(*, payload: object) -> list[Problem]:
    """Every problem of a Caliper 1.2 envelope (at most ``MAX_PROBLEMS``); [] means valid.

    An unsupported ``dataVersion`` is reported alone with ``status=422`` (its data would be
    read under another version's rules); everything else is a 400.
    """
    col = Collector()
    if not isinstance(payload, dict):
        col.add(None, "", RULE_TYPE, MSG_ENVELOPE_NOT_OBJECT)
        return col.problems
    for key in payload:
        if key not in ENVELOPE_KEYS:
            col.add(None, key, RULE_UNKNOWN_PROPERTY, MSG_UNKNOWN_ENVELOPE_KEY.format(field=key))
    for key in ENVELOPE_KEYS:
        if payload.get(key) is None:
            col.add(None, key, RULE_REQUIRED, MSG_REQUIRED.format(field=key))

    version = payload.get("dataVersion")
    if version is not None:
        if not isinstance(version, str):
            col.add(None, "dataVersion", RULE_TYPE, MSG_NOT_STRING.format(field="dataVersion"))
        elif version != CALIPER_CONTEXT:
            return [
                Problem(
                    None,
                    "dataVersion",
                    RULE_UNSUPPORTED_VERSION,
                    MSG_UNSUPPORTED_VERSION.format(field="dataVersion", value=_repr(version)),
                    422,
                )
            ]

    sensor = payload.get("sensor")
    if sensor is not None and not is_iri(sensor):
        if isinstance(sensor, str):
            col.add(None, "sensor", RULE_FORMAT_IRI, MSG_IRI.format(field="sensor", value=sensor))
        else:
            col.add(None, "sensor", RULE_TYPE, MSG_NOT_STRING.format(field="sensor"))
    send_time = payload.get("sendTime")
    if send_time is not None and not is_datetime(send_time):
        _bad_datetime(None, "sendTime", send_time, col)

    data = payload.get("data")
    if data is not None:
        if not isinstance(data, list):
            col.add(None, "data", RULE_TYPE, MSG_NOT_ARRAY.format(field="data"))
        elif not data:
            col.add(None, "data", RULE_MIN_ITEMS, MSG_EMPTY_DATA.format(field="data"))
        else:
            for index, item in enumerate(data):
                if col.full:
                    break
                _item_validate(item, index, col)
    return col.problems


# ---------------------------------------------------------------------------------------------
# Items: events and describes
# ---------------------------------------------------------------------------------------------


def _item_validate(item: object, index: int, col: Collector) -> None:
    if not isinstance(item, dict):
        path = f"data[{index}]"
        col.add(index, path, RULE_TYPE, MSG_NOT_OBJECT.format(field=path))
        return
    kind = item.get("type")
    if isinstance(kind, str) and kind in _TIMEBACK_TYPES:
        # Most traffic: a valid Timeback event is accepted by the flat check, and only the
        # others are walked for their problems.
        if not timeback.timeback_event_valid(item):
            timeback.timeback_event_validate(item, index, f"data[{index}]", col)
        return
    path = f"data[{index}]"
    if event_kind(item) == "event":
        _event_validate(item, index, path, col)
    else:
        _entity_object_validate(item, index, path, None, col, 0, top_level=True)


def _event_validate(event: dict[str, Any], index: int, path: str, col: Collector) -> None:
    for key in _EVENT_REQUIRED:
        if event.get(key) is None:
            field = f"{path}.{key}"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))

    context = event.get("@context")
    if context is not None:
        context_check(context, index, f"{path}.@context", col)

    event_id = event.get("id")
    if event_id is not None and not is_uuid_urn(event_id):
        field = f"{path}.id"
        col.add(
            index, field, RULE_FORMAT_UUID, MSG_EVENT_ID.format(field=field, value=_repr(event_id))
        )

    event_time = event.get("eventTime")
    if event_time is not None and not is_datetime(event_time):
        _bad_datetime(index, f"{path}.eventTime", event_time, col)

    profile = event.get("profile")
    if profile is not None and (not isinstance(profile, str) or profile not in PROFILES):
        field = f"{path}.profile"
        col.add(
            index,
            field,
            RULE_UNKNOWN_PROFILE,
            MSG_UNKNOWN_PROFILE.format(field=field, value=_repr(profile)),
        )

    extensions = event.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        field = f"{path}.extensions"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))

    event_type = event.get("type")
    rule = EVENT_RULES.get(event_type) if isinstance(event_type, str) else None
    if event_type is not None and rule is None:
        field = f"{path}.type"
        col.add(
            index,
            field,
            RULE_UNKNOWN_TYPE,
            MSG_UNKNOWN_EVENT_TYPE.format(field=field, value=_repr(event_type)),
        )

    action = event.get("action")
    if isinstance(action, str):
        action = ACTION_ALIASES.get(action, action)
    if action is not None:
        field = f"{path}.action"
        if not isinstance(action, str) or action not in ACTIONS:
            col.add(
                index,
                field,
                RULE_UNKNOWN_ACTION,
                MSG_UNKNOWN_ACTION.format(field=field, value=_repr(action)),
            )
            action = None
        elif rule is not None and rule.actions is not None and action not in rule.actions:
            col.add(
                index,
                field,
                RULE_ACTION_NOT_ALLOWED,
                MSG_ACTION_NOT_ALLOWED.format(
                    field=field, value=action, event=event_type, allowed=_allowed(rule.actions)
                ),
            )

    narrowed = rule.by_action.get(action, {}) if rule is not None and action else {}
    if rule is not None and action:
        for key in rule.required_by_action.get(action, ()):
            if event.get(key) is None:
                field = f"{path}.{key}"
                col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))

    for role in _EVENT_ROLES:
        value = event.get(role)
        if value is None:
            if role in event and role not in _EVENT_REQUIRED:
                field = f"{path}.{role}"
                col.add(index, field, RULE_TYPE, MSG_NULL.format(field=field))
            continue
        allowed = narrowed.get(role) or (getattr(rule, role) if rule is not None else None)
        entity_value_validate(value, index, f"{path}.{role}", allowed, col, 1)
    for role, allowed in EVENT_COMMON_REFS.items():
        if role in event:
            entity_value_validate(event[role], index, f"{path}.{role}", allowed, col, 1)


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------


def context_check(context: object, index: int | None, field: str, col: Collector) -> None:
    """``@context``: the Caliper context IRI, an inline context object, or an array whose last
    element is the Caliper context (so that Caliper terms cannot be redefined after it)."""
    if isinstance(context, str):
        ok = context == CALIPER_CONTEXT
    elif isinstance(context, dict):
        ok = True
    elif isinstance(context, list):
        ok = (
            bool(context)
            and context[-1] == CALIPER_CONTEXT
            and all(isinstance(part, str | dict) for part in context)
        )
    else:
        ok = False
    if not ok:
        col.add(index, field, RULE_CONTEXT, MSG_CONTEXT.format(field=field))


def entity_value_validate(
    value: object,
    index: int | None,
    path: str,
    allowed: frozenset[str] | None,
    col: Collector,
    depth: int,
) -> None:
    """A property whose value is an entity: an embedded object or a thinned IRI string."""
    if isinstance(value, str):
        if not is_iri(value):
            col.add(index, path, RULE_FORMAT_IRI, MSG_IRI.format(field=path, value=_repr(value)))
    elif isinstance(value, dict):
        _entity_object_validate(value, index, path, allowed, col, depth, top_level=False)
    elif value is None:
        col.add(index, path, RULE_TYPE, MSG_NULL.format(field=path))
    else:
        col.add(index, path, RULE_TYPE, MSG_REF_TYPE.format(field=path))


def _entity_object_validate(
    entity: dict[str, Any],
    index: int | None,
    path: str,
    allowed: frozenset[str] | None,
    col: Collector,
    depth: int,
    *,
    top_level: bool,
) -> None:
    if depth > MAX_DEPTH:
        col.add(index, path, RULE_DEPTH, MSG_DEPTH.format(field=path))
        return
    term = entity.get("type")
    if term is None:
        field = f"{path}.type"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        props = ENTITY_PROPERTIES["Entity"]
        required: tuple[str, ...] = ("id",)
    elif not isinstance(term, str) or term not in ENTITY_PROPERTIES:
        field = f"{path}.type"
        col.add(
            index,
            field,
            RULE_UNKNOWN_TYPE,
            MSG_UNKNOWN_ENTITY_TYPE.format(field=field, value=_repr(term)),
        )
        return
    else:
        if allowed is not None and not is_a(term, allowed):
            field = f"{path}.type"
            col.add(
                index,
                field,
                RULE_TYPE_NOT_ALLOWED,
                MSG_TYPE_NOT_ALLOWED.format(field=field, value=term, allowed=_allowed(allowed)),
            )
        props = ENTITY_PROPERTIES[term]
        required = ENTITY_REQUIRED[term]

    context = entity.get("@context")
    if context is not None:
        context_check(context, index, f"{path}.@context", col)
    elif top_level and term not in NON_ENTITY_TYPES:
        field = f"{path}.@context"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))

    for key in required:
        if key != "type" and entity.get(key) is None:
            field = f"{path}.{key}"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    if "id" in entity and term not in NON_ENTITY_TYPES:
        value = entity["id"]
        if value is not None and not is_entity_id(value):
            field = f"{path}.id"
            col.add(
                index, field, RULE_FORMAT_IRI, MSG_ENTITY_ID.format(field=field, value=_repr(value))
            )

    for key, value in entity.items():
        prop = props.get(key)
        if prop is not None:
            _property_validate(value, prop, index, f"{path}.{key}", col, depth)


def _property_validate(
    value: object, prop: Prop, index: int | None, path: str, col: Collector, depth: int
) -> None:
    kind = prop.kind
    if value is None:
        col.add(index, path, RULE_TYPE, MSG_NULL.format(field=path))
    elif kind == STR:
        if not isinstance(value, str):
            col.add(index, path, RULE_TYPE, MSG_NOT_STRING.format(field=path))
    elif kind == REF:
        entity_value_validate(value, index, path, prop.types, col, depth + 1)
    elif kind == LIST:
        if not isinstance(value, list):
            col.add(index, path, RULE_TYPE, MSG_NOT_ARRAY.format(field=path))
            return
        item = prop.item
        assert item is not None
        for position, element in enumerate(value):
            if col.full:
                return
            _property_validate(element, item, index, f"{path}[{position}]", col, depth)
    elif kind == DATETIME:
        if not is_datetime(value):
            _bad_datetime(index, path, value, col)
    elif kind == DURATION:
        if not is_duration(value):
            rule = RULE_FORMAT_DURATION if isinstance(value, str) else RULE_TYPE
            col.add(index, path, rule, MSG_DURATION.format(field=path, value=_repr(value)))
    elif kind == NUM:
        if not is_number(value):
            col.add(index, path, RULE_TYPE, MSG_NOT_NUMBER.format(field=path))
    elif kind in (INT, NNINT):
        if not is_integer(value):
            col.add(index, path, RULE_TYPE, MSG_NOT_INTEGER.format(field=path))
        elif kind == NNINT and value < 0:  # type: ignore[operator]
            col.add(index, path, RULE_RANGE, MSG_NEGATIVE.format(field=path))
    elif kind == BOOL:
        if type(value) is not bool:
            col.add(index, path, RULE_TYPE, MSG_NOT_BOOLEAN.format(field=path))
    elif kind == OBJECT:
        if not isinstance(value, dict):
            col.add(index, path, RULE_TYPE, MSG_NOT_OBJECT.format(field=path))
    elif kind == ENUM:
        if not isinstance(value, str):
            col.add(index, path, RULE_TYPE, MSG_NOT_STRING.format(field=path))
        elif value not in prop.terms:
            col.add(index, path, RULE_ENUM, MSG_ENUM.format(field=path, value=_repr(value)))
    elif kind == TYPED:
        if not isinstance(value, dict):
            col.add(index, path, RULE_TYPE, MSG_NOT_OBJECT.format(field=path))
        else:
            _entity_object_validate(value, index, path, prop.types, col, depth + 1, top_level=False)


def _bad_datetime(index: int | None, path: str, value: object, col: Collector) -> None:
    if isinstance(value, str):
        col.add(
            index, path, RULE_FORMAT_DATETIME, MSG_DATETIME.format(field=path, value=_repr(value))
        )
    else:
        col.add(index, path, RULE_TYPE, MSG_NOT_STRING.format(field=path))
