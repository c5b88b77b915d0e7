"""The Timeback profile: ``ActivityEvent`` (completion + metrics) and ``TimeSpentEvent``
(time on task), also spelled ``TimebackActivityEvent`` / ``TimebackTimeSpentEvent``.

The shapes mirror Timeback's Events OpenAPI (``TimebackActivityCompletedEvent``,
``TimebackTimeSpentEvent``, ``TimebackUser``, ``TimebackActivityContext``,
``TimebackActivityMetricsCollection``, ``TimebackTimeSpentMetricsCollection``), plus the value
rules of Timeback's SDK: questions are reported in pairs with ``correct <= total``, metrics
other than ``xpEarned`` are non-negative integers, ``attempt`` is a positive integer, and a
time metric holds at most one day of seconds.

This is the hot path of ingest (every app sends these), so the walk builds no strings unless
it reports a problem.
"""

from __future__ import annotations

from typing import Any

from caliper.validation.problems import (
    RULE_ACTION_NOT_ALLOWED,
    RULE_CONTEXT,
    RULE_CORRECT_EXCEEDS_TOTAL,
    RULE_DUPLICATE,
    RULE_ENUM,
    RULE_FORMAT_DATETIME,
    RULE_FORMAT_EMAIL,
    RULE_FORMAT_IRI,
    RULE_FORMAT_UUID,
    RULE_PAIRED_METRICS,
    RULE_PROFILE_NOT_ALLOWED,
    RULE_RANGE,
    RULE_REQUIRED,
    RULE_TYPE,
    RULE_TYPE_NOT_ALLOWED,
    RULE_UNKNOWN_PROPERTY,
    Collector,
    is_datetime,
    is_email,
    is_integer,
    is_iri,
    is_number,
    is_uuid_urn,
)
from caliper.validation.rules import (
    CALIPER_CONTEXT,
    TIMEBACK_ACTIVITY_TYPES,
    TIMEBACK_PROFILE,
)

__all__ = [
    "ACTIVITY_METRICS",
    "MAX_TIME_SPENT_SECONDS",
    "SUBJECTS",
    "TIME_SPENT_METRICS",
    "USER_ROLES",
    "timeback_event_valid",
    "timeback_event_validate",
]

ACTIVITY_METRICS = frozenset(("xpEarned", "totalQuestions", "correctQuestions", "masteredUnits"))
TIME_SPENT_METRICS = frozenset(("active", "inactive", "waste", "unknown", "anti-pattern"))
MAX_TIME_SPENT_SECONDS = 86_400
USER_ROLES = frozenset(("student", "teacher", "admin", "guide"))
# The Events OpenAPI enumerates Science, Math, Reading, Language, Social Studies and None; the
# rest of Timeback (PowerPath's SubjectEnum, the SDK) also sends Vocabulary, Writing, FastMath
# and Other. Refusing those would drop real completions, so the union is accepted.
SUBJECTS = frozenset(
    (
        "Science",
        "Math",
        "Reading",
        "Language",
        "Social Studies",
        "None",
        "Vocabulary",
        "Writing",
        "FastMath",
        "Other",
    )
)

_USER_KEYS = frozenset(("id", "type", "email", "name", "role", "extensions"))
_REFERENCE_KEYS = (
    "edApp",
    "target",
    "referrer",
    "group",
    "membership",
    "session",
    "federatedSession",
)
# ``@context`` is listed as required by the OpenAPI but has a default there, and none of
# Timeback's own examples sends it: absent means the default (the Caliper 1.2 context).
_REQUIRED = ("id", "type", "actor", "action", "object", "eventTime", "profile", "generated")

