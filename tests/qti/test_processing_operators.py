"""Operator edge cases: NULL propagation and precise cardinality errors, on inline XML."""

from __future__ import annotations

import random
import re

import pytest

from qti.processing.operators import Context, compile_expression
from qti.processing.values import QtiProcessingError
from qti.xml import qti_parse

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'
I1 = '<qti-base-value base-type="integer">7</qti-base-value>'
I2 = '<qti-base-value base-type="integer">2</qti-base-value>'
F = '<qti-base-value base-type="float">2.5</qti-base-value>'
T = '<qti-base-value base-type="boolean">true</qti-base-value>'
N = "<qti-null/>"
M = f"<qti-multiple>{I1}{I2}</qti-multiple>"


def run(xml: str) -> object:
    el = qti_parse(re.sub(r"^<([a-z-]+)", rf"<\1 {NS}", xml))
    ctx = Context({}, {}, {}, {}, random.Random(1))
    return compile_expression(el)(ctx).to_python()


CASES = [
    (f"<qti-sum>{I1}{I2}</qti-sum>", 9),
    (f"<qti-sum>{I1}{F}</qti-sum>", 9.5),
    (f"<qti-sum>{I1}{N}</qti-sum>", None),
    (f"<qti-divide>{I1}<qti-base-value base-type='integer'>0</qti-base-value></qti-divide>", None),
    (f"<qti-integer-divide>{I1}{I2}</qti-integer-divide>", 3),
    (f"<qti-integer-modulus>{I1}{I2}</qti-integer-modulus>", 1),
    (f"<qti-and>{T}{N}</qti-and>", None),
    (f"<qti-or>{T}{N}</qti-or>", True),
    (f"<qti-not>{N}</qti-not>", None),
    (f"<qti-is-null>{N}</qti-is-null>", True),
    (f"<qti-match>{I1}{N}</qti-match>", None),
    (f"<qti-member>{I2}{M}</qti-member>", True),
    (f"<qti-container-size>{M}</qti-container-size>", 2),
    (f"<qti-gcd>{I1}{I2}</qti-gcd>", 1),
    (f"<qti-lcm>{I1}{I2}</qti-lcm>", 14),
    (f"<qti-round>{F}</qti-round>", 3),
    (f"<qti-truncate>{F}</qti-truncate>", 2),
    (f"<qti-max>{M}{F}</qti-max>", 7.0),
    ("<qti-math-constant name='pi'/>", 3.141592653589793),
    (f"<qti-round-to rounding-mode='decimalPlaces' figures='0'>{F}</qti-round-to>", 3.0),
    (f"<qti-equal tolerance-mode='absolute' tolerance='0.6'>{F}{I2}</qti-equal>", True),
    (
        "<qti-inside shape='circle' coords='0,0,5'>"
        "<qti-base-value base-type='point'>3 4</qti-base-value></qti-inside>",
        True,
    ),
    (
        "<qti-pattern-match pattern='[a-z]+'>"
        "<qti-base-value base-type='string'>abc</qti-base-value></qti-pattern-match>",
        True,
    ),
    (f"<qti-stats-operator name='mean'>{M}</qti-stats-operator>", 4.5),
]


@pytest.mark.parametrize(("xml", "expected"), CASES)
def test_operator(xml: str, expected: object) -> None:
    assert run(xml) == expected


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (f"<qti-sum>{T}</qti-sum>", "qti-sum: base-type integer or float expected, got boolean"),
        (f"<qti-not>{M}</qti-not>", "qti-not: cardinality single expected, got multiple"),
        (f"<qti-index n='1'>{M}</qti-index>", "qti-index: cardinality ordered expected"),
        (f"<qti-match>{I1}{M}</qti-match>", "qti-match: both sides need the same cardinality"),
    ],
)
def test_operator_errors(xml: str, message: str) -> None:
    with pytest.raises(QtiProcessingError, match=message):
        run(xml)
