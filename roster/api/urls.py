"""Routes of the three OneRoster 1.2 services plus the Timeback extensions.

Collection paths answer with and without a trailing slash. Every route is declared here
with its entity, response key and scopes; the views are generic.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import URLPattern, re_path

from common.choices import StatusType
from roster.api.credentials import (
    CredentialDecryptView,
    ResourceCartridgeView,
    UserCredentialsView,
)
from roster.api.views import CollectionView, DetailView, Parent, Scopes, UserDemographicsView
from roster.models import (
    ClassResource,
    CourseResource,
    Enrollment,
    UserResource,
    UserRole,
)

app_name = "roster-api"

ID = r"(?P<{}>[^/]+)"
LIVE = ~Q(status=StatusType.TO_BE_DELETED)

# ---------------------------------------------------------------------------------------------
# Scopes (oneroster-lti.md §2.1)
# ---------------------------------------------------------------------------------------------

ROSTER_CORE = Scopes(
    read=("roster-core.readonly", "roster.readonly"),
    write=("roster.createput",),
    delete=("roster.delete",),
)
ROSTER = Scopes(read=("roster.readonly",), write=("roster.createput",))
DEMOGRAPHICS = Scopes(
    read=("roster-demographics.readonly",),
    write=("roster-demographics.createput",),
    delete=("roster-demographics.delete",),
)
GRADEBOOK_CORE = Scopes(
    read=("gradebook-core.readonly", "gradebook.readonly"),
    write=("gradebook.createput",),
    post=("gradebook.createpost", "gradebook.createput"),
    delete=("gradebook.delete",),
)
GRADEBOOK = Scopes(
    read=("gradebook.readonly",),
    write=("gradebook.createput",),
    post=("gradebook.createpost", "gradebook.createput"),
)
ASSESSMENT = Scopes(
    read=("assessment.readonly", "gradebook.readonly"),
    write=("assessment.createput", "gradebook.createput"),
    post=("assessment.createput", "gradebook.createput"),
    delete=("assessment.delete", "gradebook.delete"),
)
RESOURCE_CORE = Scopes(
    read=("resource-core.readonly", "resource.readonly"),
    write=("resource.createput",),
    delete=("resource.delete",),
)
RESOURCE = Scopes(read=("resource.readonly",))
# Stored third-party logins: registering writes the roster; decrypting reveals a secret, so it
# takes the same write scope rather than a read scope (``admin`` allows both).
CREDENTIALS = Scopes(read=(), write=("roster.createput",))
# The Common Cartridge export only reads the resource (POST because the platform's API says so).
RESOURCE_EXPORT = Scopes(
    read=RESOURCE_CORE.read, post=("resource-core.readonly", "resource.readonly")
)

SCHOOL = Q(type="school")
TERM = Q(type="term")
GRADING_PERIOD = Q(type="gradingPeriod")
STUDENT = Q(primary_role="student")
TEACHER = Q(primary_role="teacher")


# Nested listings select through `pk IN (subquery on the link table)` rather than a
# correlated EXISTS: the planner then starts from the parent's few link rows (the ~30
# enrollments of a class) instead of walking every user in sort order and probing each one.


def _enrolled(role: str | None, **lookup: Any) -> Q:
    """Users with a live enrollment matching ``lookup`` (and ``role``)."""
    rows = Enrollment.objects.filter(LIVE, **lookup)
    if role:
        rows = rows.filter(role=role)
    return Q(pk__in=rows.values("user_id"))


def _classes_of(user: Any, role: str | None = None) -> Q:
    rows = Enrollment.objects.filter(LIVE, user=user)
    if role:
        rows = rows.filter(role=role)
    return Q(pk__in=rows.values("klass_id"))


def _resources(model: type[Any], **lookup: Any) -> Q:
    return Q(pk__in=model.objects.filter(LIVE, **lookup).values("resource_id"))


def _holds_role_at(org: Any) -> Q:
    return Q(pk__in=UserRole.objects.filter(org=org).values("user_id"))


# ---------------------------------------------------------------------------------------------
# Route builders
# ---------------------------------------------------------------------------------------------


def _collection(service: str, path: str, name: str, **kw: Any) -> list[URLPattern]:
    regex = rf"^{service}/v1p2/{path}/?$"
    return [re_path(regex, CollectionView.as_view(**kw), name=name)]


def _detail(service: str, path: str, name: str, **kw: Any) -> list[URLPattern]:
    regex = rf"^{service}/v1p2/{path}/{ID.format('sourcedId')}/?$"
    return [re_path(regex, DetailView.as_view(**kw), name=name)]


def _crud(
    service: str,
    path: str,
    entity: str,
    plural: str,
    single: str,
    scopes: Scopes,
    *,
    where: Q | None = None,
    post: bool = True,
    defaults: dict[str, Any] | None = None,
    body_key: str | None = None,
    aliases: tuple[str, str] | None = None,
) -> list[URLPattern]:
    """GET (+POST) on the collection, GET/PUT/DELETE on the item. ``aliases`` are Timeback's
    (plural, single) response keys where they differ from OneRoster's."""
    coll_kw: dict[str, Any] = {
        "entity": entity,
        "key": plural,
        "scopes": scopes,
        "where": where,
        "alias": aliases[0] if aliases else None,
    }
    coll_kw["http_method_names"] = ["get", "post"] if post else ["get"]
    if post:
        coll_kw.update(post_key=body_key or single, post_defaults=defaults)
    item_kw: dict[str, Any] = {
        "http_method_names": ["get", "put", "delete", "head", "options"] if post else ["get"],
        "entity": entity,
        "key": single,
        "scopes": scopes,
        "where": where,
        "put_defaults": defaults,
        "body_key": body_key,
        "alias": aliases[1] if aliases else None,
    }
    return [
        *_collection(service, path, f"{service}-{path}-list", **coll_kw),
        *_detail(service, path, f"{service}-{path}-detail", **item_kw),
    ]


