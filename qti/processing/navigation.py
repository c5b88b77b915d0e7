"""Test delivery, the pure part: one attempt's route through a test, and where navigation
goes next.

``route_plan`` applies the test's selection and ordering with the attempt's seed (the same
seed gives the same route) and writes down, for each item reference it keeps (a *stop*), the
test part and sections holding it, the item session control in force there (test part →
sections → item reference, the nearest setting winning) and the time limits of every level.
The route is plain JSON: an attempt stores it, so that later edits of the test never change
an attempt already under way.

``stop_next`` is linear navigation: after a stop, the branch rules of the item and of each
section and part ending there (innermost first; the first rule that holds wins), then the
pre-conditions of each part, section and item entered (outermost first; one that does not
hold skips its element). As in QTI, branch rules and the pre-conditions of sections and items
apply in linear test parts only; test parts themselves are always taken in order, so their
pre-conditions and branch rules always apply. Branches go forward only; a target that is not
ahead in the route is ignored, as is one outside the current test part (but for a part's own
branch rules, which name a later part).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lxml import etree

from qti.xml import local_name

from .engine import ItemRef, ItemResult, TestContext
from .operators import Context, compile_expression, xsd_pattern
from .values import QtiProcessingError, Value

__all__ = [
    "CONTROL_DEFAULTS",
    "EXIT_TARGETS",
    "TimeLevel",
    "condition_holds",
    "holds_with",
    "response_problems",
    "route_item_refs",
    "route_plan",
    "stop_next",
    "stops_of",
    "time_limits_at",
]

CONTROL_DEFAULTS: dict[str, Any] = {
    "maxAttempts": 1,
    "showFeedback": False,
    "allowReview": True,
    "showSolution": False,
    "allowComment": False,
    "allowSkipping": True,
    "validateResponses": False,
}
_CONTROL_ATTRIBUTES = {
    "max-attempts": "maxAttempts",
    "show-feedback": "showFeedback",
    "allow-review": "allowReview",
    "show-solution": "showSolution",
    "allow-comment": "allowComment",
    "allow-skipping": "allowSkipping",
    "validate-responses": "validateResponses",
}
EXIT_TARGETS = ("EXIT_SECTION", "EXIT_TESTPART", "EXIT_TEST")
_STRUCTURAL = ("qti-assessment-item-ref", "qti-assessment-section")
N = TypeVar("N", int, float)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def _number(el: etree._Element, raw: str, kind: type[N], attribute: str, rule: str) -> N:
    """``raw`` (an attribute of a child of ``el``) as an int or a float, or an error naming
    the element, the attribute and the rule."""
    try:
        return kind(raw)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise QtiProcessingError(
            f"{attribute} {raw!r} is not {noun}",
            subject=el.get("identifier") or local_name(el),
            rule=rule,
        ) from None


def _control(parent: dict[str, Any], el: etree._Element) -> dict[str, Any]:
    found = _children(el, "qti-item-session-control")
    if not found:
        return parent
    out = dict(parent)
    for attribute, key in _CONTROL_ATTRIBUTES.items():
        raw = found[0].get(attribute)
        if raw is None:
            continue
        if key == "maxAttempts":
            out[key] = max(0, _number(el, raw, int, "max-attempts", "item-session-control"))
        else:
            out[key] = raw.strip() == "true"
    return out


def _limits(el: etree._Element) -> dict[str, Any] | None:
    found = _children(el, "qti-time-limits")
    if not found:
        return None
    t = found[0]

    def seconds(name: str) -> float | None:
        raw = t.get(name)
        if raw is None:
            return None
        number = _number(el, raw, float, name, "time-limits")
        return number if number > 0 else None

    return {
        "minTime": seconds("min-time"),
        "maxTime": seconds("max-time"),
        "allowLateSubmission": t.get("allow-late-submission") == "true",
    }


def _test_feedback(el: etree._Element) -> list[dict[str, Any]]:
    """The ``qti-test-feedback`` of a test or part: when it shows, and its content's XML."""
    out = []
    for fb in _children(el, "qti-test-feedback"):
        bodies = _children(fb, "qti-content-body") or [fb]
        content = "".join(
            etree.tostring(c, encoding="unicode", with_tail=True)
            for body in bodies
            for c in body
            if isinstance(c.tag, str)
        )
        out.append(
            {
                "identifier": fb.get("identifier") or "",
                "outcomeIdentifier": fb.get("outcome-identifier") or "",
                "showHide": fb.get("show-hide", "show"),
                "access": fb.get("access", "atEnd"),
                "title": fb.get("title") or "",
                "content": content,
            }
        )
    return out


