"""LTI 1.3 launches, platform side: the third-party initiated login and the answer to the
tool's authentication request (an RS256 id_token posted by an auto-submitting form).

1. ``launch_start`` records the launch (tool, deployment, user, class, resource link) and
   returns the tool's OIDC login initiation URL with ``iss``, ``login_hint``,
   ``target_link_uri``, ``lti_message_hint``, ``client_id`` and ``lti_deployment_id``.
2. The tool redirects the browser to the authorization endpoint; ``launch_authorize`` checks
   the request against the registration and the logged-in user (the checks of the 1EdTech
   Security Framework: scope, response type and mode, prompt, registered redirect URI,
   nonce, the hint bound to the user) and returns the signed id_token. Every refusal names
   the parameter at fault; a nonce is answered once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.exceptions import ApplicationError, PermissionDenied
from lti.models import LaunchRequest, ToolDeployment, ToolRegistration, UsedNonce
from lti.roles import context_role, institution_role
from lti.scopes import AGS_CLAIM, AGS_SCOPES, DL, LTI, NRPS_CLAIM, NRPS_CONTEXT_MEMBERSHIP
from lti.services.keys import platform_jwt_sign
from roster.models import Class, Enrollment, User
from tenancy.selectors import client_org_ids

__all__ = [
    "DEEP_LINKING_REQUEST",
    "RESOURCE_LINK_REQUEST",
    "AuthResponse",
    "LaunchRefused",
    "id_token_claims",
    "launch_authorize",
    "launch_start",
    "platform_issuer",
]

COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"

LTI_VERSION = "1.3.0"

LAUNCH_SECONDS = 300  # from launch_start to the tool's authentication request
ID_TOKEN_SECONDS = 300

MSG_REQUIRED = "{param}: is required"
MSG_MUST_BE = "{param}: must be {expected!r}, got {got!r}"
MSG_UNKNOWN_CLIENT = "client_id: no active tool is registered with this client_id"
MSG_REDIRECT = "redirect_uri: {uri!r} is not a redirect URI registered for this tool"
MSG_NOT_LOGGED_IN = "login_hint: no user is signed in to the platform (prompt=none)"
MSG_HINT_USER = "login_hint: does not match the signed-in user"
MSG_MESSAGE_HINT = "lti_message_hint: no pending launch of this tool for this user"
MSG_EXPIRED = "lti_message_hint: the launch expired; start it again"
MSG_NONCE_REPLAY = "nonce: this nonce was used before"
MSG_OUTSIDE_GRANT = "user: {user!r} is outside the orgs granted to this tool"
MSG_NO_DEPLOYMENT = "deployment: {deployment!r} is not a deployment of this tool"


class LaunchRefused(ApplicationError):
    """An authentication request refused; ``field`` is the parameter at fault. Answered by
    the platform itself, never sent to an unchecked redirect URI."""

    def __init__(self, message: str, *, field: str, status_code: int = 400) -> None:
        super().__init__(message, field=field)
        self.status_code = status_code


@dataclass(frozen=True)
class AuthResponse:
    """What the platform posts to the tool: ``id_token`` and ``state`` to ``redirect_uri``."""

    redirect_uri: str
    id_token: str
    state: str


def platform_issuer(*, request_origin: str = "") -> str:
    """The platform's ``iss``: ``PUBLIC_BASE_URL`` when set, else the request's origin."""
    return (settings.PUBLIC_BASE_URL or request_origin).rstrip("/")


def launch_start(
    *,
    tool: ToolRegistration,
    deployment: ToolDeployment,
    user: User,
    issuer: str,
    klass: Class | None = None,
    resource_link_id: str = "",
    resource_link_title: str = "",
    target_link_uri: str = "",
    return_url: str = "",
    message_type: str = RESOURCE_LINK_REQUEST,
    custom: dict[str, str] | None = None,
) -> str:
    """Record a launch of ``tool`` for ``user`` (a resource link, or with
    ``message_type=DEEP_LINKING_REQUEST`` a content selection for ``klass``) and return the
    tool's OIDC login initiation URL (all six parameters of the third-party initiated
    login)."""
    if deployment.tool_id != tool.pk:
        raise PermissionDenied(
            MSG_NO_DEPLOYMENT.format(deployment=deployment.deployment_id), field="deployment"
        )
    _check_grant(tool, user)
    launch = LaunchRequest.objects.create(
        message_hint=secrets.token_urlsafe(32),
        tool=tool,
        deployment=deployment,
        user=user,
        klass=klass,
        message_type=message_type,
        resource_link_id=resource_link_id,
        resource_link_title=resource_link_title,
        target_link_uri=target_link_uri or tool.target_link_uri,
        return_url=return_url,
        custom=custom or {},
        expires_at=timezone.now() + dt.timedelta(seconds=LAUNCH_SECONDS),
    )
    query = urllib.parse.urlencode(
        {
            "iss": issuer,
            "login_hint": user.sourced_id,
            "target_link_uri": launch.target_link_uri,
            "lti_message_hint": launch.message_hint,
            "client_id": tool.client_id,
            "lti_deployment_id": deployment.deployment_id,
        }
    )
    separator = "&" if "?" in tool.initiate_login_uri else "?"
    return f"{tool.initiate_login_uri}{separator}{query}"


def launch_authorize(*, params: Mapping[str, str], user: User | None, issuer: str) -> AuthResponse:
    """Answer a tool's authentication request for the signed-in ``user`` (None: nobody is
    signed in, and with ``prompt=none`` that is a refusal). Raises ``LaunchRefused``."""
    client_id = _required(params, "client_id")
    tool = ToolRegistration.objects.filter(client_id=client_id, is_active=True).first()
    if tool is None:
        raise LaunchRefused(MSG_UNKNOWN_CLIENT, field="client_id")
    redirect_uri = _required(params, "redirect_uri")
    if redirect_uri not in tool.redirect_uris:
        raise LaunchRefused(MSG_REDIRECT.format(uri=redirect_uri), field="redirect_uri")
    for param, expected in (
        ("scope", "openid"),
        ("response_type", "id_token"),
        ("response_mode", "form_post"),
        ("prompt", "none"),
    ):
        got = _required(params, param)
        if got != expected:
            raise LaunchRefused(
                MSG_MUST_BE.format(param=param, expected=expected, got=got), field=param
            )
    nonce = _required(params, "nonce")
    login_hint = _required(params, "login_hint")
    message_hint = _required(params, "lti_message_hint")
    if user is None:
        raise LaunchRefused(MSG_NOT_LOGGED_IN, field="login_hint", status_code=401)
    if login_hint != user.sourced_id:
        raise LaunchRefused(MSG_HINT_USER, field="login_hint", status_code=403)
    launch = (
        LaunchRequest.objects.select_related("deployment", "klass__course", "klass__school")
        .filter(message_hint=message_hint, tool=tool, user=user)
        .first()
    )
    if launch is None:
        raise LaunchRefused(MSG_MESSAGE_HINT, field="lti_message_hint")
    if launch.expires_at <= timezone.now():
        raise LaunchRefused(MSG_EXPIRED, field="lti_message_hint")
    _check_grant(tool, user)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(tool=tool, nonce=nonce)
    except IntegrityError as exc:
        raise LaunchRefused(MSG_NONCE_REPLAY, field="nonce") from exc
    claims = id_token_claims(launch=launch, issuer=issuer, nonce=nonce)
    return AuthResponse(
        redirect_uri=redirect_uri,
        id_token=platform_jwt_sign(claims=claims),
        state=params.get("state", ""),
    )


def id_token_claims(*, launch: LaunchRequest, issuer: str, nonce: str) -> dict[str, Any]:
    """The id_token of ``launch``: the required claims, roles mapped from the user's
    OneRoster role and enrollment in the class, the class as context, the OneRoster
    sourcedIds under ``lis``, the tool's custom parameters."""
    tool, user, klass = launch.tool, launch.user, launch.klass
    now = int(time.time())
    roles = _roles(user, klass)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": tool.client_id,
        "azp": tool.client_id,
        "sub": user.sourced_id,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "nonce": nonce,
        "name": f"{user.given_name} {user.family_name}".strip(),
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        LTI + "message_type": launch.message_type,
        LTI + "version": LTI_VERSION,
        LTI + "deployment_id": launch.deployment.deployment_id,
        LTI + "target_link_uri": launch.target_link_uri,
        LTI + "roles": roles,
        LTI + "tool_platform": {
            "guid": issuer,
            "name": "Timeback",
            "product_family_code": "timeback",
        },
        LTI + "launch_presentation": {
            "document_target": "window",
            **({"return_url": launch.return_url} if launch.return_url else {}),
        },
        LTI + "custom": {
            str(k): str(v) for k, v in {**(tool.custom or {}), **(launch.custom or {})}.items()
        },
        LTI + "lis": {"person_sourcedid": user.sourced_id},
    }
    if launch.message_type == DEEP_LINKING_REQUEST:
        # The response is bound to this launch by ``data`` (echoed, checked on return).
        claims[DL + "deep_linking_settings"] = {
            "deep_link_return_url": f"{issuer}/lti/deep-linking/return",
            "accept_types": ["ltiResourceLink", "link"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
            "title": launch.resource_link_title,
            "data": launch.message_hint,
        }
    else:
        claims[LTI + "resource_link"] = {
            "id": launch.resource_link_id,
            "title": launch.resource_link_title,
        }
    if klass is not None:
        claims[LTI + "context"] = {
            "id": klass.sourced_id,
            "label": klass.class_code or klass.course.course_code or klass.title,
            "title": klass.title,
            "type": [COURSE_OFFERING],
        }
        claims[LTI + "lis"].update(
            {
                "course_offering_sourcedid": klass.course.sourced_id,
                "course_section_sourcedid": klass.sourced_id,
            }
        )
        held = tool.scopes.split()
        if ags := [s for s in AGS_SCOPES if s in held]:
            claims[AGS_CLAIM] = {
                "scope": ags,
                "lineitems": f"{issuer}/lti/ags/contexts/{klass.pk}/lineitems",
            }
        if NRPS_CONTEXT_MEMBERSHIP in held:
            claims[NRPS_CLAIM] = {
                "context_memberships_url": f"{issuer}/lti/nrps/contexts/{klass.pk}/memberships",
                "service_versions": ["2.0"],
            }
    return claims


# ---------------------------------------------------------------------------------------------


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise LaunchRefused(MSG_REQUIRED.format(param=name), field=name)
    return value


def _check_grant(tool: ToolRegistration, user: User) -> None:
    if user.org_scope_id not in client_org_ids(api_client=tool.api_client):
        raise PermissionDenied(MSG_OUTSIDE_GRANT.format(user=user.sourced_id), field="user")


def _roles(user: User, klass: Class | None) -> list[str]:
    roles: list[str] = []
    if institution := institution_role(user.primary_role):
        roles.append(institution)
    if klass is not None:
        enrolled = Enrollment.objects.filter(user=user, klass=klass, status="active").values_list(
            "role", flat=True
        )
        roles += sorted({r for r in map(context_role, enrolled) if r})
    return roles
