"""Variable declarations (response, outcome, template, context) parsed once per item/test."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from qti.xml import local_name

from .values import CARDINALITIES, QtiProcessingError, Value, parse_base, value_from_strings

__all__ = [
    "AreaEntry",
    "AreaMapping",
    "Declaration",
    "LookupTable",
    "Mapping",
    "parse_declaration",
]


@dataclass(frozen=True, slots=True)
class Mapping:
    """``qti-mapping``: map-key → mapped-value, a default and optional bounds."""

    entries: dict[object, float]
    folded: dict[object, float]  # case-insensitive string keys, lower-cased
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, slots=True)
class AreaEntry:
    shape: str
    coords: tuple[float, ...]
    mapped_value: float


@dataclass(frozen=True, slots=True)
class AreaMapping:
    """``qti-area-mapping``: shapes → mapped-value, a default and optional bounds."""

    entries: tuple[AreaEntry, ...]
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, slots=True)
class LookupTable:
    """``qti-match-table`` or ``qti-interpolation-table`` of an outcome declaration."""

    kind: str  # "match" | "interpolation"
    entries: tuple[tuple[object, bool, object], ...]  # (source, include-boundary, target)
    default: object | None = None


@dataclass(slots=True)
class Declaration:
    identifier: str
    kind: str  # response | outcome | template | context
    cardinality: str
    base_type: str | None
    default: Value
    correct: Value | None = None
    mapping: Mapping | None = None
    area_mapping: AreaMapping | None = None
    lookup: LookupTable | None = None
    normal_maximum: float | None = None
    normal_minimum: float | None = None
    external_scored: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)


def _float(text: str | None) -> float | None:
    return None if text is None or text.strip() == "" else float(text)


def _values(el: etree._Element | None, decl_card: str, base: str | None, subject: str) -> Value:
    if el is None:
        return Value(decl_card, base, None)
    texts = []
    fields: dict[str, Value] = {}
    for child in el:
        if local_name(child) != "qti-value":
            continue
        text = child.text or ""
        if decl_card == "record":
            ftype = child.get("base-type") or base or "string"
            name = child.get("field-identifier") or str(len(fields))
            fields[name] = Value("single", ftype, parse_base(ftype, text, subject=subject))
        else:
            texts.append(text)
    if decl_card == "record":
        return Value("record", None, fields or None)
    return value_from_strings(decl_card, base, texts, subject=subject)


def parse_declaration(el: etree._Element) -> Declaration:
    """One ``qti-*-declaration`` element."""
    name = local_name(el)
    kind = name.removeprefix("qti-").removesuffix("-declaration")
    identifier = el.get("identifier") or ""
    if not identifier:
        raise QtiProcessingError("a declaration needs an identifier", subject=name, rule="syntax")
    cardinality = el.get("cardinality") or "single"
    if cardinality not in CARDINALITIES:
        raise QtiProcessingError(
            f"unknown cardinality {cardinality!r}", subject=identifier, rule="cardinality"
        )
    base = el.get("base-type")
    decl = Declaration(
        identifier=identifier,
        kind=kind,
        cardinality=cardinality,
        base_type=base,
        default=Value(cardinality, base, None),
        normal_maximum=_float(el.get("normal-maximum")),
        normal_minimum=_float(el.get("normal-minimum")),
        external_scored=el.get("external-scored"),
        attrs=dict(el.attrib),
    )
    for child in el:
        cname = local_name(child)
        if cname == "qti-default-value":
            decl.default = _values(child, cardinality, base, identifier)
        elif cname == "qti-correct-response":
            decl.correct = _values(child, cardinality, base, identifier)
        elif cname == "qti-mapping":
            entries: dict[object, float] = {}
            folded: dict[object, float] = {}
            for entry in child:
                if local_name(entry) != "qti-map-entry":
                    continue
                key = parse_base(base, entry.get("map-key", ""), subject=identifier)
                mapped = float(entry.get("mapped-value", "0"))
                if entry.get("case-sensitive", "true") == "false" and isinstance(key, str):
                    folded[key.lower()] = mapped
                else:
                    entries[key] = mapped
            decl.mapping = Mapping(
                entries,
                folded,
                float(child.get("default-value", "0")),
                _float(child.get("lower-bound")),
                _float(child.get("upper-bound")),
            )
        elif cname == "qti-area-mapping":
            areas = tuple(
                AreaEntry(
                    (entry.get("shape") or "default").lower(),
                    tuple(
                        float(c)
                        for c in (entry.get("coords") or "").replace(" ", "").split(",")
                        if c != ""
                    ),
                    float(entry.get("mapped-value", "0")),
                )
                for entry in child
                if local_name(entry) == "qti-area-map-entry"
            )
            decl.area_mapping = AreaMapping(
                areas,
                float(child.get("default-value", "0")),
                _float(child.get("lower-bound")),
                _float(child.get("upper-bound")),
            )
        elif cname in ("qti-match-table", "qti-interpolation-table"):
            is_match = cname == "qti-match-table"
            rows = []
            for entry in child:
                ename = local_name(entry)
                if ename not in ("qti-match-table-entry", "qti-interpolation-table-entry"):
                    continue
                target = parse_base(base, entry.get("target-value", ""), subject=identifier)
                if is_match:
                    source: object = int(entry.get("source-value", "0"))
                else:
                    source = float(entry.get("source-value", "0"))
                rows.append((source, entry.get("include-boundary", "true") != "false", target))
            dflt = child.get("default-value")
            decl.lookup = LookupTable(
                "match" if is_match else "interpolation",
                tuple(rows),
                parse_base(base, dflt, subject=identifier) if dflt is not None else None,
            )
    return decl