MSG_REQUIRED = "{field}: is required"
MSG_NOT_OBJECT = "{field}: must be an object"
MSG_NOT_STRING = "{field}: must be a string"
MSG_NOT_ARRAY = "{field}: must be an array"
MSG_NOT_BOOLEAN = "{field}: must be a boolean"
MSG_NOT_NUMBER = "{field}: must be a number"
MSG_NOT_INTEGER = "{field}: must be a non-negative integer"
MSG_REFERENCE = "{field}: must be an IRI string or an object"
MSG_CONTEXT = "{field}: must be the Caliper context " + CALIPER_CONTEXT
MSG_EVENT_ID = "{field}: '{value}' is not a UUID URN (expected urn:uuid:<UUID>)"
MSG_DATETIME = "{field}: '{value}' is not a date-time (expected e.g. 2024-04-24T14:12:00.000Z)"
MSG_IRI = "{field}: '{value}' is not an absolute IRI"
MSG_EMAIL = "{field}: '{value}' is not an email address"
MSG_ACTION = "{field}: '{value}' is not an allowed action for {event} (allowed: {allowed})"
MSG_PROFILE = "{field}: '{value}' is not allowed for {event} (expected: " + TIMEBACK_PROFILE + ")"
MSG_CONST_TYPE = "{field}: '{value}' is not allowed here (expected: {expected})"
MSG_UNKNOWN_USER_KEY = "{field}: is not a TimebackUser property (allowed: {allowed})"
MSG_ENUM = "{field}: '{value}' is not one of: {allowed}"
MSG_DUPLICATE_METRIC = "{field}: metric '{value}' is reported more than once"
MSG_PAIRED = "{field}: totalQuestions and correctQuestions must be sent together"
MSG_CORRECT_EXCEEDS = "{field}: correctQuestions ({correct}) exceeds totalQuestions ({total})"
MSG_ATTEMPT = "{field}: must be a positive integer"
MSG_SECONDS = "{field}: must be between 0 and " + f"{MAX_TIME_SPENT_SECONDS:,} seconds"


def _text(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def timeback_event_validate(event: dict[str, Any], index: int, path: str, col: Collector) -> None:
    """Check one Timeback-profile event (``event["type"]`` is one of the four spellings)."""
    event_type = event["type"]
    is_activity = event_type in TIMEBACK_ACTIVITY_TYPES
    get = event.get

    for key in _REQUIRED:
        if get(key) is None:
            field = f"{path}.{key}"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))

    context = get("@context")
    if context is not None and context != CALIPER_CONTEXT:
        field = f"{path}.@context"
        col.add(index, field, RULE_CONTEXT, MSG_CONTEXT.format(field=field))

    value = get("id")
    if value is not None and not is_uuid_urn(value):
        field = f"{path}.id"
        col.add(
            index, field, RULE_FORMAT_UUID, MSG_EVENT_ID.format(field=field, value=_text(value))
        )

    value = get("action")
    expected = "Completed" if is_activity else "SpentTime"
    if value is not None and value != expected:
        field = f"{path}.action"
        col.add(
            index,
            field,
            RULE_ACTION_NOT_ALLOWED,
            MSG_ACTION.format(field=field, value=_text(value), event=event_type, allowed=expected),
        )

    value = get("eventTime")
    if value is not None and not is_datetime(value):
        _datetime_problem(index, f"{path}.eventTime", value, col)

    value = get("profile")
    if value is not None and value != TIMEBACK_PROFILE:
        field = f"{path}.profile"
        col.add(
            index,
            field,
            RULE_PROFILE_NOT_ALLOWED,
            MSG_PROFILE.format(field=field, value=_text(value), event=event_type),
        )

    value = get("actor")
    if value is not None:
        _user_validate(value, index, path, col)
    value = get("object")
    if value is not None:
        _context_validate(value, index, path, col)
    value = get("generated")
    if value is not None:
        if is_activity:
            _activity_metrics_validate(value, index, path, col)
        else:
            _time_spent_metrics_validate(value, index, path, col)

    for key in _REFERENCE_KEYS:
        value = get(key)
        if value is not None and not isinstance(value, str | dict):
            field = f"{path}.{key}"
            col.add(index, field, RULE_TYPE, MSG_REFERENCE.format(field=field))
    value = get("extensions")
    if value is not None and type(value) is not dict:
        field = f"{path}.extensions"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))


