"""Item sessions and test outcome processing.

``ItemScorer.from_xml`` parses and compiles an item once; ``scorer.score(responses)`` runs
one attempt: template processing (seeded, once per ``ItemState``), response processing, then
the feedback shown. Adaptive items carry their outcomes across attempts in ``ItemState``.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from qti.xml import local_name, qti_parse

from .declarations import Declaration, parse_declaration
from .operators import Context
from .rules import (
    ExitProcessing,
    Rule,
    TemplateConstraintFailed,
    compile_rules,
    run_rules,
)
from .templates import template_name, template_rules
from .values import NUMERIC, QtiProcessingError, Value, value_dump, value_from_json, value_load

__all__ = [
    "FeedbackRef",
    "ItemRef",
    "ItemResult",
    "ItemScorer",
    "ItemState",
    "TestContext",
    "item_score",
    "test_outcomes",
]

MAX_TEMPLATE_TRIES = 100
_FEEDBACK = {
    "qti-modal-feedback": "modal",
    "qti-feedback-block": "block",
    "qti-feedback-inline": "inline",
    "qti-template-block": "template-block",
    "qti-template-inline": "template-inline",
}


@dataclass(frozen=True, slots=True)
class FeedbackRef:
    kind: str  # modal | block | inline | template-block | template-inline
    outcome_identifier: str
    identifier: str
    show_hide: str


@dataclass(slots=True)
class ItemState:
    """What persists between attempts at one item."""

    seed: int | None = None
    template_values: dict[str, Value] = field(default_factory=dict)
    correct: dict[str, Value] = field(default_factory=dict)
    defaults: dict[str, Value] = field(default_factory=dict)
    outcomes: dict[str, Value] = field(default_factory=dict)
    num_attempts: int = 0
    completion_status: str = "not_attempted"

    def dump(self) -> dict[str, Any]:
        """A JSON form for storage (``ItemState.load`` reads it back)."""

        def values(d: dict[str, Value]) -> dict[str, Any]:
            return {k: value_dump(v) for k, v in d.items()}

        return {
            "seed": self.seed,
            "templateValues": values(self.template_values),
            "correct": values(self.correct),
            "defaults": values(self.defaults),
            "outcomes": values(self.outcomes),
            "numAttempts": self.num_attempts,
            "completionStatus": self.completion_status,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> ItemState:
        def values(key: str) -> dict[str, Value]:
            return {k: value_load(v) for k, v in (data.get(key) or {}).items()}

        return cls(
            seed=data.get("seed"),
            template_values=values("templateValues"),
            correct=values("correct"),
            defaults=values("defaults"),
            outcomes=values("outcomes"),
            num_attempts=int(data.get("numAttempts") or 0),
            completion_status=str(data.get("completionStatus") or "not_attempted"),
        )


@dataclass(slots=True)
class ItemResult:
    identifier: str
    outcomes: dict[str, Value]
    responses: dict[str, Value]
    feedback: list[FeedbackRef]
    state: ItemState
    correct: bool | None
    max_score: float | None
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        v = self.outcomes.get("SCORE")
        return None if v is None or v.is_null else float(v.value)

    @property
    def feedback_identifiers(self) -> list[str]:
        return [f.identifier for f in self.feedback]

    def outcome(self, identifier: str) -> Any:
        v = self.outcomes.get(identifier)
        return None if v is None else v.to_python()


def _as_root(xml: bytes | str | etree._Element) -> etree._Element:
    return xml if isinstance(xml, etree._Element) else qti_parse(xml)


class ItemScorer:
    """One item, compiled: declarations, template and response rules, feedback."""

    def __init__(self, root: etree._Element) -> None:
        if local_name(root) != "qti-assessment-item":
            raise QtiProcessingError(
                f"qti-assessment-item expected, got {local_name(root)}",
                subject=local_name(root),
                rule="root",
            )
        self.root = root
        self.identifier = root.get("identifier") or ""
        self.adaptive = root.get("adaptive", "false") == "true"
        self.declarations: dict[str, Declaration] = {}
        self.template_rules: list[Rule] = []
        self.response_rules: list[Rule] = []
        self.template: str | None = None
        self.feedback: list[FeedbackRef] = []
        for child in root:
            if not isinstance(child.tag, str):
                continue
            name = local_name(child)
            if name.endswith("-declaration"):
                decl = parse_declaration(child)
                self.declarations[decl.identifier] = decl
            elif name == "qti-template-processing":
                self.template_rules = compile_rules(child)
            elif name == "qti-response-processing":
                self.response_rules = self._response_processing(child)
        for el in root.iter():
            if isinstance(el.tag, str) and (kind := _FEEDBACK.get(local_name(el))):
                outcome = el.get("outcome-identifier") or el.get("template-identifier") or ""
                self.feedback.append(
                    FeedbackRef(
                        kind, outcome, el.get("identifier") or "", el.get("show-hide", "show")
                    )
                )
        self._builtins()
        self.responses = [d for d in self.declarations.values() if d.kind == "response"]
        self.outcomes = [d for d in self.declarations.values() if d.kind == "outcome"]
        self.templates = [d for d in self.declarations.values() if d.kind == "template"]
        self.bounds = {d.identifier: (d.normal_minimum, d.normal_maximum) for d in self.outcomes}

    def _response_processing(self, el: etree._Element) -> list[Rule]:
        url = el.get("template") or el.get("template-location") or ""
        rules = compile_rules(el)
        if rules or not url:
            return rules
        name = template_name(url)
        if name is None:
            raise QtiProcessingError(
                f"unknown response-processing template {url!r}",
                subject="qti-response-processing",
                rule="template",
            )
        self.template = name
        return template_rules(name)

    def _builtins(self) -> None:
        d = self.declarations
        if "numAttempts" not in d:
            d["numAttempts"] = Declaration(
                "numAttempts", "response", "single", "integer", Value("single", "integer", 0)
            )
        if "duration" not in d:
            d["duration"] = Declaration(
                "duration", "response", "single", "duration", Value("single", "duration", 0.0)
            )
        if "completionStatus" not in d:
            d["completionStatus"] = Declaration(
                "completionStatus",
                "outcome",
                "single",
                "identifier",
                Value("single", "identifier", "not_attempted"),
            )

    @classmethod
    def from_xml(cls, xml: bytes | str | etree._Element) -> ItemScorer:
        return cls(_as_root(xml))

    # -- sessions -------------------------------------------------------------------------------

    def new_state(self, *, seed: int | None = None) -> ItemState:
        """A fresh session: template processing runs here, seeded."""
        state = ItemState(seed=seed)
        if not self.templates and not self.template_rules:
            return state
        rng = random.Random(seed)
        for _ in range(MAX_TEMPLATE_TRIES):
            ctx = Context(
                variables={d.identifier: d.default for d in self.templates},
                declarations=self.declarations,
                correct={d.identifier: d.correct for d in self.responses if d.correct},
                defaults={},
                rng=rng,
            )
            try:
                run_rules(self.template_rules, ctx)
            except ExitProcessing:
                pass
            except TemplateConstraintFailed:
                continue
            break
        else:
            # the constraint never held: the spec says keep the defaults
            ctx.variables = {d.identifier: d.default for d in self.templates}
        state.template_values = ctx.variables
        state.correct = {
            k: v
            for k, v in ctx.correct.items()
            if self.declarations[k].correct is None or v is not self.declarations[k].correct
        }
        state.defaults = ctx.defaults
        return state

    def parse_responses(self, responses: dict[str, Any]) -> dict[str, Value]:
        parsed: dict[str, Value] = {}
        decls = self.declarations
        for ident, raw in responses.items():
            decl = decls.get(ident)
            if decl is None or decl.kind != "response":
                raise QtiProcessingError(
                    "not a response variable of this item", subject=ident, rule="reference"
                )
            parsed[ident] = value_from_json(decl.cardinality, decl.base_type, raw, subject=ident)
        return parsed

    def score(
        self,
        responses: dict[str, Any],
        *,
        seed: int | None = None,
        state: ItemState | None = None,
    ) -> ItemResult:
        if state is None:
            state = self.new_state(seed=seed)
        parsed = self.parse_responses(responses)
        attempt = state.num_attempts + 1
        variables: dict[str, Value] = dict(state.template_values)
        defaults = state.defaults
        for d in self.responses:
            v = parsed.get(d.identifier)
            if v is None:
                v = defaults.get(d.identifier) or Value(d.cardinality, d.base_type, None)
            variables[d.identifier] = v
        variables["numAttempts"] = Value("single", "integer", attempt)
        if "duration" not in parsed:
            variables["duration"] = self.declarations["duration"].default
        keep = self.adaptive and state.num_attempts > 0
        for d in self.outcomes:
            ident = d.identifier
            if keep and ident in state.outcomes:
                variables[ident] = state.outcomes[ident]
            else:
                variables[ident] = defaults.get(ident) or d.default
        # The session's completionStatus starts as not_attempted and becomes unknown when an
        # attempt begins; an adaptive item's response processing may then set it.
        status = variables["completionStatus"]
        if status.is_null or status.value == "not_attempted":
            variables["completionStatus"] = Value("single", "identifier", "unknown")
        correct = {d.identifier: d.correct for d in self.responses if d.correct is not None}
        if state.correct:
            correct.update(state.correct)
        rng = random.Random(f"{state.seed}:{attempt}") if state.seed is not None else random
        ctx = Context(
            variables=variables,
            declarations=self.declarations,
            correct=correct,
            defaults={
                d.identifier: defaults.get(d.identifier) or d.default
                for d in self.declarations.values()
            },
            rng=rng,  # type: ignore[arg-type]
            extra={"item": self},  # what custom operators may read of the item
        )
        try:
            for rule in self.response_rules:
                rule(ctx)
        except ExitProcessing:
            pass
        if not self.adaptive:
            variables["completionStatus"] = Value("single", "identifier", "completed")
        outcomes = {d.identifier: variables[d.identifier] for d in self.outcomes}
        status = outcomes["completionStatus"]
        new_state = ItemState(
            seed=state.seed,
            template_values=state.template_values,
            correct=state.correct,
            defaults=state.defaults,
            outcomes=outcomes,
            num_attempts=attempt,
            completion_status=str(status.value) if not status.is_null else "unknown",
        )
        return ItemResult(
            identifier=self.identifier,
            outcomes=outcomes,
            responses={d.identifier: variables[d.identifier] for d in self.responses},
            feedback=self._shown(variables),
            state=new_state,
            correct=self._is_correct(variables, correct),
            max_score=self.max_score(variables),
            bounds=self.bounds,
        )

    def _shown(self, variables: dict[str, Value]) -> list[FeedbackRef]:
        shown = []
        for f in self.feedback:
            v = variables.get(f.outcome_identifier)
            member = False
            if v is not None and not v.is_null and v.cardinality != "record":
                member = any(str(x) == f.identifier for x in v.items())
            if member == (f.show_hide != "hide"):
                shown.append(f)
        return shown

    def _is_correct(self, variables: dict[str, Value], correct: dict[str, Value]) -> bool | None:
        """All responses that have a correct response match it (``None`` if none have one)."""
        verdict: bool | None = None
        for ident, c in correct.items():
            r = variables.get(ident)
            if c.is_null:
                continue
            ok = r is not None and not r.is_null and r.cardinality == c.cardinality and r.same(c)
            verdict = ok if verdict is None else verdict and ok
        return verdict

    def max_score(self, variables: dict[str, Value] | None = None) -> float | None:
        """MAXSCORE if set, else SCORE's normal-maximum, else the mapping's upper bound."""
        top = (variables or {}).get("MAXSCORE")
        if top is None:
            decl = self.declarations.get("MAXSCORE")
            top = decl.default if decl else None
        if top is not None and not top.is_null and top.base_type in NUMERIC:
            return float(top.value)
        score = self.declarations.get("SCORE")
        if score is not None and score.normal_maximum is not None:
            return score.normal_maximum
        response = self.declarations.get("RESPONSE")
        if response is not None:
            mapping = response.mapping or response.area_mapping
            if mapping is not None and mapping.upper is not None:
                return mapping.upper
        if self.template in ("match_correct", "CC2_match"):
            return 1.0
        return None


def item_score(
    *,
    item_xml: bytes | str | etree._Element,
    responses: dict[str, Any],
    seed: int | None = None,
    state: ItemState | None = None,
) -> ItemResult:
    """Score one attempt at an item (compile once with ``ItemScorer`` to score many)."""
    return ItemScorer.from_xml(item_xml).score(responses, seed=seed, state=state)


# == Test level ================================================================================


@dataclass(frozen=True, slots=True)
class ItemRef:
    identifier: str
    categories: frozenset[str]
    weights: dict[str, float]
    sections: tuple[str, ...]


class TestContext:
    """What the test-level operators read: the item refs and their results."""

    def __init__(self, refs: list[ItemRef], results: dict[str, ItemResult]) -> None:
        self.refs = refs
        self.results = results

    def _selected(self, el: etree._Element) -> list[ItemRef]:
        section = el.get("section-identifier")
        include = set((el.get("include-category") or "").split())
        exclude = set((el.get("exclude-category") or "").split())
        out = []
        for ref in self.refs:
            if section and section not in ref.sections:
                continue
            if include and not (include & ref.categories):
                continue
            if exclude and (exclude & ref.categories):
                continue
            out.append(ref)
        return out

    def _weight(self, ref: ItemRef, weight: str | None) -> float:
        return ref.weights.get(weight, 1.0) if weight else 1.0

    def item_variable(self, item_id: str, var: str, weight: str | None) -> Value:
        result = self.results.get(item_id)
        if result is None:
            return Value("single", None, None)
        v = result.outcomes.get(var) or result.responses.get(var)
        if v is None:
            return Value("single", None, None)
        ref = next((r for r in self.refs if r.identifier == item_id), None)
        if weight and ref is not None and v.base_type in NUMERIC and not v.is_null:
            return Value("single", "float", float(v.value) * self._weight(ref, weight))
        return v

    def evaluate(self, name: str, el: etree._Element) -> Value:
        refs = self._selected(el)
        if name == "qti-test-variables":
            return self._test_variables(el, refs)
        if name in ("qti-outcome-maximum", "qti-outcome-minimum"):
            return self._outcome_bound(el, refs, name.endswith("maximum"))
        presented = [r for r in refs if r.identifier in self.results]
        count: int
        if name in ("qti-number-presented", "qti-number-selected"):
            count = len(presented)
        elif name == "qti-number-responded":
            count = sum(1 for r in presented if self._responded(self.results[r.identifier]))
        elif name == "qti-number-correct":
            count = sum(1 for r in presented if self.results[r.identifier].correct is True)
        else:  # qti-number-incorrect: presented (attempted) and not correct
            count = sum(
                1
                for r in presented
                if self.results[r.identifier].correct is False
                and self._responded(self.results[r.identifier])
            )
        return Value("single", "integer", count)

    @staticmethod
    def _responded(result: ItemResult) -> bool:
        return any(
            not v.is_null
            for k, v in result.responses.items()
            if k not in ("numAttempts", "duration")
        )

    def _test_variables(self, el: etree._Element, refs: list[ItemRef]) -> Value:
        var = el.get("variable-identifier") or ""
        base = el.get("base-type")
        weight = el.get("weight-identifier")
        items: list[Any] = []
        all_int = True
        for ref in refs:
            result = self.results.get(ref.identifier)
            if result is None:
                continue
            v = result.outcomes.get(var) or result.responses.get(var)
            if v is None or v.is_null or v.cardinality != "single":
                continue
            if base and v.base_type != base:
                continue
            if weight and v.base_type in NUMERIC:
                items.append(float(v.value) * self._weight(ref, weight))
                all_int = False
            else:
                items.append(v.value)
                all_int = all_int and v.base_type == "integer"
        if not base:
            base = "integer" if all_int and items else "float"
        elif weight and base == "integer":
            base = "float"
        return Value("multiple", base, tuple(items) or None)

    def _outcome_bound(self, el: etree._Element, refs: list[ItemRef], maximum: bool) -> Value:
        outcome = el.get("outcome-identifier") or ""
        weight = el.get("weight-identifier")
        items: list[float] = []
        for ref in refs:
            result = self.results.get(ref.identifier)
            if result is None:
                continue
            low, high = result.bounds.get(outcome, (None, None))
            number = high if maximum else low
            if number is None and maximum and outcome == "SCORE":
                number = result.max_score
            if number is None:
                return Value("multiple", "float", None)
            items.append(number * self._weight(ref, weight))
        return Value("multiple", "float", tuple(items) or None)


def _item_refs(root: etree._Element) -> list[ItemRef]:
    refs: list[ItemRef] = []

    def walk(el: etree._Element, sections: tuple[str, ...]) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = local_name(child)
            if name == "qti-assessment-section":
                walk(child, (*sections, child.get("identifier") or ""))
            elif name == "qti-test-part":
                walk(child, sections)
            elif name == "qti-assessment-item-ref":
                weights = {
                    w.get("identifier") or "": float(w.get("value") or "1")
                    for w in child
                    if isinstance(w.tag, str) and local_name(w) == "qti-weight"
                }
                refs.append(
                    ItemRef(
                        child.get("identifier") or "",
                        frozenset((child.get("category") or "").split()),
                        weights,
                        sections,
                    )
                )

    walk(root, ())
    return refs


def test_outcomes(
    *,
    test_xml: bytes | str | etree._Element,
    item_results: dict[str, ItemResult],
    refs: list[ItemRef] | None = None,
) -> dict[str, Value]:
    """Run a test's outcome processing over the results of its items (``refs``: the item
    references an attempt's route kept, by default every one of the document)."""
    root = _as_root(test_xml)
    if local_name(root) != "qti-assessment-test":
        raise QtiProcessingError(
            f"qti-assessment-test expected, got {local_name(root)}",
            subject=local_name(root),
            rule="root",
        )
    declarations: dict[str, Declaration] = {}
    rules: list[Rule] = []
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = local_name(child)
        if name == "qti-outcome-declaration":
            decl = parse_declaration(child)
            declarations[decl.identifier] = decl
        elif name == "qti-outcome-processing":
            rules = compile_rules(child)
    ctx = Context(
        variables={k: d.default for k, d in declarations.items()},
        declarations=declarations,
        correct={},
        defaults={k: d.default for k, d in declarations.items()},
        rng=random.Random(0),
        test=TestContext(_item_refs(root) if refs is None else refs, item_results),
    )
    with contextlib.suppress(ExitProcessing):
        run_rules(rules, ctx)
    return ctx.variables


test_outcomes.__test__ = False  # type: ignore[attr-defined]  # not a pytest test function
