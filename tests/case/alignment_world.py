"""The alignment tests' world: our framework, two districts, content of every kind aligned
to it in the first and one video in the second, and results."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from case.services.packages import framework_import
from qti.services.resources import qti_resource_create
from roster.models import (
    AssessmentLineItem,
    AssessmentResult,
    ComponentResource,
    CourseComponent,
    Resource,
)
from tests.case.fixtures import CHILD_A, CHILD_B, ROOT, package
from tests.mastery.factories import make_scene


def los(*ids: str, source: str = "CASE") -> list[dict[str, Any]]:
    return [{"source": source, "learningObjectiveIds": list(ids)}]


@pytest.fixture
def aligned() -> dict[str, Any]:
    assert framework_import(package=package(), source="file").ok
    a, b = make_scene("al"), make_scene("bl")
    resource = Resource.objects.create(
        sourced_id="al-video",
        title="Fractions video",
        vendor_resource_id="v1",
        org_scope=a.district,
        metadata={"type": "video", "learningObjectiveSet": los(CHILD_A)},
    )
    component = CourseComponent.objects.create(
        sourced_id="al-unit",
        title="Fractions unit",
        course=a.course,
        org_scope=a.school,
        metadata={"learningObjectiveSet": los(ROOT, CHILD_A)},
    )
    lesson = ComponentResource.objects.create(
        sourced_id="al-lesson",
        title="Adding fractions",
        course_component=component,
        resource=resource,
        org_scope=a.school,
        metadata={"learningObjectiveSet": los(CHILD_A) + los("not-a-case-item", source="Other")},
    )
    quiz = AssessmentLineItem.objects.create(
        sourced_id="al-quiz",
        title="Fractions quiz",
        org_scope=a.school,
        result_value_max=10,
        learning_objective_set=los(CHILD_A, CHILD_B),
    )
    item = qti_resource_create(
        org_id=a.district.pk,
        kind="item",
        xml=_item("al-q1"),
        metadata={"learningObjectiveSet": los(CHILD_B)},
    )
    other = Resource.objects.create(
        sourced_id="bl-video",
        title="Other org's video",
        vendor_resource_id="v2",
        org_scope=b.district,
        metadata={"learningObjectiveSet": los(CHILD_A)},
    )
    return {
        "a": a,
        "b": b,
        "resource": resource,
        "component": component,
        "lesson": lesson,
        "quiz": quiz,
        "item": item,
        "other": other,
    }


def _item(identifier: str) -> str:
    return f"""<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
  identifier="{identifier}" title="Q" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body><qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
    <qti-simple-choice identifier="A">A</qti-simple-choice>
  </qti-choice-interaction></qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


def orgs(aligned: dict[str, Any], name: str) -> set[int]:
    scene = aligned[name]
    return {scene.district.pk, scene.school.pk}


def result_add(
    world: dict[str, Any], student: Any, score: float, day: int, **kw: Any
) -> AssessmentResult:
    line = kw.pop("line", world["quiz"])
    return AssessmentResult.objects.create(
        sourced_id=f"r-{student.sourced_id}-{line.sourced_id}-{day}",
        assessment_line_item=line,
        student=student,
        score=score,
        score_date=dt.date(2026, 11, day),
        score_status=kw.pop("status", "fully graded"),
        org_scope=world["a"].school,
        **kw,
    )
