"""The LTI service-token endpoint (1EdTech Security Framework §4.1, RFC 7523): a tool
authenticates with a JWT client assertion signed by its own key and receives a bearer token
for the LTI Advantage scopes it asked for and is registered for.

The token is an ordinary OAuth2 access token of the tool's API client application, so the
service endpoints authenticate it like any API token; it carries only the granted LTI scopes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken

from common.exceptions import ApplicationError
from lti.models import ToolRegistration, UsedNonce
from lti.services.tool_keys import UnknownToolKey, tool_public_key

__all__ = ["ServiceToken", "TokenRefused", "service_token_issue"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_SECONDS = 3600
LEEWAY_SECONDS = 5

MSG_GRANT = "grant_type: must be 'client_credentials'"
MSG_ASSERTION_TYPE = f"client_assertion_type: must be {ASSERTION_TYPE!r}"
MSG_REQUIRED = "{param}: is required"
MSG_MALFORMED = "client_assertion: is not a JWT ({reason})"
MSG_CLIENT = "client_assertion: iss and sub must both be the client_id of an active tool"
MSG_SIGNATURE = "client_assertion: {reason}"
MSG_JTI = "client_assertion: jti is required and may be used once"
MSG_SCOPE = "scope: none of {asked} is registered for this tool"


class TokenRefused(ApplicationError):
    """A refused token request, with its RFC 6749 §5.2 error code."""

    def __init__(self, message: str, *, error: str, field: str, status_code: int = 400) -> None:
        super().__init__(message, field=field)
        self.error = error
        self.status_code = status_code


@dataclass(frozen=True)
class ServiceToken:
    access_token: str
    expires_in: int
    scope: str


def service_token_issue(*, params: Mapping[str, str], token_url: str) -> ServiceToken:
    """Check the token request (grant type, assertion type, the assertion's signature by the
    tool's key, ``iss``/``sub``, ``aud`` = ``token_url``, ``exp``, a ``jti`` never seen) and
    issue a token for the requested scopes the tool is registered for."""
    if params.get("grant_type") != "client_credentials":
        raise TokenRefused(MSG_GRANT, error="unsupported_grant_type", field="grant_type")
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenRefused(
            MSG_ASSERTION_TYPE, error="invalid_request", field="client_assertion_type"
        )
    assertion = params.get("client_assertion", "")
    if not assertion:
        raise TokenRefused(
            MSG_REQUIRED.format(param="client_assertion"),
            error="invalid_request",
            field="client_assertion",
        )
    asked = params.get("scope", "").split()
    if not asked:
        raise TokenRefused(
            MSG_REQUIRED.format(param="scope"), error="invalid_request", field="scope"
        )
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenRefused(
            MSG_MALFORMED.format(reason=exc), error="invalid_request", field="client_assertion"
        ) from exc
    client_id = unverified.get("iss")
    tool = ToolRegistration.objects.filter(client_id=str(client_id), is_active=True).first()
    if tool is None or unverified.get("sub") != client_id:
        raise TokenRefused(
            MSG_CLIENT, error="invalid_client", field="client_assertion", status_code=401
        )
    claims = _verified(assertion, header, tool, token_url)
    jti = claims.get("jti")
    if not jti:
        raise TokenRefused(
            MSG_JTI, error="invalid_client", field="client_assertion", status_code=401
        )
    granted = [s for s in asked if s in tool.scopes.split()]
    if not granted:
        raise TokenRefused(MSG_SCOPE.format(asked=asked), error="invalid_scope", field="scope")
    try:
        with transaction.atomic():
            UsedNonce.objects.create(tool=tool, nonce=f"jti:{jti}")
            token = AccessToken.objects.create(
                application=tool.api_client.application,
                token=secrets.token_urlsafe(32),
                expires=timezone.now() + dt.timedelta(seconds=TOKEN_SECONDS),
                scope=" ".join(granted),
            )
    except IntegrityError as exc:
        raise TokenRefused(
            MSG_JTI, error="invalid_client", field="client_assertion", status_code=401
        ) from exc
    return ServiceToken(access_token=token.token, expires_in=TOKEN_SECONDS, scope=token.scope)


def _verified(
    assertion: str, header: dict[str, Any], tool: ToolRegistration, token_url: str
) -> dict[str, Any]:
    try:
        key = tool_public_key(tool, header.get("kid"))
    except UnknownToolKey as exc:
        raise TokenRefused(
            f"client_assertion: {exc}",
            error="invalid_client",
            field="client_assertion",
            status_code=401,
        ) from exc
    try:
        claims: dict[str, Any] = jwt.decode(
            assertion,
            key,
            algorithms=["RS256", "RS384", "RS512"],
            audience=token_url,
            issuer=tool.client_id,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenRefused(
            MSG_SIGNATURE.format(reason=exc),
            error="invalid_client",
            field="client_assertion",
            status_code=401,
        ) from exc
    return claims
