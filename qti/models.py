"""QTI 3.0 content: items, stimuli, tests and the other resources of content packages, each
stored with its original XML (as imported, after any 2.x → 3.0 conversion) and a parsed
form (``parsed``: what the API, rendering and delivery read without parsing XML again).

Identifiers are the QTI ``identifier`` of the document, unique per organisation scope (the
tenancy filter reads ``org_scope`` as everywhere). Timeback's metadata (subject, grade,
difficulty, learning objective set) lives in ``metadata``.

Learner feedback on questions and lessons (``QtiFeedback``) is kept beside the content, in the
writing client's organisation.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator
from django.db import models

from common.models import BaseModel
from qti.choices import (
    AttemptStatus,
    FeedbackKind,
    ImportStatus,
    ItemSessionStatus,
    ResourceKind,
)

__all__ = [
    "FEEDBACK_MAX_LENGTH",
    "ItemSession",
    "QtiAsset",
    "QtiFeedback",
    "QtiPackage",
    "QtiResource",
    "TestAttempt",
]

# The longest feedback text stored (characters): a learner's comment, not a document.
FEEDBACK_MAX_LENGTH = 10_000


class QtiPackage(BaseModel):
    """One imported content package (or single document): its report, whole or refused."""

    api_client = models.ForeignKey(
        "tenancy.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255, blank=True, default="")
    manifest_identifier = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    report = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="The manifest's LOM")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or self.manifest_identifier} ({self.status})"


class QtiResource(BaseModel):
    """An item, stimulus, test, outcome declaration, response-processing template or other
    package resource."""

    kind = models.CharField(max_length=32, choices=ResourceKind.choices, db_index=True)
    identifier = models.CharField(max_length=255)
    title = models.CharField(max_length=1024, blank=True, default="")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(
        QtiPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    href = models.CharField(max_length=1024, blank=True, default="", help_text="Path in package")
    xml = models.TextField(help_text="The document as stored (QTI 3.0)")
    source_version = models.CharField(
        max_length=8, default="3.0", help_text="The QTI version imported (2.x is converted)"
    )
    parsed = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Timeback metadata (subject, grade, difficulty, learningObjectiveSet), "
        "qtiMetadata, LOM and CASE alignment (curriculumStandardsMetadataSet)",
    )
    dependencies = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_scope", "kind", "identifier"],
                name="qti_resource_unique_identifier",
                violation_error_message="This identifier is already used in this organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"


class QtiAsset(BaseModel):
    """A file of a package that is not a QTI document (an image, audio, a stylesheet),
    served to rendered items by its path in the package."""

    package = models.ForeignKey(QtiPackage, on_delete=models.CASCADE, related_name="assets")
    path = models.CharField(max_length=1024)
    content_type = models.CharField(max_length=255, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    data = models.BinaryField()

    class Meta:
        ordering = ["package", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "path"],
                name="qti_asset_unique_path",
                violation_error_message="One file per path in a package",
            )
        ]

    def __str__(self) -> str:
        return self.path


class TestAttempt(BaseModel):
    """One student's attempt at a test: its route (selection and ordering drawn with
    ``seed``, see ``qti.processing.navigation``), where the student is, when each part and
    section was entered, and the test's outcomes once it ends."""

    __test__ = False  # not a test case, whatever its name says

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    test = models.ForeignKey(QtiResource, on_delete=models.PROTECT, related_name="attempts")
    student = models.ForeignKey("roster.User", on_delete=models.PROTECT, related_name="+")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the student's first attempt")
    seed = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    route = models.JSONField(default=dict)
    position = models.IntegerField(
        null=True, blank=True, help_text="The stop presented now (None once ended)"
    )
    part = models.PositiveIntegerField(default=0, help_text="The test part under way")
    entered = models.JSONField(
        default=dict, blank=True, help_text="When the test, each part and section was entered"
    )
    outcomes = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["test", "student", "number"],
                name="qti_attempt_unique_number",
                violation_error_message="This attempt number is already taken",
            ),
            models.UniqueConstraint(
                fields=["test", "student"],
                condition=models.Q(status="in_progress"),
                name="qti_attempt_one_open",
                violation_error_message="The student already has an attempt under way",
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} at {self.test_id} by {self.student_id}"


class ItemSession(BaseModel):
    """One stop of an attempt's route: an item as presented, its session state (template
    values, adaptive outcomes), the responses saved or submitted and their outcomes."""

    attempt = models.ForeignKey(TestAttempt, on_delete=models.CASCADE, related_name="sessions")
    position = models.PositiveIntegerField(help_text="Index of the stop in the route")
    ref = models.CharField(max_length=255, help_text="The item reference's identifier")
    item = models.ForeignKey(QtiResource, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=ItemSessionStatus.choices, default=ItemSessionStatus.INITIAL
    )
    state = models.JSONField(default=dict, blank=True)
    responses = models.JSONField(
        default=dict, blank=True, help_text="The candidate's responses as entered"
    )
    response_values = models.JSONField(
        default=dict, blank=True, help_text="The response variables as last processed"
    )
    outcomes = models.JSONField(default=dict, blank=True)
    feedback = models.JSONField(default=list, blank=True, help_text="Feedback identifiers shown")
    num_attempts = models.PositiveIntegerField(default=0)
    correct = models.BooleanField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    duration = models.FloatField(default=0.0, help_text="Seconds spent on the item")
    presented_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"],
                name="qti_session_unique_position",
                violation_error_message="One session per stop of the route",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ref} ({self.status})"


class QtiFeedback(BaseModel):
    """A learner's feedback on a question or a lesson (Timeback's ``POST /question`` and
    ``POST /lesson``). Lesson, question and user identifiers are the client's, stored as given
    (they name no stored row); ``public_id`` is the identifier the API answers with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=FeedbackKind.choices)
    lesson_id = models.CharField(max_length=255)
    question_id = models.CharField(
        max_length=255, blank=True, default="", help_text="Empty when no question is named"
    )
    user_id = models.CharField(max_length=255, help_text="The learner, as the client names them")
    feedback = models.TextField(validators=[MaxLengthValidator(FEEDBACK_MAX_LENGTH)])
    human_approved = models.BooleanField(default=False)
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    api_client = models.ForeignKey(
        "tenancy.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["org_scope", "lesson_id"], name="qti_feedback_org_lesson"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=FeedbackKind.values),
                name="qti_feedback_kind_valid",
                violation_error_message="Feedback is about a question or a lesson",
            ),
            models.CheckConstraint(
                condition=~models.Q(lesson_id="") & ~models.Q(user_id="") & ~models.Q(feedback=""),
                name="qti_feedback_required_text",
                violation_error_message="Feedback names its lesson and user and has a text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feedback on {self.lesson_id} by {self.user_id}"
