"""Writes of learner feedback on questions and lessons (Timeback's ``POST /question``,
``POST /lesson`` and ``DELETE /{id}``).

The feedback belongs to the writing client's organisation; the lesson, question and user it
names are the client's identifiers, stored as given. Bad input raises an ``ApplicationError``
(400) naming the field in Timeback's spelling; nothing is stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from common.exceptions import ApplicationError
from qti.choices import FeedbackKind
from qti.models import QtiFeedback

__all__ = ["qti_feedback_create", "qti_feedback_delete"]

MSG_FIELD_INVALID = "{field}: {message}"
MSG_KIND_INVALID = "type: must be one of {kinds}"

# Model fields → the names the API gives them.
API_FIELDS = {
    "kind": "type",
    "lesson_id": "lessonId",
    "question_id": "questionId",
    "user_id": "userId",
    "feedback": "feedback",
    "human_approved": "humanApproved",
}


@transaction.atomic
def qti_feedback_create(
    *,
    org_id: int,
    api_client_id: int | None,
    kind: str,
    lesson_id: str,
    user_id: str,
    feedback: str,
    question_id: str = "",
    human_approved: bool = False,
) -> QtiFeedback:
    """Store one learner's feedback on a lesson, or on a question of it, in organisation
    ``org_id`` (written by API client ``api_client_id``)."""
    if kind not in FeedbackKind.values:
        raise ApplicationError(
            MSG_KIND_INVALID.format(kinds=", ".join(FeedbackKind.values)), field="type"
        )
    row = QtiFeedback(
        kind=kind,
        lesson_id=lesson_id,
        question_id=question_id,
        user_id=user_id,
        feedback=feedback,
        human_approved=human_approved,
        org_scope_id=org_id,
        api_client_id=api_client_id,
    )
    try:
        row.full_clean(exclude=["org_scope", "api_client"])
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        field = API_FIELDS.get(name, "body")
        raise ApplicationError(
            MSG_FIELD_INVALID.format(field=field, message=messages[0]), field=field
        ) from exc
    row.save()
    return row


@transaction.atomic
def qti_feedback_delete(*, feedback: QtiFeedback) -> None:
    """Delete one feedback."""
    feedback.delete()
