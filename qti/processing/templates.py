"""The standard response-processing templates, written as code.

``template_name(url)`` recognises a template whatever URL form it is written with (3.0 purl
or www URLs, with or without ``.xml``, 2.x ``qti_v2p1``/``qti_v2p2`` URLs, CC2 names);
``template_rules(name)`` returns rules that behave exactly as the template XML in 1EdTech's
``rptemplates`` (the tests evaluate that XML with the engine and compare).
"""

from __future__ import annotations

from .operators import Context, map_point, map_value
from .rules import Rule, assign
from .values import QtiProcessingError, Value

__all__ = ["STANDARD_TEMPLATES", "template_name", "template_rules"]

STANDARD_TEMPLATES = (
    "match_correct",
    "map_response",
    "map_response_point",
    "CC2_match",
    "CC2_match_basic",
    "CC2_map_response",
)
_BY_LOWER = {name.lower(): name for name in STANDARD_TEMPLATES}
_ONE = Value("single", "float", 1.0)
_ZERO = Value("single", "float", 0.0)
_CORRECT = Value("single", "identifier", "correct")
_INCORRECT = Value("single", "identifier", "incorrect")


def template_name(url: str) -> str | None:
    """The standard template a ``template`` URL names, or ``None``."""
    base = url.strip().rstrip("/").rsplit("/", 1)[-1]
    base = base.split("?", 1)[0].split("#", 1)[0]
    if base.lower().endswith(".xml"):
        base = base[:-4]
    return _BY_LOWER.get(base.lower())


def _set(ctx: Context, ident: str, value: Value) -> None:
    ctx.variables[ident] = assign(ctx, ident, value, kinds=("outcome",))


def _response(ctx: Context) -> Value:
    try:
        return ctx.variables["RESPONSE"]
    except KeyError:
        raise QtiProcessingError(
            "the template needs a response variable RESPONSE", subject="RESPONSE", rule="reference"
        ) from None


def _matches(ctx: Context) -> bool:
    response = _response(ctx)
    correct = ctx.correct.get("RESPONSE")
    if response.is_null or correct is None or correct.is_null:
        return False  # qti-match is NULL, so the if-branch is not taken
    if response.cardinality != correct.cardinality:
        raise QtiProcessingError(
            f"cardinality {correct.cardinality} expected, got {response.cardinality}",
            subject="RESPONSE",
            rule="cardinality",
        )
    if response.cardinality == "single":
        return bool(response.value == correct.value)
    return response.same(correct)


def match_correct(ctx: Context) -> None:
    _set(ctx, "SCORE", _ONE if _matches(ctx) else _ZERO)


def map_response(ctx: Context) -> None:
    response = _response(ctx)
    if response.is_null:
        _set(ctx, "SCORE", _ZERO)
        return
    decl = ctx.declarations["RESPONSE"]
    _set(ctx, "SCORE", Value("single", "float", map_value(decl, response)))


def map_response_point(ctx: Context) -> None:
    response = _response(ctx)
    if response.is_null:
        _set(ctx, "SCORE", _ZERO)
        return
    decl = ctx.declarations["RESPONSE"]
    if decl.area_mapping is None:
        raise QtiProcessingError(
            "map_response_point needs a qti-area-mapping", subject="RESPONSE", rule="reference"
        )
    _set(ctx, "SCORE", Value("single", "float", map_point(decl.area_mapping, response)))


def cc2_match_basic(ctx: Context) -> None:
    if _matches(ctx):
        _set(ctx, "SCORE", ctx.variables["MAXSCORE"])
        _set(ctx, "FEEDBACKBASIC", _CORRECT)
    else:
        _set(ctx, "FEEDBACKBASIC", _INCORRECT)


def cc2_map_response(ctx: Context) -> None:
    map_response(ctx)
    top, score = ctx.variables.get("MAXSCORE"), ctx.variables["SCORE"]
    same = top is not None and not top.is_null and not score.is_null and top.value == score.value
    _set(ctx, "FEEDBACK", _CORRECT if same else _INCORRECT)


_RULES: dict[str, Rule] = {
    "match_correct": match_correct,
    "map_response": map_response,
    "map_response_point": map_response_point,
    "CC2_match": match_correct,
    "CC2_match_basic": cc2_match_basic,
    "CC2_map_response": cc2_map_response,
}


def template_rules(name: str) -> list[Rule]:
    return [_RULES[name]]
