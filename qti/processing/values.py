"""QTI 3.0 values: base types, cardinalities, NULL, and parsing from XML and JSON.

A ``Value`` is immutable. Its ``value`` holds, by cardinality:

- ``single``: one Python scalar (``str`` for identifier/string/uri/file, ``bool``, ``int``,
  ``float``, ``float`` seconds for duration, ``(x, y)`` for point, ``(a, b)`` for directedPair,
  a sorted ``(a, b)`` for pair, since a pair is unordered);
- ``multiple`` / ``ordered``: a tuple of such scalars (``multiple`` compares as a bag);
- ``record``: a ``dict`` of field name to single ``Value``;
- ``None`` for NULL. Empty containers and the empty string are NULL too, as QTI says.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = [
    "BASE_TYPES",
    "BASE_TYPE_NAMES",
    "CARDINALITY_NAMES",
    "CARDINALITIES",
    "NULL",
    "QtiProcessingError",
    "Value",
    "parse_base",
    "parse_duration",
    "value_from_json",
    "value_dump",
    "value_from_strings",
    "value_load",
    "value_to_json",
]

# The base types a declaration names in Timeback's JSON forms, in the order they are listed.
BASE_TYPE_NAMES = (
    "identifier",
    "boolean",
    "integer",
    "float",
    "string",
    "point",
    "pair",
    "directedPair",
    "duration",
    "file",
    "uri",
)
BASE_TYPES = frozenset({*BASE_TYPE_NAMES, "intOrIdentifier"})
CARDINALITY_NAMES = ("single", "multiple", "ordered", "record")
CARDINALITIES = frozenset(CARDINALITY_NAMES)
NUMERIC = frozenset({"integer", "float"})


class QtiProcessingError(ValueError):
    """Processing refused: names the variable or element and the rule broken."""

    def __init__(self, message: str, *, subject: str = "", rule: str = "") -> None:
        self.message = message
        self.subject = subject
        self.rule = rule
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.subject}: " if self.subject else ""
        tail = f" [{self.rule}]" if self.rule else ""
        return f"{head}{self.message}{tail}"


class Value:
    """One QTI value (see the module docstring for the representation)."""

    __slots__ = ("base_type", "cardinality", "value")

    def __init__(self, cardinality: str, base_type: str | None, value: Any) -> None:
        self.cardinality = cardinality
        self.base_type = base_type
        self.value = value

    # -- NULL ---------------------------------------------------------------------------------

    @property
    def is_null(self) -> bool:
        v = self.value
        if v is None:
            return True
        if self.cardinality == "single":
            return isinstance(v, str) and v == "" and self.base_type in ("string", None)
        return len(v) == 0

    # -- convenience --------------------------------------------------------------------------

    @classmethod
    def single(cls, base_type: str, value: Any) -> Value:
        return cls("single", base_type, value)

    @classmethod
    def null(cls, cardinality: str = "single", base_type: str | None = None) -> Value:
        return cls(cardinality, base_type, None)

    def items(self) -> tuple[Any, ...]:
        """The scalars of a container (a single value as a 1-tuple; NULL as empty)."""
        if self.is_null:
            return ()
        if self.cardinality == "single":
            return (self.value,)
        if self.cardinality == "record":
            raise QtiProcessingError("a record has no ordered items", rule="cardinality")
        return tuple(self.value)

    def same(self, other: Value) -> bool:
        """QTI equality of two non-NULL values (bags for multiple, sequences for ordered)."""
        if self.cardinality == "multiple" or other.cardinality == "multiple":
            return Counter(self.items()) == Counter(other.items())
        if self.cardinality == "record" or other.cardinality == "record":
            return isinstance(other.value, dict) and {
                k: (v.cardinality, v.value) for k, v in self.value.items()
            } == {k: (v.cardinality, v.value) for k, v in other.value.items()}
        return self.items() == other.items()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Value):
            return NotImplemented
        if self.is_null or other.is_null:
            return self.is_null and other.is_null
        return self.base_type == other.base_type and self.same(other)

    def __hash__(self) -> int:
        return hash((self.cardinality, self.base_type))

    def __repr__(self) -> str:
        if self.is_null:
            return f"Value(NULL {self.cardinality} {self.base_type})"
        return f"Value({self.cardinality} {self.base_type} {self.value!r})"

    def to_python(self) -> Any:
        """A JSON-friendly rendering (see ``value_to_json``)."""
        return value_to_json(self)


NULL = Value.null()

# -- parsing --------------------------------------------------------------------------------

_ISO_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_duration(text: str) -> float:
    """Seconds from a QTI duration: a number of seconds or an ISO 8601 duration."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    m = _ISO_DURATION.match(text)
    if not m or text in ("P", "-P") or text.endswith("T"):
        raise ValueError(f"not a duration: {text!r}")
    sign, years, months, weeks, days, hours, minutes, seconds = m.groups()
    total = (
        float(years or 0) * 365 * 86400
        + float(months or 0) * 30 * 86400
        + float(weeks or 0) * 7 * 86400
        + float(days or 0) * 86400
        + float(hours or 0) * 3600
        + float(minutes or 0) * 60
        + float(seconds or 0)
    )
    return -total if sign else total


