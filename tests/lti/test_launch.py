"""A platform-initiated LTI 1.3 launch: the third-party initiated login, the checks of the
tool's authentication request (each refusal names its parameter, and nothing is signed), and
the claims of the id_token, verified against the published key set."""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse
from typing import Any

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from lti.models import LaunchRequest, ToolRegistration, UsedNonce
from lti.scopes import LTI
from lti.selectors import platform_jwks
from roster.models import Class, Org, User
from tests.lti.conftest import LAUNCH, LOGIN
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"


def _start(browser: Client, tool: ToolRegistration, klass: Class | None = None) -> dict[str, str]:
    url = f"/lti/tools/{tool.pk}/launch" + (f"?class={klass.sourced_id}" if klass else "")
    response = browser.get(url)
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(LOGIN + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def _auth_params(login: dict[str, str], **overrides: str) -> dict[str, str]:
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login["client_id"],
        "redirect_uri": LAUNCH,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "nonce": "nonce-1",
        "state": "state-1",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _form(response: Any) -> dict[str, str]:
    page = response.content.decode()
    action = re.search(r'action="([^"]+)"', page)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    assert action is not None
    return {"action": action.group(1), **fields}


def _verify(token: str, client_id: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    [key] = [k for k in platform_jwks()["keys"] if k["kid"] == header["kid"]]
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=client_id)


def test_the_login_initiation_carries_all_six_parameters(
    browser: Client, tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    login = _start(browser, tool, klass)
    assert login == {
        "iss": "http://testserver",
        "login_hint": scene.students[0].sourced_id,
        "target_link_uri": LAUNCH,
        "lti_message_hint": login["lti_message_hint"],
        "client_id": tool.client_id,
        "lti_deployment_id": "dep-1",
    }
    assert len(login["lti_message_hint"]) >= 40


def test_the_id_token_carries_the_launch(
    browser: Client, tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    login = _start(browser, tool, klass)
    response = browser.get("/lti/authorize", _auth_params(login))
    assert response.status_code == 200, response.content
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    form = _form(response)
    assert form["action"] == LAUNCH and form["state"] == "state-1"
    claims = _verify(form["id_token"], tool.client_id)
    student = scene.students[0]
    assert claims["iss"] == "http://testserver"
    assert claims["aud"] == tool.client_id and claims["azp"] == tool.client_id
    assert claims["sub"] == student.sourced_id and claims["nonce"] == "nonce-1"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["email"] == student.email
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "dep-1"
    assert claims[LTI + "target_link_uri"] == LAUNCH
    assert claims[LTI + "resource_link"]["id"] == f"{tool.client_id}:{klass.sourced_id}"
    assert claims[LTI + "roles"] == [INSTITUTION + "Student", MEMBERSHIP + "Learner"]
    assert claims[LTI + "context"] == {
        "id": "lt-class-1",
        "label": "M4A",
        "title": "Math 4A",
        "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
    }
    assert claims[LTI + "lis"] == {
        "person_sourcedid": student.sourced_id,
        "course_offering_sourcedid": scene.course.sourced_id,
        "course_section_sourcedid": "lt-class-1",
    }
    assert claims[LTI + "custom"] == {"level": "4"}
    assert claims[LTI + "tool_platform"]["guid"] == "http://testserver"


def test_a_launch_without_a_class_has_no_context(browser: Client, tool: ToolRegistration) -> None:
    login = _start(browser, tool)
    form = _form(browser.get("/lti/authorize", _auth_params(login)))
    claims = _verify(form["id_token"], tool.client_id)
    assert LTI + "context" not in claims
    assert claims[LTI + "roles"] == [INSTITUTION + "Student"]


REFUSALS: list[tuple[str, dict[str, Any], int, str]] = [
    ("client_id", {"client_id": "nobody"}, 400, "no active tool"),
    ("redirect_uri", {"redirect_uri": "https://evil.example.org/cb"}, 400, "not a redirect URI"),
    ("redirect_uri", {"redirect_uri": None}, 400, "redirect_uri: is required"),
    ("scope", {"scope": "profile"}, 400, "scope: must be 'openid'"),
    ("response_type", {"response_type": "code"}, 400, "response_type: must be 'id_token'"),
    ("response_mode", {"response_mode": "query"}, 400, "response_mode: must be 'form_post'"),
    ("prompt", {"prompt": "login"}, 400, "prompt: must be 'none'"),
    ("nonce", {"nonce": None}, 400, "nonce: is required"),
    ("login_hint", {"login_hint": "lt-stu-1"}, 403, "does not match the signed-in user"),
    ("lti_message_hint", {"lti_message_hint": "made-up"}, 400, "no pending launch"),
]


@pytest.mark.parametrize(("field", "overrides", "status", "message"), REFUSALS)
def test_each_bad_authentication_request_is_refused_naming_its_parameter(
    browser: Client,
    tool: ToolRegistration,
    field: str,
    overrides: dict[str, Any],
    status: int,
    message: str,
) -> None:
    login = _start(browser, tool)
    response = browser.get("/lti/authorize", _auth_params(login, **overrides))
    assert response.status_code == status
    body = html.unescape(response.content.decode())
    assert f'data-field="{field}"' in body and message in body
    assert 'name="id_token"' not in body
    assert not UsedNonce.objects.exists()


def test_nobody_signed_in_is_refused_without_prompting(
    browser: Client, tool: ToolRegistration
) -> None:
    login = _start(browser, tool)
    response = Client().get("/lti/authorize", _auth_params(login))
    assert response.status_code == 401
    assert "no user is signed in" in response.content.decode()


def test_a_nonce_is_answered_once(browser: Client, tool: ToolRegistration) -> None:
    login = _start(browser, tool)
    assert browser.get("/lti/authorize", _auth_params(login)).status_code == 200
    again = browser.get("/lti/authorize", _auth_params(login))
    assert (
        again.status_code == 400 and "nonce: this nonce was used before" in again.content.decode()
    )


def test_an_expired_launch_is_refused(browser: Client, tool: ToolRegistration) -> None:
    login = _start(browser, tool)
    LaunchRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = browser.get("/lti/authorize", _auth_params(login))
    assert response.status_code == 400 and "the launch expired" in response.content.decode()


def test_another_users_launch_cannot_be_claimed(
    browser: Client, tool: ToolRegistration, scene: Scene
) -> None:
    login = _start(browser, tool)
    other_login = get_user_model().objects.create_user(username="lt-stu-1", password="x")
    User.objects.filter(pk=scene.students[1].pk).update(login=other_login)
    other = Client()
    other.force_login(other_login)
    params = _auth_params(login, login_hint=scene.students[1].sourced_id)
    response = other.get("/lti/authorize", params)
    assert response.status_code == 400 and "no pending launch" in response.content.decode()


def test_a_user_outside_the_tools_grant_is_refused(
    browser: Client, tool: ToolRegistration, scene: Scene
) -> None:
    elsewhere = Org.objects.create(sourced_id="other-district", name="Other", type="district")
    User.objects.filter(pk=scene.students[0].pk).update(org_scope=elsewhere)
    response = browser.get(f"/lti/tools/{tool.pk}/launch")
    assert response.status_code == 403
    assert "outside the orgs granted to this tool" in response.content.decode()
    assert not LaunchRequest.objects.exists()


def test_a_post_authentication_request_works_too(browser: Client, tool: ToolRegistration) -> None:
    login = _start(browser, tool)
    response = browser.post("/lti/authorize", _auth_params(login))
    assert response.status_code == 200 and _form(response)["action"] == LAUNCH


def test_launching_needs_a_signed_in_user(tool: ToolRegistration) -> None:
    response = Client().get(f"/lti/tools/{tool.pk}/launch")
    assert response.status_code == 302 and "/login/" in response["Location"]
