"""Alignment both ways and the evidence per student and standard: content of every kind
aligned through its learningObjectiveSet (QTI content also through its package's CASE
metadata), the index kept in step with changes and deletions, tenancy, and results rolled up
per standard with the mastery gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from case.choices import AlignedKind
from case.models import CaseAlignment, StandardEvidence
from case.selectors.alignment import (
    content_for_standard,
    evidence_for_standard,
    evidence_of_student,
    standards_of_object,
)
from case.services.alignment import alignments_refresh, evidence_refresh
from case.services.packages import framework_import
from case.tasks import standards_evidence_refresh_task
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

pytestmark = pytest.mark.django_db


def los(*ids: str, source: str = "CASE") -> list[dict[str, Any]]:
    return [{"source": source, "learningObjectiveIds": list(ids)}]


@pytest.fixture
def world() -> dict[str, Any]:
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


def orgs(world: dict[str, Any], name: str) -> set[int]:
    scene = world[name]
    return {scene.district.pk, scene.school.pk}


def test_what_teaches_a_standard(world: dict[str, Any]) -> None:
    alignments_refresh()
    found = content_for_standard(identifier=CHILD_A, org_ids=orgs(world, "a"))
    assert [(o.kind, o.identifier) for o in found] == [
        ("assessmentLineItem", "al-quiz"),
        ("componentResource", "al-lesson"),
        ("courseComponent", "al-unit"),
        ("resource", "al-video"),
    ]
    both = content_for_standard(identifier=CHILD_B, org_ids=orgs(world, "a"))
    assert {(o.kind, o.identifier) for o in both} == {
        ("assessmentLineItem", "al-quiz"),
        ("qtiItem", "al-q1"),
    }
    # Tenancy: the other district sees its own video only; an administrator sees both.
    assert [
        o.identifier for o in content_for_standard(identifier=CHILD_A, org_ids=orgs(world, "b"))
    ] == ["bl-video"]
    everyone = content_for_standard(identifier=CHILD_A, org_ids=None, kinds=["resource"])
    assert [o.identifier for o in everyone] == ["al-video", "bl-video"]


def test_what_standards_an_object_covers(world: dict[str, Any]) -> None:
    refs = standards_of_object(kind=AlignedKind.COMPONENT_RESOURCE, obj=world["lesson"])
    assert [(r.source, r.identifier) for r in refs] == [
        ("CASE", CHILD_A),
        ("Other", "not-a-case-item"),
    ]
    assert refs[0].item is not None and refs[0].item.human_coding_scheme == "EX.NO.1"
    assert refs[1].item is None
    unit = standards_of_object(kind=AlignedKind.COURSE_COMPONENT, obj=world["component"])
    assert [r.item.human_coding_scheme for r in unit if r.item] == ["EX.NO", "EX.NO.1"]


def test_the_index_follows_changes_and_deletions(world: dict[str, Any]) -> None:
    alignments_refresh()
    resource = world["resource"]
    resource.metadata = {"learningObjectiveSet": los(CHILD_B)}
    resource.save()
    world["other"].delete()
    alignments_refresh()
    assert [
        o.identifier
        for o in content_for_standard(identifier=CHILD_A, org_ids=None, kinds=["resource"])
    ] == []
    assert [
        o.identifier
        for o in content_for_standard(identifier=CHILD_B, org_ids=None, kinds=["resource"])
    ] == ["al-video"]
    before = set(CaseAlignment.objects.values_list("kind", "target_id", "objective"))
    alignments_refresh()
    alignments_refresh(full=True)
    assert set(CaseAlignment.objects.values_list("kind", "target_id", "objective")) == before


def test_malformed_sets_are_skipped(world: dict[str, Any]) -> None:
    world["resource"].metadata = {
        "learningObjectiveSet": [
            "text",
            {"source": "CASE"},
            {"source": 3, "learningObjectiveIds": ["x"]},
            {"source": "CASE", "learningObjectiveIds": [5, "", "y" * 300, CHILD_B]},
        ]
    }
    world["resource"].save()
    alignments_refresh()
    assert list(
        CaseAlignment.objects.filter(kind="resource", target_id=world["resource"].pk).values_list(
            "objective", flat=True
        )
    ) == [CHILD_B]


def _result(
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


def test_results_roll_up_per_student_and_standard(world: dict[str, Any]) -> None:
    ada, bob = world["a"].students
    for score, day in ((10, 1), (6, 2), (9, 3), (10, 4)):
        _result(world, ada, score, day)
    _result(world, ada, 3, 5, status="not submitted")  # not graded: no evidence
    _result(world, bob, 5, 1, learning_objective_set=los(ROOT))  # its own alignment too
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    AssessmentResult.objects.update(date_last_modified=an_hour_ago)
    AssessmentLineItem.objects.update(date_last_modified=an_hour_ago)
    assert evidence_refresh() == 5  # ada: A and B; bob: A, B and ROOT
    a_on_a = StandardEvidence.objects.get(student=ada, objective=CHILD_A)
    assert a_on_a.results == 4
    assert a_on_a.accuracy == pytest.approx((1 + 0.6 + 0.9 + 1) / 4)
    assert a_on_a.recent_accuracy == pytest.approx((0.6 + 0.9 + 1) / 3)
    assert a_on_a.mastered is False  # 83%: below the 90% gate
    assert StandardEvidence.objects.get(student=bob, objective=ROOT).accuracy == 0.5
    _result(world, ada, 10, 6)
    assert evidence_refresh() == 2  # only ada's rows are recomputed
    a_on_a = StandardEvidence.objects.get(student=ada, objective=CHILD_A)
    assert a_on_a.results == 5 and a_on_a.mastered is True  # (0.9 + 1 + 1) / 3
    rows = evidence_of_student(student_id=ada.pk)
    assert [(e.objective, item.human_coding_scheme) for e, item in rows] == [
        (CHILD_A, "EX.NO.1"),
        (CHILD_B, "EX.NO.2"),
    ]
    assert [
        e.student.sourced_id
        for e in evidence_for_standard(identifier=CHILD_A, org_ids=orgs(world, "a"))
    ] == [
        "al-stu-1",
        "al-stu-0",
    ]
    assert list(evidence_for_standard(identifier=CHILD_A, org_ids=orgs(world, "b"))) == []


def test_a_line_item_aligned_later_recomputes_its_students(world: dict[str, Any]) -> None:
    ada = world["a"].students[0]
    plain = AssessmentLineItem.objects.create(
        sourced_id="al-plain", title="Plain", org_scope=world["a"].school, result_value_max=100
    )
    _result(world, ada, 95, 1, line=plain)
    evidence_refresh()
    assert not StandardEvidence.objects.filter(student=ada).exists()
    plain.learning_objective_set = los(ROOT)
    plain.save()
    evidence_refresh()
    assert StandardEvidence.objects.get(student=ada, objective=ROOT).mastered is True


def test_the_periodic_task_refreshes(world: dict[str, Any]) -> None:
    _result(world, world["a"].students[0], 10, 1)
    assert standards_evidence_refresh_task.delay().get() == 2
    assert CaseAlignment.objects.filter(kind="qtiItem").count() == 1
