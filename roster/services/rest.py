"""OneRoster REST writes: one upsert per entity type plus the shared soft delete.

Every service validates each field of the client's JSON (naming the field in the error),
resolves references only among rows the client can see, derives ``org_scope`` with
``SCOPE_RULES`` (home org = the client's organisation) and refuses a result outside the grant.
Rows written here carry ``source_system="api"``; the server sets ``dateLastModified``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.dateparse import parse_date, parse_datetime

from common.choices import StatusType
from common.exceptions import Conflict, InvalidData, NotFound, PermissionDenied
from roster.choices import (
    EXT_PATTERN,
    AcademicSessionType,
    ClassType,
    EnrollmentRole,
    Importance,
    OrgType,
    RoleName,
    RoleType,
    ScoreStatus,
    Sex,
)
from roster.models import (
    AcademicSession,
    AssessmentLineItem,
    AssessmentResult,
    Category,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    LineItem,
    Org,
    Resource,
    Result,
    ScoreScale,
    User,
    UserProfile,
    UserRole,
)
from roster.selectors import ENTITY_MODELS, entity_queryset
from roster.services.credentials import SECRET_FIELD, credentials_keep_secrets, secret_seal
from roster.services.scope import org_scope_from_refs

if TYPE_CHECKING:
    from tenancy.selectors import Grant

__all__ = [
    "Upserted",
    "academic_session_upsert",
    "assessment_line_item_upsert",
    "assessment_result_upsert",
    "category_upsert",
    "class_upsert",
    "component_resource_upsert",
    "course_component_upsert",
    "course_upsert",
    "demographics_upsert",
    "enrollment_upsert",
    "entity_create_many",
    "entity_delete",
    "line_item_upsert",
    "org_upsert",
    "resource_upsert",
    "result_upsert",
    "score_scale_upsert",
    "user_upsert",
]

M = TypeVar("M", bound=models.Model)

REQUIRED = "{field} is required"
NOT_STRING = "{field} must be a string"
TOO_LONG = "{field} is longer than {max} characters"
NOT_OBJECT = "{field} must be an object"
NOT_LIST = "{field} must be an array"
BAD_ENUM = "{field} must be one of {choices} or an ext: token, got {value!r}"
BAD_ENUM_CLOSED = "{field} must be one of {choices}, got {value!r}"
BAD_BOOL = "{field} must be true or false"
BAD_DATE = "{field} must be a date YYYY-MM-DD"
BAD_DATETIME = "{field} must be an ISO 8601 date-time"
BAD_NUMBER = "{field} must be a number"
UNKNOWN_REF = "{field}: no {type} with sourcedId {sourced_id!r}"
OUTSIDE_GRANT = "{field}: the object would live outside the orgs this client is granted"
ID_TAKEN = "sourcedId {sourced_id!r} is not available"
ID_EXISTS = "sourcedId {sourced_id!r} already exists; use PUT to replace it"
ID_MISMATCH = "sourcedId in the body ({body!r}) differs from the one in the path ({path!r})"
DATES_ORDER = "{field} must not be before {other}"
ORG_CYCLE = "parent: an org cannot be its own ancestor"
ORG_NEEDS_PARENT = "parent: a new org must sit below an org this client is granted"
SCHOOL_YEAR = "schoolYear must be a four-digit year"
BAD_ID = "sourcedId must be a non-empty string of at most 255 characters"

_EXT = re.compile(EXT_PATTERN)


@dataclass(frozen=True)
class Upserted(Generic[M]):
    """The written row, whether it was created, and the sourcedId the client supplied."""

    obj: M
    created: bool
    supplied_sourced_id: str


# ---------------------------------------------------------------------------------------------
# Reading one JSON object
# ---------------------------------------------------------------------------------------------


class _Reader:
    """Reads fields of one JSON object; every error names the field (with its prefix)."""

    def __init__(self, data: Any, *, grant: Grant, prefix: str) -> None:
        if not isinstance(data, Mapping):
            raise InvalidData(NOT_OBJECT.format(field=prefix or "body"), field=prefix or "body")
        self.data = data
        self.grant = grant
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise InvalidData(REQUIRED.format(field=self.name(key)), field=self.name(key))
        return value

    def text(self, key: str, *, required: bool = False, max_length: int = 255) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidData(NOT_STRING.format(field=self.name(key)), field=self.name(key))
        if required and not value.strip():
            raise InvalidData(REQUIRED.format(field=self.name(key)), field=self.name(key))
        if max_length and len(value) > max_length:
            raise InvalidData(
                TOO_LONG.format(field=self.name(key), max=max_length), field=self.name(key)
            )
        return value

    def enum(
        self,
        key: str,
        choices: type[models.TextChoices] | tuple[str, ...],
        *,
        required: bool = False,
        ext: bool = True,
    ) -> str:
        value = self.text(key, required=required, max_length=64)
        if not value:
            return ""
        allowed = tuple(choices.values) if not isinstance(choices, tuple) else choices
        if value in allowed or (ext and _EXT.match(value)):
            return value
        template = BAD_ENUM if ext else BAD_ENUM_CLOSED
        raise InvalidData(
            template.format(field=self.name(key), choices=", ".join(allowed), value=value[:64]),
            field=self.name(key),
        )

    def flag(self, key: str, *, default: bool | None = None) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidData(BAD_BOOL.format(field=self.name(key)), field=self.name(key))

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self._get(key, required)
        if value is None or value == "":
            if required:
                raise InvalidData(REQUIRED.format(field=self.name(key)), field=self.name(key))
            return None
        parsed = None
        if isinstance(value, str):
            try:
                # Clients send date-times for dates (e.g. scoreDate); the date part counts.
                parsed = parse_date(value[:10]) if len(value) in (10,) or "T" in value else None
            except ValueError:
                parsed = None
        if parsed is None:
            raise InvalidData(BAD_DATE.format(field=self.name(key)), field=self.name(key))
        return parsed

    def moment(self, key: str, *, required: bool = False) -> datetime | None:
        value = self._get(key, required)
        if value is None or value == "":
            return None
        parsed = None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
                if parsed is None and (d := parse_date(value)) is not None:
                    parsed = datetime(d.year, d.month, d.day, tzinfo=UTC)
            except ValueError:
                parsed = None
        if parsed is None:
            raise InvalidData(BAD_DATETIME.format(field=self.name(key)), field=self.name(key))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidData(BAD_NUMBER.format(field=self.name(key)), field=self.name(key))
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidData(BAD_NUMBER.format(field=self.name(key)), field=self.name(key))
        return float(value)

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidData(NOT_LIST.format(field=self.name(key)), field=self.name(key))
        return value

    def strlist(self, key: str) -> list[str]:
        # Clients send grades as numbers (9) as well as strings ("09"); numbers become text.
        items = [
            str(x) if isinstance(x, int | float) and not isinstance(x, bool) else x
            for x in self.array(key)
        ]
        for i, item in enumerate(items):
            if not isinstance(item, str):
                field = f"{self.name(key)}[{i}]"
                raise InvalidData(NOT_STRING.format(field=field), field=field)
        return items

    def objects(self, key: str) -> list[_Reader]:
        return [
            _Reader(item, grant=self.grant, prefix=f"{self.name(key)}[{i}]")
            for i, item in enumerate(self.array(key))
        ]

    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise InvalidData(NOT_OBJECT.format(field=self.name("metadata")), field="metadata")
        return value

    def status(self) -> str:
        return self.enum("status", StatusType, ext=False) or StatusType.ACTIVE

    def ref_id(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping) and isinstance(value.get("sourcedId"), str):
            return str(value["sourcedId"])
        field = f"{self.name(key)}.sourcedId"
        raise InvalidData(REQUIRED.format(field=field), field=field)

    def ref(self, key: str, entity: str, *, required: bool = False, alias: str = "") -> Any:
        """A referenced row the client can see (live, inside its grant), or None."""
        if alias and not self.has(key) and self.has(alias):
            key = alias
        sid = self.ref_id(key, required=required)
        if sid is None:
            return None
        return _visible(entity, sid, self.grant, field=f"{self.name(key)}.sourcedId")

    def refs(self, key: str, entity: str) -> list[Any]:
        out = []
        for i, item in enumerate(self.array(key)):
            field = f"{self.name(key)}[{i}].sourcedId"
            sid = item if isinstance(item, str) else (item or {}).get("sourcedId")
            if not isinstance(sid, str):
                raise InvalidData(REQUIRED.format(field=field), field=field)
            out.append(_visible(entity, sid, self.grant, field=field))
        return out


def _visible(entity: str, sourced_id: str, grant: Grant, *, field: str) -> Any:
    obj = (
        entity_queryset(entity=entity, org_ids=grant.org_ids, joined=False)
        .filter(sourced_id=sourced_id)
        .first()
    )
    if obj is None:
        raise InvalidData(
            UNKNOWN_REF.format(field=field, type=entity, sourced_id=sourced_id[:255]), field=field
        )
    return obj


# ---------------------------------------------------------------------------------------------
# The shared upsert skeleton
# ---------------------------------------------------------------------------------------------


def _body_sourced_id(r: _Reader, sourced_id: str | None) -> tuple[str, str]:
    """(sourcedId to use, sourcedId the client supplied)."""
    body_id = r.data.get("sourcedId")
    if body_id is not None and (not isinstance(body_id, str) or not 0 < len(body_id) <= 255):
        raise InvalidData(BAD_ID, field="sourcedId")
    if sourced_id is not None:
        if not 0 < len(sourced_id) <= 255:
            raise InvalidData(BAD_ID, field="sourcedId")
        if body_id and body_id != sourced_id:
            raise InvalidData(ID_MISMATCH.format(body=body_id, path=sourced_id), field="sourcedId")
        return sourced_id, sourced_id
    supplied = body_id or ""
    return supplied or str(uuid.uuid4()), supplied


def _existing(entity: str, sourced_id: str, grant: Grant, *, create_only: bool) -> Any | None:
    """The row to replace; a row of another tenant is never revealed nor overwritten."""
    model = ENTITY_MODELS[entity]
    row = model.objects.filter(sourced_id=sourced_id).first()
    if row is None:
        return None
    visible = model.objects.for_orgs(grant.org_ids).filter(pk=row.pk).exists()
    if not visible:
        raise Conflict(ID_TAKEN.format(sourced_id=sourced_id), field="sourcedId")
    if create_only:
        raise Conflict(ID_EXISTS.format(sourced_id=sourced_id), field="sourcedId")
    return row


def _org_scope(
    model_name: str, refs: Mapping[str, Any], grant: Grant, *, roles: list[Any] | None = None
) -> tuple[int, str]:
    """(org_scope id, the field it came from) by SCOPE_RULES; else the client's home org."""
    found = org_scope_from_refs(
        model_name=model_name, refs=refs, role_org_ids=[r.org_id for r in roles or []]
    )
    return found or (grant.home_org_id, "sourcedId")


