"""Processing rules (response, outcome and template processing), compiled once into callables.

A ``Rule`` is a function of the ``Context``. ``qti-exit-*`` raises ``ExitProcessing``, a
failed ``qti-template-constraint`` raises ``TemplateConstraintFailed``; the engine catches them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from qti.xml import local_name

from .operators import Context, Expr, compile_expression
from .values import QtiProcessingError, Value

__all__ = [
    "ExitProcessing",
    "Rule",
    "TemplateConstraintFailed",
    "assign",
    "compile_rules",
    "run_rules",
]

Rule = Callable[[Context], None]


class ExitProcessing(Exception):  # noqa: N818 - a control-flow signal, not an error
    """``qti-exit-response``, ``qti-exit-test`` or ``qti-exit-template``."""


class TemplateConstraintFailed(Exception):  # noqa: N818 - a control-flow signal
    """A ``qti-template-constraint`` was not true: template processing starts again."""


def coerce(ident: str, decl_card: str, decl_base: str | None, value: Value) -> Value:
    """``value`` as the declared cardinality and base type, or a precise error."""
    if value.is_null:
        return Value(decl_card, decl_base, None)
    card = value.cardinality
    if card != decl_card:
        if card == "single" and decl_card in ("multiple", "ordered"):
            value = Value(decl_card, value.base_type, (value.value,))
        else:
            raise QtiProcessingError(
                f"cardinality {decl_card} expected, got {card}",
                subject=ident,
                rule="cardinality",
            )
    base = value.base_type
    if decl_base is None or base == decl_base or decl_card == "record":
        return value if base == decl_base else Value(decl_card, decl_base or base, value.value)
    if decl_base == "float" and base == "integer":
        return Value(decl_card, "float", _map(value, float))
    if decl_base == "integer" and base == "float":
        items = value.items()
        if all(float(x).is_integer() for x in items):
            return Value(decl_card, "integer", _map(value, int))
    if {decl_base, base} <= {"identifier", "string", "intOrIdentifier", "uri", "file"} or (
        base is None
    ):
        return Value(decl_card, decl_base, value.value)
    if decl_base == "intOrIdentifier" and base == "integer":
        return Value(decl_card, decl_base, value.value)
    raise QtiProcessingError(
        f"base-type {decl_base} expected, got {base}", subject=ident, rule="base-type"
    )


def _map(value: Value, fn: Callable[[Any], Any]) -> object:
    if value.cardinality == "single":
        return fn(value.value)
    return tuple(fn(x) for x in value.value)


def assign(ctx: Context, ident: str, value: Value, *, kinds: tuple[str, ...]) -> Value:
    decl = ctx.declarations.get(ident)
    if decl is None or decl.kind not in kinds:
        want = " or ".join(kinds)
        raise QtiProcessingError(
            f"no {want} variable is declared with this identifier", subject=ident, rule="reference"
        )
    return coerce(ident, decl.cardinality, decl.base_type, value)


def run_rules(rules: Iterable[Rule], ctx: Context) -> None:
    for rule in rules:
        rule(ctx)


def _exprs(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _condition(el: etree._Element) -> Rule:
    branches: list[tuple[Expr | None, list[Rule]]] = []
    for part in _exprs(el):
        name = local_name(part)
        children = _exprs(part)
        if name.endswith("-else"):
            branches.append((None, compile_rules(children)))
        elif name.endswith("-if"):
            if not children:
                raise QtiProcessingError("needs a condition", subject=name, rule="syntax")
            branches.append((compile_expression(children[0]), compile_rules(children[1:])))
        else:
            raise QtiProcessingError(
                "only -if, -else-if and -else may appear here", subject=name, rule="syntax"
            )
    if not branches or branches[0][0] is None:
        raise QtiProcessingError(
            "a condition starts with an -if branch", subject=local_name(el), rule="syntax"
        )

    def condition(ctx: Context) -> None:
        for test, body in branches:
            if test is not None:
                v = test(ctx)
                if v.is_null or v.value is not True:
                    if not v.is_null and v.base_type != "boolean":
                        raise QtiProcessingError(
                            f"base-type boolean expected, got {v.base_type}",
                            subject=local_name(el),
                            rule="base-type",
                        )
                    continue
            for rule in body:
                rule(ctx)
            return

    return condition


def _setter(el: etree._Element, target: str) -> Rule:
    name = local_name(el)
    ident = el.get("identifier") or ""
    children = _exprs(el)
    if len(children) != 1:
        raise QtiProcessingError(
            f"{name} needs exactly one expression", subject=ident or name, rule="syntax"
        )
    expr = compile_expression(children[0])
    kinds = {
        "variables": ("outcome",),
        "template": ("template",),
        "correct": ("response",),
        "default": ("response", "outcome", "template"),
    }[target]

    def setter(ctx: Context) -> None:
        value = assign(ctx, ident, expr(ctx), kinds=kinds)
        if target in ("variables", "template"):
            ctx.variables[ident] = value
        elif target == "correct":
            ctx.correct[ident] = value
        else:
            ctx.defaults[ident] = value

    return setter


def _lookup(el: etree._Element) -> Rule:
    ident = el.get("identifier") or ""
    children = _exprs(el)
    if len(children) != 1:
        raise QtiProcessingError("needs exactly one expression", subject=ident, rule="syntax")
    expr = compile_expression(children[0])

    def lookup(ctx: Context) -> None:
        decl = ctx.declarations.get(ident)
        if decl is None or decl.lookup is None:
            raise QtiProcessingError(
                "qti-lookup-outcome-value needs an outcome with a match or interpolation table",
                subject=ident,
                rule="reference",
            )
        v = expr(ctx)
        table = decl.lookup
        target: object = table.default
        if not v.is_null:
            if v.cardinality != "single":
                raise QtiProcessingError(
                    f"cardinality single expected, got {v.cardinality}",
                    subject=ident,
                    rule="cardinality",
                )
            x = v.value
            if table.kind == "match":
                if v.base_type != "integer":
                    raise QtiProcessingError(
                        f"a match table looks up an integer, got {v.base_type}",
                        subject=ident,
                        rule="base-type",
                    )
                for source, _inc, tgt in table.entries:
                    if source == x:
                        target = tgt
                        break
            else:
                for source, inc, tgt in table.entries:
                    if (x >= source) if inc else (x > source):  # type: ignore[operator]
                        target = tgt
                        break
        ctx.variables[ident] = Value(decl.cardinality, decl.base_type, target)

    return lookup


def _exit(ctx: Context) -> None:
    raise ExitProcessing


def _constraint(el: etree._Element) -> Rule:
    children = _exprs(el)
    if len(children) != 1:
        raise QtiProcessingError(
            "needs exactly one expression", subject="qti-template-constraint", rule="syntax"
        )
    expr = compile_expression(children[0])

    def constraint(ctx: Context) -> None:
        v = expr(ctx)
        if v.is_null or v.value is not True:
            raise TemplateConstraintFailed

    return constraint


_SETTERS = {
    "qti-set-outcome-value": "variables",
    "qti-set-template-value": "template",
    "qti-set-correct-response": "correct",
    "qti-set-default-value": "default",
}


def compile_rules(elements: Iterable[etree._Element]) -> list[Rule]:
    rules: list[Rule] = []
    for el in elements:
        if not isinstance(el.tag, str):
            continue
        name = local_name(el)
        if name in ("qti-response-condition", "qti-outcome-condition", "qti-template-condition"):
            rules.append(_condition(el))
        elif name in _SETTERS:
            rules.append(_setter(el, _SETTERS[name]))
        elif name == "qti-lookup-outcome-value":
            rules.append(_lookup(el))
        elif name in ("qti-exit-response", "qti-exit-test", "qti-exit-template"):
            rules.append(_exit)
        elif name in ("qti-response-processing-fragment", "qti-outcome-processing-fragment"):
            rules.extend(compile_rules(_exprs(el)))
        elif name == "qti-template-constraint":
            rules.append(_constraint(el))
        else:
            raise QtiProcessingError(
                "not a processing rule this engine knows", subject=name, rule="rule"
            )
    return rules
