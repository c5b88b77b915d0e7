"""Timeback as a tool: our own platform side launches it (pylti1p3 inside the tool side
checks the id_token), the user is matched or provisioned and signed in; refusals leave no
session."""

from __future__ import annotations

import html
import re
import urllib.parse
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from lti.models import LmsDeployment, LmsIdentity, LmsPlatform, ToolDeployment, ToolRegistration
from lti.selectors import platform_jwks
from lti.services.launch import platform_issuer
from lti.services.tool_side import lms_user_match
from roster.models import Class, User
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

TOOL_LOGIN = "http://testserver/lti/tool/login"
TOOL_LAUNCH = "http://testserver/lti/tool/launch"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture
def itself(scene: Scene) -> LmsPlatform:
    """Timeback registered as a tool of its own platform, and that platform as an LMS."""
    from lti.services.keys import platform_signing_key

    platform_signing_key()  # the key set the LMS registration carries
    tool = ToolRegistration.objects.create(
        api_client=scene.api_client,
        name="Timeback (as a tool)",
        initiate_login_uri=TOOL_LOGIN,
        redirect_uris=[TOOL_LAUNCH],
        target_link_uri=TOOL_LAUNCH,
        jwks_url="http://testserver/lti/jwks",
    )
    ToolDeployment.objects.create(tool=tool, deployment_id="dep-self")
    lms = LmsPlatform.objects.create(
        name="Our own LMS side",
        issuer="http://testserver",
        client_id=tool.client_id,
        auth_login_url="http://testserver/lti/authorize",
        key_set=platform_jwks(),
        organisation=scene.district,
    )
    LmsDeployment.objects.create(platform=lms, deployment_id="dep-self")
    return lms


def _form(response: Any) -> dict[str, str]:
    page = response.content.decode()
    action = re.search(r'action="([^"]+)"', page)
    assert action is not None, page
    return {"action": action.group(1), **dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))}


def _through_login(
    browser: Client, tool_browser: Client, itself: LmsPlatform, klass: Class
) -> dict:
    tool = ToolRegistration.objects.get(client_id=itself.client_id)
    start = browser.get(f"/lti/tools/{tool.pk}/launch?class={klass.sourced_id}")
    login = urllib.parse.urlsplit(start["Location"])
    assert f"{login.scheme}://{login.netloc}{login.path}" == TOOL_LOGIN
    to_auth = tool_browser.get(login.path, dict(urllib.parse.parse_qsl(login.query)))
    assert to_auth.status_code == 302, to_auth.content
    auth = urllib.parse.urlsplit(to_auth["Location"])
    return _form(browser.get(auth.path, dict(urllib.parse.parse_qsl(auth.query))))


def test_our_platform_launches_our_tool_side(
    browser: Client, itself: LmsPlatform, klass: Class, scene: Scene
) -> None:
    tool_browser = Client()
    form = _through_login(browser, tool_browser, itself, klass)
    assert form["action"] == TOOL_LAUNCH
    landed = tool_browser.post(
        "/lti/tool/launch", {"id_token": form["id_token"], "state": form["state"]}
    )
    assert landed.status_code == 302 and landed["Location"] == "/launcher/"
    assert "Math 4A" in tool_browser.get(landed["Location"]).content.decode()
    student = scene.students[0]
    assert int(tool_browser.session["_auth_user_id"]) == User.objects.get(pk=student.pk).login_id
    assert LmsIdentity.objects.get(platform=itself).user == student


def test_a_tampered_id_token_signs_nobody_in(
    browser: Client, itself: LmsPlatform, klass: Class
) -> None:
    tool_browser = Client()
    form = _through_login(browser, tool_browser, itself, klass)
    head, body, sig = form["id_token"].split(".")
    bad = ".".join([head, body, sig[::-1]])
    response = tool_browser.post("/lti/tool/launch", {"id_token": bad, "state": form["state"]})
    assert response.status_code == 400
    assert 'data-field="id_token"' in response.content.decode()
    assert "_auth_user_id" not in tool_browser.session
    assert not LmsIdentity.objects.exists()


def test_a_foreign_target_link_uri_is_refused(itself: LmsPlatform) -> None:
    response = Client().get(
        "/lti/tool/login",
        {
            "iss": "http://testserver",
            "login_hint": "x",
            "target_link_uri": "https://evil.example.org/",
            "client_id": itself.client_id,
        },
    )
    assert response.status_code == 400
    assert "target_link_uri: must be this Timeback's launch URL" in html.unescape(
        response.content.decode()
    )


def test_users_are_matched_by_sub_then_sourced_id_then_email_else_created(
    itself: LmsPlatform, scene: Scene
) -> None:
    by_sourced_id = lms_user_match(
        itself, {"sub": "s1", LTI + "lis": {"person_sourcedid": "lt-stu-0"}}
    )
    assert by_sourced_id == scene.students[0]
    assert lms_user_match(itself, {"sub": "s1"}) == scene.students[0]  # linked now
    by_email = lms_user_match(itself, {"sub": "s2", "email": "STU1@lt.example.org"})
    assert by_email == scene.students[1]
    created = lms_user_match(
        itself,
        {
            "sub": "s3",
            "given_name": "New",
            "family_name": "Teacher",
            "email": "new@lms.example.org",
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        },
    )
    assert created.primary_role == "teacher" and created.org_scope == scene.district
    assert created.login is not None and not created.login.has_usable_password()
    assert platform_issuer(request_origin="http://testserver") == "http://testserver"


