"""Deterministic QTI 3.0 items for ``bench/qti_bench.py``: a mix of interactions and response
processing, each item with the responses to score against it (correct, partial, wrong) and
the score each must get.

Kinds (share of the package): single choice with ``match_correct`` (30 %), multiple choice
with ``map_response`` (15 %), text entry with ``map_response`` (15 %), inline choice with
``match_correct`` (12 %), order with ``match_correct`` (10 %), match (directed pairs) with
``map_response`` (13 %), and custom response processing (5 %: a condition on ``qti-match``
against the correct response, else ``qti-map-response``, with a feedback outcome and modal
feedback).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
RP = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates"

KINDS: tuple[tuple[str, int], ...] = (
    ("choice-single/match_correct", 30),
    ("choice-multiple/map_response", 15),
    ("text-entry/map_response", 15),
    ("inline-choice/match_correct", 12),
    ("order/match_correct", 10),
    ("match/map_response", 13),
    ("custom", 5),
)
CUSTOM = "custom"

WORDS = [
    "river",
    "delta",
    "energy",
    "cell",
    "orbit",
    "fraction",
    "triangle",
    "ratio",
    "molecule",
    "climate",
    "erosion",
    "volcano",
    "equation",
    "factor",
    "parallel",
    "vertex",
    "gravity",
    "planet",
    "species",
    "habitat",
    "nutrient",
    "lattice",
    "vector",
]


@dataclass
class Item:
    identifier: str
    kind: str
    xml: str
    # category (correct / partial / wrong) -> [(responses, expected SCORE)]
    responses: dict[str, list[tuple[dict[str, Any], float]]] = field(default_factory=dict)


def _text(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def _doc(identifier: str, title: str, declarations: str, body: str, processing: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<qti-assessment-item xmlns="{NS}" identifier="{identifier}" title="{title}" '
        'adaptive="false" time-dependent="false" xml:lang="en">\n'
        f"{declarations}\n"
        '  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">'
        "<qti-default-value><qti-value>0</qti-value></qti-default-value>"
        "</qti-outcome-declaration>\n"
        f"  <qti-item-body>\n    <p>{title}.</p>\n{body}\n  </qti-item-body>\n"
        f"{processing}\n</qti-assessment-item>\n"
    )


def _template(name: str) -> str:
    return f'  <qti-response-processing template="{RP}/{name}.xml"/>'


def _values(values: list[str]) -> str:
    return "".join(f"<qti-value>{v}</qti-value>" for v in values)


def _mapping(entries: dict[str, float], *, lower: float | None, upper: float | None) -> str:
    bounds = (f' lower-bound="{lower}"' if lower is not None else "") + (
        f' upper-bound="{upper}"' if upper is not None else ""
    )
    rows = "".join(f'<qti-map-entry map-key="{k}" mapped-value="{v}"/>' for k, v in entries.items())
    return f'<qti-mapping default-value="0"{bounds}>{rows}</qti-mapping>'


def _declaration(card: str, base: str, correct: list[str], extra: str = "") -> str:
    return (
        f'  <qti-response-declaration identifier="RESPONSE" cardinality="{card}" '
        f'base-type="{base}"><qti-correct-response>{_values(correct)}</qti-correct-response>'
        f"{extra}</qti-response-declaration>"
    )


def _choices(ids: list[str], rnd: random.Random, tag: str = "qti-simple-choice") -> str:
    return "\n".join(f'      <{tag} identifier="{i}"><p>{_text(rnd, 3)}</p></{tag}>' for i in ids)


def choice_single(ident: str, rnd: random.Random) -> Item:
    ids = ["A", "B", "C", "D"]
    right = rnd.choice(ids)
    wrong = [i for i in ids if i != right]
    body = (
        '    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1" '
        f'shuffle="true">\n      <qti-prompt>{_text(rnd, 8)}?</qti-prompt>\n'
        f"{_choices(ids, rnd)}\n    </qti-choice-interaction>"
    )
    xml = _doc(
        ident,
        f"Choice {ident}",
        _declaration("single", "identifier", [right]),
        body,
        _template("match_correct"),
    )
    item = Item(ident, "choice-single/match_correct", xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 1.0)],
        "partial": [({"RESPONSE": None}, 0.0)],  # no answer given
        "wrong": [({"RESPONSE": w}, 0.0) for w in wrong],
    }
    return item


def choice_multiple(ident: str, rnd: random.Random) -> Item:
    ids = ["A", "B", "C", "D", "E"]
    right = sorted(rnd.sample(ids, 2))
    wrong = [i for i in ids if i not in right]
    mapping = {i: (1.0 if i in right else -1.0) for i in ids}
    body = (
        '    <qti-choice-interaction response-identifier="RESPONSE" max-choices="0">\n'
        f"      <qti-prompt>Select all that apply: {_text(rnd, 6)}</qti-prompt>\n"
        f"{_choices(ids, rnd)}\n    </qti-choice-interaction>"
    )
    xml = _doc(
        ident,
        f"Multiple {ident}",
        _declaration("multiple", "identifier", right, _mapping(mapping, lower=0, upper=2)),
        body,
        _template("map_response"),
    )
    item = Item(ident, "choice-multiple/map_response", xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 2.0)],
        "partial": [({"RESPONSE": [right[0]]}, 1.0), ({"RESPONSE": [right[1], wrong[0]]}, 0.0)],
        "wrong": [({"RESPONSE": wrong[:2]}, 0.0)],
    }
    return item


def text_entry(ident: str, rnd: random.Random) -> Item:
    word = rnd.choice(WORDS)
    mapping = {word: 1.0, word.capitalize(): 1.0, word[:-1]: 0.5}
    body = (
        f"    <p>{_text(rnd, 6)}: "
        '<qti-text-entry-interaction response-identifier="RESPONSE" expected-length="15"/>'
        "</p>"
    )
    xml = _doc(
        ident,
        f"Text {ident}",
        _declaration("single", "string", [word], _mapping(mapping, lower=0, upper=1)),
        body,
        _template("map_response"),
    )
    item = Item(ident, "text-entry/map_response", xml)
    item.responses = {
        "correct": [({"RESPONSE": word}, 1.0), ({"RESPONSE": word.capitalize()}, 1.0)],
        "partial": [({"RESPONSE": word[:-1]}, 0.5)],
        "wrong": [({"RESPONSE": "zzz " + word}, 0.0)],
    }
    return item


def inline_choice(ident: str, rnd: random.Random) -> Item:
    ids = ["G1", "G2", "G3"]
    right = rnd.choice(ids)
    body = (
        f"    <p>{_text(rnd, 5)} "
        '<qti-inline-choice-interaction response-identifier="RESPONSE">\n'
        + "\n".join(
            f'      <qti-inline-choice identifier="{i}">{rnd.choice(WORDS)}</qti-inline-choice>'
            for i in ids
        )
        + f"\n    </qti-inline-choice-interaction> {_text(rnd, 4)}.</p>"
    )
    xml = _doc(
        ident,
        f"Inline {ident}",
        _declaration("single", "identifier", [right]),
        body,
        _template("match_correct"),
    )
    item = Item(ident, "inline-choice/match_correct", xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 1.0)],
        "partial": [({"RESPONSE": None}, 0.0)],
        "wrong": [({"RESPONSE": i}, 0.0) for i in ids if i != right],
    }
    return item


def order(ident: str, rnd: random.Random) -> Item:
    ids = ["O1", "O2", "O3", "O4"]
    right = ids[:]
    rnd.shuffle(right)
    swapped = right[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    body = (
        '    <qti-order-interaction response-identifier="RESPONSE" shuffle="true">\n'
        f"      <qti-prompt>Put in order: {_text(rnd, 5)}</qti-prompt>\n"
        f"{_choices(ids, rnd)}\n    </qti-order-interaction>"
    )
    xml = _doc(
        ident,
        f"Order {ident}",
        _declaration("ordered", "identifier", right),
        body,
        _template("match_correct"),
    )
    item = Item(ident, "order/match_correct", xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 1.0)],
        "partial": [({"RESPONSE": swapped}, 0.0)],  # match_correct gives nothing for close
        "wrong": [({"RESPONSE": list(reversed(right))}, 0.0)],
    }
    return item


def match(ident: str, rnd: random.Random) -> Item:
    sources, targets = ["S1", "S2", "S3"], ["T1", "T2", "T3"]
    shuffled = targets[:]
    rnd.shuffle(shuffled)
    right = [f"{s} {t}" for s, t in zip(sources, shuffled, strict=True)]
    wrong_pairs = [f"{s} {t}" for s, t in zip(sources, shuffled[1:] + shuffled[:1], strict=True)]
    mapping = {pair: 1.0 for pair in right}
    body = (
        '    <qti-match-interaction response-identifier="RESPONSE" max-associations="3">\n'
        f"      <qti-prompt>Match: {_text(rnd, 5)}</qti-prompt>\n"
        "      <qti-simple-match-set>\n"
        + _choices(sources, rnd, "qti-simple-associable-choice").replace(
            'identifier="', 'match-max="1" identifier="'
        )
        + "\n      </qti-simple-match-set>\n      <qti-simple-match-set>\n"
        + _choices(targets, rnd, "qti-simple-associable-choice").replace(
            'identifier="', 'match-max="1" identifier="'
        )
        + "\n      </qti-simple-match-set>\n    </qti-match-interaction>"
    )
    xml = _doc(
        ident,
        f"Match {ident}",
        _declaration("multiple", "directedPair", right, _mapping(mapping, lower=0, upper=3)),
        body,
        _template("map_response"),
    )
    item = Item(ident, "match/map_response", xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 3.0)],
        "partial": [({"RESPONSE": right[:2]}, 2.0), ({"RESPONSE": [right[0]]}, 1.0)],
        "wrong": [({"RESPONSE": wrong_pairs}, 0.0)],
    }
    return item


CUSTOM_RP = """  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-is-null><qti-variable identifier="RESPONSE"/></qti-is-null>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">empty</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-if>
      <qti-response-else-if>
        <qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/>
        </qti-match>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">%(max)s</qti-base-value>
        </qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">right</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-else-if>
      <qti-response-else>
        <qti-set-outcome-value identifier="SCORE">
          <qti-max>
            <qti-base-value base-type="float">0</qti-base-value>
            <qti-subtract>
              <qti-map-response identifier="RESPONSE"/>
              <qti-base-value base-type="float">0.5</qti-base-value>
            </qti-subtract>
          </qti-max>
        </qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">try-again</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="right" show-hide="show">
    <p>Well done.</p></qti-modal-feedback>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="try-again" show-hide="show">
    <p>Look again at the text.</p></qti-modal-feedback>"""


def custom(ident: str, rnd: random.Random) -> Item:
    ids = ["A", "B", "C", "D", "E", "F"]
    right = sorted(rnd.sample(ids, 3))
    wrong = [i for i in ids if i not in right]
    mapping = {i: (1.0 if i in right else -1.0) for i in ids}
    declarations = _declaration(
        "multiple", "identifier", right, _mapping(mapping, lower=0, upper=3)
    ) + (
        '\n  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" '
        'base-type="identifier"/>'
    )
    body = (
        '    <qti-choice-interaction response-identifier="RESPONSE" max-choices="0">\n'
        f"      <qti-prompt>{_text(rnd, 7)}</qti-prompt>\n"
        f"{_choices(ids, rnd)}\n    </qti-choice-interaction>"
    )
    xml = _doc(ident, f"Custom {ident}", declarations, body, CUSTOM_RP % {"max": 4})
    item = Item(ident, CUSTOM, xml)
    item.responses = {
        "correct": [({"RESPONSE": right}, 4.0)],
        "partial": [({"RESPONSE": right[:2]}, 1.5), ({"RESPONSE": [*right[:2], wrong[0]]}, 0.5)],
        "wrong": [({"RESPONSE": wrong[:2]}, 0.0), ({"RESPONSE": None}, 0.0)],
    }
    return item


BUILDERS = {
    "choice-single/match_correct": choice_single,
    "choice-multiple/map_response": choice_multiple,
    "text-entry/map_response": text_entry,
    "inline-choice/match_correct": inline_choice,
    "order/match_correct": order,
    "match/map_response": match,
    CUSTOM: custom,
}


def items_generate(*, count: int, seed: int) -> list[Item]:
    """``count`` items, kinds drawn by their shares, the same for the same seed."""
    rnd = random.Random(seed)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    return [
        BUILDERS[kind](f"item-{n:05d}", rnd)
        for n, kind in enumerate(rnd.choices(kinds, weights, k=count))
    ]


def manifest(items: list[Item]) -> str:
    resources = "\n".join(
        f'    <resource identifier="{i.identifier}" type="imsqti_item_xmlv3p0" '
        f'href="items/{i.identifier}.xml"><file href="items/{i.identifier}.xml"/></resource>'
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" '
        'identifier="bench-qti-package">\n'
        "  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion>"
        "</metadata>\n  <organizations/>\n  <resources>\n"
        f"{resources}\n  </resources>\n</manifest>\n"
    )