# ---------------------------------------------------------------------------------------------
# The fast path: one flat pass that only says yes or "look closer"
# ---------------------------------------------------------------------------------------------


def timeback_event_valid(event: dict[str, Any]) -> bool:
    """True only if ``timeback_event_validate`` would report nothing for ``event`` (whose
    ``type`` is one of the four Timeback spellings).

    The common case, a valid event, is decided here in one pass without the per-field calls
    of the reporting walk; False means "not sure", and the caller runs that walk, which alone
    writes the problems. So a check missing here can only cost time, and a check that is too
    lax here would let an invalid event through: every rule of the walk has its mirror below
    (``tests/caliper/test_validation_fast.py`` compares the two on mutated events).
    """
    get = event.get
    is_activity = event["type"] in TIMEBACK_ACTIVITY_TYPES
    context = get("@context")
    if context is not None and context != CALIPER_CONTEXT:
        return False
    if not is_uuid_urn(get("id")) or not is_datetime(get("eventTime")):
        return False
    if get("action") != ("Completed" if is_activity else "SpentTime"):
        return False
    if get("profile") != TIMEBACK_PROFILE:
        return False
    for key in _REFERENCE_KEYS:
        value = get(key)
        if value is not None and type(value) is not str and type(value) is not dict:
            return False
    value = get("extensions")
    if value is not None and type(value) is not dict:
        return False

    # actor: TimebackUser
    user = get("actor")
    if type(user) is not dict or not _USER_KEYS.issuperset(user):
        return False
    if not is_iri(user.get("id")) or user.get("type") != "TimebackUser":
        return False
    if not is_email(user.get("email")):
        return False
    value = user.get("name")
    if value is not None and type(value) is not str:
        return False
    value = user.get("role")
    if value is not None and (type(value) is not str or value not in USER_ROLES):
        return False
    value = user.get("extensions")
    if value is not None and type(value) is not dict:
        return False

    # object: TimebackActivityContext
    context = get("object")
    if type(context) is not dict or not is_iri(context.get("id")):
        return False
    if context.get("type") != "TimebackActivityContext":
        return False
    value = context.get("subject")
    if type(value) is not str or value not in SUBJECTS:
        return False
    if not _named_valid(context.get("app")):
        return False
    value = context.get("course")
    if value is not None and not _named_valid(value):
        return False
    value = context.get("activity")
    if value is not None and not _named_valid(value):
        return False
    value = context.get("process")
    if value is not None and type(value) is not bool:
        return False

    # generated: the metrics collection
    collection = get("generated")
    if type(collection) is not dict or not is_iri(collection.get("id")):
        return False
    expected = (
        "TimebackActivityMetricsCollection" if is_activity else "TimebackTimeSpentMetricsCollection"
    )
    if collection.get("type") != expected:
        return False
    value = collection.get("extensions")
    if value is not None and type(value) is not dict:
        return False
    items = collection.get("items")
    if type(items) is not list:
        return False
    if is_activity:
        return _activity_items_valid(collection, items)
    return _time_spent_items_valid(items)


def _named_valid(value: object) -> bool:
    if type(value) is not dict or type(value.get("name")) is not str:
        return False
    iri = value.get("id")
    if iri is not None and not is_iri(iri):
        return False
    extensions = value.get("extensions")
    return extensions is None or type(extensions) is dict


