"""LTI reads: the platform's public key set; a context's members (NRPS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.exceptions import NotFound
from lti.models import PlatformKey, ToolRegistration
from lti.roles import context_role
from roster.models import Class, ClassResource, Enrollment, User
from tenancy.selectors import client_org_ids

__all__ = [
    "LauncherClass",
    "MembershipPage",
    "context_memberships",
    "launcher_classes",
    "platform_jwks",
]

MSG_NO_CONTEXT = "context: no class {id!r} is visible to this tool"


def platform_jwks(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The JWKS the platform publishes: the active key and the keys retired less than
    ``LTI_KEY_GRACE_SECONDS`` ago, each with ``kid``, ``alg`` and ``use`` (pylti1p3 picks a
    key by ``kid`` and ``alg``)."""
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.LTI_KEY_GRACE_SECONDS)
    keys = PlatformKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gte=since))
    return {"keys": [key.public_jwk for key in keys]}


@dataclass(frozen=True)
class MembershipPage:
    """One page of a context's members (NRPS), and whether more follow."""

    klass: Class
    members: list[dict[str, Any]]
    has_more: bool


def context_memberships(
    *, tool: ToolRegistration, class_id: int, role: str = "", offset: int = 0, limit: int = 100
) -> MembershipPage:
    """The active members of class ``class_id`` as NRPS members (``user_id`` = the launch's
    ``sub``, the user's sourcedId), optionally only those holding ``role`` (a role URI or
    its last part, case-insensitive: paging URLs may come back lower-cased), in sourcedId
    order. Raises ``NotFound`` for a class outside the tool's grant (as for a missing one)."""
    klass = Class.objects.filter(
        pk=class_id, org_scope_id__in=client_org_ids(api_client=tool.api_client)
    ).first()
    if klass is None:
        raise NotFound(MSG_NO_CONTEXT.format(id=class_id), field="context")
    enrollments = (
        Enrollment.objects.filter(klass=klass, status="active")
        .select_related("user")
        .order_by("user__sourced_id", "pk")
    )
    wanted = role.lower()
    roles_by_user: dict[int, tuple[User, set[str]]] = {}
    for enrollment in enrollments:
        uri = context_role(enrollment.role)
        if uri is None:
            continue
        user, roles = roles_by_user.setdefault(enrollment.user_id, (enrollment.user, set()))
        roles.add(uri)
    rows = [
        (user, sorted(roles))
        for user, roles in roles_by_user.values()
        if not wanted or any(_role_matches(r, wanted) for r in roles)
    ]
    page = rows[offset : offset + limit]
    members = [
        {
            "user_id": user.sourced_id,
            "roles": roles,
            "status": "Active",
            "name": f"{user.given_name} {user.family_name}".strip(),
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            "lis_person_sourcedid": user.sourced_id,
        }
        for user, roles in page
    ]
    return MembershipPage(klass=klass, members=members, has_more=offset + limit < len(rows))


def _role_matches(uri: str, wanted: str) -> bool:
    uri = uri.lower()
    return uri == wanted or uri.rsplit("#", 1)[-1] == wanted


@dataclass(frozen=True)
class LauncherClass:
    """One of a user's classes in the launcher: the apps they can open in it, the class's
    resource links of those apps (placed by deep linking), and whether they may add content
    (a teacher or administrator of the class)."""

    klass: Class
    tools: list[ToolRegistration]
    links: list[tuple[ClassResource, ToolRegistration]]
    can_edit: bool


def launcher_classes(*, user: User) -> list[LauncherClass]:
    """The user's active classes (by course and title), each with the apps available (the
    active tools whose API client is granted the user's org) and their resource links in
    the class. Four queries, plus one per distinct API client for its grant (cached)."""
    enrollments = list(
        Enrollment.objects.filter(user=user, status="active")
        .select_related("klass__course")
        .order_by("klass__course__title", "klass__title", "klass_id")
    )
    roles: dict[int, set[str]] = {}
    classes: dict[int, Class] = {}
    for enrollment in enrollments:
        classes.setdefault(enrollment.klass_id, enrollment.klass)
        roles.setdefault(enrollment.klass_id, set()).add(enrollment.role)
    tools = [
        tool
        for tool in ToolRegistration.objects.filter(is_active=True, api_client__is_active=True)
        .select_related("api_client")
        .order_by("name", "pk")
        if user.org_scope_id in client_org_ids(api_client=tool.api_client)
    ]
    by_client = {tool.client_id: tool for tool in tools}
    links: dict[int, list[tuple[ClassResource, ToolRegistration]]] = {}
    for link in (
        ClassResource.objects.filter(klass_id__in=list(classes), status="active")
        .select_related("resource")
        .order_by("title", "pk")
    ):
        tool = by_client.get(str((link.resource.metadata.get("lti") or {}).get("toolClientId")))
        if tool is not None:
            links.setdefault(link.klass_id, []).append((link, tool))
    return [
        LauncherClass(
            klass=klass,
            tools=tools,
            links=links.get(pk, []),
            can_edit=bool(roles[pk] & {"teacher", "administrator"}),
        )
        for pk, klass in classes.items()
    ]
