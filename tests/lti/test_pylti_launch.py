"""Our platform launches a real pylti1p3 tool: its OIDC login builds the authentication
request, our authorization endpoint answers, and pylti1p3 validates the id_token."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from django.test import Client
from pylti1p3.exception import LtiException

from lti.models import ToolRegistration
from roster.models import Class
from tests.lti.conftest import LAUNCH
from tests.lti.pylti_tool import PyltiTool

pytestmark = pytest.mark.django_db


def _launch(browser: Client, tool: ToolRegistration, klass: Class | None) -> tuple[PyltiTool, dict]:
    url = f"/lti/tools/{tool.pk}/launch" + (f"?class={klass.sourced_id}" if klass else "")
    login_url = browser.get(url)["Location"]
    pylti = PyltiTool(
        issuer="http://testserver",
        client_id=tool.client_id,
        deployment_id="dep-1",
        auth_login_url="http://testserver/lti/authorize",
    )
    auth_url = pylti.login(login_url, LAUNCH)
    parts = urllib.parse.urlsplit(auth_url)
    assert parts.path == "/lti/authorize"
    answer = browser.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))
    assert answer.status_code == 200, answer.content
    page = answer.content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    return pylti, form


def test_pylti1p3_accepts_our_launch(
    browser: Client,
    tool: ToolRegistration,
    klass: Class,
) -> None:
    pylti, form = _launch(browser, tool, klass)
    data = pylti.launch(form)
    assert data["sub"] == "lt-stu-0"
    assert data["https://purl.imsglobal.org/spec/lti/claim/context"]["id"] == "lt-class-1"


def test_pylti1p3_refuses_a_tampered_token(
    browser: Client,
    tool: ToolRegistration,
    klass: Class,
) -> None:
    pylti, form = _launch(browser, tool, klass)
    head, body, signature = form["id_token"].split(".")
    tampered = ".".join(
        [head, body, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    with pytest.raises(LtiException):
        pylti.launch({**form, "id_token": tampered})
