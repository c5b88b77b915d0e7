"""Shared LTI test data: a school with two students, a class, a registered tool with one
deployment, and a browser signed in as the first student."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from pylti1p3.registration import Registration

from lti.models import ToolDeployment, ToolRegistration
from roster.models import Class, Enrollment, User
from tests.lti.pylti_tool import PyltiTool
from tests.mastery.factories import Scene, make_scene

LOGIN = "https://tool.example.org/lti/login"
LAUNCH = "https://tool.example.org/lti/launch"


@pytest.fixture
def scene(db: None) -> Scene:
    return make_scene("lt")


@pytest.fixture
def klass(scene: Scene) -> Class:
    klass = Class.objects.create(
        sourced_id="lt-class-1",
        title="Math 4A",
        class_code="M4A",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-1",
        user=scene.students[0],
        klass=klass,
        school=scene.school,
        role="student",
        org_scope=scene.school,
    )
    return klass


@pytest.fixture
def tool(scene: Scene) -> ToolRegistration:
    tool = ToolRegistration.objects.create(
        api_client=scene.api_client,
        name="Math App",
        initiate_login_uri=LOGIN,
        redirect_uris=[LAUNCH],
        target_link_uri=LAUNCH,
        jwks_url="https://tool.example.org/jwks",
        custom={"level": "4"},
    )
    ToolDeployment.objects.create(tool=tool, deployment_id="dep-1")
    return tool


@pytest.fixture
def browser(scene: Scene) -> Client:
    """A browser signed in as the first student."""
    login = get_user_model().objects.create_user(username="lt-stu-0", password="x")
    User.objects.filter(pk=scene.students[0].pk).update(login=login)
    client = Client()
    client.force_login(login)
    return client


TOOL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TOOL_PRIVATE_PEM = TOOL_KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
TOOL_PUBLIC_PEM = (
    TOOL_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def tool_with_services(tool: ToolRegistration, scopes: str) -> ToolRegistration:
    """``tool`` holding ``scopes``, its public key registered as pylti1p3 publishes it."""
    tool.jwks_url = ""
    tool.public_jwk = dict(Registration.get_jwk(TOOL_PUBLIC_PEM))
    tool.scopes = scopes
    tool.save()
    return tool


def pylti_launch(browser: Client, tool: ToolRegistration, klass: Class) -> Any:
    """Launch ``tool`` in ``klass`` through pylti1p3 and return its validated launch, whose
    services (NRPS, AGS) call the platform through Django's test client."""
    login_url = browser.get(f"/lti/tools/{tool.pk}/launch?class={klass.sourced_id}")["Location"]
    pylti = PyltiTool(
        issuer="http://testserver",
        client_id=tool.client_id,
        deployment_id="dep-1",
        auth_login_url="http://testserver/lti/authorize",
        private_key_pem=TOOL_PRIVATE_PEM,
        public_key_pem=TOOL_PUBLIC_PEM,
    )
    auth = urllib.parse.urlsplit(pylti.login(login_url, LAUNCH))
    page = browser.get(auth.path, dict(urllib.parse.parse_qsl(auth.query))).content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    return pylti.message_launch(form, client=Client())
