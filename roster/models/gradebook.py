"""Gradebook: categories, score scales, line items, results, assessment line items/results."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from common.models import SourcedModel
from roster.models.fields import org_scope_field
from roster.models.rostering import AcademicSession, Class, Course, Org, User
from roster.querysets import SourcedQuerySet

__all__ = [
    "AssessmentLineItem",
    "AssessmentResult",
    "Category",
    "LineItem",
    "Result",
    "ScoreScale",
]


class Category(SourcedModel):
    """A grading category (homework, quizzes, ...) with an optional weight."""

    title = models.CharField(max_length=255)
    weight = models.FloatField(null=True, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        verbose_name_plural = "categories"


class ScoreScale(SourcedModel):
    """A mapping from scores to labels (e.g. 90-100 → A)."""

    title = models.CharField(max_length=255)
    type = models.CharField(max_length=255)
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="score_scales"
    )
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="score_scales",
        db_column="class_id",
    )
    score_scale_value = models.JSONField(default=list, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]


class LineItem(SourcedModel):
    """A gradebook column: an assignment of a class."""

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    assign_date = models.DateTimeField(null=True, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="line_items",
        db_column="class_id",
    )
    school = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )
    grading_period = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    academic_session = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score_scale = models.ForeignKey(
        ScoreScale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result_value_min = models.FloatField(null=True, blank=True)
    result_value_max = models.FloatField(null=True, blank=True)
    learning_objective_set = models.JSONField(default=list, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]


class Result(SourcedModel):
    """A student's score on a line item."""

    line_item = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="results")
    student = models.ForeignKey(User, on_delete=models.PROTECT, related_name="results")
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
        db_column="class_id",
    )
    score_scale = models.ForeignKey(
        ScoreScale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score_status = models.CharField(max_length=64)
    score = models.FloatField(null=True, blank=True)
    text_score = models.CharField(max_length=255, blank=True, default="")
    score_date = models.DateField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    learning_objective_set = models.JSONField(default=list, blank=True)
    in_progress = models.BooleanField(null=True, blank=True)
    incomplete = models.BooleanField(null=True, blank=True)
    late = models.BooleanField(null=True, blank=True)
    missing = models.BooleanField(null=True, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]


class AssessmentLineItem(SourcedModel):
    """An assessment (test, quiz, question) whose results are AssessmentResults.

    Timeback extensions: ``course``, ``component`` and ``component_resource`` tie it to the
    course structure; ``parent`` nests question-level items under their test.
    """

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_line_items",
        db_column="class_id",
        db_index=False,
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    score_scale = models.ForeignKey(
        ScoreScale,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    result_value_min = models.FloatField(null=True, blank=True)
    result_value_max = models.FloatField(null=True, blank=True)
    learning_objective_set = models.JSONField(default=list, blank=True)
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    component = models.ForeignKey(
        "roster.CourseComponent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    component_resource = models.ForeignKey(
        "roster.ComponentResource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        # The optional references are indexed where set only: most line items (every one the
        # learning pipeline files) have none, and a partial index costs their insert nothing.
        indexes = [
            models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=index)
            for name, index in (
                ("klass", "lineitem_class_set"),
                ("parent", "lineitem_parent_set"),
                ("score_scale", "lineitem_score_scale_set"),
                ("component", "lineitem_component_set"),
                ("component_resource", "lineitem_resource_set"),
            )
        ]


class AssessmentResult(SourcedModel):
    """A student's result on an assessment line item; Timeback keeps XP and accuracy in
    ``metadata`` (xp, accuracy, totalQuestions, correctQuestions, masteredUnits, ...)."""

    assessment_line_item = models.ForeignKey(
        AssessmentLineItem, on_delete=models.PROTECT, related_name="results"
    )
    student = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assessment_results")
    score = models.FloatField(null=True, blank=True)
    text_score = models.CharField(max_length=255, blank=True, default="")
    score_date = models.DateField(null=True, blank=True)
    # Indexed where set only (see AssessmentLineItem.Meta.indexes).
    score_scale = models.ForeignKey(
        ScoreScale,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    score_percentile = models.FloatField(null=True, blank=True)
    score_status = models.CharField(max_length=64)
    comment = models.TextField(blank=True, default="")
    learning_objective_set = models.JSONField(default=list, blank=True)
    in_progress = models.BooleanField(null=True, blank=True)
    incomplete = models.BooleanField(null=True, blank=True)
    late = models.BooleanField(null=True, blank=True)
    missing = models.BooleanField(null=True, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        indexes = [
            models.Index(
                fields=["score_scale"],
                condition=Q(score_scale__isnull=False),
                name="result_score_scale_set",
            )
        ]