def _nested(
    service: str,
    path: str,
    entity: str,
    key: str,
    scopes: Scopes,
    parents: list[Parent],
    *,
    where: Q | None = None,
    post_key: str | None = None,
    post_defaults: dict[str, Any] | None = None,
    post_response: str = "pairs",
    post_entity: str | None = None,
    alias: str | None = None,
) -> list[URLPattern]:
    regex = path
    for parent in parents:
        regex = regex.replace("{" + parent.kwarg + "}", ID.format(parent.kwarg))
    name = f"{service}-{path}".replace("{", "").replace("}", "").replace("/", "-")
    return [
        re_path(
            rf"^{service}/v1p2/{regex}/?$",
            CollectionView.as_view(
                http_method_names=["get", "post"] if post_key else ["get"],
                entity=entity,
                key=key,
                scopes=scopes,
                where=where,
                parents=parents,
                post_key=post_key,
                post_defaults=post_defaults,
                post_response=post_response,
                post_entity=post_entity,
                alias=alias,
            ),
            name=name,
        )
    ]


def P(kwarg: str, entity: str, rows: Any = None, **kw: Any) -> Parent:  # noqa: N802
    return Parent(kwarg=kwarg, entity=entity, rows=rows, **kw)


R, G, RS = "rostering", "gradebook", "resources"
SCHOOL_P = "schoolSourcedId"
CLASS_P = "classSourcedId"

