"""QTI 3.0 expressions, compiled once into Python callables.

``compile_expression(element)`` turns an expression element into ``Expr``: a function of the
runtime ``Context`` returning a ``Value``. Each operator below follows the QTI 3.0 ASI
information model: NULL sub-expressions make the result NULL unless the operator says
otherwise, and a wrong cardinality or base type is a ``QtiProcessingError`` naming the element
and the rule.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from qti.xml import local_name

from .declarations import AreaMapping, Declaration
from .values import NUMERIC, QtiProcessingError, Value, parse_base

__all__ = [
    "Context",
    "Expr",
    "compile_expression",
    "inside_shape",
    "register_custom_operator",
    "unregister_custom_operator",
    "xsd_pattern",
]


@dataclass(slots=True)
class Context:
    """What an expression reads while it runs."""

    variables: dict[str, Value]
    declarations: dict[str, Declaration]
    correct: dict[str, Value]
    defaults: dict[str, Value]
    rng: random.Random
    test: Any = None  # a TestContext at test level (see engine.test_outcomes)
    extra: dict[str, Any] = field(default_factory=dict)


Expr = Callable[[Context], Value]
CustomOperator = Callable[[list[Value], dict[str, str], Context], Value]
_CUSTOM: dict[str, CustomOperator] = {}
_COMPILERS: dict[str, Callable[[etree._Element, list[Expr]], Expr]] = {}

BOOL_TRUE = Value("single", "boolean", True)
BOOL_FALSE = Value("single", "boolean", False)
NULL_BOOL = Value("single", "boolean", None)


def register_custom_operator(class_name: str, func: CustomOperator) -> None:
    """Make ``qti-custom-operator class="class_name"`` call ``func(args, attributes, ctx)``."""
    _CUSTOM[class_name] = func


def unregister_custom_operator(class_name: str) -> None:
    _CUSTOM.pop(class_name, None)


def _op(*names: str) -> Callable[[Any], Any]:
    def deco(fn: Any) -> Any:
        for name in names:
            _COMPILERS[name] = fn
        return fn

    return deco


def compile_expression(el: etree._Element) -> Expr:
    name = local_name(el)
    compiler = _COMPILERS.get(name)
    if compiler is None:
        raise QtiProcessingError(
            "not a QTI 3.0 expression this engine knows", subject=name, rule="expression"
        )
    args = [compile_expression(c) for c in el if isinstance(c.tag, str)]
    return compiler(el, args)


def _boolean(b: bool | None) -> Value:
    if b is None:
        return NULL_BOOL
    return BOOL_TRUE if b else BOOL_FALSE


def _err(name: str, message: str, rule: str = "cardinality") -> QtiProcessingError:
    return QtiProcessingError(message, subject=name, rule=rule)


def _arity(name: str, args: list[Expr], lo: int, hi: int | None = None) -> None:
    if len(args) < lo or (hi is not None and len(args) > hi):
        want = f"{lo}" if hi == lo else f"{lo}..{hi if hi is not None else 'n'}"
        raise _err(name, f"{want} sub-expressions expected, got {len(args)}", "arity")


def _single(name: str, v: Value) -> Any:
    """The scalar of a single value, ``None`` for NULL; an error for a container."""
    if v.is_null:
        return None
    if v.cardinality != "single":
        raise _err(name, f"cardinality single expected, got {v.cardinality}")
    return v.value


def _number(name: str, v: Value) -> int | float | None:
    x = _single(name, v)
    if x is None:
        return None
    if v.base_type not in NUMERIC and not (
        v.base_type in (None, "intOrIdentifier") and isinstance(x, int | float)
    ):
        raise _err(name, f"base-type integer or float expected, got {v.base_type}", "base-type")
    return x


def _bool(name: str, v: Value) -> bool | None:
    x = _single(name, v)
    if x is None:
        return None
    if v.base_type != "boolean":
        raise _err(name, f"base-type boolean expected, got {v.base_type}", "base-type")
    return bool(x)


def _numeric_result(values: list[int | float], kind: str | None = None) -> Value:
    if kind is None:
        kind = "integer" if all(isinstance(x, int) for x in values) else "float"
    return Value("single", kind, values[0] if len(values) == 1 else values)


def _num_value(x: float | int) -> Value:
    if isinstance(x, int) and not isinstance(x, bool):
        return Value("single", "integer", x)
    return Value("single", "float", float(x))


def _int_or_ref(name: str, attr: str, raw: str | None, default: int | None = None) -> Any:
    """An attribute that is a number or the identifier of a (template) variable."""
    if raw is None:
        if default is None:
            raise _err(name, f"attribute {attr} is required", "syntax")
        return lambda ctx: default
    raw = raw.strip()
    try:
        number = float(raw) if ("." in raw or "e" in raw.lower()) else int(raw)
    except ValueError:
        ref = raw.strip("{}")

        def lookup(ctx: Context) -> Any:
            v = ctx.variables.get(ref)
            if v is None or v.is_null:
                raise _err(name, f"attribute {attr} refers to {ref}, which is NULL", "reference")
            return v.value

        return lookup
    return lambda ctx: number


def _flatten(name: str, values: list[Value]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v.is_null:
            continue
        if v.cardinality == "record":
            raise _err(name, "cardinality single, multiple or ordered expected, got record")
        out.extend(v.items())
    return out


# == Leaf expressions ==========================================================================


@_op("qti-base-value")
def _base_value(el: etree._Element, args: list[Expr]) -> Expr:
    bt = el.get("base-type") or "string"
    v = Value("single", bt, parse_base(bt, el.text or "", subject="qti-base-value"))
    return lambda ctx: v


@_op("qti-null")
def _null(el: etree._Element, args: list[Expr]) -> Expr:
    v = Value("single", None, None)
    return lambda ctx: v


@_op("qti-variable")
def _variable(el: etree._Element, args: list[Expr]) -> Expr:
    ident = el.get("identifier") or ""
    weight = el.get("weight-identifier")
    if "." in ident:
        # test level: ITEM.VARIABLE (or ITEM.n.VARIABLE for a repeated item)
        item_id, _, var = ident.partition(".")

        def item_var(ctx: Context) -> Value:
            if ctx.test is None:
                v = ctx.variables.get(ident)
                if v is None:
                    raise _err(ident, "no such variable", "reference")
                return v
            return ctx.test.item_variable(item_id, var.rsplit(".", 1)[-1], weight)

        return item_var

    def variable(ctx: Context) -> Value:
        try:
            return ctx.variables[ident]
        except KeyError:
            raise _err(ident, "no such variable is declared", "reference") from None

    return variable


@_op("qti-correct")
def _correct(el: etree._Element, args: list[Expr]) -> Expr:
    ident = el.get("identifier") or ""

    def correct(ctx: Context) -> Value:
        v = ctx.correct.get(ident)
        if v is None:
            decl = ctx.declarations.get(ident)
            if decl is None or decl.kind != "response":
                raise _err(ident, "qti-correct needs a response variable", "reference")
            return Value(decl.cardinality, decl.base_type, None)
        return v

    return correct


@_op("qti-default")
def _default(el: etree._Element, args: list[Expr]) -> Expr:
    ident = el.get("identifier") or ""

    def default(ctx: Context) -> Value:
        v = ctx.defaults.get(ident)
        if v is None:
            raise _err(ident, "qti-default of an undeclared variable", "reference")
        return v

    return default


def _clamp(total: float, lower: float | None, upper: float | None) -> float:
    if lower is not None and total < lower:
        total = lower
    if upper is not None and total > upper:
        total = upper
    return total


def map_value(decl: Declaration, value: Value) -> float:
    """``qti-map-response``: distinct entries counted once, default for unmapped, bounds."""
    mapping = decl.mapping
    if mapping is None:
        raise _err(decl.identifier, "qti-map-response needs a qti-mapping", "reference")
    if value.cardinality == "record":
        raise _err(decl.identifier, "a record cannot be mapped")
    entries, folded = mapping.entries, mapping.folded
    total = 0.0
    for item in dict.fromkeys(value.items()):
        mapped = entries.get(item)
        if mapped is None and folded and isinstance(item, str):
            mapped = folded.get(item.lower())
        total += mapping.default if mapped is None else mapped
    if value.is_null and value.cardinality == "single":
        total = mapping.default
    return _clamp(total, mapping.lower, mapping.upper)


@_op("qti-map-response")
def _map_response(el: etree._Element, args: list[Expr]) -> Expr:
    ident = el.get("identifier") or ""

    def map_response(ctx: Context) -> Value:
        decl = ctx.declarations.get(ident)
        if decl is None:
            raise _err(ident, "qti-map-response of an undeclared variable", "reference")
        return Value("single", "float", map_value(decl, ctx.variables[ident]))

    return map_response


def inside_shape(shape: str, coords: tuple[float, ...], x: float, y: float) -> bool:
    """Whether the point lies in a QTI shape (rect, circle, poly, ellipse, default)."""
    shape = shape.lower()
    if shape == "default":
        return True
    if shape == "rect" and len(coords) >= 4:
        x1, y1, x2, y2 = coords[:4]
        return min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)
    if shape == "circle" and len(coords) >= 3:
        cx, cy, r = coords[:3]
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if shape == "ellipse" and len(coords) >= 4:
        cx, cy, hr, vr = coords[:4]
        if hr == 0 or vr == 0:
            return False
        return ((x - cx) / hr) ** 2 + ((y - cy) / vr) ** 2 <= 1
    if shape == "poly" and len(coords) >= 6:
        pts = list(zip(coords[0::2], coords[1::2], strict=False))
        if pts[0] == pts[-1]:
            pts = pts[:-1]
        inside = False
        j = len(pts) - 1
        for i, (xi, yi) in enumerate(pts):
            xj, yj = pts[j]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        return inside
    raise _err(f"shape {shape}", f"coords {coords!r} do not describe the shape", "shape")


def map_point(area: AreaMapping, value: Value) -> float:
    """``qti-map-response-point``: each area counted once; unmatched points get the default."""
    total = 0.0
    used: set[int] = set()
    for x, y in value.items():
        hit = False
        for i, entry in enumerate(area.entries):
            if inside_shape(entry.shape, entry.coords, x, y):
                hit = True
                if i not in used:
                    used.add(i)
                    total += entry.mapped_value
                break
        if not hit:
            total += area.default
    return _clamp(total, area.lower, area.upper)


@_op("qti-map-response-point")
def _map_response_point(el: etree._Element, args: list[Expr]) -> Expr:
    ident = el.get("identifier") or ""

    def map_response_point(ctx: Context) -> Value:
        decl = ctx.declarations.get(ident)
        if decl is None or decl.area_mapping is None:
            raise _err(ident, "qti-map-response-point needs a qti-area-mapping", "reference")
        if decl.base_type != "point":
            raise _err(ident, f"base-type point expected, got {decl.base_type}", "base-type")
        return Value("single", "float", map_point(decl.area_mapping, ctx.variables[ident]))

    return map_response_point


@_op("qti-random-integer")
def _random_integer(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-random-integer"
    lo = _int_or_ref(name, "min", el.get("min"), 0)
    hi = _int_or_ref(name, "max", el.get("max"))
    step = _int_or_ref(name, "step", el.get("step"), 1)

    def random_integer(ctx: Context) -> Value:
        a, b, s = int(lo(ctx)), int(hi(ctx)), int(step(ctx))
        if b < a or s < 1:
            raise _err(name, f"min {a}, max {b}, step {s} give no integer", "range")
        return Value("single", "integer", ctx.rng.randrange(a, b + 1, s))

    return random_integer


@_op("qti-random-float")
def _random_float(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-random-float"
    lo = _int_or_ref(name, "min", el.get("min"), 0)
    hi = _int_or_ref(name, "max", el.get("max"))

    def random_float(ctx: Context) -> Value:
        a, b = float(lo(ctx)), float(hi(ctx))
        if b < a:
            raise _err(name, f"max {b} is below min {a}", "range")
        return Value("single", "float", ctx.rng.uniform(a, b))

    return random_float


@_op("qti-math-constant")
def _math_constant(el: etree._Element, args: list[Expr]) -> Expr:
    name = el.get("name") or ""
    if name not in ("pi", "e"):
        raise _err("qti-math-constant", f"unknown constant {name!r}", "syntax")
    v = Value("single", "float", math.pi if name == "pi" else math.e)
    return lambda ctx: v


# == Logic =====================================================================================


@_op("qti-and")
def _and(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-and", args, 1)

    def and_(ctx: Context) -> Value:
        null = False
        for a in args:
            b = _bool("qti-and", a(ctx))
            if b is None:
                null = True
            elif not b:
                return BOOL_FALSE
        return NULL_BOOL if null else BOOL_TRUE

    return and_


@_op("qti-or")
def _or(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-or", args, 1)

    def or_(ctx: Context) -> Value:
        null = False
        for a in args:
            b = _bool("qti-or", a(ctx))
            if b is None:
                null = True
            elif b:
                return BOOL_TRUE
        return NULL_BOOL if null else BOOL_FALSE

    return or_


@_op("qti-not")
def _not(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-not", args, 1, 1)
    (a,) = args

    def not_(ctx: Context) -> Value:
        b = _bool("qti-not", a(ctx))
        return NULL_BOOL if b is None else _boolean(not b)

    return not_


@_op("qti-any-n")
def _any_n(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-any-n"
    _arity(name, args, 1)
    lo = _int_or_ref(name, "min", el.get("min"))
    hi = _int_or_ref(name, "max", el.get("max"), 10**9)

    def any_n(ctx: Context) -> Value:
        trues = nulls = 0
        for a in args:
            b = _bool(name, a(ctx))
            if b is None:
                nulls += 1
            elif b:
                trues += 1
        mn, mx = int(lo(ctx)), int(hi(ctx))
        if trues > mx or trues + nulls < mn:
            return BOOL_FALSE
        if trues >= mn and trues + nulls <= mx:
            return BOOL_TRUE
        return NULL_BOOL

    return any_n


# == Comparison ================================================================================


@_op("qti-match")
def _match(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-match", args, 2, 2)
    a, b = args

    def match(ctx: Context) -> Value:
        x, y = a(ctx), b(ctx)
        if x.is_null or y.is_null:
            return NULL_BOOL
        if x.cardinality != y.cardinality:
            raise _err(
                "qti-match",
                f"both sides need the same cardinality, got {x.cardinality} and {y.cardinality}",
            )
        if (
            x.base_type != y.base_type
            and x.base_type is not None
            and y.base_type is not None
            and not {x.base_type, y.base_type} <= {"identifier", "string", "intOrIdentifier"}
        ):
            raise _err(
                "qti-match",
                f"both sides need the same base-type, got {x.base_type} and {y.base_type}",
                "base-type",
            )
        if x.cardinality == "single":
            return BOOL_TRUE if x.value == y.value else BOOL_FALSE
        return _boolean(x.same(y))

    return match


def _strings(name: str, args: list[Expr], ctx: Context) -> tuple[str, str] | None:
    x, y = (_single(name, a(ctx)) for a in args)
    if x is None or y is None:
        return None
    return str(x), str(y)


@_op("qti-string-match")
def _string_match(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-string-match", args, 2, 2)
    case = el.get("case-sensitive", "true") != "false"
    substring = el.get("substring", "false") == "true"

    def string_match(ctx: Context) -> Value:
        pair = _strings("qti-string-match", args, ctx)
        if pair is None:
            return NULL_BOOL
        x, y = pair if case else (pair[0].lower(), pair[1].lower())
        return _boolean(x in y if substring else x == y)

    return string_match


@_op("qti-substring")
def _substring(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-substring", args, 2, 2)
    case = el.get("case-sensitive", "true") != "false"

    def substring(ctx: Context) -> Value:
        pair = _strings("qti-substring", args, ctx)
        if pair is None:
            return NULL_BOOL
        x, y = pair if case else (pair[0].lower(), pair[1].lower())
        return _boolean(x in y)

    return substring


_XSD_CLASSES = {
    r"\i": r"[A-Za-z_:]",
    r"\I": r"[^A-Za-z_:]",
    r"\c": r"[-.0-9A-Za-z_:\u00B7]",
    r"\C": r"[^-.0-9A-Za-z_:\u00B7]",
}


def xsd_pattern(pattern: str) -> re.Pattern[str]:
    """An XML Schema regular expression (implicitly anchored) as a Python pattern."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append(_XSD_CLASSES.get(pair, pair))
            i += 2
            continue
        # ^ and $ are ordinary characters in XSD, outside character classes
        out.append(re.escape(ch) if ch in "^$" and (not out or out[-1] != "[") else ch)
        i += 1
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error as exc:
        raise _err("qti-pattern-match", f"pattern {pattern!r}: {exc}", "pattern") from None


