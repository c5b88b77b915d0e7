"""The demo district's QTI content: four items of our own and a two-part test, so that
`make run` has a test for the demo students to take. Safe to run again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from qti.choices import ResourceKind
from qti.models import QtiResource
from qti.services.resources import qti_resource_create, qti_resource_update

__all__ = ["DEMO_ITEM_STANDARDS", "DEMO_TEST_ID", "DemoContent", "qti_demo_seed"]

DEMO_TEST_ID = "demo-fractions-check"
_NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'
_MATCH_CORRECT = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"

_ITEMS = {
    "demo-half": f"""<qti-assessment-item {_NS} identifier="demo-half" title="Half of eight"
  adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1" shuffle="true">
      <qti-prompt>What is one half of 8?</qti-prompt>
      <qti-simple-choice identifier="A">2</qti-simple-choice>
      <qti-simple-choice identifier="B">4</qti-simple-choice>
      <qti-simple-choice identifier="C">6</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="{_MATCH_CORRECT}"/>
</qti-assessment-item>""",
    "demo-equivalent": f"""<qti-assessment-item {_NS} identifier="demo-equivalent"
  title="Equivalent fractions" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="multiple"
    base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value><qti-value>C</qti-value>
    </qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="3">
      <qti-prompt>Which fractions equal 1/2? Choose all that apply.</qti-prompt>
      <qti-simple-choice identifier="A">2/4</qti-simple-choice>
      <qti-simple-choice identifier="B">2/3</qti-simple-choice>
      <qti-simple-choice identifier="C">5/10</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="{_MATCH_CORRECT}"/>
</qti-assessment-item>""",
    "demo-quarter": f"""<qti-assessment-item {_NS} identifier="demo-quarter"
  title="A quarter of twenty" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="integer">
    <qti-correct-response><qti-value>5</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"/>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-item-body>
    <p>One quarter of 20 is
      <qti-text-entry-interaction response-identifier="RESPONSE" expected-length="3"/>.</p>
    <qti-feedback-block outcome-identifier="FEEDBACK" identifier="right" show-hide="show">
      <p>Right: 20 ÷ 4 = 5.</p></qti-feedback-block>
    <qti-feedback-block outcome-identifier="FEEDBACK" identifier="wrong" show-hide="show">
      <p>Not quite: split 20 into 4 equal groups.</p></qti-feedback-block>
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
      <qti-response-else>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">0</qti-base-value></qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">wrong</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>
</qti-assessment-item>""",
    "demo-order": f"""<qti-assessment-item {_NS} identifier="demo-order"
  title="Smallest to largest" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="ordered"
    base-type="identifier">
    <qti-correct-response><qti-value>Q</qti-value><qti-value>H</qti-value>
      <qti-value>T</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="1"/>
  <qti-item-body>
    <qti-order-interaction response-identifier="RESPONSE" shuffle="true">
      <qti-prompt>Put the fractions in order, smallest first.</qti-prompt>
      <qti-simple-choice identifier="H">1/2</qti-simple-choice>
      <qti-simple-choice identifier="Q">1/4</qti-simple-choice>
      <qti-simple-choice identifier="T">3/4</qti-simple-choice>
    </qti-order-interaction>
  </qti-item-body>
  <qti-response-processing template="{_MATCH_CORRECT}"/>
</qti-assessment-item>""",
}

_TEST = f"""<qti-assessment-test {_NS} identifier="{DEMO_TEST_ID}" title="Fractions check">
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
    normal-maximum="4"/>
  <qti-outcome-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-sum><qti-test-variables variable-identifier="SCORE"/></qti-sum>
    </qti-set-outcome-value>
  </qti-outcome-processing>
  <qti-test-part identifier="warm-up" navigation-mode="nonlinear"
    submission-mode="simultaneous">
    <qti-assessment-section identifier="basics" title="Warm-up" visible="true">
      <qti-ordering shuffle="true"/>
      <qti-assessment-item-ref identifier="demo-half" href="demo-half.xml"/>
      <qti-assessment-item-ref identifier="demo-equivalent" href="demo-equivalent.xml"/>
    </qti-assessment-section>
  </qti-test-part>
  <qti-test-part identifier="practice" navigation-mode="linear" submission-mode="individual">
    <qti-item-session-control max-attempts="2" show-feedback="true"/>
    <qti-time-limits max-time="900"/>
    <qti-assessment-section identifier="practice-section" title="Practice" visible="true">
      <qti-assessment-item-ref identifier="demo-quarter" href="demo-quarter.xml"/>
      <qti-assessment-item-ref identifier="demo-order" href="demo-order.xml"/>
    </qti-assessment-section>
  </qti-test-part>
</qti-assessment-test>"""


@dataclass(frozen=True)
class DemoContent:
    created: int
    test: QtiResource


# The demo framework's standards each item assesses (its codes; see case.services.demo).
DEMO_ITEM_STANDARDS = {
    "demo-half": ["TB.NF.3.1"],
    "demo-equivalent": ["TB.NF.3.3", "TB.NF.4.1"],
    "demo-quarter": ["TB.NF.4.3"],
    "demo-order": ["TB.NF.4.2"],
}


@transaction.atomic
def qti_demo_seed(*, org_id: int, objectives: Mapping[str, list[str]] | None = None) -> DemoContent:
    """Store the demo items and test in organisation ``org_id`` (those missing only).
    ``objectives``: the CASE item identifiers each item is aligned to (its metadata's
    ``learningObjectiveSet``), set where an item has none yet."""
    created = 0
    existing = set(
        QtiResource.objects.filter(
            org_scope_id=org_id, identifier__in=[*_ITEMS, DEMO_TEST_ID]
        ).values_list("identifier", flat=True)
    )
    for identifier, xml in _ITEMS.items():
        ids = (objectives or {}).get(identifier)
        metadata = (
            {
                "subject": "Mathematics",
                "learningObjectiveSet": [{"source": "CASE", "learningObjectiveIds": ids}],
            }
            if ids
            else None
        )
        if identifier not in existing:
            qti_resource_create(org_id=org_id, kind=ResourceKind.ITEM, xml=xml, metadata=metadata)
            created += 1
            continue
        item = QtiResource.objects.get(
            org_scope_id=org_id, kind=ResourceKind.ITEM, identifier=identifier
        )
        if metadata and not item.metadata.get("learningObjectiveSet"):
            qti_resource_update(resource=item, metadata={**item.metadata, **metadata})
    if DEMO_TEST_ID not in existing:
        qti_resource_create(org_id=org_id, kind=ResourceKind.TEST, xml=_TEST)
        created += 1
    test = QtiResource.objects.get(
        org_scope_id=org_id, kind=ResourceKind.TEST, identifier=DEMO_TEST_ID
    )
    return DemoContent(created=created, test=test)
