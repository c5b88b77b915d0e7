"""Completions into the OneRoster gradebook, as Timeback files them.

Each activity of an app gets one ``AssessmentLineItem`` (sourcedId ``caliper_<sha256 of the
client and the activity IRI>``), and each completion one ``AssessmentResult`` (sourcedId
``caliper_<event id>``, e.g. ``caliper_urn:uuid:…``), ``scoreStatus`` "fully graded",
``score`` = accuracy × 100, ``scoreDate`` = the completion's UTC day, and XP in ``metadata``
(``xp``, ``multiplier``, ``accuracy`` (0–100), ``totalQuestions``, ``correctQuestions``,
``masteredUnits``, ``appName``, ``attempt``), so roster clients see XP where they expect it.
Both ids are deterministic: recomputing rewrites the same rows, never adds one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from mastery.models import ActivityOutcome
from mastery.services.bulk import bulk_upsert
from mastery.services.outcomes import ScoredCompletion
from roster.models import AssessmentLineItem, AssessmentResult, Course
from tenancy.models import ApiClient

__all__ = [
    "LESSON_TYPE",
    "SCORE_STATUS",
    "SOURCE_SYSTEM",
    "assessment_results_write",
    "course_sourced_id_of",
    "line_item_sourced_id",
    "result_metadata",
    "result_sourced_id",
]

SCORE_STATUS = "fully graded"
SOURCE_SYSTEM = "caliper"
LESSON_TYPE = "external-lesson"

_RESULT_UPDATE_FIELDS = [
    "assessment_line_item",
    "student",
    "score",
    "score_date",
    "score_status",
    "metadata",
    "org_scope",
    "status",
    "source_system",
    "date_last_modified",
]


def line_item_sourced_id(*, api_client_id: int, activity_iri: str) -> str:
    """The line item id of an activity of an app: ``caliper_`` + 64 hex digits."""
    digest = hashlib.sha256(f"{api_client_id}\n{activity_iri}".encode()).hexdigest()
    return f"caliper_{digest}"


def result_sourced_id(*, external_id: str) -> str:
    """The result id of a completion: ``caliper_`` + the event id."""
    return f"caliper_{external_id}"


def course_sourced_id_of(course_iri: str) -> str:
    """The sourcedId a course IRI names: the last segment of a URL or URN, else the IRI."""
    return re.split(r"[/:]", course_iri.rstrip("/"))[-1] if course_iri else ""


def result_metadata(*, outcome: ActivityOutcome, external_id: str) -> dict[str, Any]:
    """The ``metadata`` of a completion's result, in Timeback's keys."""
    return {
        "xp": outcome.xp_awarded,
        "multiplier": outcome.multiplier,
        "accuracy": None if outcome.accuracy is None else round(outcome.accuracy * 100, 2),
        "totalQuestions": outcome.total_questions,
        "correctQuestions": outcome.correct_questions,
        "masteredUnits": outcome.mastered_units,
        "appName": outcome.app_name,
        "attempt": outcome.attempt,
        "originalObjectId": outcome.activity_iri,
        "caliperSourcedId": external_id,
        "lessonType": LESSON_TYPE,
    }


def assessment_results_write(*, completions: Sequence[ScoredCompletion]) -> int:
    """Upsert the line items and results of ``completions``. A line item, shared by every
    student of the activity, is created once and then left alone (so two lanes never wait
    on each other's line items); a result is rewritten with the current award. Returns the
    number of results written. Four queries and two upserts."""
    if not completions:
        return 0
    outcomes = [c.outcome for c in completions]
    homes = dict(
        ApiClient.objects.filter(pk__in={o.api_client_id for o in outcomes}).values_list(
            "pk", "organisation_id"
        )
    )
    wanted_courses = {course_sourced_id_of(o.course_iri) for o in outcomes} - {""}
    courses = dict(
        Course.objects.filter(sourced_id__in=wanted_courses).values_list("sourced_id", "pk")
    )

    items: dict[str, AssessmentLineItem] = {}
    item_of: list[str] = []
    for outcome in outcomes:
        sid = line_item_sourced_id(
            api_client_id=outcome.api_client_id, activity_iri=outcome.activity_iri
        )
        item_of.append(sid)
        if sid in items:
            continue
        items[sid] = AssessmentLineItem(
            sourced_id=sid,
            title=(outcome.activity_name or outcome.activity_iri.rstrip("/").rsplit("/", 1)[-1])[
                :255
            ],
            course_id=courses.get(course_sourced_id_of(outcome.course_iri)),
            result_value_min=0.0,
            result_value_max=100.0,
            org_scope_id=homes[outcome.api_client_id],
            source_system=SOURCE_SYSTEM,
            metadata={
                "originalObjectId": outcome.activity_iri,
                "appName": outcome.app_name,
                "lessonType": LESSON_TYPE,
            },
        )
    # Sorted: concurrent lanes insert shared rows in one order, so they cannot deadlock.
    bulk_upsert([items[sid] for sid in sorted(items)], ignore_conflicts=True)
    item_pks = dict(
        AssessmentLineItem.objects.filter(sourced_id__in=list(items)).values_list(
            "sourced_id", "pk"
        )
    )
    results = [
        AssessmentResult(
            sourced_id=result_sourced_id(external_id=completion.external_id),
            assessment_line_item_id=item_pks[sid],
            student_id=completion.outcome.student_id,
            score=(
                None
                if completion.outcome.accuracy is None
                else round(completion.outcome.accuracy * 100, 2)
            ),
            score_date=completion.outcome.day,
            score_status=SCORE_STATUS,
            metadata=result_metadata(
                outcome=completion.outcome, external_id=completion.external_id
            ),
            org_scope_id=completion.outcome.org_scope_id,
            source_system=SOURCE_SYSTEM,
        )
        for completion, sid in zip(completions, item_of, strict=True)
    ]
    bulk_upsert(
        results,
        unique_fields=["sourced_id"],
        update_fields=_RESULT_UPDATE_FIELDS,
    )
    return len(results)