def _parse_float(text: str) -> float:
    t = text.strip()
    low = t.lower()
    if low in ("inf", "+inf"):
        return math.inf
    if low == "-inf":
        return -math.inf
    if low == "nan":
        return math.nan
    return float(t)


def parse_base(base_type: str | None, text: Any, *, subject: str = "") -> Any:
    """One scalar of ``base_type`` from its XML/JSON text form."""
    if not isinstance(text, str):
        return _coerce_native(base_type, text, subject=subject)
    try:
        if base_type in ("identifier", "string", "uri", "file", None):
            return text if base_type == "string" else text.strip()
        if base_type == "boolean":
            t = text.strip().lower()
            if t in ("true", "1"):
                return True
            if t in ("false", "0"):
                return False
            raise ValueError(text)
        if base_type == "integer":
            t = text.strip()
            if not _INTEGER.match(t):
                raise ValueError(text)
            return int(t)
        if base_type == "float":
            return _parse_float(text)
        if base_type == "duration":
            return parse_duration(text)
        if base_type == "intOrIdentifier":
            t = text.strip()
            return int(t) if _INTEGER.match(t) else t
        parts = text.split()
        if len(parts) != 2:
            raise ValueError(text)
        if base_type == "point":
            return (int(parts[0]), int(parts[1]))
        if base_type == "pair":
            return tuple(sorted(parts))
        if base_type == "directedPair":
            return (parts[0], parts[1])
    except ValueError:
        raise QtiProcessingError(
            f"{text!r} is not a valid {base_type}", subject=subject, rule="base-type"
        ) from None
    raise QtiProcessingError(f"unknown base-type {base_type!r}", subject=subject, rule="base-type")


def _coerce_native(base_type: str | None, raw: Any, *, subject: str) -> Any:
    """Scalars already typed in JSON (numbers, booleans, two-item lists for pairs)."""
    ok = False
    if (
        base_type == "boolean"
        and isinstance(raw, bool)
        or base_type == "integer"
        and isinstance(raw, int)
        and not isinstance(raw, bool)
    ):
        ok = True
    elif (
        base_type in ("float", "duration")
        and isinstance(raw, int | float)
        and not isinstance(raw, bool)
    ):
        raw = float(raw)
        ok = True
    elif base_type == "intOrIdentifier" and isinstance(raw, int) and not isinstance(raw, bool):
        ok = True
    elif base_type in ("point", "pair", "directedPair") and isinstance(raw, list | tuple):
        return parse_base(base_type, " ".join(str(x) for x in raw), subject=subject)
    if not ok:
        raise QtiProcessingError(
            f"{raw!r} is not a valid {base_type}", subject=subject, rule="base-type"
        )
    return raw


def value_from_strings(
    cardinality: str, base_type: str | None, texts: Iterable[Any], *, subject: str = ""
) -> Value:
    """A value from the texts of ``qti-value`` elements (or JSON strings)."""
    scalars = tuple(parse_base(base_type, t, subject=subject) for t in texts)
    if cardinality == "single":
        if len(scalars) > 1:
            raise QtiProcessingError(
                f"cardinality single expected, got {len(scalars)} values",
                subject=subject,
                rule="cardinality",
            )
        return Value("single", base_type, scalars[0] if scalars else None)
    if cardinality in ("multiple", "ordered"):
        return Value(cardinality, base_type, scalars or None)
    raise QtiProcessingError(
        "a record is not built from a list of values", subject=subject, rule="cardinality"
    )


