"""Deep Linking 2.0, platform side: the tool's signed response to an
``LtiDeepLinkingRequest`` becomes OneRoster resources of the class (and AGS line items for
content items that carry ``lineItem``).

The response (form field ``JWT``) is checked as the spec and pylti1p3 shape it: signed by
the tool's key, ``iss`` = its client_id, ``aud`` = the platform issuer, ``exp``, a nonce
used once, a deployment of the tool, ``message_type`` and ``version``, and ``data`` = the
request's opaque value, which names the launch (tool, user, class) it answers. A request is
answered once, within ``RESPONSE_SECONDS``; all content items are created or none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.exceptions import ApplicationError
from lti.models import LaunchRequest, ToolDeployment, ToolRegistration, UsedNonce
from lti.scopes import DL, LTI
from lti.services import ags
from lti.services.launch import DEEP_LINKING_REQUEST, LTI_VERSION
from lti.services.tool_keys import UnknownToolKey, tool_public_key
from roster.models import ClassResource, LineItem, Resource

__all__ = ["DeepLinkRefused", "DeepLinkResult", "deep_link_response_accept"]

RESPONSE_SECONDS = 3600
LEEWAY_SECONDS = 5
RESPONSE_TYPE = "LtiDeepLinkingResponse"
ACCEPTED_TYPES = ("ltiResourceLink", "link")

MSG_MALFORMED = "JWT: is not a JWT ({reason})"
MSG_TOOL = "JWT: iss must be the client_id of an active tool"
MSG_KEY = "JWT: {reason}"
MSG_CLAIM = "{claim}: must be {expected!r}"
MSG_REQUIRED = "{claim}: is required"
MSG_DEPLOYMENT = "deployment_id: {got!r} is not a deployment of this tool"
MSG_DATA = "data: does not name a deep-linking request of this tool"
MSG_LATE = "data: the deep-linking request is older than an hour; start it again"
MSG_ANSWERED = "data: this deep-linking request was answered already"
MSG_NONCE = "nonce: this nonce was used before"
MSG_ITEMS = "content_items: must be a list of objects"
MSG_TYPE = "content_items[{i}].type: must be one of {allowed}"
MSG_ITEM_FIELD = "content_items[{i}].{field}: {message}"


class DeepLinkRefused(ApplicationError):
    """A refused deep-linking response; ``field`` names the claim at fault."""


@dataclass(frozen=True)
class DeepLinkResult:
    resources: list[ClassResource]
    line_items: list[LineItem]
    message: str


def deep_link_response_accept(*, token: str, issuer: str) -> DeepLinkResult:
    """Check the tool's deep-linking response ``token`` and create its content items as
    resources of the request's class. Raises ``DeepLinkRefused`` naming the claim."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise DeepLinkRefused(MSG_MALFORMED.format(reason=exc), field="JWT") from exc
    tool = ToolRegistration.objects.filter(
        client_id=str(unverified.get("iss")), is_active=True
    ).first()
    if tool is None:
        raise DeepLinkRefused(MSG_TOOL, field="iss")
    try:
        key = tool_public_key(tool, header.get("kid"))
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256", "RS384", "RS512"],
            audience=issuer,
            issuer=tool.client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except (UnknownToolKey, jwt.PyJWTError) as exc:
        raise DeepLinkRefused(MSG_KEY.format(reason=exc), field="JWT") from exc
    _expect(claims, LTI + "message_type", RESPONSE_TYPE, "message_type")
    _expect(claims, LTI + "version", LTI_VERSION, "version")
    deployment_id = claims.get(LTI + "deployment_id")
    if not ToolDeployment.objects.filter(tool=tool, deployment_id=deployment_id).exists():
        raise DeepLinkRefused(MSG_DEPLOYMENT.format(got=deployment_id), field="deployment_id")
    nonce = claims.get("nonce")
    if not nonce:
        raise DeepLinkRefused(MSG_REQUIRED.format(claim="nonce"), field="nonce")
    launch = (
        LaunchRequest.objects.select_related("klass", "user")
        .filter(
            tool=tool,
            message_hint=str(claims.get(DL + "data") or ""),
            message_type=DEEP_LINKING_REQUEST,
        )
        .first()
    )
    if launch is None or launch.klass is None:
        raise DeepLinkRefused(MSG_DATA, field="data")
    if launch.created_at < timezone.now() - dt.timedelta(seconds=RESPONSE_SECONDS):
        raise DeepLinkRefused(MSG_LATE, field="data")
    items = claims.get(DL + "content_items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DeepLinkRefused(MSG_ITEMS, field="content_items")
    try:
        with transaction.atomic():
            UsedNonce.objects.create(tool=tool, nonce=f"dl:{nonce}")
    except IntegrityError as exc:
        raise DeepLinkRefused(MSG_NONCE, field="nonce") from exc
    # The content and the "answered" mark commit together: a refused item leaves the
    # request open for a corrected response (with a new nonce).
    try:
        with transaction.atomic():
            UsedNonce.objects.create(tool=tool, nonce=f"dl-data:{launch.message_hint}")
            created, line_items = _create(tool, launch, items)
    except IntegrityError as exc:
        raise DeepLinkRefused(MSG_ANSWERED, field="data") from exc
    message = str(claims.get(DL + "msg") or claims.get(DL + "errormsg") or "")
    return DeepLinkResult(resources=created, line_items=line_items, message=message)


def _expect(claims: dict[str, Any], claim: str, expected: str, field: str) -> None:
    if claims.get(claim) != expected:
        raise DeepLinkRefused(MSG_CLAIM.format(claim=field, expected=expected), field=field)


def _create(
    tool: ToolRegistration, launch: LaunchRequest, items: list[dict[str, Any]]
) -> tuple[list[ClassResource], list[LineItem]]:
    klass = launch.klass
    assert klass is not None
    links: list[ClassResource] = []
    line_items: list[LineItem] = []
    for i, item in enumerate(items):
        kind = item.get("type")
        if kind not in ACCEPTED_TYPES:
            raise DeepLinkRefused(
                MSG_TYPE.format(i=i, allowed=", ".join(ACCEPTED_TYPES)), field="content_items"
            )
        url = item.get("url") or (tool.target_link_uri if kind == "ltiResourceLink" else "")
        if not isinstance(url, str) or not url:
            raise DeepLinkRefused(
                MSG_ITEM_FIELD.format(i=i, field="url", message="is required for a link"),
                field="content_items",
            )
        title = str(item.get("title") or tool.name)[:255]
        custom = item.get("custom") or {}
        if not isinstance(custom, dict):
            raise DeepLinkRefused(
                MSG_ITEM_FIELD.format(i=i, field="custom", message="must be an object"),
                field="content_items",
            )
        resource = Resource.objects.create(
            sourced_id=f"lti-{uuid.uuid4()}",
            title=title,
            vendor_resource_id=url[:255],
            vendor_id=tool.name[:255],
            application_id=tool.client_id,
            org_scope_id=klass.org_scope_id,
            source_system="lti",
            metadata={
                "lti": {
                    "type": kind,
                    "url": url,
                    "custom": {str(k): str(v) for k, v in custom.items()},
                    "toolClientId": tool.client_id,
                }
            },
        )
        link = ClassResource.objects.create(
            sourced_id=f"lti-{uuid.uuid4()}",
            title=title,
            resource=resource,
            klass=klass,
            org_scope_id=klass.org_scope_id,
            source_system="lti",
        )
        links.append(link)
        line = item.get("lineItem")
        if kind == "ltiResourceLink" and line is not None:
            if not isinstance(line, dict):
                raise DeepLinkRefused(
                    MSG_ITEM_FIELD.format(i=i, field="lineItem", message="must be an object"),
                    field="content_items",
                )
            body = {"label": title, **line, "resourceLinkId": link.sourced_id}
            try:
                line_items.append(ags.line_item_create(tool=tool, klass=klass, body=body))
            except ApplicationError as exc:
                raise DeepLinkRefused(
                    MSG_ITEM_FIELD.format(i=i, field="lineItem", message=exc.message),
                    field="content_items",
                ) from exc
    return links, line_items