@_op("qti-pattern-match")
def _pattern_match(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-pattern-match", args, 1, 1)
    raw = el.get("pattern") or ""
    (a,) = args
    static = None if raw.startswith("{") else xsd_pattern(raw)

    def pattern_match(ctx: Context) -> Value:
        x = _single("qti-pattern-match", a(ctx))
        if x is None:
            return NULL_BOOL
        rx = static
        if rx is None:
            ref = ctx.variables.get(raw.strip("{}"))
            rx = xsd_pattern(str(ref.value if ref is not None else ""))
        return _boolean(rx.fullmatch(str(x)) is not None)

    return pattern_match


def _tolerances(el: etree._Element) -> tuple[str, list[str]]:
    mode = el.get("tolerance-mode", "exact")
    if mode not in ("exact", "absolute", "relative"):
        raise _err("qti-equal", f"unknown tolerance-mode {mode!r}", "syntax")
    return mode, (el.get("tolerance") or "").split()


@_op("qti-equal")
def _equal(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-equal", args, 2, 2)
    mode, tol = _tolerances(el)
    if mode != "exact" and not tol:
        raise _err("qti-equal", f"tolerance-mode {mode} needs a tolerance", "syntax")
    lower_in = el.get("include-lower-bound", "true") != "false"
    upper_in = el.get("include-upper-bound", "true") != "false"
    a, b = args

    def t(ctx: Context, s: str) -> float:
        if s.startswith("{") or not re.match(r"^[-+.\d]", s):
            v = ctx.variables.get(s.strip("{}"))
            return float(v.value) if v is not None and not v.is_null else 0.0
        return float(s)

    def equal(ctx: Context) -> Value:
        x, y = _number("qti-equal", a(ctx)), _number("qti-equal", b(ctx))
        if x is None or y is None:
            return NULL_BOOL
        if mode == "exact":
            return _boolean(x == y)
        t0 = t(ctx, tol[0])
        t1 = t(ctx, tol[1]) if len(tol) > 1 else t0
        if mode == "absolute":
            lo, hi = x - t0, x + t1
        else:
            lo, hi = x * (1 - t0 / 100), x * (1 + t1 / 100)
        ok_lo = y >= lo if lower_in else y > lo
        ok_hi = y <= hi if upper_in else y < hi
        return _boolean(ok_lo and ok_hi)

    return equal


def _round_figures(name: str, x: float, mode: str, figures: int) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    if mode == "significantFigures":
        if figures < 1:
            raise _err(name, "significantFigures needs figures >= 1", "range")
        if x == 0:
            return 0.0
        exponent = math.floor(math.log10(abs(x)))
        quantum = Decimal(1).scaleb(exponent - figures + 1)
    elif mode == "decimalPlaces":
        if figures < 0:
            raise _err(name, "decimalPlaces needs figures >= 0", "range")
        quantum = Decimal(1).scaleb(-figures)
    else:
        raise _err(name, f"unknown rounding-mode {mode!r}", "syntax")
    return float(Decimal(repr(x)).quantize(quantum, rounding=ROUND_HALF_UP))


@_op("qti-equal-rounded")
def _equal_rounded(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-equal-rounded"
    _arity(name, args, 2, 2)
    mode = el.get("rounding-mode", "significantFigures")
    figures = _int_or_ref(name, "figures", el.get("figures"))
    a, b = args

    def equal_rounded(ctx: Context) -> Value:
        x, y = _number(name, a(ctx)), _number(name, b(ctx))
        if x is None or y is None:
            return NULL_BOOL
        f = int(figures(ctx))
        return _boolean(_round_figures(name, x, mode, f) == _round_figures(name, y, mode, f))

    return equal_rounded


def _compare(name: str, test: Callable[[Any, Any], bool], duration: bool = False) -> Any:
    def compiler(el: etree._Element, args: list[Expr]) -> Expr:
        _arity(name, args, 2, 2)
        a, b = args

        def compare(ctx: Context) -> Value:
            if duration:
                xa, xb = a(ctx), b(ctx)
                x, y = _single(name, xa), _single(name, xb)
                for v in (xa, xb):
                    if not v.is_null and v.base_type != "duration":
                        raise _err(
                            name, f"base-type duration expected, got {v.base_type}", "base-type"
                        )
            else:
                x, y = _number(name, a(ctx)), _number(name, b(ctx))
            if x is None or y is None:
                return NULL_BOOL
            return _boolean(test(x, y))

        return compare

    return compiler


_COMPILERS["qti-gt"] = _compare("qti-gt", lambda x, y: x > y)
_COMPILERS["qti-gte"] = _compare("qti-gte", lambda x, y: x >= y)
_COMPILERS["qti-lt"] = _compare("qti-lt", lambda x, y: x < y)
_COMPILERS["qti-lte"] = _compare("qti-lte", lambda x, y: x <= y)
_COMPILERS["qti-duration-gte"] = _compare("qti-duration-gte", lambda x, y: x >= y, True)
_COMPILERS["qti-duration-lt"] = _compare("qti-duration-lt", lambda x, y: x < y, True)


@_op("qti-is-null")
def _is_null(el: etree._Element, args: list[Expr]) -> Expr:
    _arity("qti-is-null", args, 1, 1)
    (a,) = args
    return lambda ctx: _boolean(a(ctx).is_null)


@_op("qti-inside")
def _inside(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-inside"
    _arity(name, args, 1, 1)
    shape = (el.get("shape") or "default").lower()
    coords = tuple(float(c) for c in (el.get("coords") or "").replace(" ", "").split(",") if c)
    (a,) = args

    def inside(ctx: Context) -> Value:
        v = a(ctx)
        if v.is_null:
            return NULL_BOOL
        if v.base_type != "point":
            raise _err(name, f"base-type point expected, got {v.base_type}", "base-type")
        return _boolean(any(inside_shape(shape, coords, x, y) for x, y in v.items()))

    return inside


# == Arithmetic ================================================================================


def _numbers(name: str, args: list[Expr], ctx: Context) -> list[Any] | None:
    """Numbers of single or container arguments; ``None`` if any is NULL."""
    out: list[Any] = []
    for a in args:
        v = a(ctx)
        if v.is_null:
            return None
        if v.cardinality == "record":
            raise _err(name, "cardinality single, multiple or ordered expected, got record")
        if v.base_type not in NUMERIC:
            raise _err(name, f"base-type integer or float expected, got {v.base_type}", "base-type")
        out.extend(v.items())
    return out


def _aggregate(name: str, fn: Callable[[list[Any]], Any], singles: bool = True) -> Any:
    def compiler(el: etree._Element, args: list[Expr]) -> Expr:
        _arity(name, args, 1)

        def aggregate(ctx: Context) -> Value:
            if singles:
                xs = []
                for a in args:
                    x = _number(name, a(ctx))
                    if x is None:
                        return Value("single", "float", None)
                    xs.append(x)
            else:
                got = _numbers(name, args, ctx)
                if got is None:
                    return Value("single", "float", None)
                xs = got
            result = fn(xs)
            if isinstance(result, float) and (math.isnan(result) or math.isinf(result)):
                return Value("single", "float", None)
            return _num_value(result)

        return aggregate

    return compiler


_COMPILERS["qti-sum"] = _aggregate("qti-sum", lambda xs: sum(xs), singles=False)
_COMPILERS["qti-product"] = _aggregate("qti-product", lambda xs: math.prod(xs), singles=False)
_COMPILERS["qti-min"] = _aggregate("qti-min", lambda xs: min(xs), singles=False)
_COMPILERS["qti-max"] = _aggregate("qti-max", lambda xs: max(xs), singles=False)


def _int_args(name: str, args: list[Expr], ctx: Context) -> list[int] | None:
    got = _numbers(name, args, ctx)
    if got is None:
        return None
    for a in args:
        v = a(ctx)
        if v.base_type != "integer":
            raise _err(name, f"base-type integer expected, got {v.base_type}", "base-type")
    return [int(x) for x in got]


@_op("qti-gcd", "qti-lcm")
def _gcd_lcm(el: etree._Element, args: list[Expr]) -> Expr:
    name = local_name(el)
    _arity(name, args, 1)

    def gcd_lcm(ctx: Context) -> Value:
        xs = _int_args(name, args, ctx)
        if xs is None:
            return Value("single", "integer", None)
        if name == "qti-gcd":
            return Value("single", "integer", math.gcd(*xs))
        if any(x == 0 for x in xs):
            return Value("single", "integer", 0)
        return Value("single", "integer", abs(math.lcm(*xs)))

    return gcd_lcm


def _binary(name: str, fn: Callable[[Any, Any], Any], integers: bool = False) -> Any:
    def compiler(el: etree._Element, args: list[Expr]) -> Expr:
        _arity(name, args, 2, 2)
        a, b = args

        def binary(ctx: Context) -> Value:
            va, vb = a(ctx), b(ctx)
            x, y = _number(name, va), _number(name, vb)
            if integers:
                for v in (va, vb):
                    if not v.is_null and v.base_type != "integer":
                        raise _err(
                            name, f"base-type integer expected, got {v.base_type}", "base-type"
                        )
            if x is None or y is None:
                return Value("single", "integer" if integers else "float", None)
            try:
                r = fn(x, y)
            except (ZeroDivisionError, OverflowError, ValueError):
                return Value("single", "integer" if integers else "float", None)
            if isinstance(r, complex) or (
                isinstance(r, float) and (math.isnan(r) or math.isinf(r))
            ):
                return Value("single", "float", None)
            return _num_value(r)

        return binary

    return compiler


def _divide(x: float, y: float) -> float:
    return float(x) / float(y)


def _power(x: float, y: float) -> float:
    r = math.pow(x, y)
    if isinstance(x, int) and isinstance(y, int) and y >= 0 and abs(r) < 2**53:
        return float(x**y)
    return r


_COMPILERS["qti-subtract"] = _binary("qti-subtract", lambda x, y: x - y)
_COMPILERS["qti-divide"] = _binary("qti-divide", _divide)
_COMPILERS["qti-power"] = _binary("qti-power", _power)
_COMPILERS["qti-integer-divide"] = _binary("qti-integer-divide", lambda x, y: x // y, True)
_COMPILERS["qti-integer-modulus"] = _binary("qti-integer-modulus", lambda x, y: x % y, True)


def _unary_number(name: str, fn: Callable[[Any], Any], result: str) -> Any:
    def compiler(el: etree._Element, args: list[Expr]) -> Expr:
        _arity(name, args, 1, 1)
        (a,) = args

        def unary(ctx: Context) -> Value:
            v = a(ctx)
            x = _number(name, v)
            if name == "qti-integer-to-float" and x is not None and v.base_type != "integer":
                raise _err(name, f"base-type integer expected, got {v.base_type}", "base-type")
            if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
                return Value("single", result, None)
            return Value("single", result, fn(x))

        return unary

    return compiler


_COMPILERS["qti-round"] = _unary_number("qti-round", lambda x: math.floor(x + 0.5), "integer")
_COMPILERS["qti-truncate"] = _unary_number("qti-truncate", lambda x: math.trunc(x), "integer")
_COMPILERS["qti-integer-to-float"] = _unary_number("qti-integer-to-float", float, "float")


@_op("qti-round-to")
def _round_to(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-round-to"
    _arity(name, args, 1, 1)
    mode = el.get("rounding-mode", "significantFigures")
    figures = _int_or_ref(name, "figures", el.get("figures"))
    (a,) = args

    def round_to(ctx: Context) -> Value:
        x = _number(name, a(ctx))
        if x is None:
            return Value("single", "float", None)
        return Value("single", "float", _round_figures(name, float(x), mode, int(figures(ctx))))

    return round_to


def _sec(x: float) -> float:
    return 1 / math.cos(x)


def _csc(x: float) -> float:
    return 1 / math.sin(x)


def _cot(x: float) -> float:
    return 1 / math.tan(x)


_MATH: dict[str, Callable[..., float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "sec": _sec,
    "csc": _csc,
    "cot": _cot,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "asec": lambda x: math.acos(1 / x),
    "acsc": lambda x: math.asin(1 / x),
    "acot": lambda x: math.atan(1 / x),
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "sech": lambda x: 1 / math.cosh(x),
    "csch": lambda x: 1 / math.sinh(x),
    "coth": lambda x: 1 / math.tanh(x),
    "log": math.log10,
    "ln": math.log,
    "exp": math.exp,
    "abs": abs,
    "signum": lambda x: (x > 0) - (x < 0),
    "floor": math.floor,
    "ceil": math.ceil,
    "toDegrees": math.degrees,
    "toRadians": math.radians,
}
_MATH_INTEGER = frozenset({"signum", "floor", "ceil"})


@_op("qti-math-operator")
def _math_operator(el: etree._Element, args: list[Expr]) -> Expr:
    op = el.get("name") or ""
    fn = _MATH.get(op)
    name = f"qti-math-operator {op}"
    if fn is None:
        raise _err("qti-math-operator", f"unknown name {op!r}", "syntax")
    _arity(name, args, 2 if op == "atan2" else 1, 2 if op == "atan2" else 1)

    def math_operator(ctx: Context) -> Value:
        xs = []
        kinds = []
        for a in args:
            v = a(ctx)
            x = _number(name, v)
            if x is None:
                return Value("single", "float", None)
            xs.append(x)
            kinds.append(v.base_type)
        try:
            r = fn(*xs)
        except (ValueError, ZeroDivisionError, OverflowError):
            return Value("single", "float", None)
        if op in _MATH_INTEGER:
            return Value("single", "integer", int(r))
        if op == "abs" and kinds[0] == "integer":
            return Value("single", "integer", int(r))
        r = float(r)
        if math.isnan(r) or math.isinf(r):
            return Value("single", "float", None)
        return Value("single", "float", r)

    return math_operator


_STATS: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "sampleVariance": statistics.variance,
    "sampleSD": statistics.stdev,
    "popVariance": statistics.pvariance,
    "popSD": statistics.pstdev,
}


@_op("qti-stats-operator")
def _stats(el: etree._Element, args: list[Expr]) -> Expr:
    op = el.get("name") or ""
    fn = _STATS.get(op)
    name = f"qti-stats-operator {op}"
    if fn is None:
        raise _err("qti-stats-operator", f"unknown name {op!r}", "syntax")
    _arity(name, args, 1, 1)
    (a,) = args

    def stats(ctx: Context) -> Value:
        v = a(ctx)
        if v.is_null:
            return Value("single", "float", None)
        if v.cardinality not in ("multiple", "ordered"):
            raise _err(name, f"cardinality multiple or ordered expected, got {v.cardinality}")
        if v.base_type not in NUMERIC:
            raise _err(name, f"base-type integer or float expected, got {v.base_type}", "base-type")
        xs = [float(x) for x in v.items()]
        try:
            return Value("single", "float", float(fn(xs)))
        except statistics.StatisticsError:
            return Value("single", "float", None)

    return stats


# == Containers ================================================================================


def _container_of(name: str, args: list[Expr], cardinality: str) -> Expr:
    def build(ctx: Context) -> Value:
        base: str | None = None
        items: list[Any] = []
        for a in args:
            v = a(ctx)
            if v.is_null:
                continue
            if (
                v.cardinality == "record"
                or (cardinality == "ordered" and v.cardinality == "multiple")
                or (cardinality == "multiple" and v.cardinality == "ordered")
            ):
                raise _err(
                    name, f"cardinality single or {cardinality} expected, got {v.cardinality}"
                )
            if base is None:
                base = v.base_type
            elif v.base_type != base:
                raise _err(name, f"base-type {base} expected, got {v.base_type}", "base-type")
            items.extend(v.items())
        return Value(cardinality, base, tuple(items) or None)

    return build


@_op("qti-multiple")
def _multiple(el: etree._Element, args: list[Expr]) -> Expr:
    return _container_of("qti-multiple", args, "multiple")


@_op("qti-ordered")
def _ordered(el: etree._Element, args: list[Expr]) -> Expr:
    return _container_of("qti-ordered", args, "ordered")


@_op("qti-container-size")
def _container_size(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-container-size"
    _arity(name, args, 1, 1)
    (a,) = args

    def container_size(ctx: Context) -> Value:
        v = a(ctx)
        if v.cardinality not in ("multiple", "ordered"):
            raise _err(name, f"cardinality multiple or ordered expected, got {v.cardinality}")
        return Value("single", "integer", 0 if v.is_null else len(v.value))

    return container_size


def _check_container(name: str, v: Value) -> None:
    if v.cardinality not in ("multiple", "ordered"):
        raise _err(name, f"cardinality multiple or ordered expected, got {v.cardinality}")


@_op("qti-member")
def _member(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-member"
    _arity(name, args, 2, 2)
    a, b = args

    def member(ctx: Context) -> Value:
        x, c = a(ctx), b(ctx)
        if x.cardinality in ("multiple", "ordered") and c.cardinality == "single":
            # written the other way round in 1EdTech's feedback_adaptive.xml; accepted
            x, c = c, x
        if not x.is_null and x.cardinality != "single":
            raise _err(name, f"first: cardinality single expected, got {x.cardinality}")
        if not c.is_null:
            _check_container(name, c)
        if x.is_null or c.is_null:
            return NULL_BOOL
        return _boolean(x.value in c.value)

    return member


@_op("qti-delete")
def _delete(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-delete"
    _arity(name, args, 2, 2)
    a, b = args

    def delete(ctx: Context) -> Value:
        x, c = a(ctx), b(ctx)
        if not x.is_null and x.cardinality != "single":
            raise _err(name, f"first: cardinality single expected, got {x.cardinality}")
        _check_container(name, c)
        if x.is_null or c.is_null:
            return Value(c.cardinality, c.base_type, None)
        kept = tuple(i for i in c.value if i != x.value)
        return Value(c.cardinality, c.base_type, kept or None)

    return delete


@_op("qti-contains")
def _contains(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-contains"
    _arity(name, args, 2, 2)
    a, b = args

    def contains(ctx: Context) -> Value:
        x, y = a(ctx), b(ctx)
        for v in (x, y):
            _check_container(name, v)
        if x.cardinality != y.cardinality:
            raise _err(
                name,
                f"both sides need the same cardinality, got {x.cardinality} and {y.cardinality}",
            )
        if x.is_null or y.is_null:
            return NULL_BOOL
        if x.cardinality == "multiple":
            have, need = Counter(x.value), Counter(y.value)
            return _boolean(all(have[k] >= n for k, n in need.items()))
        hay, sub = tuple(x.value), tuple(y.value)
        n = len(sub)
        return _boolean(any(hay[i : i + n] == sub for i in range(len(hay) - n + 1)))

    return contains


@_op("qti-index")
def _index(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-index"
    _arity(name, args, 1, 1)
    n = _int_or_ref(name, "n", el.get("n"))
    (a,) = args

    def index(ctx: Context) -> Value:
        v = a(ctx)
        if v.cardinality != "ordered":
            raise _err(name, f"cardinality ordered expected, got {v.cardinality}")
        i = int(n(ctx))
        if v.is_null or i < 1 or i > len(v.value):
            return Value("single", v.base_type, None)
        return Value("single", v.base_type, v.value[i - 1])

    return index


@_op("qti-field-value")
def _field_value(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-field-value"
    _arity(name, args, 1, 1)
    fid = el.get("field-identifier") or ""
    (a,) = args

    def field_value(ctx: Context) -> Value:
        v = a(ctx)
        if v.is_null:
            return Value("single", None, None)
        if v.cardinality != "record":
            raise _err(name, f"cardinality record expected, got {v.cardinality}")
        return v.value.get(fid) or Value("single", None, None)

    return field_value


@_op("qti-random")
def _random(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-random"
    _arity(name, args, 1, 1)
    (a,) = args

    def random_(ctx: Context) -> Value:
        v = a(ctx)
        _check_container(name, v)
        if v.is_null:
            return Value("single", v.base_type, None)
        return Value("single", v.base_type, ctx.rng.choice(tuple(v.value)))

    return random_


@_op("qti-repeat")
def _repeat(el: etree._Element, args: list[Expr]) -> Expr:
    name = "qti-repeat"
    _arity(name, args, 1)
    times = _int_or_ref(name, "number-repeats", el.get("number-repeats"))
    body = _container_of(name, args, "ordered")

    def repeat(ctx: Context) -> Value:
        n = int(times(ctx))
        items: list[Any] = []
        base = None
        for _ in range(max(n, 0)):
            v = body(ctx)
            base = base or v.base_type
            items.extend(v.items())
        return Value("ordered", base, tuple(items) or None)

    return repeat


# == Extension point ===========================================================================


@_op("qti-custom-operator")
def _custom(el: etree._Element, args: list[Expr]) -> Expr:
    cls = el.get("class") or el.get("definition") or ""
    attrs = {etree.QName(k).localname if k.startswith("{") else k: v for k, v in el.attrib.items()}
    # What the operator's value is for: the variable the nearest setter assigns.
    setter = next(
        (a for a in el.iterancestors() if isinstance(a.tag, str) and a.get("identifier")), None
    )
    if setter is not None:
        attrs.setdefault("target-identifier", setter.get("identifier") or "")

    def custom(ctx: Context) -> Value:
        fn = _CUSTOM.get(cls)
        if fn is None:
            raise _err(
                f"qti-custom-operator {cls}",
                "no operator is registered for this class",
                "custom-operator",
            )
        return fn([a(ctx) for a in args], attrs, ctx)

    return custom


# == Test level ================================================================================


def _test_op(el: etree._Element, args: list[Expr]) -> Expr:
    name = local_name(el)

    def test_op(ctx: Context) -> Value:
        if ctx.test is None:
            raise _err(name, "only allowed in outcome processing of a test", "context")
        return ctx.test.evaluate(name, el)

    return test_op


for _name in (
    "qti-test-variables",
    "qti-outcome-maximum",
    "qti-outcome-minimum",
    "qti-number-correct",
    "qti-number-incorrect",
    "qti-number-presented",
    "qti-number-responded",
    "qti-number-selected",
):
    _COMPILERS[_name] = _test_op
