"""Reads of learner feedback on questions and lessons: what a client may see is the feedback
written in its granted organisations (``Grant.org_ids``), as for the rest of the QTI API."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from django.db.models import QuerySet

from common.exceptions import NotFound
from qti.models import QtiFeedback

__all__ = ["feedback_get", "feedback_list_for_lesson", "feedback_visible"]

MSG_FEEDBACK_NOT_FOUND = "Feedback {id!r} was not found"


def feedback_visible(*, org_ids: Collection[int]) -> QuerySet[QtiFeedback]:
    """The feedback written in the granted orgs."""
    return QtiFeedback.objects.filter(org_scope_id__in=list(org_ids))


def feedback_list_for_lesson(*, org_ids: Collection[int], lesson_id: str) -> list[QtiFeedback]:
    """The visible feedback on lesson ``lesson_id`` (and its questions), oldest first."""
    return list(
        feedback_visible(org_ids=org_ids).filter(lesson_id=lesson_id).order_by("created_at", "pk")
    )


def feedback_get(*, org_ids: Collection[int], public_id: str) -> QtiFeedback:
    """One visible feedback by its public id (404 when malformed, unknown or not visible)."""
    missing = NotFound(MSG_FEEDBACK_NOT_FOUND.format(id=public_id), field="id")
    try:
        wanted = uuid.UUID(public_id)
    except ValueError:
        raise missing from None
    row = feedback_visible(org_ids=org_ids).filter(public_id=wanted).first()
    if row is None:
        raise missing
    return row
