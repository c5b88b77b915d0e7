"""LTI Dynamic Registration: the platform configuration, a tool registering itself with a
one-time token (then launched by pylti1p3 under the new client_id), and the refusals."""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lti.models import RegistrationToken, ToolRegistration
from lti.scopes import AGS_SCORE, NRPS_CONTEXT_MEMBERSHIP
from lti.services.registration import TOOL_CONFIGURATION, registration_token_issue
from roster.models import Class
from tests.lti.pylti_tool import PyltiTool
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

REG_LOGIN = "https://reg-tool.example.org/lti/login"
REG_LAUNCH = "https://reg-tool.example.org/lti/launch"


def _registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": REG_LOGIN,
        "redirect_uris": [REG_LAUNCH],
        "client_name": "Registered Tool",
        "jwks_uri": "https://reg-tool.example.org/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{AGS_SCORE} {NRPS_CONTEXT_MEMBERSHIP} https://example.org/unknown",
        TOOL_CONFIGURATION: {
            "domain": "reg-tool.example.org",
            "target_link_uri": REG_LAUNCH,
            "custom_parameters": {"mode": "practice"},
            "claims": ["iss", "sub", "name"],
            "messages": [{"type": "LtiDeepLinkingRequest"}],
        },
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _post(body: Any, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post("/lti/register", body, content_type="application/json", **headers)


def test_the_platform_configuration() -> None:
    config = Client().get("/lti/openid-configuration").json()
    assert config["issuer"] == "http://testserver"
    assert config["registration_endpoint"] == "http://testserver/lti/register"
    assert config["jwks_uri"] == "http://testserver/lti/jwks"
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    platform = config["https://purl.imsglobal.org/spec/lti-platform-configuration"]
    assert {m["type"] for m in platform["messages_supported"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }


def test_the_command_prints_the_registration_url(scene: Scene) -> None:
    out = StringIO()
    call_command(
        "lti_registration",
        "--client",
        scene.api_client.application.client_id,
        "--tool-url",
        "https://reg-tool.example.org/register",
        "--base-url",
        "https://timeback.example.org",
        stdout=out,
    )
    url = urllib.parse.urlsplit(out.getvalue().strip())
    query = dict(urllib.parse.parse_qsl(url.query))
    assert url.netloc == "reg-tool.example.org"
    assert query["openid_configuration"] == "https://timeback.example.org/lti/openid-configuration"
    assert RegistrationToken.objects.get().token_hash != query["registration_token"]


def test_a_tool_registers_itself_and_is_launched(
    scene: Scene, klass: Class, browser: Client
) -> None:
    token = registration_token_issue(api_client=scene.api_client)
    answer = _post(_registration(), token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    tool = ToolRegistration.objects.get(client_id=body["client_id"])
    deployment_id = body[TOOL_CONFIGURATION]["deployment_id"]
    assert tool.deployments.get().deployment_id == deployment_id
    assert body["scope"] == f"{AGS_SCORE} {NRPS_CONTEXT_MEMBERSHIP}"  # the unknown dropped
    assert tool.jwks_url == "https://reg-tool.example.org/lti/jwks"
    assert tool.custom == {"mode": "practice"} and tool.redirect_uris == [REG_LAUNCH]
    assert _post(_registration(), token).status_code == 401  # one use

    login_url = browser.get(f"/lti/tools/{tool.pk}/launch?class={klass.sourced_id}")["Location"]
    assert login_url.startswith(REG_LOGIN)
    pylti = PyltiTool(
        issuer="http://testserver",
        client_id=tool.client_id,
        deployment_id=deployment_id,
        auth_login_url="http://testserver/lti/authorize",
    )
    auth = urllib.parse.urlsplit(pylti.login(login_url, REG_LAUNCH))
    page = browser.get(auth.path, dict(urllib.parse.parse_qsl(auth.query))).content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    data = pylti.launch(form)
    assert data["https://purl.imsglobal.org/spec/lti/claim/custom"] == {"mode": "practice"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"response_types": ["code"]}, "response_types"),
        ({"grant_types": ["implicit"]}, "grant_types"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "token_endpoint_auth_method"),
        ({"initiate_login_uri": None}, "initiate_login_uri"),
        ({"initiate_login_uri": "ftp://x"}, "initiate_login_uri"),
        ({"jwks_uri": "not a url"}, "jwks_uri"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"application_type": "native"}, "application_type"),
        ({TOOL_CONFIGURATION: None}, TOOL_CONFIGURATION),
        ({TOOL_CONFIGURATION: {"domain": "x"}}, "target_link_uri"),
        (
            {TOOL_CONFIGURATION: {"target_link_uri": REG_LAUNCH, "custom_parameters": {"a": 1}}},
            "custom_parameters",
        ),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(
    scene: Scene, overrides: dict[str, Any], field: str
) -> None:
    token = registration_token_issue(api_client=scene.api_client)
    response = _post(_registration(**overrides), token)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_client_metadata"
    assert field in html.unescape(response.json()["error_description"])
    assert not ToolRegistration.objects.exists()
    assert _post(_registration(), token).status_code == 200  # the token is still good


def test_tokens_are_checked(scene: Scene, tool: ToolRegistration) -> None:
    assert _post(_registration(), None).status_code == 401
    assert _post(_registration(), "made-up").status_code == 401
    expired = registration_token_issue(api_client=scene.api_client, seconds=60)
    RegistrationToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _post(_registration(), expired).status_code == 401
    # scene's client already has the ``tool`` fixture registered: 409.
    taken = registration_token_issue(api_client=scene.api_client)
    assert _post(_registration(), taken).status_code == 409


def test_a_body_that_is_not_json_is_refused(scene: Scene) -> None:
    response = _post("not json", registration_token_issue(api_client=scene.api_client))
    assert response.status_code == 400
    assert response.json()["error_description"] == "body: must be a JSON object"
