"""Deep Linking: a teacher picks content in a real pylti1p3 tool; its signed response
becomes OneRoster resources of the class and an AGS line item; every bad response is
refused naming its claim, with nothing created."""

from __future__ import annotations

import html
import re
import time
import urllib.parse
import uuid
from typing import Any

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem as PyltiLineItem
from pylti1p3.registration import Registration

from lti.models import ToolRegistration
from lti.scopes import AGS_SCOPES
from roster.models import Class, ClassResource, Enrollment, LineItem, Resource, User
from tests.lti.conftest import (
    LAUNCH,
    TOOL_KEY,
    TOOL_PRIVATE_PEM,
    TOOL_PUBLIC_PEM,
    tool_with_services,
)
from tests.lti.pylti_tool import PyltiTool
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RETURN = "/lti/deep-linking/return"


@pytest.fixture
def teacher(scene: Scene, klass: Class) -> Client:
    teacher = User.objects.create(
        sourced_id="lt-tea-1",
        given_name="Tea",
        family_name="Cher",
        email="tea@lt.example.org",
        primary_org=scene.school,
        primary_role="teacher",
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-t1",
        user=teacher,
        klass=klass,
        school=scene.school,
        role="teacher",
        org_scope=scene.school,
    )
    login = get_user_model().objects.create_user(username="lt-tea-1", password="x")
    User.objects.filter(pk=teacher.pk).update(login=login)
    client = Client()
    client.force_login(login)
    return client


@pytest.fixture
def dl_tool(tool: ToolRegistration) -> ToolRegistration:
    return tool_with_services(tool, " ".join(AGS_SCOPES))


def _dl_launch(teacher: Client, tool: ToolRegistration, klass: Class) -> Any:
    start = teacher.get(f"/lti/tools/{tool.pk}/deep-link?class={klass.sourced_id}")
    assert start.status_code == 302, start.content
    pylti = PyltiTool(
        issuer="http://testserver",
        client_id=tool.client_id,
        deployment_id="dep-1",
        auth_login_url="http://testserver/lti/authorize",
        private_key_pem=TOOL_PRIVATE_PEM,
        public_key_pem=TOOL_PUBLIC_PEM,
    )
    auth = urllib.parse.urlsplit(pylti.login(start["Location"], LAUNCH))
    page = teacher.get(auth.path, dict(urllib.parse.parse_qsl(auth.query))).content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    return pylti.message_launch(form, client=Client())


def _resource() -> DeepLinkResource:
    line = PyltiLineItem().set_score_maximum(10).set_label("Fractions quiz").set_tag("frac")
    return (
        DeepLinkResource()
        .set_url("https://tool.example.org/lti/launch?activity=fractions")
        .set_title("Fractions")
        .set_custom_params({"activity": "fractions"})
        .set_lineitem(line)
    )


def test_a_teacher_adds_content_through_pylti1p3(
    teacher: Client, dl_tool: ToolRegistration, klass: Class
) -> None:
    launch = _dl_launch(teacher, dl_tool, klass)
    assert launch.is_deep_link_launch()
    settings = launch.get_launch_data()[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == "http://testserver" + RETURN
    token = launch.get_deep_link().get_response_jwt([_resource()])
    done = teacher.post(RETURN, {"JWT": token})
    assert done.status_code == 200, done.content
    [link] = ClassResource.objects.filter(klass=klass)
    assert link.title == "Fractions"
    assert link.resource.metadata["lti"]["url"].endswith("activity=fractions")
    assert link.resource.metadata["lti"]["custom"] == {"activity": "fractions"}
    [item] = LineItem.objects.filter(klass=klass)
    assert item.title == "Fractions quiz" and item.result_value_max == 10
    assert item.metadata["lti"]["resourceLinkId"] == link.sourced_id
    assert item.metadata["lti"]["tag"] == "frac"
    again = teacher.post(RETURN, {"JWT": token})  # the same response again
    assert again.status_code == 400 and 'data-field="nonce"' in again.content.decode()
    assert ClassResource.objects.count() == 1


def test_students_may_not_add_content(
    browser: Client, dl_tool: ToolRegistration, klass: Class
) -> None:
    response = browser.get(f"/lti/tools/{dl_tool.pk}/deep-link?class={klass.sourced_id}")
    assert response.status_code == 403
    assert "only the class's teachers" in html.unescape(response.content.decode())


def _response(tool: ToolRegistration, data: str, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": tool.client_id,
        "aud": ["http://testserver"],
        "iat": now,
        "exp": now + 60,
        "nonce": str(uuid.uuid4()),
        LTI + "deployment_id": "dep-1",
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DL + "data": data,
        DL + "content_items": [{"type": "ltiResourceLink", "title": "A", "url": LAUNCH}],
    }
    key = overrides.pop("key", TOOL_KEY)
    claims.update(overrides)
    kid = Registration.get_jwk(TOOL_PUBLIC_PEM)["kid"]
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _data(teacher: Client, tool: ToolRegistration, klass: Class) -> str:
    launch = _dl_launch(teacher, tool, klass)
    return str(launch.get_launch_data()[DL + "deep_linking_settings"]["data"])


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"aud": ["https://elsewhere.example.org"]}, "JWT", "Audience"),
        ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 120}, "JWT", "expired"),
        ({"iss": "nobody"}, "iss", "client_id of an active tool"),
        ({LTI + "message_type": "LtiResourceLinkRequest"}, "message_type", "must be"),
        ({LTI + "version": "1.1"}, "version", "must be '1.3.0'"),
        ({LTI + "deployment_id": "dep-9"}, "deployment_id", "not a deployment"),
        ({"nonce": None}, "nonce", "is required"),
        ({DL + "data": "forged"}, "data", "does not name a deep-linking request"),
        ({DL + "content_items": [{"type": "html", "html": "<b>x</b>"}]}, "content_items", "type"),
        (
            {DL + "content_items": [{"type": "ltiResourceLink", "lineItem": {"label": "x"}}]},
            "content_items",
            "scoreMaximum",
        ),
    ],
)
def test_bad_responses_are_refused_and_create_nothing(
    teacher: Client,
    dl_tool: ToolRegistration,
    klass: Class,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    data = _data(teacher, dl_tool, klass)
    overrides = {k: v for k, v in overrides.items()}
    token = _response(dl_tool, data, **overrides)
    if overrides.get("nonce", "") is None:
        claims = jwt.decode(token, options={"verify_signature": False})
        claims.pop("nonce")
        kid = Registration.get_jwk(TOOL_PUBLIC_PEM)["kid"]
        token = jwt.encode(claims, TOOL_KEY, algorithm="RS256", headers={"kid": kid})
    response = teacher.post(RETURN, {"JWT": token})
    assert response.status_code == 400, response.content
    body = html.unescape(response.content.decode())
    assert f'data-field="{field}"' in body and message in body, body
    assert not Resource.objects.exists() and not LineItem.objects.exists()
    # The request is still open: a good response is accepted afterwards.
    assert teacher.post(RETURN, {"JWT": _response(dl_tool, data)}).status_code == 200


def test_a_response_signed_by_another_key_or_malformed_is_refused(
    teacher: Client, dl_tool: ToolRegistration, klass: Class
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    data = _data(teacher, dl_tool, klass)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = teacher.post(RETURN, {"JWT": _response(dl_tool, data, key=other)})
    assert forged.status_code == 400 and "Signature" in forged.content.decode()
    malformed = teacher.post(RETURN, {"JWT": "not-a-jwt"})
    assert malformed.status_code == 400 and 'data-field="JWT"' in malformed.content.decode()
    assert not Resource.objects.exists()
