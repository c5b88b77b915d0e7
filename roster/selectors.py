"""Roster reads for the OneRoster REST service: one visible, live queryset per entity with
what its serializer iterates over already joined or prefetched (no query per row)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from common.choices import StatusType
from common.exceptions import NotFound
from roster.models import (
    AcademicSession,
    AssessmentLineItem,
    AssessmentResult,
    Category,
    Class,
    ClassResource,
    ComponentResource,
    Course,
    CourseComponent,
    CourseResource,
    Demographics,
    Enrollment,
    LineItem,
    Org,
    Resource,
    Result,
    ScoreScale,
    User,
    UserResource,
    UserRole,
)

__all__ = [
    "ENTITY_MODELS",
    "entity_get",
    "entity_queryset",
    "visible_parent",
]

UNKNOWN_OBJECT = "Unknown Object: no {type} with sourcedId {sourced_id!r}"

ENTITY_MODELS: dict[str, type[Any]] = {
    "org": Org,
    "academicSession": AcademicSession,
    "course": Course,
    "class": Class,
    "user": User,
    "enrollment": Enrollment,
    "demographics": Demographics,
    "category": Category,
    "scoreScale": ScoreScale,
    "lineItem": LineItem,
    "result": Result,
    "assessmentLineItem": AssessmentLineItem,
    "assessmentResult": AssessmentResult,
    "resource": Resource,
    "courseComponent": CourseComponent,
    "componentResource": ComponentResource,
}


def _live_children(model: type[Any]) -> QuerySet[Any]:
    """Live children, loading only what a GUIDRef needs (parent_id lets the prefetch attach
    each child to its parent without a query per child)."""
    return (
        model.objects.exclude(status=StatusType.TO_BE_DELETED)
        .only("sourced_id", "parent_id")
        .order_by("sourced_id")
    )


def _many(related: str, queryset: QuerySet[Any] | None = None) -> Prefetch:
    """Prefetch into a plain list (``to_attr``): Django then attaches the rows to each
    parent without building a QuerySet per parent. Serializers read the list back through
    ``roster.api.serializers._many``."""
    return Prefetch(related, queryset=queryset, to_attr=f"prefetched_{related}")


def _resource_links(model: type[Any], related: str) -> Prefetch:
    return _many(
        related,
        model.objects.exclude(status=StatusType.TO_BE_DELETED)
        .select_related("resource")
        .only("sourced_id", "resource__sourced_id", model_fk(model))
        .order_by("sourced_id"),
    )


def model_fk(model: type[Any]) -> str:
    return {ClassResource: "klass_id", CourseResource: "course_id", UserResource: "user_id"}[model]


def _joined(entity: str, qs: QuerySet[Any]) -> QuerySet[Any]:
    """What the serializer of ``entity`` reads, fetched up front."""
    if entity == "org":
        return _refs(qs, "parent").prefetch_related(_many("children", _live_children(Org)))
    if entity == "academicSession":
        return _refs(qs, "parent", "org").prefetch_related(
            _many("children", _live_children(AcademicSession))
        )
    if entity == "course":
        return _refs(qs, "school_year", "org").prefetch_related(
            _resource_links(CourseResource, "course_resources")
        )
    if entity == "class":
        return _refs(qs, "course", "school").prefetch_related(
            _many("terms", AcademicSession.objects.only("sourced_id")),
            _resource_links(ClassResource, "class_resources"),
        )
    if entity == "user":
        return _refs(qs, "primary_org").prefetch_related(
            _many("roles", _refs(UserRole.objects.all(), "org")),
            _many("user_profiles"),
            _many("agents", User.objects.only("sourced_id").order_by("sourced_id")),
            _resource_links(UserResource, "user_resources"),
        )
    related = {
        "enrollment": ("user", "klass", "school"),
        "scoreScale": ("course", "klass"),
        "lineItem": (
            "klass",
            "school",
            "category",
            "grading_period",
            "academic_session",
            "score_scale",
        ),
        "result": ("line_item", "student", "klass", "score_scale"),
        "assessmentLineItem": (
            "klass",
            "parent",
            "score_scale",
            "course",
            "component",
            "component_resource",
        ),
        "assessmentResult": ("assessment_line_item", "student", "score_scale"),
        "courseComponent": ("course", "parent"),
        "componentResource": ("course_component", "resource"),
    }.get(entity)
    return _refs(qs, *related) if related else qs


def _refs(qs: QuerySet[Any], *fks: str) -> QuerySet[Any]:
    """Join the rows behind ``fks`` but load only their sourcedId: a GUIDRef needs nothing
    else, and skipping the other columns (JSON metadata above all) halves the cost of
    building a page of 100 rows."""
    own = [f.name for f in qs.model._meta.concrete_fields]
    return qs.select_related(*fks).only(*own, *(f"{fk}__sourced_id" for fk in fks))


def entity_queryset(
    *, entity: str, org_ids: Collection[int] | None, joined: bool = True
) -> QuerySet[Any]:
    """Live rows of ``entity`` inside the granted org subtrees."""
    model = ENTITY_MODELS[entity]
    qs = model.objects.live().for_orgs(org_ids)
    return _joined(entity, qs) if joined else qs


def entity_get(
    *,
    entity: str,
    sourced_id: str,
    org_ids: Collection[int] | None,
    extra: Q | None = None,
    label: str | None = None,
) -> Any:
    """One visible live row, or NotFound (unknown and invisible look the same)."""
    qs = entity_queryset(entity=entity, org_ids=org_ids)
    if extra is not None:
        qs = qs.filter(extra)
    obj = qs.filter(sourced_id=sourced_id).first()
    if obj is None:
        raise NotFound(UNKNOWN_OBJECT.format(type=label or entity, sourced_id=sourced_id))
    return obj


def visible_parent(
    *, entity: str, sourced_id: str, org_ids: Collection[int] | None, extra: Q | None = None
) -> Any:
    """The parent of a nested collection (id only): 404 unknownobject when absent/invisible."""
    qs = entity_queryset(entity=entity, org_ids=org_ids, joined=False)
    if extra is not None:
        qs = qs.filter(extra)
    obj = qs.filter(sourced_id=sourced_id).only("pk", "sourced_id").first()
    if obj is None:
        raise NotFound(UNKNOWN_OBJECT.format(type=entity, sourced_id=sourced_id))
    return obj
