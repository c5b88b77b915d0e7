"""Test-level outcome processing: official tests with outcome rules, and inline tests.

The item results come from small inline items scored for real, so these tests need nothing
from ../shared except the official test files themselves (those tests skip without it).
"""

from __future__ import annotations

import pytest

from qti.processing import ItemResult, ItemScorer, test_outcomes
from tests.conftest import SHARED

TESTS = SHARED / "fixtures" / "qti" / "tests_v3"
needs_shared = pytest.mark.skipif(not TESTS.exists(), reason="official fixtures live in ../shared")

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
ITEM = f"""<qti-assessment-item xmlns="{NS}" identifier="i" title="t" adaptive="false"
  time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-minimum="-1" normal-maximum="{{top}}">
    <qti-default-value><qti-value>0</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-match>
          <qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/>
        </qti-match>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">{{top}}</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-if>
    </qti-response-condition>
  </qti-response-processing>
</qti-assessment-item>"""


def result(outcome: str, top: float = 1.0) -> ItemResult:
    """right: SCORE = top; wrong: a wrong answer; blank: presented, nothing answered."""
    scorer = ItemScorer.from_xml(ITEM.replace("{top}", str(top)))
    responses = {"right": {"RESPONSE": "A"}, "wrong": {"RESPONSE": "B"}, "blank": {}}[outcome]
    return scorer.score(responses)


def values(test_xml: str | bytes, results: dict[str, ItemResult]) -> dict[str, object]:
    return {
        k: v.to_python() for k, v in test_outcomes(test_xml=test_xml, item_results=results).items()
    }


def official(name: str) -> bytes:
    return (TESTS / name).read_bytes()


ALL = ("item034", "item160", "item063", "item434", "item065", "item365", "item656")


@needs_shared
def test_rtest02_sum_of_weighted_item_variables() -> None:
    results = {ref: result("right") for ref in ALL}
    # item034.SCORE x WEIGHT 2 + item160.SCORE x WEIGHT 0
    assert values(official("rtest02.xml"), results)["SCORE"] == 2.0
    results["item034"] = result("wrong")
    assert values(official("rtest02.xml"), results)["SCORE"] == 0.0


@needs_shared
def test_rtest03_include_and_exclude_category() -> None:
    results = {ref: result("right") for ref in ALL}
    # Math and not PreTest: item347 (Math Algebra) and item653 (Math Geometry); item365 is PreTest
    results["item347"] = result("right", 2.0)
    results["item653"] = result("right", 3.0)
    results["item365"] = result("right", 100.0)
    assert values(official("rtest03.xml"), results)["MATH_SCORE"] == 5


@needs_shared
def test_rtest04_sum_of_weighted_test_variables() -> None:
    results = {ref: result("right") for ref in ALL}
    # 2 + 0 + 1 + 4 x 0.5
    assert values(official("rtest04.xml"), results)["SCORE"] == 5.0
    results["item063"] = result("wrong")
    assert values(official("rtest04.xml"), results)["SCORE"] == 4.0


@needs_shared
def test_rtest10_exit_test_keeps_what_was_set() -> None:
    results = {ref: result("right") for ref in ALL[:6]}
    assert values(official("rtest10.xml"), results)["SCORE"] == 6.0


@needs_shared
def test_rtest25_number_correct_incorrect_responded_presented_selected() -> None:
    results = {
        "item034": result("right"),  # sectionA
        "item160": result("wrong"),  # sectionA
        "item063": result("blank"),  # sectionA
        "item434": result("right"),  # sectionB
        "item065": result("wrong"),  # sectionB; item365 and item656 never presented
    }
    out = values(official("rtest25.xml"), results)
    assert out["NCORRECTA"] == 1
    assert out["NCORRECTB"] == 1
    assert out["NINCORRECT"] == 2  # the blank item is not counted as incorrect
    assert out["NRESPONSED"] == 4
    assert out["NPRESENTED"] == 5
    assert out["NSELECTED"] == 5
    assert out["PERCENT_CORRECT"] == 40.0


@needs_shared
def test_rtest26_and_rtest27_sums_and_sections() -> None:
    results = {ref: result("right", float(n)) for n, ref in enumerate(ALL, start=1)}
    assert values(official("rtest26.xml"), results)["SCORE"] == 21.0
    out = values(official("rtest27.xml"), results)
    assert out["SCORE365"] == 6
    assert out["SCORE"] == 28.0
    # the test asks for section "SectionA" but its section is "sectionA": identifiers are
    # case-sensitive, so no item is selected and the sum is NULL
    assert out["SCOREA"] is None