def _json_name(field: str) -> str:
    parts = field.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def _save(
    model: type[M],
    row: M | None,
    *,
    sourced_id: str,
    values: dict[str, Any],
    grant: Grant | None,
    scope: tuple[int, str] | None,
) -> tuple[M, bool]:
    if scope is not None and grant is not None:
        scope_id, via = scope
        if scope_id not in grant.org_ids:
            field = _json_name(via)
            raise PermissionDenied(OUTSIDE_GRANT.format(field=field), field=field)
        values["org_scope_id"] = scope_id
    created = row is None
    obj = model(sourced_id=sourced_id) if row is None else row
    for key, value in values.items():
        setattr(obj, key, value)
    obj.source_system = "api"  # type: ignore[attr-defined]
    fks = [f.name for f in model._meta.fields if isinstance(f, models.ForeignKey)]
    obj.full_clean(exclude=fks)
    obj.save()
    return obj, created


def _common(r: _Reader) -> dict[str, Any]:
    return {"status": r.status(), "metadata": r.metadata()}


def _check_order(r: _Reader, start: date | None, end: date | None, a: str, b: str) -> None:
    if start and end and end < start:
        raise InvalidData(DATES_ORDER.format(field=r.name(b), other=a), field=r.name(b))


@dataclass(frozen=True)
class _Call:
    grant: Grant
    sourced_id: str
    supplied: str
    row: Any
    r: _Reader