def _activity_items_valid(collection: dict[str, Any], items: list[Any]) -> bool:
    attempt = collection.get("attempt")
    if attempt is not None and (not is_integer(attempt) or attempt < 1):
        return False
    values: dict[str, Any] = {}
    for item in items:
        if type(item) is not dict:
            return False
        metric = item.get("type")
        value: Any = item.get("value")
        if type(metric) is not str or metric not in ACTIVITY_METRICS or metric in values:
            return False
        if metric == "xpEarned":
            if not is_number(value):
                return False
        elif not is_integer(value) or value < 0:
            return False
        extensions = item.get("extensions")
        if extensions is not None and type(extensions) is not dict:
            return False
        values[metric] = value
    total: Any = values.get("totalQuestions")
    correct: Any = values.get("correctQuestions")
    if (total is None) != (correct is None):
        return False
    return total is None or correct <= total


def _time_spent_items_valid(items: list[Any]) -> bool:
    for item in items:
        if type(item) is not dict:
            return False
        metric = item.get("type")
        if type(metric) is not str or metric not in TIME_SPENT_METRICS:
            return False
        value: Any = item.get("value")
        if not is_number(value) or not 0 <= value <= MAX_TIME_SPENT_SECONDS:
            return False
        if len(item) > 2:
            value = item.get("subType")
            if value is not None and type(value) is not str:
                return False
            for key in ("startDate", "endDate"):
                value = item.get(key)
                if value is not None and not is_datetime(value):
                    return False
            value = item.get("extensions")
            if value is not None and type(value) is not dict:
                return False
    return True


# ---------------------------------------------------------------------------------------------
# actor: TimebackUser
# ---------------------------------------------------------------------------------------------


def _user_validate(user: object, index: int, path: str, col: Collector) -> None:
    if type(user) is not dict:
        field = f"{path}.actor"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
        return
    for key in user:
        if key not in _USER_KEYS:
            field = f"{path}.actor.{key}"
            col.add(
                index,
                field,
                RULE_UNKNOWN_PROPERTY,
                MSG_UNKNOWN_USER_KEY.format(field=field, allowed=", ".join(sorted(_USER_KEYS))),
            )
    _iri_required(user.get("id"), index, path, ".actor.id", col)
    _const_required(user.get("type"), "TimebackUser", index, path, ".actor.type", col)
    email = user.get("email")
    if email is None:
        field = f"{path}.actor.email"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    elif not is_email(email):
        field = f"{path}.actor.email"
        if isinstance(email, str):
            col.add(
                index, field, RULE_FORMAT_EMAIL, MSG_EMAIL.format(field=field, value=_text(email))
            )
        else:
            col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))
    name = user.get("name")
    if name is not None and type(name) is not str:
        field = f"{path}.actor.name"
        col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))
    role = user.get("role")
    if role is not None and (type(role) is not str or role not in USER_ROLES):
        _enum_problem(index, f"{path}.actor.role", role, USER_ROLES, col)
    if "extensions" in user:
        _extensions_check(user, index, path, ".actor", col)


# ---------------------------------------------------------------------------------------------
# object: TimebackActivityContext
# ---------------------------------------------------------------------------------------------


def _context_validate(context: object, index: int, path: str, col: Collector) -> None:
    if type(context) is not dict:
        field = f"{path}.object"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
        return
    _iri_required(context.get("id"), index, path, ".object.id", col)
    _const_required(
        context.get("type"), "TimebackActivityContext", index, path, ".object.type", col
    )
    subject = context.get("subject")
    if subject is None:
        field = f"{path}.object.subject"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    elif type(subject) is not str or subject not in SUBJECTS:
        _enum_problem(index, f"{path}.object.subject", subject, SUBJECTS, col)
    app = context.get("app")
    if app is None:
        field = f"{path}.object.app"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    else:
        _named_validate(app, index, path, ".object.app", col)
    for key in ("course", "activity"):
        value = context.get(key)
        if value is not None:
            _named_validate(value, index, path, f".object.{key}", col)
    process = context.get("process")
    if process is not None and type(process) is not bool:
        field = f"{path}.object.process"
        col.add(index, field, RULE_TYPE, MSG_NOT_BOOLEAN.format(field=field))


