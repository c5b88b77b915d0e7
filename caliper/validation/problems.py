"""What a rejection says, and the primitive value formats every Caliper check is built from.

A ``Problem`` names the position of the offending item in ``envelope.data``, the JSON path of
the field, a short stable rule code and a sentence for humans. The codes are part of the API
(clients and tests match on them); the sentences are not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "MAX_PROBLEMS",
    "RULE_ACTION_NOT_ALLOWED",
    "RULE_CONTEXT",
    "RULE_CORRECT_EXCEEDS_TOTAL",
    "RULE_DEPTH",
    "RULE_DUPLICATE",
    "RULE_ENUM",
    "RULE_FORMAT_DATETIME",
    "RULE_FORMAT_DURATION",
    "RULE_FORMAT_EMAIL",
    "RULE_FORMAT_IRI",
    "RULE_FORMAT_UUID",
    "RULE_MIN_ITEMS",
    "RULE_PAIRED_METRICS",
    "RULE_PROFILE_NOT_ALLOWED",
    "RULE_RANGE",
    "RULE_REQUIRED",
    "RULE_TYPE",
    "RULE_TYPE_NOT_ALLOWED",
    "RULE_UNKNOWN_ACTION",
    "RULE_UNKNOWN_PROFILE",
    "RULE_UNKNOWN_PROPERTY",
    "RULE_UNKNOWN_TYPE",
    "RULE_UNSUPPORTED_VERSION",
    "Collector",
    "Problem",
    "is_datetime",
    "is_duration",
    "is_email",
    "is_entity_id",
    "is_integer",
    "is_iri",
    "is_number",
    "is_uuid_urn",
]

# At most this many problems are reported for one envelope: enough to fix a batch, small
# enough that a 1,000-event envelope of garbage cannot produce a megabyte of errors.
MAX_PROBLEMS = 100

# ---------------------------------------------------------------------------------------------
# Rule codes (stable: clients match on them)
# ---------------------------------------------------------------------------------------------

RULE_REQUIRED = "required"
RULE_TYPE = "type"  # wrong JSON type (string expected, list expected, null given, ...)
RULE_ENUM = "enum"  # a term outside its vocabulary (metric, role, status, subject, ...)
RULE_RANGE = "range"  # a number outside its bounds
RULE_MIN_ITEMS = "min-items"
RULE_DUPLICATE = "duplicate"
RULE_UNKNOWN_PROPERTY = "unknown-property"
RULE_FORMAT_DATETIME = "format-datetime"
RULE_FORMAT_DURATION = "format-duration"
RULE_FORMAT_UUID = "format-uuid"
RULE_FORMAT_IRI = "format-iri"
RULE_FORMAT_EMAIL = "format-email"
RULE_CONTEXT = "context"
RULE_UNSUPPORTED_VERSION = "unsupported-version"
RULE_UNKNOWN_TYPE = "unknown-type"
RULE_UNKNOWN_ACTION = "unknown-action"
RULE_ACTION_NOT_ALLOWED = "action-not-allowed"
RULE_TYPE_NOT_ALLOWED = "type-not-allowed"  # a known entity type where the spec wants another
RULE_UNKNOWN_PROFILE = "unknown-profile"
RULE_PROFILE_NOT_ALLOWED = "profile-not-allowed"
RULE_PAIRED_METRICS = "paired-metrics"
RULE_CORRECT_EXCEEDS_TOTAL = "correct-exceeds-total"
RULE_DEPTH = "depth"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an envelope is refused."""

    index: int | None  # position in envelope.data, None for envelope-level problems
    field: str  # JSON path, e.g. "data[3].action", "sendTime", "data[0].generated.items[2].value"
    rule: str  # short stable code, e.g. "required", "format-datetime", "action-not-allowed"
    message: str  # human sentence naming the field and the rule
    status: int = 400  # 422 only for an unsupported dataVersion


class Collector:
    """Accumulates problems up to ``MAX_PROBLEMS``; ``full`` tells walkers to stop early."""

    __slots__ = ("full", "problems")

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.full = False

    def add(
        self, index: int | None, field: str, rule: str, message: str, status: int = 400
    ) -> None:
        if self.full:
            return
        self.problems.append(Problem(index, field, rule, message, status))
        if len(self.problems) >= MAX_PROBLEMS:
            self.full = True


# ---------------------------------------------------------------------------------------------
# Primitive formats
# ---------------------------------------------------------------------------------------------

# RFC 3339 date-time with a mandatory offset: Caliper asks for UTC with milliseconds
# (``2016-11-15T10:15:00.000Z``), Timeback's schema for any ``date-time``; both agree that a
# bare date or a naive time is not a point in time.
_DATETIME = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)\Z", re.ASCII
)
# ISO 8601 duration, e.g. PT50M30S, PT05M21S, P1DT2H, PT0.5S (at least one component).
_DURATION = re.compile(
    r"P(?!\Z)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?\Z",
    re.ASCII,
)
# Any RFC 4122 UUID: the spec text asks for v4, but the official fixtures carry v1 ids too.
_UUID_URN = re.compile(
    r"urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z",
    re.ASCII,
)
# An absolute IRI (RFC 3987): a scheme, a colon, and no whitespace or characters IRIs exclude.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+\Z")
_BLANK_NODE = re.compile(r"_:[^\s]+\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+\Z")


def is_datetime(value: object) -> bool:
    """True for an RFC 3339 date-time string with an offset and valid calendar values."""
    if type(value) is not str or _DATETIME.match(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_duration(value: object) -> bool:
    return type(value) is str and _DURATION.match(value) is not None


def is_uuid_urn(value: object) -> bool:
    return type(value) is str and _UUID_URN.match(value) is not None


# IRIs that matched ``_IRI``. An app sends the same few (its own id, its courses, the users'
# roster URLs) in event after event, and a set lookup is a tenth of the regex on a URL. Only
# short ones are kept, and the set is emptied when full, so it stays small whatever is sent.
_IRIS_SEEN: set[str] = set()
_IRIS_SEEN_MAX = 4096
_IRI_SEEN_LENGTH = 256


def is_iri(value: object) -> bool:
    if type(value) is not str:
        return False
    if value in _IRIS_SEEN:
        return True
    if _IRI.match(value) is None:
        return False
    if len(value) <= _IRI_SEEN_LENGTH:
        if len(_IRIS_SEEN) >= _IRIS_SEEN_MAX:
            _IRIS_SEEN.clear()
        _IRIS_SEEN.add(value)
    return True


def is_entity_id(value: object) -> bool:
    """An entity id: an absolute IRI (URNs included) or a JSON-LD blank node (``_:b0``)."""
    return type(value) is str and (
        _IRI.match(value) is not None or _BLANK_NODE.match(value) is not None
    )


def is_email(value: object) -> bool:
    return type(value) is str and _EMAIL.match(value) is not None


def is_number(value: object) -> bool:
    """A finite JSON number (``bool`` is not a number, NaN and infinities are not JSON)."""
    kind = type(value)
    if kind is int:
        return True
    return kind is float and math.isfinite(value)  # type: ignore[arg-type]


def is_integer(value: object) -> bool:
    """A JSON integer; ``3.0`` counts, since JSON does not tell 3 from 3.0."""
    kind = type(value)
    if kind is int:
        return True
    return kind is float and math.isfinite(value) and value.is_integer()  # type: ignore[arg-type, attr-defined]