urlpatterns: list[URLPattern] = [
    # --- Rostering: Timeback course structure first (more specific than courses/{id}) ---
    *_crud(
        R,
        "courses/components",
        "courseComponent",
        "courseComponents",
        "courseComponent",
        ROSTER_CORE,
    ),
    *_crud(
        R,
        "courses/component-resources",
        "componentResource",
        "componentResources",
        "componentResource",
        ROSTER_CORE,
    ),
    # --- Rostering: collections and singles ---
    *_crud(R, "orgs", "org", "orgs", "org", ROSTER_CORE),
    *_crud(
        R, "schools", "org", "orgs", "org", ROSTER_CORE, where=SCHOOL, defaults={"type": "school"}
    ),
    *_crud(
        R, "academicSessions", "academicSession", "academicSessions", "academicSession", ROSTER_CORE
    ),
    *_crud(
        R,
        "terms",
        "academicSession",
        "academicSessions",
        "academicSession",
        ROSTER_CORE,
        where=TERM,
        defaults={"type": "term"},
        aliases=("terms", "term"),
    ),
    *_crud(
        R,
        "gradingPeriods",
        "academicSession",
        "academicSessions",
        "academicSession",
        ROSTER_CORE,
        where=GRADING_PERIOD,
        defaults={"type": "gradingPeriod"},
        aliases=("gradingPeriods", "gradingPeriod"),
    ),
    *_crud(R, "courses", "course", "courses", "course", ROSTER_CORE),
    *_crud(R, "classes", "class", "classes", "class", ROSTER_CORE),
    *_crud(R, "enrollments", "enrollment", "enrollments", "enrollment", ROSTER_CORE),
    *_crud(R, "users", "user", "users", "user", ROSTER_CORE),
    *_crud(R, "students", "user", "users", "user", ROSTER_CORE, where=STUDENT, post=False),
    *_crud(R, "teachers", "user", "users", "user", ROSTER_CORE, where=TEACHER, post=False),
    *_crud(R, "demographics", "demographics", "demographics", "demographics", DEMOGRAPHICS),
    re_path(
        rf"^{R}/v1p2/users/{ID.format('sourcedId')}/demographics/?$",
        UserDemographicsView.as_view(scopes=DEMOGRAPHICS, http_method_names=["get"]),
        name="rostering-users-demographics",
    ),
    # --- Rostering: Timeback's third-party app credentials of a user ---
    re_path(
        rf"^{R}/v1p2/users/{ID.format('userId')}/credentials/?$",
        UserCredentialsView.as_view(scopes=CREDENTIALS, http_method_names=["post"]),
        name="rostering-users-credentials",
    ),
    re_path(
        rf"^{R}/v1p2/users/{ID.format('userId')}/credentials/{ID.format('credentialId')}"
        r"/decrypt/?$",
        CredentialDecryptView.as_view(scopes=CREDENTIALS, http_method_names=["post"]),
        name="rostering-users-credentials-decrypt",
    ),
    # --- Rostering: nested reads (and Timeback's nested POSTs) ---
    *_nested(
        R,
        "schools/{schoolSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [P(SCHOOL_P, "org", lambda p: Q(school=p[SCHOOL_P]), where=SCHOOL)],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments",
        "enrollment",
        "enrollments",
        ROSTER,
        [
            P(SCHOOL_P, "org", where=SCHOOL),
            P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P]), within="school"),
        ],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/classes/{classSourcedId}/students",
        "user",
        "users",
        ROSTER,
        [
            P(SCHOOL_P, "org", where=SCHOOL),
            P(CLASS_P, "class", lambda p: _enrolled("student", klass=p[CLASS_P]), within="school"),
        ],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/classes/{classSourcedId}/teachers",
        "user",
        "users",
        ROSTER,
        [
            P(SCHOOL_P, "org", where=SCHOOL),
            P(CLASS_P, "class", lambda p: _enrolled("teacher", klass=p[CLASS_P]), within="school"),
        ],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/courses",
        "course",
        "courses",
        ROSTER,
        [P(SCHOOL_P, "org", lambda p: Q(org=p[SCHOOL_P]), where=SCHOOL)],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/enrollments",
        "enrollment",
        "enrollments",
        ROSTER,
        [P(SCHOOL_P, "org", lambda p: Q(school=p[SCHOOL_P]), where=SCHOOL)],
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/students",
        "user",
        "users",
        ROSTER,
        [P(SCHOOL_P, "org", lambda p: _holds_role_at(p[SCHOOL_P]), where=SCHOOL)],
        where=STUDENT,
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/teachers",
        "user",
        "users",
        ROSTER,
        [P(SCHOOL_P, "org", lambda p: _holds_role_at(p[SCHOOL_P]), where=SCHOOL)],
        where=TEACHER,
    ),
    *_nested(
        R,
        "schools/{schoolSourcedId}/terms",
        "academicSession",
        "academicSessions",
        ROSTER,
        [
            P(
                SCHOOL_P,
                "org",
                lambda p: Q(org=p[SCHOOL_P]) | Q(pk__in=p[SCHOOL_P].classes.values("terms")),
                where=SCHOOL,
            )
        ],
        where=TERM,
        alias="terms",
    ),
    *_nested(
        R,
        "classes/{classSourcedId}/students",
        "user",
        "users",
        ROSTER,
        [P(CLASS_P, "class", lambda p: _enrolled("student", klass=p[CLASS_P]), body_field="class")],
        post_key="enrollment",
        post_entity="enrollment",
        post_defaults={"role": "student"},
    ),
    *_nested(
        R,
        "classes/{classSourcedId}/teachers",
        "user",
        "users",
        ROSTER,
        [P(CLASS_P, "class", lambda p: _enrolled("teacher", klass=p[CLASS_P]), body_field="class")],
        post_key="enrollment",
        post_entity="enrollment",
        post_defaults={"role": "teacher"},
    ),
    *_nested(
        R,
        "courses/{courseSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [P("courseSourcedId", "course", lambda p: Q(course=p["courseSourcedId"]))],
    ),
    *_nested(
        R,
        "students/{studentSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [
            P(
                "studentSourcedId",
                "user",
                lambda p: _classes_of(p["studentSourcedId"]),
                where=STUDENT,
            )
        ],
    ),
    *_nested(
        R,
        "teachers/{teacherSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [
            P(
                "teacherSourcedId",
                "user",
                lambda p: _classes_of(p["teacherSourcedId"]),
                where=TEACHER,
            )
        ],
    ),
    *_nested(
        R,
        "users/{userSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [P("userSourcedId", "user", lambda p: _classes_of(p["userSourcedId"]))],
    ),
    *_nested(
        R,
        "terms/{termSourcedId}/classes",
        "class",
        "classes",
        ROSTER,
        [
            P(
                "termSourcedId",
                "academicSession",
                lambda p: Q(pk__in=p["termSourcedId"].classes.values("pk")),
                where=TERM,
            )
        ],
    ),
    *_nested(
        R,
        "terms/{termSourcedId}/gradingPeriods",
        "academicSession",
        "academicSessions",
        ROSTER,
        [
            P(
                "termSourcedId",
                "academicSession",
                lambda p: Q(parent=p["termSourcedId"]),
                where=TERM,
                body_field="parent",
            )
        ],
        where=GRADING_PERIOD,
        post_key="academicSession",
        post_defaults={"type": "gradingPeriod"},
        post_response="object",
        alias="gradingPeriods",
    ),
    # --- Gradebook ---
    *_crud(G, "categories", "category", "categories", "category", GRADEBOOK_CORE),
    *_crud(G, "lineItems", "lineItem", "lineItems", "lineItem", GRADEBOOK_CORE),
    *_crud(G, "results", "result", "results", "result", GRADEBOOK_CORE),
    *_crud(G, "scoreScales", "scoreScale", "scoreScales", "scoreScale", GRADEBOOK_CORE),
    *_crud(
        G,
        "assessmentLineItems",
        "assessmentLineItem",
        "assessmentLineItems",
        "assessmentLineItem",
        ASSESSMENT,
    ),
    *_crud(
        G,
        "assessmentResults",
        "assessmentResult",
        "assessmentResults",
        "assessmentResult",
        ASSESSMENT,
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/categories",
        "category",
        "categories",
        GRADEBOOK,
        [
            P(
                CLASS_P,
                "class",
                lambda p: Q(Exists(p[CLASS_P].line_items.filter(LIVE, category=OuterRef("pk")))),
            )
        ],
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/lineItems",
        "lineItem",
        "lineItems",
        GRADEBOOK,
        [P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P]), body_field="class")],
        post_key="lineItems",
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/lineItems/{lineItemSourcedId}/results",
        "result",
        "results",
        GRADEBOOK,
        [
            P(CLASS_P, "class"),
            P(
                "lineItemSourcedId",
                "lineItem",
                lambda p: Q(line_item=p["lineItemSourcedId"]),
                within="klass",
            ),
        ],
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/results",
        "result",
        "results",
        GRADEBOOK,
        [P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P]))],
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/scoreScales",
        "scoreScale",
        "scoreScales",
        GRADEBOOK,
        [P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P]))],
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/students/{studentSourcedId}/results",
        "result",
        "results",
        GRADEBOOK,
        [
            P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P])),
            P("studentSourcedId", "user", lambda p: Q(student=p["studentSourcedId"])),
        ],
    ),
    *_nested(
        G,
        "classes/{classSourcedId}/academicSessions/{academicSessionSourcedId}/results",
        "result",
        "results",
        GRADEBOOK,
        [
            P(CLASS_P, "class", lambda p: Q(klass=p[CLASS_P]), body_field="class"),
            P("academicSessionSourcedId", "academicSession"),
        ],
        post_key="results",
    ),
    *_nested(
        G,
        "lineItems/{lineItemSourcedId}/results",
        "result",
        "results",
        GRADEBOOK,
        [
            P(
                "lineItemSourcedId",
                "lineItem",
                lambda p: Q(line_item=p["lineItemSourcedId"]),
                body_field="lineItem",
            )
        ],
        post_key="results",
    ),
    *_nested(
        G,
        "schools/{schoolSourcedId}/lineItems",
        "lineItem",
        "lineItems",
        GRADEBOOK,
        [P(SCHOOL_P, "org", lambda p: Q(school=p[SCHOOL_P]), where=SCHOOL, body_field="school")],
        post_key="lineItems",
    ),
    *_nested(
        G,
        "schools/{schoolSourcedId}/scoreScales",
        "scoreScale",
        "scoreScales",
        GRADEBOOK,
        [P(SCHOOL_P, "org", lambda p: Q(klass__school=p[SCHOOL_P]), where=SCHOOL)],
    ),
    # --- Resources (official paths and Timeback's /resources/... spellings) ---
    *_nested(
        RS,
        "resources/classes/{classSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [P(CLASS_P, "class", lambda p: _resources(ClassResource, klass=p[CLASS_P]))],
    ),
    *_nested(
        RS,
        "resources/courses/{courseSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [
            P(
                "courseSourcedId",
                "course",
                lambda p: _resources(CourseResource, course=p["courseSourcedId"]),
            )
        ],
    ),
    *_nested(
        RS,
        "resources/users/{userSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [P("userSourcedId", "user", lambda p: _resources(UserResource, user=p["userSourcedId"]))],
    ),
    *_crud(RS, "resources", "resource", "resources", "resource", RESOURCE_CORE),
    re_path(
        rf"^{RS}/v1p2/resources/export/{ID.format('sourceId')}/?$",
        ResourceCartridgeView.as_view(scopes=RESOURCE_EXPORT, http_method_names=["post"]),
        name="resources-resources-export",
    ),
    *_nested(
        RS,
        "classes/{classSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [P(CLASS_P, "class", lambda p: _resources(ClassResource, klass=p[CLASS_P]))],
    ),
    *_nested(
        RS,
        "courses/{courseSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [
            P(
                "courseSourcedId",
                "course",
                lambda p: _resources(CourseResource, course=p["courseSourcedId"]),
            )
        ],
    ),
    *_nested(
        RS,
        "users/{userSourcedId}/resources",
        "resource",
        "resources",
        RESOURCE,
        [P("userSourcedId", "user", lambda p: _resources(UserResource, user=p["userSourcedId"]))],
    ),
]

__all__ = ["app_name", "urlpatterns"]