def _named_validate(value: object, index: int, path: str, suffix: str, col: Collector) -> None:
    """``app`` / ``course`` / ``activity``: ``{name (required), id?: IRI, extensions?}``."""
    if type(value) is not dict:
        field = f"{path}{suffix}"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
        return
    name = value.get("name")
    if name is None:
        field = f"{path}{suffix}.name"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    elif type(name) is not str:
        field = f"{path}{suffix}.name"
        col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))
    iri = value.get("id")
    if iri is not None and not is_iri(iri):
        _iri_problem(index, f"{path}{suffix}.id", iri, col)
    if "extensions" in value:
        _extensions_check(value, index, path, suffix, col)


# ---------------------------------------------------------------------------------------------
# generated: the metrics collections
# ---------------------------------------------------------------------------------------------


def _collection_items(
    collection: object, expected_type: str, index: int, path: str, col: Collector
) -> list[Any] | None:
    """Check the collection envelope; return its items when they can be walked."""
    if type(collection) is not dict:
        field = f"{path}.generated"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
        return None
    _iri_required(collection.get("id"), index, path, ".generated.id", col)
    _const_required(collection.get("type"), expected_type, index, path, ".generated.type", col)
    if "extensions" in collection:
        _extensions_check(collection, index, path, ".generated", col)
    items = collection.get("items")
    if items is None:
        field = f"{path}.generated.items"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        return None
    if type(items) is not list:
        field = f"{path}.generated.items"
        col.add(index, field, RULE_TYPE, MSG_NOT_ARRAY.format(field=field))
        return None
    return items


def _activity_metrics_validate(collection: object, index: int, path: str, col: Collector) -> None:
    items = _collection_items(collection, "TimebackActivityMetricsCollection", index, path, col)
    if type(collection) is dict:
        attempt = collection.get("attempt")
        if attempt is not None and (not is_integer(attempt) or attempt < 1):
            field = f"{path}.generated.attempt"
            col.add(index, field, RULE_RANGE, MSG_ATTEMPT.format(field=field))
    if items is None:
        return

    values: dict[str, Any] = {}
    positions: dict[str, int] = {}
    for position, item in enumerate(items):
        if type(item) is not dict:
            field = f"{path}.generated.items[{position}]"
            col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
            continue
        metric = item.get("type")
        value = item.get("value")
        if metric is None:
            field = f"{path}.generated.items[{position}].type"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        elif type(metric) is not str or metric not in ACTIVITY_METRICS:
            _enum_problem(
                index, f"{path}.generated.items[{position}].type", metric, ACTIVITY_METRICS, col
            )
            metric = None
        elif metric in positions:
            field = f"{path}.generated.items[{position}].type"
            col.add(
                index, field, RULE_DUPLICATE, MSG_DUPLICATE_METRIC.format(field=field, value=metric)
            )
            metric = None
        else:
            positions[metric] = position
        if value is None:
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        elif metric == "xpEarned" or metric is None:
            # XP may be negative (a deduction); any finite number.
            if not is_number(value):
                field = f"{path}.generated.items[{position}].value"
                col.add(index, field, RULE_TYPE, MSG_NOT_NUMBER.format(field=field))
            elif metric is not None:
                values[metric] = value
        elif not is_integer(value):
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_TYPE, MSG_NOT_INTEGER.format(field=field))
        elif value < 0:
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_RANGE, MSG_NOT_INTEGER.format(field=field))
        else:
            values[metric] = value
        if "extensions" in item:
            _extensions_check(item, index, path, f".generated.items[{position}]", col)

    has_total = "totalQuestions" in positions
    if has_total != ("correctQuestions" in positions):
        field = f"{path}.generated.items"
        col.add(index, field, RULE_PAIRED_METRICS, MSG_PAIRED.format(field=field))
    total = values.get("totalQuestions")
    correct = values.get("correctQuestions")
    if total is not None and correct is not None and correct > total:
        field = f"{path}.generated.items[{positions['correctQuestions']}].value"
        col.add(
            index,
            field,
            RULE_CORRECT_EXCEEDS_TOTAL,
            MSG_CORRECT_EXCEEDS.format(field=field, correct=correct, total=total),
        )


