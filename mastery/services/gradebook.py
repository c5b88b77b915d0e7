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

from django.db import connection
from django.utils import timezone

from mastery.services.bulk import bulk_upsert_rows, is_postgresql
from mastery.services.outcomes import OutcomeRow, ScoredCompletion, json_param
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

_LINE_ITEM_FIELDS = (
    "sourced_id",
    "title",
    "course_id",
    "result_value_min",
    "result_value_max",
    "org_scope_id",
    "source_system",
    "metadata",
)
_RESULT_FIELDS = (
    "sourced_id",
    "assessment_line_item_id",
    "student_id",
    "score",
    "score_date",
    "score_status",
    "metadata",
    "org_scope_id",
    "source_system",
    "date_last_modified",
)
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


def result_metadata(*, outcome: OutcomeRow, external_id: str) -> dict[str, Any]:
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
    """Upsert the line items and results of the ``completions`` whose outcome changed (a
    result is a function of its outcome: an unchanged outcome has its result already). A
    line item, shared by every student of the activity, is created once and then left alone
    (so two lanes never wait on each other's line items); a result is rewritten with the
    current award. Returns the number of results written. Five queries at most."""
    changed = [c for c in completions if c.changed]
    if not changed:
        return 0
    outcomes = [c.outcome for c in changed]
    item_of = [
        line_item_sourced_id(api_client_id=o.api_client_id, activity_iri=o.activity_iri)
        for o in outcomes
    ]
    item_pks = _line_items_ensure(outcomes, item_of)
    now = timezone.now()
    results = [
        (
            result_sourced_id(external_id=completion.external_id),
            item_pks[sid],
            completion.outcome.student_id,
            (
                None
                if completion.outcome.accuracy is None
                else round(completion.outcome.accuracy * 100, 2)
            ),
            completion.outcome.day,
            SCORE_STATUS,
            result_metadata(outcome=completion.outcome, external_id=completion.external_id),
            completion.outcome.org_scope_id,
            SOURCE_SYSTEM,
            now,
        )
        for completion, sid in zip(changed, item_of, strict=True)
    ]
    return bulk_upsert_rows(
        AssessmentResult,
        fields=_RESULT_FIELDS,
        rows=results,
        unique_fields=["sourced_id"],
        update_fields=_RESULT_UPDATE_FIELDS,
    )


def _line_items_ensure(outcomes: Sequence[OutcomeRow], item_of: Sequence[str]) -> dict[str, int]:
    """The pks of the line items ``item_of`` (sourcedId per outcome), creating those that do
    not exist yet."""
    wanted = sorted(set(item_of))
    item_pks = _line_item_pks(wanted)
    missing = {sid for sid in wanted if sid not in item_pks}
    if not missing:
        return item_pks
    homes = dict(
        ApiClient.objects.filter(pk__in={o.api_client_id for o in outcomes}).values_list(
            "pk", "organisation_id"
        )
    )
    wanted_courses = {course_sourced_id_of(o.course_iri) for o in outcomes} - {""}
    courses = dict(
        Course.objects.filter(sourced_id__in=wanted_courses).values_list("sourced_id", "pk")
    )
    items: dict[str, tuple[Any, ...]] = {}
    for outcome, sid in zip(outcomes, item_of, strict=True):
        if sid not in missing or sid in items:
            continue
        items[sid] = (
            sid,
            (outcome.activity_name or outcome.activity_iri.rstrip("/").rsplit("/", 1)[-1])[:255],
            courses.get(course_sourced_id_of(outcome.course_iri)),
            0.0,
            100.0,
            homes[outcome.api_client_id],
            SOURCE_SYSTEM,
            {
                "originalObjectId": outcome.activity_iri,
                "appName": outcome.app_name,
                "lessonType": LESSON_TYPE,
            },
        )
    # Sorted: concurrent lanes insert shared rows in one order, so they cannot deadlock.
    bulk_upsert_rows(
        AssessmentLineItem,
        fields=_LINE_ITEM_FIELDS,
        rows=[items[sid] for sid in sorted(items)],
        ignore_conflicts=True,
    )
    item_pks.update(_line_item_pks(sorted(missing)))
    return item_pks


def _line_item_pks(sourced_ids: list[str]) -> dict[str, int]:
    if not sourced_ids:
        return {}
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sourced_id, id FROM roster_assessmentlineitem "
                "WHERE sourced_id IN (SELECT jsonb_array_elements_text(%s::jsonb))",
                [json_param(sourced_ids)],
            )
            return dict(cursor.fetchall())
    return dict(
        AssessmentLineItem.objects.filter(sourced_id__in=sourced_ids).values_list(
            "sourced_id", "pk"
        )
    )