def _rules(el: etree._Element) -> dict[str, Any]:
    pre = [etree.tostring(c, encoding="unicode") for c in _children(el, "qti-pre-condition")]
    branch = [
        {"target": c.get("target") or "", "xml": etree.tostring(c, encoding="unicode")}
        for c in _children(el, "qti-branch-rule")
    ]
    out: dict[str, Any] = {}
    if pre:
        out["preConditions"] = pre
    if branch:
        out["branchRules"] = branch
    return out


class _Planner:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.stops: list[dict[str, Any]] = []
        self.elements: dict[str, dict[str, Any]] = {}
        self.occurrences: dict[str, int] = {}

    def element(self, key: str, el: etree._Element, **extra: Any) -> None:
        if key in self.elements:
            return  # a section selected twice (with replacement) keeps its first entry
        entry: dict[str, Any] = {**extra, **_rules(el)}
        if (limits := _limits(el)) is not None:
            entry["timeLimits"] = limits
        self.elements[key] = entry

    def select(self, el: etree._Element) -> list[etree._Element]:
        children = [c for c in el if isinstance(c.tag, str) and local_name(c) in _STRUCTURAL]
        found = _children(el, "qti-selection")
        if not found:
            return children
        selection = found[0]
        count = _number(el, selection.get("select") or "0", int, "select", "selection")
        required = [i for i, c in enumerate(children) if c.get("required") == "true"]
        if selection.get("with-replacement") == "true":
            picks = required + [
                self.rng.randrange(len(children))
                for _ in range(max(0, count - len(required)))
                if children
            ]
            return [children[i] for i in sorted(picks)]
        optional = [i for i in range(len(children)) if i not in required]
        extra = max(0, min(len(optional), count - len(required)))
        chosen = set(required) | set(self.rng.sample(optional, extra))
        return [c for i, c in enumerate(children) if i in chosen]

    def order(self, el: etree._Element, units: list[tuple[bool, list[dict[str, Any]]]]) -> list:
        found = _children(el, "qti-ordering")
        if not found or found[0].get("shuffle") != "true":
            return units
        movable = [i for i, (fixed, _) in enumerate(units) if not fixed]
        moved = [units[i] for i in movable]
        self.rng.shuffle(moved)
        out = list(units)
        for i, unit in zip(movable, moved, strict=True):
            out[i] = unit
        return out

    def section(
        self, el: etree._Element, part: int, path: tuple[str, ...], control: dict[str, Any]
    ) -> list[tuple[bool, list[dict[str, Any]]]]:
        """The units (kept together or not) of the item stops below ``el``."""
        units: list[tuple[bool, list[dict[str, Any]]]] = []
        for child in self.select(el):
            name = local_name(child)
            fixed = child.get("fixed") == "true"
            ident = child.get("identifier") or ""
            if name == "qti-assessment-item-ref":
                units.append((fixed, [self.stop(child, part, path, control)]))
                continue
            rubrics = [
                etree.tostring(r, encoding="unicode") for r in _children(child, "qti-rubric-block")
            ]
            self.element(
                f"section:{ident}",
                child,
                title=child.get("title") or "",
                visible=child.get("visible", "true") != "false",
                **({"rubricBlocks": rubrics} if rubrics else {}),
            )
            inner = self.section(child, part, (*path, ident), _control(control, child))
            inner = self.order(child, inner)
            keep = child.get("keep-together", "true") != "false"
            if not keep and child.get("visible") == "false":
                units.extend(inner)  # mixed into the parent's ordering
            else:
                units.append((fixed, [s for _, stops in inner for s in stops]))
        return units

    def stop(
        self, el: etree._Element, part: int, path: tuple[str, ...], control: dict[str, Any]
    ) -> dict[str, Any]:
        ident = el.get("identifier") or ""
        self.occurrences[ident] = self.occurrences.get(ident, 0) + 1
        stop: dict[str, Any] = {
            "ref": ident,
            "occurrence": self.occurrences[ident],
            "href": el.get("href") or "",
            "part": part,
            "sections": list(path),
            "control": _control(control, el),
            "categories": (el.get("category") or "").split(),
            "weights": {
                w.get("identifier") or "": float(w.get("value") or "1")
                for w in _children(el, "qti-weight")
            },
            **_rules(el),
        }
        if (limits := _limits(el)) is not None:
            stop["timeLimits"] = limits
        return stop