def _time_spent_metrics_validate(collection: object, index: int, path: str, col: Collector) -> None:
    items = _collection_items(collection, "TimebackTimeSpentMetricsCollection", index, path, col)
    if items is None:
        return
    for position, item in enumerate(items):
        if type(item) is not dict:
            field = f"{path}.generated.items[{position}]"
            col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))
            continue
        metric = item.get("type")
        if metric is None:
            field = f"{path}.generated.items[{position}].type"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        elif type(metric) is not str or metric not in TIME_SPENT_METRICS:
            _enum_problem(
                index, f"{path}.generated.items[{position}].type", metric, TIME_SPENT_METRICS, col
            )
        value = item.get("value")
        if value is None:
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
        elif not is_number(value):
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_TYPE, MSG_NOT_NUMBER.format(field=field))
        elif not 0 <= value <= MAX_TIME_SPENT_SECONDS:
            field = f"{path}.generated.items[{position}].value"
            col.add(index, field, RULE_RANGE, MSG_SECONDS.format(field=field))
        if len(item) > 2:  # the optional keys; most items are just {type, value}
            sub_type = item.get("subType")
            if sub_type is not None and type(sub_type) is not str:
                field = f"{path}.generated.items[{position}].subType"
                col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))
            for key in ("startDate", "endDate"):
                moment = item.get(key)
                if moment is not None and not is_datetime(moment):
                    _datetime_problem(
                        index, f"{path}.generated.items[{position}].{key}", moment, col
                    )
            if "extensions" in item:
                _extensions_check(item, index, path, f".generated.items[{position}]", col)


# ---------------------------------------------------------------------------------------------
# Small checks (each builds its field path only when it reports)
# ---------------------------------------------------------------------------------------------


def _iri_required(value: object, index: int, path: str, suffix: str, col: Collector) -> None:
    if value is None:
        field = f"{path}{suffix}"
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    elif not is_iri(value):
        _iri_problem(index, f"{path}{suffix}", value, col)


def _iri_problem(index: int, field: str, value: object, col: Collector) -> None:
    if isinstance(value, str):
        col.add(index, field, RULE_FORMAT_IRI, MSG_IRI.format(field=field, value=_text(value)))
    else:
        col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))


def _const_required(
    value: object, expected: str, index: int, path: str, suffix: str, col: Collector
) -> None:
    if value == expected:
        return
    field = f"{path}{suffix}"
    if value is None:
        col.add(index, field, RULE_REQUIRED, MSG_REQUIRED.format(field=field))
    else:
        col.add(
            index,
            field,
            RULE_TYPE_NOT_ALLOWED,
            MSG_CONST_TYPE.format(field=field, value=_text(value), expected=expected),
        )


def _enum_problem(
    index: int, field: str, value: object, allowed: frozenset[str], col: Collector
) -> None:
    if isinstance(value, str):
        col.add(
            index,
            field,
            RULE_ENUM,
            MSG_ENUM.format(field=field, value=_text(value), allowed=", ".join(sorted(allowed))),
        )
    else:
        col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))


def _extensions_check(
    holder: dict[str, Any], index: int, path: str, suffix: str, col: Collector
) -> None:
    extensions = holder.get("extensions")
    if extensions is not None and type(extensions) is not dict:
        field = f"{path}{suffix}.extensions"
        col.add(index, field, RULE_TYPE, MSG_NOT_OBJECT.format(field=field))


def _datetime_problem(index: int, field: str, value: object, col: Collector) -> None:
    if isinstance(value, str):
        col.add(
            index, field, RULE_FORMAT_DATETIME, MSG_DATETIME.format(field=field, value=_text(value))
        )
    else:
        col.add(index, field, RULE_TYPE, MSG_NOT_STRING.format(field=field))
