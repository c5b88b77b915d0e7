"""Names and Role Provisioning Services: pylti1p3 reads a class's members through its own
service client (token by client assertion, paging by a lower-cased Link header), and the
service's access rules."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from lti.models import ToolRegistration
from lti.scopes import AGS_SCORE, NRPS_CLAIM, NRPS_CONTEXT_MEMBERSHIP
from roster.models import Class, Enrollment, Org, User
from tests.lti.conftest import pylti_launch, tool_with_services
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@pytest.fixture
def nrps_tool(tool: ToolRegistration, klass: Class, scene: Scene) -> ToolRegistration:
    tool_with_services(tool, NRPS_CONTEXT_MEMBERSHIP)
    Enrollment.objects.create(
        sourced_id="lt-enr-2",
        user=scene.students[1],
        klass=klass,
        school=scene.school,
        role="student",
        org_scope=scene.school,
    )
    teacher = User.objects.create(
        sourced_id="lt-tea-0",
        given_name="T",
        family_name="Teacher",
        email="t@lt.example.org",
        primary_org=scene.school,
        primary_role="teacher",
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-3",
        user=teacher,
        klass=klass,
        school=scene.school,
        role="teacher",
        org_scope=scene.school,
    )
    return tool


def _token(tool: ToolRegistration, scope: str) -> str:
    token = AccessToken.objects.create(
        application=tool.api_client.application,
        token=f"tok-{scope[-12:]}",
        expires=timezone.now() + dt.timedelta(hours=1),
        scope=scope,
    )
    return token.token


@override_settings(LTI_NRPS_PAGE_SIZE=1)
def test_pylti1p3_reads_the_members_page_by_page(
    browser: Client, nrps_tool: ToolRegistration, klass: Class
) -> None:
    launch = pylti_launch(browser, nrps_tool, klass)
    claim = launch.get_launch_data()[NRPS_CLAIM]
    assert claim == {
        "context_memberships_url": f"http://testserver/lti/nrps/contexts/{klass.pk}/memberships",
        "service_versions": ["2.0"],
    }
    members = launch.get_nrps().get_members()  # three pages of one
    assert [(m["user_id"], m["roles"]) for m in members] == [
        ("lt-stu-0", [MEMBERSHIP + "Learner"]),
        ("lt-stu-1", [MEMBERSHIP + "Learner"]),
        ("lt-tea-0", [MEMBERSHIP + "Instructor"]),
    ]
    assert members[0]["email"] == "stu0@lt.example.org" and members[0]["status"] == "Active"
    assert AccessToken.objects.get().scope == NRPS_CONTEXT_MEMBERSHIP


def test_the_container_and_the_role_filter(nrps_tool: ToolRegistration, klass: Class) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(nrps_tool, NRPS_CONTEXT_MEMBERSHIP)}"}
    url = f"/lti/nrps/contexts/{klass.pk}/memberships"
    response = Client().get(url, {"role": "Instructor"}, **auth)
    assert response.status_code == 200 and response["Content-Type"] == MEDIA_TYPE
    body = response.json()
    assert body["context"] == {"id": "lt-class-1", "label": "M4A", "title": "Math 4A"}
    assert [m["user_id"] for m in body["members"]] == ["lt-tea-0"]
    full = Client().get(url, {"role": MEMBERSHIP + "Learner", "limit": "1"}, **auth)
    assert [m["user_id"] for m in full.json()["members"]] == ["lt-stu-0"]
    assert full["Link"] == (
        f"<http://testserver/lti/nrps/contexts/{klass.pk}/memberships?limit=1&offset=1"
        f'&role={urllib.parse.quote_plus((MEMBERSHIP + "Learner").lower()).lower()}>; rel="next"'
    )
    assert full["Link"] == full["Link"].lower()


def test_access_needs_the_scope_and_the_grant(
    nrps_tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    url = f"/lti/nrps/contexts/{klass.pk}/memberships"
    assert Client().get(url).status_code == 401
    wrong = {"HTTP_AUTHORIZATION": f"Bearer {_token(nrps_tool, AGS_SCORE)}"}
    assert Client().get(url, **wrong).status_code == 403
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(nrps_tool, NRPS_CONTEXT_MEMBERSHIP)}"}
    elsewhere = Org.objects.create(sourced_id="x-district", name="X", type="district")
    Class.objects.filter(pk=klass.pk).update(org_scope=elsewhere)
    assert Client().get(url, **auth).status_code == 404
    assert Client().get("/lti/nrps/contexts/999999/memberships", **auth).status_code == 404


@pytest.mark.parametrize("value", ["0", "1001", "ten"])
def test_a_bad_limit_is_refused_naming_it(
    nrps_tool: ToolRegistration, klass: Class, value: str
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(nrps_tool, NRPS_CONTEXT_MEMBERSHIP)}"}
    response = Client().get(f"/lti/nrps/contexts/{klass.pk}/memberships?limit={value}", **auth)
    assert response.status_code == 400
    assert "limit: must be an integer from 1 to 1000" in response.content.decode()