@needs_shared
@pytest.mark.parametrize(
    "name", ["rtest02.xml", "rtest03.xml", "rtest04.xml", "rtest10.xml", "rtest25.xml"]
)
def test_official_tests_with_no_results(name: str) -> None:
    out = values(official(name), {})
    assert "SCORE" not in out or out["SCORE"] in (None, 0.0)


TEST = f"""<qti-assessment-test xmlns="{NS}" identifier="t" title="t">
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="WEIGHTED" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="MATH" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="NOT_MATH" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="MAX" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="MAX_WEIGHTED" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="MIN" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="NCORRECT" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="NINCORRECT" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="NRESPONDED" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="NPRESENTED" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="NSELECTED_S2" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="Q2" cardinality="single" base-type="float"/>
  <qti-test-part identifier="p" navigation-mode="nonlinear" submission-mode="individual">
    <qti-assessment-section identifier="s1" title="s1" visible="true">
      <qti-assessment-item-ref identifier="q1" href="q1.xml" category="math">
        <qti-weight identifier="W" value="2"/>
      </qti-assessment-item-ref>
      <qti-assessment-item-ref identifier="q2" href="q2.xml" category="math hard">
        <qti-weight identifier="W" value="0.5"/>
      </qti-assessment-item-ref>
    </qti-assessment-section>
    <qti-assessment-section identifier="s2" title="s2" visible="true">
      <qti-assessment-item-ref identifier="q3" href="q3.xml" category="reading"/>
      <qti-assessment-item-ref identifier="q4" href="q4.xml"/>
    </qti-assessment-section>
  </qti-test-part>
  <qti-outcome-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-sum><qti-test-variables variable-identifier="SCORE"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="WEIGHTED">
      <qti-sum><qti-test-variables variable-identifier="SCORE" weight-identifier="W"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="MATH">
      <qti-sum><qti-test-variables variable-identifier="SCORE" include-category="math"
        exclude-category="hard"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="NOT_MATH">
      <qti-sum><qti-test-variables variable-identifier="SCORE" exclude-category="math"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="MAX">
      <qti-sum><qti-outcome-maximum outcome-identifier="SCORE"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="MAX_WEIGHTED">
      <qti-sum><qti-outcome-maximum outcome-identifier="SCORE" weight-identifier="W"
        section-identifier="s1"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="MIN">
      <qti-sum><qti-outcome-minimum outcome-identifier="SCORE"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="NCORRECT"><qti-number-correct/></qti-set-outcome-value>
    <qti-set-outcome-value identifier="NINCORRECT"><qti-number-incorrect/></qti-set-outcome-value>
    <qti-set-outcome-value identifier="NRESPONDED"><qti-number-responded/></qti-set-outcome-value>
    <qti-set-outcome-value identifier="NPRESENTED"><qti-number-presented/></qti-set-outcome-value>
    <qti-set-outcome-value identifier="NSELECTED_S2">
      <qti-number-selected section-identifier="s2"/>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="Q2">
      <qti-variable identifier="q2.SCORE" weight-identifier="W"/>
    </qti-set-outcome-value>
  </qti-outcome-processing>
</qti-assessment-test>"""


def test_inline_test_outcome_processing() -> None:
    results = {
        "q1": result("right", 4.0),  # math, W 2
        "q2": result("right", 2.0),  # math hard, W 0.5
        "q3": result("wrong", 3.0),  # reading
        "q4": result("blank", 5.0),
    }
    out = values(TEST, results)
    assert out["SCORE"] == 6.0
    assert out["WEIGHTED"] == 4.0 * 2 + 2.0 * 0.5 + 0.0 + 0.0
    assert out["MATH"] == 4.0
    assert out["NOT_MATH"] == 0.0
    assert out["MAX"] == 4.0 + 2.0 + 3.0 + 5.0
    assert out["MAX_WEIGHTED"] == 4.0 * 2 + 2.0 * 0.5
    assert out["MIN"] == -4.0
    assert out["NCORRECT"] == 2
    assert out["NINCORRECT"] == 1
    assert out["NRESPONDED"] == 3
    assert out["NPRESENTED"] == 4
    assert out["NSELECTED_S2"] == 2
    assert out["Q2"] == 1.0


def test_inline_test_with_an_item_missing() -> None:
    out = values(TEST, {"q1": result("right", 4.0)})
    assert out["SCORE"] == 4.0
    assert out["NPRESENTED"] == 1
    assert out["Q2"] is None