def _start(
    entity: str, data: Any, *, grant: Grant, sourced_id: str | None, create_only: bool
) -> _Call:
    r = _Reader(data, grant=grant, prefix="")
    sid, supplied = _body_sourced_id(r, sourced_id)
    row = _existing(entity, sid, grant, create_only=create_only)
    return _Call(grant=grant, sourced_id=sid, supplied=supplied, row=row, r=r)


def _done(call: _Call, obj: M, created: bool) -> Upserted[M]:
    return Upserted(obj=obj, created=created, supplied_sourced_id=call.supplied)


# ---------------------------------------------------------------------------------------------
# Rostering
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def org_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Org]:
    """Create or replace an org; a new org must sit below a granted org."""
    from tenancy.selectors import expand_org_subtrees, org_tree_changed

    c = _start("org", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    values = {
        **_common(r),
        "name": r.text("name", required=True),
        "type": r.enum("type", OrgType, required=True),
        "identifier": r.text("identifier"),
    }
    parent_id = r.ref_id("parent")
    if c.row is not None and c.row.parent_id and parent_id == c.row.parent.sourced_id:
        # A granted root keeps its (possibly invisible) parent unchanged.
        parent = c.row.parent
    else:
        parent = r.ref("parent", "org")
    if parent is None and (c.row is None or c.row.parent_id is not None):
        raise PermissionDenied(ORG_NEEDS_PARENT, field="parent")
    if (
        c.row is not None
        and parent is not None
        and parent.pk in expand_org_subtrees(root_ids={c.row.pk})
    ):
        raise InvalidData(ORG_CYCLE, field="parent")
    values["parent"] = parent
    obj, created = _save(Org, c.row, sourced_id=c.sourced_id, values=values, grant=None, scope=None)
    transaction.on_commit(org_tree_changed)
    return _done(c, obj, created)


@transaction.atomic
def academic_session_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[AcademicSession]:
    c = _start("academicSession", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    start, end = r.day("startDate", required=True), r.day("endDate", required=True)
    _check_order(r, start, end, "startDate", "endDate")
    year = r.text("schoolYear", required=True, max_length=4)
    if not re.fullmatch(r"\d{4}", year):
        raise InvalidData(SCHOOL_YEAR, field="schoolYear")
    refs = {"org": r.ref("org", "org"), "parent": r.ref("parent", "academicSession")}
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "type": r.enum("type", AcademicSessionType, required=True),
        "start_date": start,
        "end_date": end,
        "school_year": year,
        **refs,
    }
    scope = _org_scope("AcademicSession", refs, grant)
    if refs["org"] is None and refs["parent"] is not None:
        scope = (refs["parent"].org_scope_id, "parent")
    obj, created = _save(
        AcademicSession, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def course_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Course]:
    c = _start("course", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    org = r.ref("org", "org")
    if org is None:
        org = Org.objects.get(pk=grant.home_org_id)
    refs = {"org": org, "school_year": r.ref("schoolYear", "academicSession")}
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "course_code": r.text("courseCode"),
        "grades": r.strlist("grades"),
        "subjects": r.strlist("subjects"),
        "subject_codes": r.strlist("subjectCodes"),
        **refs,
    }
    scope = _org_scope("Course", refs, grant)
    obj, created = _save(
        Course, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def class_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Class]:
    c = _start("class", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    refs = {
        "course": r.ref("course", "course", required=True),
        # Timeback clients send the school as `org`.
        "school": r.ref("school", "org", required=True, alias="org"),
    }
    terms = r.refs("terms", "academicSession")
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "class_code": r.text("classCode"),
        "class_type": r.enum("classType", ClassType),
        "location": r.text("location"),
        "grades": r.strlist("grades"),
        "subjects": r.strlist("subjects"),
        "subject_codes": r.strlist("subjectCodes"),
        "periods": r.strlist("periods"),
        **refs,
    }
    scope = _org_scope("Class", refs, grant)
    obj, created = _save(
        Class, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    obj.terms.set(terms)
    return _done(c, obj, created)


@transaction.atomic
def user_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[User]:
    """Create or replace a user with roles, profiles and agents; keeps primary_role in sync."""
    c = _start("user", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    roles: list[UserRole] = []
    seen: set[tuple[str, int]] = set()
    for i, rr in enumerate(r.objects("roles")):
        org = rr.ref("org", "org", required=True)
        role = rr.enum("role", RoleName, required=True)
        if (role, org.pk) in seen:
            continue
        seen.add((role, org.pk))
        begin, end = rr.day("beginDate"), rr.day("endDate")
        _check_order(rr, begin, end, "beginDate", "endDate")
        roles.append(
            UserRole(
                role_type=rr.enum("roleType", RoleType, ext=False) or RoleType.PRIMARY,
                role=role,
                org=org,
                user_profile=rr.text("userProfile", max_length=512),
                begin_date=begin,
                end_date=end,
                position=i,
            )
        )
    user_ids = []
    for ur in r.objects("userIds"):
        user_ids.append(
            {
                "type": ur.text("type", required=True),
                "identifier": ur.text("identifier", required=True),
            }
        )
    profiles: list[dict[str, Any]] = []
    for pr in r.objects("userProfiles"):
        creds: list[dict[str, Any]] = []
        for cr in pr.objects("credentials"):
            cred = {
                "type": cr.text("type", required=True),
                "username": cr.text("username", required=True),
            }
            if cr.has("id"):
                cred["id"] = cr.text("id")
            if cr.has("password"):
                cred[SECRET_FIELD] = secret_seal(plain=cr.text("password"))
            creds.append(cred)
        profiles.append(
            {
                "sourced_id": pr.text("profileId", required=True),
                "profile_type": pr.text("profileType", required=True),
                "vendor_id": pr.text("vendorId", required=True),
                "application_id": pr.text("applicationId"),
                "description": pr.text("description", max_length=0),
                "credentials": creds,
            }
        )
    agents = r.refs("agents", "user")
    primary_org = r.ref("primaryOrg", "org")
    primary = next((x.role for x in roles if x.role_type == RoleType.PRIMARY), "")
    values = {
        **_common(r),
        "user_master_identifier": r.text("userMasterIdentifier"),
        "username": r.text("username"),
        "user_ids": user_ids,
        "enabled_user": r.flag("enabledUser", default=True),
        "given_name": r.text("givenName", required=True),
        "family_name": r.text("familyName", required=True),
        "middle_name": r.text("middleName"),
        "preferred_first_name": r.text("preferredFirstName"),
        "preferred_middle_name": r.text("preferredMiddleName"),
        "preferred_last_name": r.text("preferredLastName"),
        "pronouns": r.text("pronouns"),
        "primary_org": primary_org,
        "identifier": r.text("identifier"),
        "email": r.text("email"),
        "sms": r.text("sms"),
        "phone": r.text("phone"),
        "grades": r.strlist("grades"),
        "primary_role": primary,
    }
    if r.has("password"):
        values["password"] = secret_seal(plain=r.text("password"))
    scope = _org_scope("User", {"primary_org": primary_org}, grant, roles=roles)
    # Every role's org must be inside the grant too, not only the one that sets org_scope.
    for i, held in enumerate(roles):
        if held.org_id not in grant.org_ids:
            field = f"roles[{i}].org"
            raise PermissionDenied(OUTSIDE_GRANT.format(field=field), field=field)
    obj, created = _save(
        User, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    obj.roles.all().delete()
    for held in roles:
        held.user = obj
    UserRole.objects.bulk_create(roles)
    profile_ids = [p["sourced_id"] for p in profiles]
    taken = UserProfile.objects.filter(sourced_id__in=profile_ids).exclude(user=obj)
    if taken.exists():
        raise Conflict(
            ID_TAKEN.format(sourced_id=taken.first().sourced_id),  # type: ignore[union-attr]
            field="userProfiles.profileId",
        )
    obj.user_profiles.exclude(sourced_id__in=profile_ids).delete()
    stored = {sp.sourced_id: sp.credentials for sp in obj.user_profiles.all()}
    for p in profiles:
        # A PUT echoing a GET (which never shows secrets) keeps the encrypted passwords.
        p["credentials"] = credentials_keep_secrets(
            stored=stored.get(p["sourced_id"]), given=p["credentials"]
        )
        UserProfile.objects.update_or_create(
            sourced_id=p.pop("sourced_id"), defaults={**p, "user": obj}
        )
    obj.agents.set(agents)
    return _done(c, obj, created)


@transaction.atomic
def enrollment_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Enrollment]:
    c = _start("enrollment", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    user = r.ref("user", "user", required=True)
    klass = r.ref("class", "class", required=True)
    school = r.ref("school", "org") or klass.school
    begin, end = r.day("beginDate"), r.day("endDate")
    _check_order(r, begin, end, "beginDate", "endDate")
    refs = {"user": user, "klass": klass, "school": school}
    values = {
        **_common(r),
        **refs,
        "role": r.enum("role", EnrollmentRole, required=True),
        "primary": r.flag("primary"),
        "begin_date": begin,
        "end_date": end,
    }
    scope = _org_scope("Enrollment", refs, grant)
    obj, created = _save(
        Enrollment, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def demographics_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Demographics]:
    """Demographics share the user's sourcedId; the user, when known, must be visible."""
    c = _start("demographics", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    user = (
        entity_queryset(entity="user", org_ids=grant.org_ids, joined=False)
        .filter(sourced_id=c.sourced_id)
        .first()
    )
    if user is None and User.objects.filter(sourced_id=c.sourced_id).exists():
        raise Conflict(ID_TAKEN.format(sourced_id=c.sourced_id), field="sourcedId")
    flags = {
        "american_indian_or_alaska_native": "americanIndianOrAlaskaNative",
        "asian": "asian",
        "black_or_african_american": "blackOrAfricanAmerican",
        "native_hawaiian_or_other_pacific_islander": "nativeHawaiianOrOtherPacificIslander",
        "white": "white",
        "demographic_race_two_or_more_races": "demographicRaceTwoOrMoreRaces",
        "hispanic_or_latino_ethnicity": "hispanicOrLatinoEthnicity",
    }
    values: dict[str, Any] = {
        **_common(r),
        "user": user,
        "birth_date": r.day("birthDate"),
        "sex": r.enum("sex", Sex),
        "country_of_birth_code": r.text("countryOfBirthCode", max_length=64),
        "state_of_birth_abbreviation": r.text("stateOfBirthAbbreviation", max_length=64),
        "city_of_birth": r.text("cityOfBirth"),
        "public_school_residence_status": r.text("publicSchoolResidenceStatus"),
    }
    for attr, key in flags.items():
        values[attr] = r.flag(key)
    scope = _org_scope("Demographics", {"user": user}, grant)
    obj, created = _save(
        Demographics, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


# ---------------------------------------------------------------------------------------------
# Gradebook
# ---------------------------------------------------------------------------------------------


def _learning_objectives(r: _Reader) -> list[Any]:
    out = []
    for lr in r.objects("learningObjectiveSet"):
        ids = lr.data.get("learningObjectiveIds", lr.data.get("learningObjectiveResults"))
        if ids is not None and not isinstance(ids, list):
            field = lr.name("learningObjectiveIds")
            raise InvalidData(NOT_LIST.format(field=field), field=field)
        out.append(dict(lr.data))
    return out


@transaction.atomic
def category_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Category]:
    c = _start("category", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    values = {**_common(r), "title": r.text("title", required=True), "weight": r.number("weight")}
    scope = _org_scope("Category", {}, grant)
    obj, created = _save(
        Category, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def score_scale_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[ScoreScale]:
    c = _start("scoreScale", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    refs = {"klass": r.ref("class", "class"), "course": r.ref("course", "course")}
    scale_values = [
        {
            "itemValueLHS": v.text("itemValueLHS", required=True),
            "itemValueRHS": v.text("itemValueRHS", required=True),
        }
        for v in r.objects("scoreScaleValue")
    ]
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "type": r.text("type", required=True),
        "score_scale_value": scale_values,
        **refs,
    }
    scope = _org_scope("ScoreScale", refs, grant)
    obj, created = _save(
        ScoreScale, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def line_item_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[LineItem]:
    c = _start("lineItem", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    klass = r.ref("class", "class")
    refs = {
        "klass": klass,
        "school": r.ref("school", "org") or (klass.school if klass else None),
        "category": r.ref("category", "category"),
        "grading_period": r.ref("gradingPeriod", "academicSession"),
        "academic_session": r.ref("academicSession", "academicSession"),
        "score_scale": r.ref("scoreScale", "scoreScale"),
    }
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "description": r.text("description", max_length=0),
        "assign_date": r.moment("assignDate"),
        "due_date": r.moment("dueDate"),
        "result_value_min": r.number("resultValueMin"),
        "result_value_max": r.number("resultValueMax"),
        "learning_objective_set": _learning_objectives(r),
        **refs,
    }
    scope = _org_scope("LineItem", refs, grant)
    obj, created = _save(
        LineItem, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


def _result_values(r: _Reader) -> dict[str, Any]:
    return {
        **_common(r),
        "score_status": r.enum("scoreStatus", ScoreStatus, required=True),
        "score": r.number("score"),
        "text_score": r.text("textScore"),
        "score_date": r.day("scoreDate", required=True),
        "comment": r.text("comment", max_length=0),
        "learning_objective_set": _learning_objectives(r),
        "in_progress": r.flag("inProgress"),
        "incomplete": r.flag("incomplete"),
        "late": r.flag("late"),
        "missing": r.flag("missing"),
    }


@transaction.atomic
def result_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Result]:
    c = _start("result", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    line_item = r.ref("lineItem", "lineItem", required=True)
    refs = {
        "line_item": line_item,
        "student": r.ref("student", "user", required=True),
        "klass": r.ref("class", "class") or line_item.klass,
        "score_scale": r.ref("scoreScale", "scoreScale"),
    }
    values = {**_result_values(r), **refs}
    scope = _org_scope("Result", refs, grant)
    obj, created = _save(
        Result, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def assessment_line_item_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[AssessmentLineItem]:
    c = _start(
        "assessmentLineItem", data, grant=grant, sourced_id=sourced_id, create_only=create_only
    )
    r = c.r
    refs = {
        "klass": r.ref("class", "class"),
        "parent": r.ref("parentAssessmentLineItem", "assessmentLineItem", alias="parent"),
        "score_scale": r.ref("scoreScale", "scoreScale"),
        "course": r.ref("course", "course"),
        "component": r.ref("component", "courseComponent", alias="courseComponent"),
        "component_resource": r.ref("componentResource", "componentResource"),
    }
    if refs["parent"] is not None and refs["parent"].sourced_id == c.sourced_id:
        raise InvalidData(ORG_CYCLE.replace("an org", "an item"), field="parentAssessmentLineItem")
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "description": r.text("description", max_length=0),
        "result_value_min": r.number("resultValueMin"),
        "result_value_max": r.number("resultValueMax"),
        "learning_objective_set": _learning_objectives(r),
        **refs,
    }
    scope = _org_scope("AssessmentLineItem", refs, grant)
    obj, created = _save(
        AssessmentLineItem, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def assessment_result_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[AssessmentResult]:
    c = _start(
        "assessmentResult", data, grant=grant, sourced_id=sourced_id, create_only=create_only
    )
    r = c.r
    refs = {
        "assessment_line_item": r.ref("assessmentLineItem", "assessmentLineItem", required=True),
        "student": r.ref("student", "user", required=True),
        "score_scale": r.ref("scoreScale", "scoreScale"),
    }
    values = {**_result_values(r), "score_percentile": r.number("scorePercentile"), **refs}
    scope = _org_scope("AssessmentResult", refs, grant)
    obj, created = _save(
        AssessmentResult, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


# ---------------------------------------------------------------------------------------------
# Resources and the course structure
# ---------------------------------------------------------------------------------------------

_RESOURCE_ROLES = (
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
)
_LESSON_TYPES = (
    "powerpath-100",
    "quiz",
    "test-out",
    "placement",
    "unit-test",
    "alpha-read-article",
)


@transaction.atomic
def resource_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[Resource]:
    c = _start("resource", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    roles = r.strlist("roles")
    for i, role in enumerate(roles):
        if role not in _RESOURCE_ROLES and not _EXT.match(role):
            field = f"roles[{i}]"
            raise InvalidData(
                BAD_ENUM.format(field=field, choices=", ".join(_RESOURCE_ROLES), value=role[:64]),
                field=field,
            )
    values = {
        **_common(r),
        "title": r.text("title"),
        "roles": roles,
        "importance": r.enum("importance", Importance, ext=False),
        "vendor_resource_id": r.text("vendorResourceId", required=True),
        "vendor_id": r.text("vendorId"),
        "application_id": r.text("applicationId"),
    }
    scope = _org_scope("Resource", {}, grant)
    obj, created = _save(
        Resource, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def course_component_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[CourseComponent]:
    c = _start("courseComponent", data, grant=grant, sourced_id=sourced_id, create_only=create_only)
    r = c.r
    refs = {
        "course": r.ref("course", "course", required=True),
        "parent": r.ref("parent", "courseComponent", alias="courseComponent"),
    }
    if refs["parent"] is not None and refs["parent"].sourced_id == c.sourced_id:
        raise InvalidData("parent: a component cannot be its own parent", field="parent")
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "sort_order": r.number("sortOrder") or 0.0,
        "prerequisites": r.strlist("prerequisites"),
        "prerequisite_criteria": r.text("prerequisiteCriteria", max_length=64),
        "unlock_date": r.moment("unlockDate"),
        **refs,
    }
    scope = _org_scope("CourseComponent", refs, grant)
    obj, created = _save(
        CourseComponent, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


@transaction.atomic
def component_resource_upsert(
    *, grant: Grant, data: Any, sourced_id: str | None = None, create_only: bool = False
) -> Upserted[ComponentResource]:
    c = _start(
        "componentResource", data, grant=grant, sourced_id=sourced_id, create_only=create_only
    )
    r = c.r
    refs = {
        "course_component": r.ref("courseComponent", "courseComponent", required=True),
        "resource": r.ref("resource", "resource", required=True),
    }
    values = {
        **_common(r),
        "title": r.text("title", required=True),
        "sort_order": r.number("sortOrder") or 0.0,
        "lesson_type": r.enum("lessonType", _LESSON_TYPES),
        **refs,
    }
    scope = _org_scope("ComponentResource", refs, grant)
    obj, created = _save(
        ComponentResource, c.row, sourced_id=c.sourced_id, values=values, grant=grant, scope=scope
    )
    return _done(c, obj, created)


UPSERTS: dict[str, Callable[..., Upserted[Any]]] = {
    "org": org_upsert,
    "academicSession": academic_session_upsert,
    "course": course_upsert,
    "class": class_upsert,
    "user": user_upsert,
    "enrollment": enrollment_upsert,
    "demographics": demographics_upsert,
    "category": category_upsert,
    "scoreScale": score_scale_upsert,
    "lineItem": line_item_upsert,
    "result": result_upsert,
    "assessmentLineItem": assessment_line_item_upsert,
    "assessmentResult": assessment_result_upsert,
    "resource": resource_upsert,
    "courseComponent": course_component_upsert,
    "componentResource": component_resource_upsert,
}


@transaction.atomic
def entity_create_many(
    *, grant: Grant, entity: str, items: list[Any], key: str
) -> list[Upserted[Any]]:
    """Create every item of a batch POST (``{key: [...]}``), all or nothing; a failing item
    is named by its position (``lineItems[2].class.sourcedId``)."""
    created = []
    for i, item in enumerate(items):
        try:
            created.append(UPSERTS[entity](grant=grant, data=item, create_only=True))
        except InvalidData as exc:
            field = f"{key}[{i}].{exc.field}" if exc.field else key
            raise type(exc)(f"{key}[{i}]: {exc.message}", field=field) from exc
    return created


# ---------------------------------------------------------------------------------------------
# Delete
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def entity_delete(
    *, grant: Grant, entity: str, sourced_id: str, extra: models.Q | None = None
) -> None:
    """Mark a visible live row ``tobedeleted``: it leaves listings and reads answer 404."""
    qs = entity_queryset(entity=entity, org_ids=grant.org_ids, joined=False)
    if extra is not None:
        qs = qs.filter(extra)
    row = qs.filter(sourced_id=sourced_id).select_for_update().first()
    if row is None:
        raise NotFound(f"Unknown Object: no {entity} with sourcedId {sourced_id[:255]!r}")
    row.status = StatusType.TO_BE_DELETED
    row.source_system = "api"
    row.save(update_fields=["status", "date_last_modified", "source_system"])
