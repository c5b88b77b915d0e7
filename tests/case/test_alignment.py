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
from case.tasks import standards_evidence_refresh_task
from roster.models import (
    AssessmentLineItem,
    AssessmentResult,
)
from tests.case.alignment_world import los, orgs, result_add
from tests.case.fixtures import CHILD_A, CHILD_B, ROOT

pytestmark = pytest.mark.django_db


def test_what_teaches_a_standard(aligned: dict[str, Any]) -> None:
    alignments_refresh()
    found = content_for_standard(identifier=CHILD_A, org_ids=orgs(aligned, "a"))
    assert [(o.kind, o.identifier) for o in found] == [
        ("assessmentLineItem", "al-quiz"),
        ("componentResource", "al-lesson"),
        ("courseComponent", "al-unit"),
        ("resource", "al-video"),
    ]
    both = content_for_standard(identifier=CHILD_B, org_ids=orgs(aligned, "a"))
    assert {(o.kind, o.identifier) for o in both} == {
        ("assessmentLineItem", "al-quiz"),
        ("qtiItem", "al-q1"),
    }
    # Tenancy: the other district sees its own video only; an administrator sees both.
    assert [
        o.identifier for o in content_for_standard(identifier=CHILD_A, org_ids=orgs(aligned, "b"))
    ] == ["bl-video"]
    everyone = content_for_standard(identifier=CHILD_A, org_ids=None, kinds=["resource"])
    assert [o.identifier for o in everyone] == ["al-video", "bl-video"]


def test_what_standards_an_object_covers(aligned: dict[str, Any]) -> None:
    refs = standards_of_object(kind=AlignedKind.COMPONENT_RESOURCE, obj=aligned["lesson"])
    assert [(r.source, r.identifier) for r in refs] == [
        ("CASE", CHILD_A),
        ("Other", "not-a-case-item"),
    ]
    assert refs[0].item is not None and refs[0].item.human_coding_scheme == "EX.NO.1"
    assert refs[1].item is None
    unit = standards_of_object(kind=AlignedKind.COURSE_COMPONENT, obj=aligned["component"])
    assert [r.item.human_coding_scheme for r in unit if r.item] == ["EX.NO", "EX.NO.1"]


def test_the_index_follows_changes_and_deletions(aligned: dict[str, Any]) -> None:
    alignments_refresh()
    resource = aligned["resource"]
    resource.metadata = {"learningObjectiveSet": los(CHILD_B)}
    resource.save()
    aligned["other"].delete()
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


def test_malformed_sets_are_skipped(aligned: dict[str, Any]) -> None:
    aligned["resource"].metadata = {
        "learningObjectiveSet": [
            "text",
            {"source": "CASE"},
            {"source": 3, "learningObjectiveIds": ["x"]},
            {"source": "CASE", "learningObjectiveIds": [5, "", "y" * 300, CHILD_B]},
        ]
    }
    aligned["resource"].save()
    alignments_refresh()
    assert list(
        CaseAlignment.objects.filter(kind="resource", target_id=aligned["resource"].pk).values_list(
            "objective", flat=True
        )
    ) == [CHILD_B]


def test_results_roll_up_per_student_and_standard(aligned: dict[str, Any]) -> None:
    ada, bob = aligned["a"].students
    for score, day in ((10, 1), (6, 2), (9, 3), (10, 4)):
        result_add(aligned, ada, score, day)
    result_add(aligned, ada, 3, 5, status="not submitted")  # not graded: no evidence
    result_add(aligned, bob, 5, 1, learning_objective_set=los(ROOT))  # its own alignment too
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
    result_add(aligned, ada, 10, 6)
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
        for e in evidence_for_standard(identifier=CHILD_A, org_ids=orgs(aligned, "a"))
    ] == [
        "al-stu-1",
        "al-stu-0",
    ]
    assert list(evidence_for_standard(identifier=CHILD_A, org_ids=orgs(aligned, "b"))) == []


def test_a_line_item_aligned_later_recomputes_its_students(aligned: dict[str, Any]) -> None:
    ada = aligned["a"].students[0]
    plain = AssessmentLineItem.objects.create(
        sourced_id="al-plain", title="Plain", org_scope=aligned["a"].school, result_value_max=100
    )
    result_add(aligned, ada, 95, 1, line=plain)
    evidence_refresh()
    assert not StandardEvidence.objects.filter(student=ada).exists()
    plain.learning_objective_set = los(ROOT)
    plain.save()
    evidence_refresh()
    assert StandardEvidence.objects.get(student=ada, objective=ROOT).mastered is True


def test_the_periodic_task_refreshes(aligned: dict[str, Any]) -> None:
    result_add(aligned, aligned["a"].students[0], 10, 1)
    assert standards_evidence_refresh_task.delay().get() == 2
    assert CaseAlignment.objects.filter(kind="qtiItem").count() == 1