def _resign(token: str, *, key: Any = None, kid: str | None = None, **changes: Any) -> str:
    """``token``'s claims with ``changes`` (None drops a claim), signed by the platform key
    (or ``key``), with its kid (or ``kid``)."""
    from lti.services.keys import platform_signing_key

    signing = platform_signing_key()
    claims = jwt.decode(token, options={"verify_signature": False})
    for name, value in changes.items():
        name = name.replace("__", "/").replace("LTI_", LTI)
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode(
        claims,
        key or signing.private_key,
        algorithm="RS256",
        headers={"kid": kid or signing.kid},
    )


OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

TOOL_SIDE_REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("bad signature", {"key": OTHER_KEY}, "id_token"),
    ("unknown kid", {"kid": "no-such-kid"}, "id_token"),
    ("expired", {"exp": 1_000_000_000, "iat": 999_999_000}, "id_token"),
    ("wrong aud", {"aud": "someone-else"}, "id_token"),
    ("wrong iss", {"iss": "https://other-lms.example.org"}, "id_token"),
    ("unknown deployment", {"LTI_deployment_id": "dep-unknown"}, "id_token"),
    ("wrong nonce", {"nonce": "not-the-one-sent"}, "id_token"),
    ("other target", {"LTI_target_link_uri": "https://evil.example.org/"}, "target_link_uri"),
]


@pytest.mark.parametrize(
    ("case", "changes", "field"), TOOL_SIDE_REFUSALS, ids=[c[0] for c in TOOL_SIDE_REFUSALS]
)
def test_the_tool_side_refuses_a_bad_id_token_and_signs_nobody_in(
    browser: Client,
    itself: LmsPlatform,
    klass: Class,
    case: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    tool_browser = Client()
    form = _through_login(browser, tool_browser, itself, klass)
    key, kid = changes.pop("key", None), changes.pop("kid", None)
    token = _resign(form["id_token"], key=key, kid=kid, **changes)
    response = tool_browser.post("/lti/tool/launch", {"id_token": token, "state": form["state"]})
    assert response.status_code == 400, (case, response.content)
    assert f'data-field="{field}"' in response.content.decode(), case
    assert "_auth_user_id" not in tool_browser.session
    assert not LmsIdentity.objects.exists()


def test_a_state_mismatch_a_malformed_jwt_and_a_replay_are_refused(
    browser: Client, itself: LmsPlatform, klass: Class
) -> None:
    tool_browser = Client()
    form = _through_login(browser, tool_browser, itself, klass)
    mismatch = tool_browser.post("/lti/tool/launch", {"id_token": form["id_token"], "state": "x"})
    assert mismatch.status_code == 400
    malformed = tool_browser.post("/lti/tool/launch", {"id_token": "a.b", "state": form["state"]})
    assert malformed.status_code == 400
    assert "_auth_user_id" not in tool_browser.session
    ok = tool_browser.post(
        "/lti/tool/launch", {"id_token": form["id_token"], "state": form["state"]}
    )
    assert ok.status_code == 302
    other = Client()  # a second browser replaying the captured token and state
    replay = other.post("/lti/tool/launch", {"id_token": form["id_token"], "state": form["state"]})
    assert replay.status_code == 400
    assert "_auth_user_id" not in other.session


def test_an_lms_places_a_timeback_course_by_deep_linking(
    itself: LmsPlatform, klass: Class, scene: Scene
) -> None:
    from django.contrib.auth import get_user_model

    from lti.models import PlatformKey
    from roster.models import ClassResource, Enrollment

    # Our platform checks the tool side's response with its registered key (ours).
    tool = ToolRegistration.objects.get(client_id=itself.client_id)
    tool.jwks_url, tool.public_jwk = "", PlatformKey.objects.get().public_jwk
    tool.save()
    teacher = User.objects.create(
        sourced_id="lt-tea-9",
        given_name="T",
        family_name="Nine",
        email="t9@lt.example.org",
        primary_org=scene.school,
        primary_role="teacher",
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-t9",
        user=teacher,
        klass=klass,
        school=scene.school,
        role="teacher",
        org_scope=scene.school,
    )
    login = get_user_model().objects.create_user(username="lt-tea-9", password="x")
    User.objects.filter(pk=teacher.pk).update(login=login)
    lms_browser, tool_browser = Client(), Client()
    lms_browser.force_login(login)

    start = lms_browser.get(f"/lti/tools/{tool.pk}/deep-link?class={klass.sourced_id}")
    login_url = urllib.parse.urlsplit(start["Location"])
    to_auth = tool_browser.get(login_url.path, dict(urllib.parse.parse_qsl(login_url.query)))
    auth = urllib.parse.urlsplit(to_auth["Location"])
    form = _form(lms_browser.get(auth.path, dict(urllib.parse.parse_qsl(auth.query))))
    landed = tool_browser.post(
        "/lti/tool/launch", {"id_token": form["id_token"], "state": form["state"]}
    )
    assert landed.status_code == 302 and landed["Location"] == "/lti/tool/deep-link"
    picker = tool_browser.get("/lti/tool/deep-link").content.decode()
    assert 'value="lt-math-g4"' in picker
    nothing = tool_browser.post("/lti/tool/deep-link", {})
    assert nothing.status_code == 400 and 'data-field="course"' in nothing.content.decode()
    answer = _form(tool_browser.post("/lti/tool/deep-link", {"course": "lt-math-g4"}))
    assert answer["action"] == "http://testserver/lti/deep-linking/return"
    done = lms_browser.post("/lti/deep-linking/return", {"JWT": answer["JWT"]})
    assert done.status_code == 200, done.content
    [placed] = ClassResource.objects.filter(klass=klass)
    assert placed.title == "Math G4"
    assert placed.resource.metadata["lti"]["custom"] == {"timeback_course": "lt-math-g4"}
    assert placed.resource.metadata["lti"]["url"] == TOOL_LAUNCH
