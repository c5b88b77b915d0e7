"""Lookup tables, custom operators and template constraints, on inline items (no ../shared)."""

from __future__ import annotations

import pytest

from qti.processing import (
    ItemScorer,
    QtiProcessingError,
    Value,
    register_custom_operator,
    unregister_custom_operator,
)

HEAD = '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="i" title="t" adaptive="false" time-dependent="false">'  # noqa: E501

LOOKUP = f"""{HEAD}
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="GRADE" cardinality="single" base-type="identifier">
    <qti-match-table default-value="none">
      <qti-match-table-entry source-value="1" target-value="low"/>
      <qti-match-table-entry source-value="2" target-value="high"/>
    </qti-match-table>
  </qti-outcome-declaration>
  <qti-outcome-declaration identifier="BAND" cardinality="single" base-type="float">
    <qti-interpolation-table default-value="0">
      <qti-interpolation-table-entry source-value="90" include-boundary="true" target-value="3"/>
      <qti-interpolation-table-entry source-value="50" include-boundary="true" target-value="2"/>
      <qti-interpolation-table-entry source-value="0" include-boundary="true" target-value="1"/>
    </qti-interpolation-table>
  </qti-outcome-declaration>
  <qti-item-body/>
  <qti-response-processing>
    <qti-lookup-outcome-value identifier="GRADE">
      <qti-variable identifier="RESPONSE"/>
    </qti-lookup-outcome-value>
    <qti-lookup-outcome-value identifier="BAND">
      <qti-variable identifier="RESPONSE"/>
    </qti-lookup-outcome-value>
  </qti-response-processing>
</qti-assessment-item>"""


@pytest.mark.parametrize(
    ("response", "grade", "band"),
    [(1, "low", 1.0), (2, "high", 1.0), (7, "none", 1.0), (50, "none", 2.0), (95, "none", 3.0)],
)
def test_match_and_interpolation_tables(response: int, grade: str, band: float) -> None:
    result = ItemScorer.from_xml(LOOKUP).score({"RESPONSE": str(response)})
    assert result.outcome("GRADE") == grade and result.outcome("BAND") == band


CUSTOM = f"""{HEAD}
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body/>
  <qti-response-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-custom-operator class="org.example.Length">
        <qti-variable identifier="RESPONSE"/>
      </qti-custom-operator>
    </qti-set-outcome-value>
  </qti-response-processing>
</qti-assessment-item>"""


def test_a_registered_custom_operator_is_called_and_an_unknown_one_is_named() -> None:
    def length(args, attributes, ctx):  # type: ignore[no-untyped-def]
        return Value("single", "float", float(len(args[0].value)))

    register_custom_operator("org.example.Length", length)
    try:
        assert ItemScorer.from_xml(CUSTOM).score({"RESPONSE": "abcd"}).score == 4.0
    finally:
        unregister_custom_operator("org.example.Length")
    with pytest.raises(QtiProcessingError, match="org.example.Length"):
        ItemScorer.from_xml(CUSTOM).score({"RESPONSE": "abcd"})


TEMPLATED = f"""{HEAD}
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-template-declaration identifier="A" cardinality="single" base-type="integer"/>
  <qti-item-body/>
  <qti-template-processing>
    <qti-set-template-value identifier="A">
      <qti-random-integer min="1" max="9"/>
    </qti-set-template-value>
    <qti-template-constraint>
      <qti-equal tolerance-mode="exact">
        <qti-integer-modulus>
          <qti-variable identifier="A"/>
          <qti-base-value base-type="integer">2</qti-base-value>
        </qti-integer-modulus>
        <qti-base-value base-type="integer">0</qti-base-value>
      </qti-equal>
    </qti-template-constraint>
    <qti-set-correct-response identifier="RESPONSE">
      <qti-variable identifier="A"/>
    </qti-set-correct-response>
  </qti-template-processing>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct"/>
</qti-assessment-item>"""


def test_template_constraints_hold_and_seeds_reproduce() -> None:
    scorer = ItemScorer.from_xml(TEMPLATED)
    values = set()
    for seed in range(12):
        state = scorer.new_state(seed=seed)
        a = state.template_values["A"].value
        assert a % 2 == 0, "the constraint keeps only even values"
        assert scorer.new_state(seed=seed).template_values["A"].value == a
        assert scorer.score({"RESPONSE": str(a)}, state=state).score == 1.0
        values.add(a)
    assert len(values) > 1