def route_plan(*, root: etree._Element, seed: int) -> dict[str, Any]:
    """The route of one attempt at the test ``root`` (see the module docstring)."""
    if local_name(root) != "qti-assessment-test":
        raise QtiProcessingError(
            f"qti-assessment-test expected, got {local_name(root)}",
            subject=local_name(root),
            rule="root",
        )
    planner = _Planner(seed)
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(_children(root, "qti-test-part")):
        control = _control(CONTROL_DEFAULTS, part)
        first = len(planner.stops)
        for _, stops in planner.section(part, index, (), control):
            for stop in stops:
                stop["index"] = len(planner.stops)
                planner.stops.append(stop)
        entry: dict[str, Any] = {
            "identifier": part.get("identifier") or "",
            "navigationMode": part.get("navigation-mode", "linear"),
            "submissionMode": part.get("submission-mode", "individual"),
            "first": first,
            "end": len(planner.stops),
            **_rules(part),
        }
        if (limits := _limits(part)) is not None:
            entry["timeLimits"] = limits
        if feedback := _test_feedback(part):
            entry["testFeedback"] = feedback
        parts.append(entry)
    test: dict[str, Any] = {
        "identifier": root.get("identifier") or "",
        "title": root.get("title") or "",
    }
    if (limits := _limits(root)) is not None:
        test["timeLimits"] = limits
    if feedback := _test_feedback(root):
        test["testFeedback"] = feedback
    return {
        "seed": seed,
        "test": test,
        "parts": parts,
        "sections": planner.elements,
        "stops": planner.stops,
    }


def stops_of(route: dict[str, Any], part: int) -> range:
    p = route["parts"][part]
    return range(p["first"], p["end"])


def route_item_refs(route: dict[str, Any]) -> list[ItemRef]:
    """The item references of the route, as the test-level operators read them."""
    return [
        ItemRef(
            s["ref"],
            frozenset(s.get("categories") or ()),
            dict(s.get("weights") or {}),
            tuple(s.get("sections") or ()),
        )
        for s in route["stops"]
    ]


def condition_holds(
    *,
    xml: str,
    variables: dict[str, Value],
    refs: list[ItemRef],
    results: dict[str, ItemResult],
) -> bool:
    """Whether a pre-condition or branch rule (its XML) holds: NULL counts as false."""
    el = etree.fromstring(xml)
    expressions = [c for c in el if isinstance(c.tag, str)]
    if not expressions:
        return False
    ctx = Context(
        variables=dict(variables),
        declarations={},
        correct={},
        defaults={},
        rng=random.Random(0),
        test=TestContext(refs, results),
    )
    value = compile_expression(expressions[0])(ctx)
    return not value.is_null and value.value is True


Holds = Callable[[str], bool]


def _keys(route: dict[str, Any], index: int) -> list[str]:
    """The elements holding stop ``index``, outermost first, ending with the stop itself."""
    stop = route["stops"][index]
    return [f"part:{stop['part']}", *(f"section:{s}" for s in stop["sections"]), "item"]


def _span(route: dict[str, Any], key: str, index: int) -> tuple[int, int]:
    """The stops (from, to) of the element ``key`` that holds stop ``index``."""
    stops = route["stops"]

    def inside(i: int) -> bool:
        return key in _keys(route, i) and stops[i]["part"] == stops[index]["part"]

    if key == "item":
        return index, index + 1
    start = index
    while start > 0 and inside(start - 1):
        start -= 1
    end = index + 1
    while end < len(stops) and inside(end):
        end += 1
    return start, end


def _element(route: dict[str, Any], key: str, index: int) -> dict[str, Any]:
    if key == "item":
        return route["stops"][index]
    if key.startswith("part:"):
        return route["parts"][int(key.removeprefix("part:"))]
    return route["sections"].get(key, {})


def _linear(route: dict[str, Any], index: int) -> bool:
    return route["parts"][route["stops"][index]["part"]]["navigationMode"] == "linear"


def _target(route: dict[str, Any], key: str, index: int, target: str) -> int | None:
    """Where a branch to ``target`` from the element ``key`` at stop ``index`` lands
    (``len(stops)`` for the end of the test), or ``None`` if the target is not ahead."""
    stops = route["stops"]
    part = stops[index]["part"]
    if target == "EXIT_TEST":
        return len(stops)
    if target == "EXIT_TESTPART":
        return int(route["parts"][part]["end"])
    if target == "EXIT_SECTION":
        sections = [k for k in _keys(route, index) if k.startswith("section:")]
        if key != "item":  # a section's rule leaves the section around it
            sections = sections[: sections.index(key)] if key in sections else []
        if not sections:
            return int(route["parts"][part]["end"])
        return _span(route, sections[-1], index)[1]
    _, after = _span(route, key, index)
    if key.startswith("part:"):
        for p in route["parts"][part + 1 :]:
            if p["identifier"] == target:
                return int(p["first"])
        return None
    for i in range(after, route["parts"][part]["end"]):
        if stops[i]["ref"] == target or f"section:{target}" in _keys(route, i):
            return i
    return None


