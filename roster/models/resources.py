"""Resources and the Timeback course structure (components and component resources)."""

from __future__ import annotations

from django.db import models

from common.models import SourcedModel
from roster.models.fields import org_scope_field
from roster.models.rostering import Class, Course, Org, User
from roster.querysets import SourcedQuerySet

__all__ = [
    "ClassResource",
    "ComponentResource",
    "CourseComponent",
    "CourseResource",
    "Resource",
    "UserResource",
]


class Resource(SourcedModel):
    """A piece of learning content (QTI test, video, external app, ...); Timeback typing
    conventions (type, subType, xp, url, ...) live in ``metadata``."""

    title = models.CharField(max_length=255, blank=True, default="")
    roles = models.JSONField(default=list, blank=True)
    importance = models.CharField(max_length=64, blank=True, default="")
    vendor_resource_id = models.CharField(max_length=255)
    vendor_id = models.CharField(max_length=255, blank=True, default="")
    application_id = models.CharField(max_length=255, blank=True, default="")
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]


class _ResourceLink(SourcedModel):
    title = models.CharField(max_length=255, blank=True, default="")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+")
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        abstract = True


class ClassResource(_ResourceLink):
    """A resource assigned to a class (classResources.csv)."""

    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="class_resources", db_column="class_id"
    )

    class Meta:
        ordering = ["sourced_id"]


class CourseResource(_ResourceLink):
    """A resource assigned to a course (courseResources.csv)."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="course_resources")

    class Meta:
        ordering = ["sourced_id"]


class UserResource(_ResourceLink):
    """A resource assigned to a user (userResources.csv)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="user_resources")
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="class_id",
    )

    class Meta:
        ordering = ["sourced_id"]


class CourseComponent(SourcedModel):
    """Timeback extension: a unit of a course (nested through ``parent``), ordered, with
    prerequisites and an unlock date."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="components")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=255)
    sort_order = models.FloatField(default=0)
    prerequisites = models.JSONField(default=list, blank=True)
    prerequisite_criteria = models.CharField(max_length=64, blank=True, default="")
    unlock_date = models.DateTimeField(null=True, blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]


class ComponentResource(SourcedModel):
    """Timeback extension: a resource placed in a course component (a lesson)."""

    course_component = models.ForeignKey(
        CourseComponent, on_delete=models.PROTECT, related_name="component_resources"
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="component_resources"
    )
    title = models.CharField(max_length=255)
    sort_order = models.FloatField(default=0)
    lesson_type = models.CharField(max_length=64, blank=True, default="")
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
