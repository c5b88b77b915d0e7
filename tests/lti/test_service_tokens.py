"""LTI service tokens: a tool's client assertion (RFC 7523, signed with its own key), the
scopes granted (requested ∩ registered), and the refusals, each an RFC 6749 error naming
the parameter, with no token issued."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from oauth2_provider.models import AccessToken

from lti.models import ToolRegistration

pytestmark = pytest.mark.django_db

TOKEN_URL = "http://testserver/lti/token"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def keyed_tool(tool: ToolRegistration) -> ToolRegistration:
    tool.jwks_url = ""
    tool.public_jwk = {
        **jwt.algorithms.RSAAlgorithm.to_jwk(TOOL_KEY.public_key(), as_dict=True),
        "kid": "tool-key-1",
        "alg": "RS256",
    }
    tool.scopes = f"{AGS_SCORE} {AGS_LINEITEM}"
    tool.save()
    return tool


def _assertion(
    tool: ToolRegistration, *, key: Any = TOOL_KEY, kid: str = "tool-key-1", **claims: Any
) -> str:
    now = int(time.time())
    body = {
        "iss": tool.client_id,
        "sub": tool.client_id,
        "aud": TOKEN_URL,
        "iat": now - 5,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None},
        key,
        algorithm="RS256",
        headers={"kid": kid},
    )


def _request(tool: ToolRegistration, **overrides: Any) -> dict[str, str]:
    params = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": _assertion(tool),
        "scope": f"{AGS_SCORE} {NRPS}",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def test_a_signed_assertion_gets_the_registered_part_of_the_scopes(
    keyed_tool: ToolRegistration,
) -> None:
    response = Client().post("/lti/token", _request(keyed_tool))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["scope"] == AGS_SCORE  # NRPS was asked for but is not registered
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    stored = AccessToken.objects.get(token=body["access_token"])
    assert stored.application_id == keyed_tool.api_client.application_id
    assert stored.scope == AGS_SCORE


def _refusals(tool: ToolRegistration) -> list[tuple[str, dict[str, Any], int, str, str]]:
    now = int(time.time())
    return [
        ("grant", {"grant_type": "password"}, 400, "unsupported_grant_type", "grant_type"),
        (
            "assertion type",
            {"client_assertion_type": "basic"},
            400,
            "invalid_request",
            "client_assertion_type",
        ),
        (
            "no assertion",
            {"client_assertion": None},
            400,
            "invalid_request",
            "client_assertion: is required",
        ),
        ("no scope", {"scope": None}, 400, "invalid_request", "scope: is required"),
        ("malformed", {"client_assertion": "not.a.jwt"}, 400, "invalid_request", "is not a JWT"),
        (
            "bad signature",
            {"client_assertion": _assertion(tool, key=OTHER_KEY)},
            401,
            "invalid_client",
            "Signature",
        ),
        (
            "unknown kid",
            {"client_assertion": _assertion(tool, kid="other")},
            401,
            "invalid_client",
            "no key of this tool",
        ),
        (
            "expired",
            {"client_assertion": _assertion(tool, exp=now - 60, iat=now - 120)},
            401,
            "invalid_client",
            "expired",
        ),
        (
            "wrong aud",
            {"client_assertion": _assertion(tool, aud="https://elsewhere.example.org/token")},
            401,
            "invalid_client",
            "Audience",
        ),
        (
            "wrong iss",
            {"client_assertion": _assertion(tool, iss="someone-else")},
            401,
            "invalid_client",
            "iss and sub",
        ),
        ("no jti", {"client_assertion": _assertion(tool, jti=None)}, 401, "invalid_client", "jti"),
        ("unregistered scope", {"scope": NRPS}, 400, "invalid_scope", "scope: none of"),
    ]


CASE_NAMES = [
    "grant",
    "assertion type",
    "no assertion",
    "no scope",
    "malformed",
    "bad signature",
    "unknown kid",
    "expired",
    "wrong aud",
    "wrong iss",
    "no jti",
    "unregistered scope",
]


@pytest.mark.parametrize("case", range(len(CASE_NAMES)), ids=CASE_NAMES)
def test_each_bad_token_request_is_refused_with_no_token(
    keyed_tool: ToolRegistration, case: int
) -> None:
    name, overrides, status, error, message = _refusals(keyed_tool)[case]
    assert name == CASE_NAMES[case]
    response = Client().post("/lti/token", _request(keyed_tool, **overrides))
    assert response.status_code == status, (name, response.content)
    body = response.json()
    assert body["error"] == error, name
    assert message in body["error_description"], (name, body)
    assert not AccessToken.objects.exists()


def test_a_jti_is_accepted_once(keyed_tool: ToolRegistration) -> None:
    assertion = _assertion(keyed_tool, jti="once")
    assert (
        Client().post("/lti/token", _request(keyed_tool, client_assertion=assertion)).status_code
        == 200
    )
    again = Client().post("/lti/token", _request(keyed_tool, client_assertion=assertion))
    assert again.status_code == 401 and "jti" in again.json()["error_description"]
    assert AccessToken.objects.count() == 1


def test_the_token_endpoint_takes_only_post(keyed_tool: ToolRegistration) -> None:
    assert Client().get("/lti/token").status_code == 405
