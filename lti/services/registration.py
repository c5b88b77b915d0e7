"""LTI Dynamic Registration 1.0, platform side (the tool-initiated flow).

1. An administrator issues a one-time registration token for an API client
   (``registration_token_issue``; ``manage.py lti_registration``) and opens the tool's
   registration URL with ``openid_configuration`` and ``registration_token``.
2. The tool reads the platform's configuration (``platform_configuration``).
3. The tool posts its OIDC client registration with the token as a bearer token
   (``tool_register``): it is checked, the tool is registered under the token's API client
   with a new deployment, and the answer carries ``client_id`` and ``deployment_id``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from common.exceptions import ApplicationError
from lti.models import RegistrationToken, ToolDeployment, ToolRegistration
from lti.scopes import LTI_SERVICE_SCOPES
from lti.services.launch import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST
from tenancy.models import ApiClient

__all__ = [
    "TOOL_CONFIGURATION",
    "RegistrationRefused",
    "platform_configuration",
    "registration_token_issue",
    "tool_register",
]

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOKEN_SECONDS = 24 * 3600

MSG_TOKEN = "registration_token: unknown, used or expired"
MSG_TAKEN = "registration_token: this API client already has a registered tool"
MSG_BODY = "body: must be a JSON object"
MSG_REQUIRED = "{field}: is required"
MSG_URL = "{field}: must be an http(s) URL"
MSG_URLS = "{field}: must be a non-empty list of http(s) URLs"
MSG_MUST = "{field}: must be {expected!r}"
MSG_CONTAINS = "{field}: must include {expected}"
MSG_OBJECT = "{field}: must be an object"
MSG_STRINGS = "{field}: must map names to strings"


class RegistrationRefused(ApplicationError):
    """A refused registration; ``error`` is the RFC 7591 error code."""

    def __init__(self, message: str, *, field: str, error: str, status_code: int = 400) -> None:
        super().__init__(message, field=field)
        self.error = error
        self.status_code = status_code


def registration_token_issue(*, api_client: ApiClient, seconds: int = TOKEN_SECONDS) -> str:
    """A new one-time registration token for ``api_client`` (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    RegistrationToken.objects.create(
        api_client=api_client,
        token_hash=_hash(token),
        expires_at=timezone.now() + dt.timedelta(seconds=seconds),
    )
    return token


def platform_configuration(*, issuer: str) -> dict[str, Any]:
    """The platform's OpenID configuration with its LTI platform configuration."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/lti/authorize",
        "registration_endpoint": f"{issuer}/lti/register",
        "jwks_uri": f"{issuer}/lti/jwks",
        "token_endpoint": f"{issuer}/lti/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *LTI_SERVICE_SCOPES],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "name",
            "given_name",
            "family_name",
            "email",
        ],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "timeback",
            "version": "1.0",
            "messages_supported": [
                {"type": RESOURCE_LINK_REQUEST},
                {"type": DEEP_LINKING_REQUEST},
            ],
        },
    }


@transaction.atomic
def tool_register(*, token: str, body: object) -> dict[str, Any]:
    """Register the tool described by ``body`` under the API client of ``token`` (one use)
    and return the registration answer. Raises ``RegistrationRefused`` naming the field."""
    issued = (
        RegistrationToken.objects.select_for_update()
        .select_related("api_client")
        .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if issued is None:
        raise RegistrationRefused(
            MSG_TOKEN, field="registration_token", error="invalid_token", status_code=401
        )
    if ToolRegistration.objects.filter(api_client=issued.api_client).exists():
        raise RegistrationRefused(
            MSG_TAKEN, field="registration_token", error="invalid_request", status_code=409
        )
    if not isinstance(body, dict):
        raise _invalid(MSG_BODY, "body")
    _expect_in(body, "response_types", "id_token")
    _expect_in(body, "grant_types", "implicit")
    _expect_in(body, "grant_types", "client_credentials")
    if body.get("application_type", "web") != "web":
        raise _invalid(
            MSG_MUST.format(field="application_type", expected="web"), "application_type"
        )
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        raise _invalid(
            MSG_MUST.format(field="token_endpoint_auth_method", expected="private_key_jwt"),
            "token_endpoint_auth_method",
        )
    login = _url(body, "initiate_login_uri")
    jwks = _url(body, "jwks_uri")
    redirects = body.get("redirect_uris")
    if not isinstance(redirects, list) or not redirects or not all(map(_is_url, redirects)):
        raise _invalid(MSG_URLS.format(field="redirect_uris"), "redirect_uris")
    config = body.get(TOOL_CONFIGURATION)
    if not isinstance(config, dict):
        raise _invalid(MSG_OBJECT.format(field=TOOL_CONFIGURATION), TOOL_CONFIGURATION)
    target = _url(config, "target_link_uri")
    custom = config.get("custom_parameters") or {}
    if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
        raise _invalid(MSG_STRINGS.format(field="custom_parameters"), "custom_parameters")
    name = str(body.get("client_name") or urlsplit(target).hostname or "LTI tool")[:255]
    asked = str(body.get("scope") or "").split()
    granted = [s for s in asked if s in LTI_SERVICE_SCOPES]
    tool = ToolRegistration(
        api_client=issued.api_client,
        name=name,
        initiate_login_uri=login,
        redirect_uris=list(redirects),
        target_link_uri=target,
        jwks_url=jwks,
        scopes=" ".join(granted),
        custom=custom,
    )
    tool.full_clean()
    tool.save()
    deployment = ToolDeployment.objects.create(tool=tool, deployment_id=str(uuid.uuid4()))
    issued.used_at = timezone.now()
    issued.tool = tool
    issued.save(update_fields=["used_at", "tool"])
    return {
        **{k: v for k, v in body.items() if k != TOOL_CONFIGURATION},
        "client_id": tool.client_id,
        "scope": " ".join(granted),
        TOOL_CONFIGURATION: {**config, "deployment_id": deployment.deployment_id},
    }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invalid(message: str, field: str) -> RegistrationRefused:
    return RegistrationRefused(message, field=field, error="invalid_client_metadata")


def _is_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _url(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value in (None, ""):
        raise _invalid(MSG_REQUIRED.format(field=field), field)
    if not _is_url(value):
        raise _invalid(MSG_URL.format(field=field), field)
    return str(value)


def _expect_in(body: dict[str, Any], field: str, expected: str) -> None:
    values = body.get(field)
    if not isinstance(values, list) or expected not in values:
        raise _invalid(MSG_CONTAINS.format(field=field, expected=expected), field)