def stop_next(route: dict[str, Any], current: int | None, holds: Holds) -> int | None:
    """The stop to present after ``current`` (``None``: the start of the test), or ``None``
    at the end of the test. ``holds(xml)`` evaluates a pre-condition or branch rule."""
    stops = route["stops"]
    candidate = 0 if current is None else current + 1
    if current is not None:
        keys = _keys(route, current)
        for key in reversed(keys):
            if key != "item" and _span(route, key, current)[1] != current + 1:
                break  # this element goes on after the stop: it is not left here
            if not key.startswith("part:") and not _linear(route, current):
                continue
            landed = None
            for rule in _element(route, key, current).get("branchRules", ()):
                if holds(rule["xml"]):
                    landed = _target(route, key, current, rule["target"])
                    if landed is not None:
                        break
            if landed is not None:
                candidate = landed
                break
    while candidate < len(stops):
        for key in _keys(route, candidate):
            if not _entered(route, key, candidate, current):
                continue
            if not key.startswith("part:") and not _linear(route, candidate):
                continue
            rules = _element(route, key, candidate).get("preConditions", ())
            if not all(holds(xml) for xml in rules):
                candidate = _span(route, key, candidate)[1]
                break
        else:
            return candidate
    return None


def _entered(route: dict[str, Any], key: str, candidate: int, current: int | None) -> bool:
    """Whether moving from ``current`` to ``candidate`` enters the element ``key``."""
    if key == "item" or current is None:
        return True
    start, end = _span(route, key, candidate)
    return not start <= current < end


def holds_with(
    *, variables: dict[str, Value], refs: list[ItemRef], results: dict[str, ItemResult]
) -> Holds:
    """A ``holds`` for ``stop_next`` over the current test outcomes and item results."""

    def holds(xml: str) -> bool:
        with contextlib.suppress(QtiProcessingError):
            return condition_holds(xml=xml, variables=variables, refs=refs, results=results)
        return False

    return holds


_COUNTS = (("min-choices", "max-choices"), ("min-associations", "max-associations"))


def response_problems(
    *, interactions: list[dict[str, str]], responses: dict[str, Value]
) -> list[tuple[str, str]]:
    """What the interactions' constraints (``validate-responses``) find wrong with the
    responses: (response identifier, reason) pairs. ``interactions`` are the item's parsed
    interactions (their attributes)."""
    problems: list[tuple[str, str]] = []
    for interaction in interactions:
        ident = interaction.get("response-identifier") or ""
        value = responses.get(ident)
        if value is None:
            continue
        count = 0 if value.is_null or value.cardinality == "record" else len(value.items())
        for low_name, high_name in _COUNTS:
            low = int(interaction.get(low_name) or 0)
            high = int(interaction.get(high_name) or 0)
            if count < low:
                problems.append((ident, f"choose at least {low} ({count} chosen)"))
            elif high and count > high:
                problems.append((ident, f"choose at most {high} ({count} chosen)"))
        mask = interaction.get("pattern-mask")
        if mask and not value.is_null and value.cardinality != "record":
            pattern = xsd_pattern(mask)
            if any(not pattern.fullmatch(str(v)) for v in value.items()):
                message = interaction.get("data-patternmask-message") or (
                    f"the answer must match the pattern {mask}"
                )
                problems.append((ident, message))
        min_strings = int(interaction.get("min-strings") or 0)
        if min_strings and count < min_strings:
            problems.append((ident, f"write at least {min_strings} answer(s)"))
    return problems


TimeLevel = tuple[str, str, dict[str, Any], dt.datetime | None]


def time_limits_at(
    *,
    route: dict[str, Any],
    position: int,
    entered: Mapping[str, str],
    item_presented_at: dt.datetime | None,
) -> list[TimeLevel]:
    """(key, label, limits, since) of each level holding stop ``position`` that has time
    limits: the test, its part, its sections (outermost first), the item reference. ``since``
    is when the level was entered (``entered``: ISO times by key) or the item presented."""
    stop = route["stops"][position]
    part = route["parts"][stop["part"]]
    levels: list[tuple[str, str, dict[str, Any] | None]] = [
        ("test", "the test", route["test"].get("timeLimits")),
        (f"part:{stop['part']}", f"test part {part['identifier']}", part.get("timeLimits")),
        *(
            (
                f"section:{s}",
                f"section {s}",
                route["sections"].get(f"section:{s}", {}).get("timeLimits"),
            )
            for s in stop["sections"]
        ),
    ]
    out: list[TimeLevel] = []
    for key, label, limits in levels:
        if limits:
            raw = entered.get(key)
            out.append((key, label, limits, dt.datetime.fromisoformat(raw) if raw else None))
    if stop.get("timeLimits"):
        out.append(
            (f"item:{position}", f"item {stop['ref']}", stop["timeLimits"], item_presented_at)
        )
    return out