def value_from_json(
    cardinality: str, base_type: str | None, raw: Any, *, subject: str = ""
) -> Value:
    """A response value from JSON: a string, a list of strings, a number or a record dict.

    Timeback's ``process-response`` sends ``{identifier, response}`` with ``response`` a
    string or a list of strings; a ``Value`` passes through after its cardinality is checked.
    """
    if isinstance(raw, Value):
        if not raw.is_null and raw.cardinality != cardinality:
            raise QtiProcessingError(
                f"cardinality {cardinality} expected, got {raw.cardinality}",
                subject=subject,
                rule="cardinality",
            )
        return raw
    if raw is None:
        return Value(cardinality, base_type, None)
    if cardinality == "record":
        if not isinstance(raw, dict):
            raise QtiProcessingError(
                f"cardinality record expected, got {type(raw).__name__}",
                subject=subject,
                rule="cardinality",
            )
        fields: dict[str, Value] = {}
        for key, field in raw.items():
            if isinstance(field, Value):
                fields[key] = field
            elif isinstance(field, dict) and "base_type" in field:
                fields[key] = value_from_json(
                    "single", field["base_type"], field.get("value"), subject=f"{subject}.{key}"
                )
            else:
                fields[key] = Value("single", _guess_type(field), field)
        return Value("record", None, fields or None)
    if isinstance(raw, list | tuple):
        if cardinality == "single":
            if base_type in ("point", "pair", "directedPair") and all(
                not isinstance(x, list | tuple) for x in raw
            ):
                return Value("single", base_type, parse_base(base_type, raw, subject=subject))
            if len(raw) > 1:
                raise QtiProcessingError(
                    f"cardinality single expected, got multiple ({len(raw)} values)",
                    subject=subject,
                    rule="cardinality",
                )
        return value_from_strings(cardinality, base_type, raw, subject=subject)
    if cardinality in ("multiple", "ordered"):
        return value_from_strings(cardinality, base_type, [raw], subject=subject)
    return value_from_strings(cardinality, base_type, [raw], subject=subject)


def _guess_type(raw: Any) -> str:
    if isinstance(raw, bool):
        return "boolean"
    if isinstance(raw, int):
        return "integer"
    if isinstance(raw, float):
        return "float"
    return "string"


def _scalar_json(base_type: str | None, v: Any) -> Any:
    if base_type in ("point", "pair", "directedPair"):
        return " ".join(str(x) for x in v)
    return v


def value_to_json(value: Value) -> Any:
    """A JSON rendering: scalars as themselves (pairs/points as ``"a b"``), lists, dicts."""
    if value.is_null:
        return None
    if value.cardinality == "single":
        return _scalar_json(value.base_type, value.value)
    if value.cardinality == "record":
        return {k: value_to_json(v) for k, v in value.value.items()}
    return [_scalar_json(value.base_type, v) for v in value.value]


# -- storage --------------------------------------------------------------------------------


def value_dump(value: Value) -> dict[str, Any]:
    """A lossless JSON form of ``value`` (with its cardinality and base type), for storage."""
    if value.cardinality == "record":
        fields = None if value.is_null else {k: value_dump(v) for k, v in value.value.items()}
        return {"cardinality": "record", "baseType": None, "value": fields}
    raw: Any
    if value.is_null:
        raw = None
    elif value.cardinality == "single":
        raw = list(value.value) if isinstance(value.value, tuple) else value.value
    else:
        raw = [list(v) if isinstance(v, tuple) else v for v in value.value]
    return {"cardinality": value.cardinality, "baseType": value.base_type, "value": raw}


def _scalar_load(raw: Any) -> Any:
    return tuple(raw) if isinstance(raw, list) else raw


def value_load(data: dict[str, Any]) -> Value:
    """The ``Value`` that ``value_dump`` stored."""
    cardinality = data["cardinality"]
    base = data.get("baseType")
    raw = data.get("value")
    if raw is None:
        return Value(cardinality, base, None)
    if cardinality == "record":
        return Value("record", None, {k: value_load(v) for k, v in raw.items()})
    if cardinality == "single":
        return Value("single", base, _scalar_load(raw))
    return Value(cardinality, base, tuple(_scalar_load(v) for v in raw))
