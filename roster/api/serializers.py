"""OneRoster 1.2 JSON output, exactly per the official schemas.

Each entity is described once by a table of ``(json name, model attribute, kind)`` rows; the
same table yields the output, the ``fields=`` vocabulary and the filter/sort field map. Output
is built by plain functions (no DRF field machinery) because list pages carry up to 3000 rows.

Rules: booleans are the strings "true"/"false"; GUIDRefs are ``{href, sourcedId, type}`` with
an absolute href; dates are ``YYYY-MM-DD`` and date-times ISO 8601 with ``Z``; absent optional
values are omitted, never null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from roster.api.query import BOOL, DATE, DATETIME, LIST, NUM, STR, FieldSpec

__all__ = ["ENTITY_OUTPUT", "Ctx", "EntityOutput", "guid_ref", "iso_datetime"]

# GUIDRef type → path of its single-object endpoint below /ims/oneroster/.
REF_PATHS = {
    "org": "rostering/v1p2/orgs",
    "academicSession": "rostering/v1p2/academicSessions",
    "course": "rostering/v1p2/courses",
    "class": "rostering/v1p2/classes",
    "user": "rostering/v1p2/users",
    "resource": "resources/v1p2/resources",
    "category": "gradebook/v1p2/categories",
    "lineItem": "gradebook/v1p2/lineItems",
    "scoreScale": "gradebook/v1p2/scoreScales",
    "assessmentLineItem": "gradebook/v1p2/assessmentLineItems",
    "courseComponent": "rostering/v1p2/courses/components",
    "componentResource": "rostering/v1p2/courses/component-resources",
}


@dataclass(frozen=True)
class Ctx:
    """Per-request output context: the absolute URL prefix of /ims/oneroster/."""

    base: str


def guid_ref(ctx: Ctx, type_: str, sourced_id: str) -> dict[str, str]:
    return {
        "href": f"{ctx.base}{REF_PATHS[type_]}/{sourced_id}",
        "sourcedId": sourced_id,
        "type": type_,
    }


def iso_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


# Row kinds. Upper case = required (emitted even when empty).
S, SR, B, BR, D, DT, N, L, J = "s", "S", "b", "B", "d", "dt", "n", "l", "j"


@dataclass(frozen=True)
class Ref:
    """A GUIDRef column: the FK attribute and the GUIDRef type."""

    type: str
    required: bool = False


@dataclass
class EntityOutput:
    """The output table of one entity and what derives from it."""

    rows: list[tuple[str, str, Any]]
    extra: Callable[[Any, Ctx, dict[str, Any]], None] | None = None
    extra_fields: tuple[str, ...] = ()
    extra_filters: dict[str, FieldSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.field_names = (
            "sourcedId",
            "status",
            "dateLastModified",
            "metadata",
            *(r[0] for r in self.rows),
            *self.extra_fields,
        )
        filters: dict[str, FieldSpec] = {
            "sourcedId": FieldSpec("sourced_id"),
            "status": FieldSpec("status"),
            "dateLastModified": FieldSpec("date_last_modified", DATETIME),
        }
        kinds = {S: STR, SR: STR, B: BOOL, BR: BOOL, D: DATE, DT: DATETIME, N: NUM, L: LIST}
        for name, attr, kind in self.rows:
            if isinstance(kind, Ref):
                filters[f"{name}.sourcedId"] = FieldSpec(f"{attr}__sourced_id")
            elif kind in kinds:
                filters[name] = FieldSpec(attr, kinds[kind])
        filters.update(self.extra_filters)
        self.filters = filters

    def render(self, obj: Any, ctx: Ctx, fields: Iterable[str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sourcedId": obj.sourced_id,
            "status": obj.status,
            "dateLastModified": iso_datetime(obj.date_last_modified),
            "metadata": obj.metadata if isinstance(obj.metadata, dict) else {},
        }
        for name, attr, kind in self.rows:
            if isinstance(kind, Ref):
                if getattr(obj, f"{attr}_id") is not None:
                    out[name] = guid_ref(ctx, kind.type, getattr(obj, attr).sourced_id)
                continue
            value = getattr(obj, attr)
            if kind == S:
                if value:
                    out[name] = value
            elif kind == SR:
                out[name] = value or ""
            elif kind in (B, BR):
                if value is not None:
                    out[name] = _bool(value)
            elif kind == D:
                if value is not None:
                    out[name] = value.isoformat() if isinstance(value, date) else str(value)
            elif kind == DT:
                if value is not None:
                    out[name] = iso_datetime(value)
            elif kind == N:
                if value is not None:
                    out[name] = value
            elif kind == L:
                out[name] = list(value or [])
            elif kind == J and value:
                out[name] = value
        if self.extra is not None:
            self.extra(obj, ctx, out)
        if fields:
            return {k: out[k] for k in fields if k in out}
        return out


# ---------------------------------------------------------------------------------------------
# Extra (multi-valued) parts
# ---------------------------------------------------------------------------------------------


def _many(obj: Any, name: str) -> Iterable[Any]:
    """The rows of a to-many relation: the list the selectors prefetched (``to_attr``), else
    a query (a single object rendered after a write). Prefetching into lists instead of
    per-parent QuerySets took ~30 ms off a page of 100 users."""
    rows = getattr(obj, f"prefetched_{name}", None)
    if rows is not None:
        return rows  # type: ignore[no-any-return]
    return getattr(obj, name).all()  # type: ignore[no-any-return]


def _children(type_: str) -> Callable[[Any, Ctx, dict[str, Any]], None]:
    def extra(obj: Any, ctx: Ctx, out: dict[str, Any]) -> None:
        kids = [c.sourced_id for c in _many(obj, "children")]
        if kids:
            out["children"] = [guid_ref(ctx, type_, sid) for sid in kids]

    return extra


def _resources(related: str) -> Callable[[Any, Ctx, dict[str, Any]], None]:
    def extra(obj: Any, ctx: Ctx, out: dict[str, Any]) -> None:
        refs = [link.resource.sourced_id for link in _many(obj, related)]
        if refs:
            out["resources"] = [guid_ref(ctx, "resource", sid) for sid in refs]

    return extra


def _class_extra(obj: Any, ctx: Ctx, out: dict[str, Any]) -> None:
    out["terms"] = [guid_ref(ctx, "academicSession", t.sourced_id) for t in _many(obj, "terms")]
    _resources("class_resources")(obj, ctx, out)


def _user_extra(obj: Any, ctx: Ctx, out: dict[str, Any]) -> None:
    roles = []
    for role in _many(obj, "roles"):
        item: dict[str, Any] = {
            "roleType": role.role_type,
            "role": role.role,
            "org": guid_ref(ctx, "org", role.org.sourced_id),
        }
        if role.user_profile:
            item["userProfile"] = role.user_profile
        if role.begin_date:
            item["beginDate"] = role.begin_date.isoformat()
        if role.end_date:
            item["endDate"] = role.end_date.isoformat()
        roles.append(item)
    out["roles"] = roles
    profiles = []
    for profile in _many(obj, "user_profiles"):
        p: dict[str, Any] = {
            "profileId": profile.sourced_id,
            "profileType": profile.profile_type,
            "vendorId": profile.vendor_id,
        }
        if profile.application_id:
            p["applicationId"] = profile.application_id
        if profile.description:
            p["description"] = profile.description
        # Passwords are accepted on input but never echoed back.
        p["credentials"] = [
            {
                **({"id": c["id"]} if c.get("id") else {}),
                "type": c.get("type", ""),
                "username": c.get("username", ""),
            }
            for c in profile.credentials or []
            if isinstance(c, dict)
        ]
        profiles.append(p)
    if profiles:
        out["userProfiles"] = profiles
    agents = [a.sourced_id for a in _many(obj, "agents")]
    if agents:
        out["agents"] = [guid_ref(ctx, "user", sid) for sid in agents]
    _resources("user_resources")(obj, ctx, out)


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------

_LEARNING = ("learningObjectiveSet", "learning_objective_set", J)
_RESULT_FLAGS = [
    ("inProgress", "in_progress", B),
    ("incomplete", "incomplete", B),
    ("late", "late", B),
    ("missing", "missing", B),
]

ENTITY_OUTPUT: Mapping[str, EntityOutput] = {
    "org": EntityOutput(
        rows=[
            ("name", "name", SR),
            ("type", "type", SR),
            ("identifier", "identifier", SR),
            ("parent", "parent", Ref("org")),
        ],
        extra=_children("org"),
        extra_fields=("children",),
    ),
    "academicSession": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("startDate", "start_date", D),
            ("endDate", "end_date", D),
            ("type", "type", SR),
            ("parent", "parent", Ref("academicSession")),
            ("schoolYear", "school_year", SR),
            ("org", "org", Ref("org")),  # Timeback extension
        ],
        extra=_children("academicSession"),
        extra_fields=("children",),
    ),
    "course": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("schoolYear", "school_year", Ref("academicSession")),
            ("courseCode", "course_code", SR),
            ("grades", "grades", L),
            ("subjects", "subjects", L),
            ("org", "org", Ref("org")),
            ("subjectCodes", "subject_codes", L),
        ],
        extra=_resources("course_resources"),
        extra_fields=("resources",),
    ),
    "class": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("classCode", "class_code", S),
            ("classType", "class_type", S),
            ("location", "location", S),
            ("grades", "grades", L),
            ("subjects", "subjects", L),
            ("course", "course", Ref("course", True)),
            ("school", "school", Ref("org", True)),
            ("subjectCodes", "subject_codes", L),
            ("periods", "periods", L),
        ],
        extra=_class_extra,
        extra_fields=("terms", "resources"),
        extra_filters={"terms.sourcedId": FieldSpec("terms__sourced_id", many=True)},
    ),
    "user": EntityOutput(
        rows=[
            ("userMasterIdentifier", "user_master_identifier", S),
            ("username", "username", S),
            ("userIds", "user_ids", L),
            ("enabledUser", "enabled_user", BR),
            ("givenName", "given_name", SR),
            ("familyName", "family_name", SR),
            ("middleName", "middle_name", S),
            ("preferredFirstName", "preferred_first_name", S),
            ("preferredMiddleName", "preferred_middle_name", S),
            ("preferredLastName", "preferred_last_name", S),
            ("pronouns", "pronouns", S),
            ("primaryOrg", "primary_org", Ref("org")),
            ("identifier", "identifier", S),
            ("email", "email", S),
            ("sms", "sms", S),
            ("phone", "phone", S),
            ("grades", "grades", L),
        ],
        extra=_user_extra,
        extra_fields=("roles", "userProfiles", "agents", "password", "resources"),
        extra_filters={
            "roles.role": FieldSpec("roles__role", many=True),
            "roles.roleType": FieldSpec("roles__role_type", many=True),
            "roles.org.sourcedId": FieldSpec("roles__org__sourced_id", many=True),
            "role": FieldSpec("primary_role"),
            "orgs.sourcedId": FieldSpec("roles__org__sourced_id", many=True),
            "agents.sourcedId": FieldSpec("agents__sourced_id", many=True),
            "userIds.identifier": FieldSpec("user_ids", LIST),
        },
    ),
    "enrollment": EntityOutput(
        rows=[
            ("user", "user", Ref("user", True)),
            ("class", "klass", Ref("class", True)),
            ("school", "school", Ref("org", True)),
            ("role", "role", SR),
            ("primary", "primary", B),
            ("beginDate", "begin_date", D),
            ("endDate", "end_date", D),
        ],
    ),
    "demographics": EntityOutput(
        rows=[
            ("birthDate", "birth_date", D),
            ("sex", "sex", S),
            ("americanIndianOrAlaskaNative", "american_indian_or_alaska_native", B),
            ("asian", "asian", B),
            ("blackOrAfricanAmerican", "black_or_african_american", B),
            (
                "nativeHawaiianOrOtherPacificIslander",
                "native_hawaiian_or_other_pacific_islander",
                B,
            ),
            ("white", "white", B),
            ("demographicRaceTwoOrMoreRaces", "demographic_race_two_or_more_races", B),
            ("hispanicOrLatinoEthnicity", "hispanic_or_latino_ethnicity", B),
            ("countryOfBirthCode", "country_of_birth_code", S),
            ("stateOfBirthAbbreviation", "state_of_birth_abbreviation", S),
            ("cityOfBirth", "city_of_birth", S),
            ("publicSchoolResidenceStatus", "public_school_residence_status", S),
        ],
    ),
    "category": EntityOutput(rows=[("title", "title", SR), ("weight", "weight", N)]),
    "scoreScale": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("type", "type", SR),
            ("course", "course", Ref("course")),
            ("class", "klass", Ref("class")),
            ("scoreScaleValue", "score_scale_value", L),
        ],
    ),
    "lineItem": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("description", "description", S),
            ("assignDate", "assign_date", DT),
            ("dueDate", "due_date", DT),
            ("class", "klass", Ref("class")),
            ("school", "school", Ref("org")),
            ("category", "category", Ref("category")),
            ("gradingPeriod", "grading_period", Ref("academicSession")),
            ("academicSession", "academic_session", Ref("academicSession")),
            ("scoreScale", "score_scale", Ref("scoreScale")),
            ("resultValueMin", "result_value_min", N),
            ("resultValueMax", "result_value_max", N),
            _LEARNING,
        ],
    ),
    "result": EntityOutput(
        rows=[
            ("lineItem", "line_item", Ref("lineItem", True)),
            ("student", "student", Ref("user", True)),
            ("class", "klass", Ref("class")),
            ("scoreScale", "score_scale", Ref("scoreScale")),
            ("scoreStatus", "score_status", SR),
            ("score", "score", N),
            ("textScore", "text_score", S),
            ("scoreDate", "score_date", D),
            ("comment", "comment", S),
            _LEARNING,
            *_RESULT_FLAGS,
        ],
    ),
    "assessmentLineItem": EntityOutput(
        rows=[
            ("title", "title", SR),
            ("description", "description", S),
            ("class", "klass", Ref("class")),
            ("parentAssessmentLineItem", "parent", Ref("assessmentLineItem")),
            ("scoreScale", "score_scale", Ref("scoreScale")),
            ("resultValueMin", "result_value_min", N),
            ("resultValueMax", "result_value_max", N),
            _LEARNING,
            # Timeback extensions: the course structure the assessment belongs to.
            ("course", "course", Ref("course")),
            ("component", "component", Ref("courseComponent")),
            ("componentResource", "component_resource", Ref("componentResource")),
        ],
    ),
    "assessmentResult": EntityOutput(
        rows=[
            ("assessmentLineItem", "assessment_line_item", Ref("assessmentLineItem", True)),
            ("student", "student", Ref("user", True)),
            ("score", "score", N),
            ("textScore", "text_score", S),
            ("scoreDate", "score_date", D),
            ("scoreScale", "score_scale", Ref("scoreScale")),
            ("scorePercentile", "score_percentile", N),
            ("scoreStatus", "score_status", SR),
            ("comment", "comment", S),
            _LEARNING,
            *_RESULT_FLAGS,
        ],
    ),
    "resource": EntityOutput(
        rows=[
            ("title", "title", S),
            ("roles", "roles", L),
            ("importance", "importance", S),
            ("vendorResourceId", "vendor_resource_id", SR),
            ("vendorId", "vendor_id", S),
            ("applicationId", "application_id", S),
        ],
    ),
    "courseComponent": EntityOutput(
        rows=[
            ("course", "course", Ref("course", True)),
            ("courseComponent", "parent", Ref("courseComponent")),
            ("parent", "parent", Ref("courseComponent")),
            ("title", "title", SR),
            ("sortOrder", "sort_order", N),
            ("prerequisites", "prerequisites", L),
            ("prerequisiteCriteria", "prerequisite_criteria", S),
            ("unlockDate", "unlock_date", DT),
        ],
    ),
    "componentResource": EntityOutput(
        rows=[
            ("courseComponent", "course_component", Ref("courseComponent", True)),
            ("resource", "resource", Ref("resource", True)),
            ("title", "title", SR),
            ("sortOrder", "sort_order", N),
            ("lessonType", "lesson_type", S),
        ],
    ),
}
