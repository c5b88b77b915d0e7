"""Small QTI 3.0 documents of our own for the delivery tests: choice items, an adaptive
item, a templated item, and tests built from parts."""

from __future__ import annotations

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'


def choice_item(identifier: str, correct: str = "A", max_choices: int = 1) -> str:
    cardinality = "single" if max_choices == 1 else "multiple"
    return f"""<qti-assessment-item {NS} identifier="{identifier}" title="Item {identifier}"
  adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="{cardinality}"
    base-type="identifier">
    <qti-correct-response><qti-value>{correct}</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"><qti-default-value><qti-value>0</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="{max_choices}">
      <qti-prompt>Pick {correct} ({identifier})</qti-prompt>
      <qti-simple-choice identifier="A">Alpha</qti-simple-choice>
      <qti-simple-choice identifier="B">Beta</qti-simple-choice>
      <qti-simple-choice identifier="C">Gamma</qti-simple-choice>
    </qti-choice-interaction>
    <qti-feedback-block outcome-identifier="FEEDBACK" identifier="right" show-hide="show">
      <p>Well done</p></qti-feedback-block>
  </qti-item-body>
  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/>
        </qti-match>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">1</qti-base-value></qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">right</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-if>
    </qti-response-condition>
  </qti-response-processing>
</qti-assessment-item>"""


def text_item(identifier: str, answer: str = "Paris") -> str:
    return f"""<qti-assessment-item {NS} identifier="{identifier}" title="Text {identifier}"
  adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
    <qti-correct-response><qti-value>{answer}</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body><p>Capital of France?
    <qti-text-entry-interaction response-identifier="RESPONSE" pattern-mask="[A-Za-z]+"/></p>
  </qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


def adaptive_item(identifier: str) -> str:
    """Complete once the student answers A; SCORE counts down with each try."""
    return f"""<qti-assessment-item {NS} identifier="{identifier}" title="Adaptive"
  adaptive="true" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float">
    <qti-default-value><qti-value>3</qti-value></qti-default-value></qti-outcome-declaration>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">Alpha</qti-simple-choice>
      <qti-simple-choice identifier="B">Beta</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-match><qti-variable identifier="RESPONSE"/><qti-correct identifier="RESPONSE"/>
        </qti-match>
        <qti-set-outcome-value identifier="completionStatus">
          <qti-base-value base-type="identifier">completed</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-if>
      <qti-response-else>
        <qti-set-outcome-value identifier="SCORE">
          <qti-subtract><qti-variable identifier="SCORE"/>
            <qti-base-value base-type="float">1</qti-base-value></qti-subtract>
        </qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>
</qti-assessment-item>"""


def templated_item(identifier: str) -> str:
    """What is A + B? with A and B drawn by template processing."""
    return f"""<qti-assessment-item {NS} identifier="{identifier}" title="Sum"
  adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer"/>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"/>
  <qti-template-declaration identifier="A" cardinality="single" base-type="integer"
    math-variable="true"/>
  <qti-template-declaration identifier="B" cardinality="single" base-type="integer"
    math-variable="true"/>
  <qti-template-processing>
    <qti-set-template-value identifier="A"><qti-random-integer min="1" max="50"/>
    </qti-set-template-value>
    <qti-set-template-value identifier="B"><qti-random-integer min="1" max="50"/>
    </qti-set-template-value>
    <qti-set-correct-response identifier="RESPONSE">
      <qti-sum><qti-variable identifier="A"/><qti-variable identifier="B"/></qti-sum>
    </qti-set-correct-response>
  </qti-template-processing>
  <qti-item-body><p><qti-printed-variable identifier="A"/> +
    <qti-printed-variable identifier="B"/> =
    <qti-text-entry-interaction response-identifier="RESPONSE"/></p></qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


SUM_OUTCOMES = """<qti-outcome-declaration identifier="SCORE" cardinality="single"
    base-type="float"/>
  <qti-outcome-declaration identifier="CORRECT" cardinality="single" base-type="integer"/>
  <qti-outcome-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-sum><qti-test-variables variable-identifier="SCORE"/></qti-sum>
    </qti-set-outcome-value>
    <qti-set-outcome-value identifier="CORRECT"><qti-number-correct/></qti-set-outcome-value>
  </qti-outcome-processing>"""


def assessment_test(body: str, identifier: str = "quiz", extra: str = "") -> str:
    return f"""<qti-assessment-test {NS} identifier="{identifier}" title="Quiz {identifier}">
  {SUM_OUTCOMES}
  {extra}
  {body}
</qti-assessment-test>"""


def part(
    identifier: str,
    sections: str,
    navigation: str = "linear",
    submission: str = "individual",
    control: str = "",
    extra: str = "",
) -> str:
    return f"""<qti-test-part identifier="{identifier}" navigation-mode="{navigation}"
    submission-mode="{submission}">{control}{extra}{sections}</qti-test-part>"""


def section(identifier: str, refs: str, extra: str = "", attrs: str = "") -> str:
    return f"""<qti-assessment-section identifier="{identifier}" title="Section {identifier}"
    visible="true" {attrs}>{extra}{refs}</qti-assessment-section>"""


def ref(identifier: str, href: str | None = None, extra: str = "", attrs: str = "") -> str:
    return (
        f'<qti-assessment-item-ref identifier="{identifier}" href="{href or identifier + ".xml"}"'
        f" {attrs}>{extra}</qti-assessment-item-ref>"
    )


def match(variable: str, value: str) -> str:
    return (
        f'<qti-match><qti-variable identifier="{variable}"/>'
        f'<qti-base-value base-type="identifier">{value}</qti-base-value></qti-match>'
    )
