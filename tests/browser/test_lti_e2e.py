"""End to end over HTTP: a pylti1p3 tool served next to the platform registers itself by
LTI Dynamic Registration; a student in a real browser launches it, the tool validates the
id_token (fetching our JWKS over HTTP), reads the class roster through NRPS and posts a
grade through AGS with a service token (its client assertion checked against its own JWKS
URL); a teacher's deep-linking request is answered by the tool and creates a resource and a
line item."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from lti.models import ToolRegistration
from lti.scopes import AGS_SCOPES, NRPS_CONTEXT_MEMBERSHIP
from roster.models import Class, ClassResource, Enrollment, LineItem, Result, User
from tests.browser.conftest import sign_in_as
from tests.lti.conftest import TOOL_PRIVATE_PEM, TOOL_PUBLIC_PEM
from tests.lti_tool_app import tool as tool_app
from tests.mastery.factories import make_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_launch_roster_grade_and_deep_linking_over_http(page, live_server, settings) -> None:
    settings.ROOT_URLCONF = "tests.lti_tool_app.tool"
    scene = make_scene("e2e")
    klass = Class.objects.create(
        sourced_id="e2e-class",
        title="Math 4E",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    for i, person in enumerate(scene.students):
        Enrollment.objects.create(
            sourced_id=f"e2e-enr-{i}",
            user=person,
            klass=klass,
            school=scene.school,
            role="student",
            org_scope=scene.school,
        )
    teacher = User.objects.create(
        sourced_id="e2e-teacher",
        given_name="T",
        family_name="E",
        email="t@e2e.example.org",
        primary_org=scene.school,
        primary_role="teacher",
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="e2e-enr-t",
        user=teacher,
        klass=klass,
        school=scene.school,
        role="teacher",
        org_scope=scene.school,
    )
    base = live_server.url
    tool_app.CONFIG.clear()
    tool_app.CONFIG.update(
        private_key=TOOL_PRIVATE_PEM,
        public_key=TOOL_PUBLIC_PEM,
        scopes=[*AGS_SCOPES, NRPS_CONTEXT_MEMBERSHIP],
    )

    # The tool registers itself (LTI Dynamic Registration), over HTTP.
    out = io.StringIO()
    call_command(
        "lti_registration",
        "--client",
        scene.api_client.application.client_id,
        "--tool-url",
        f"{base}/test-tool/register",
        "--base-url",
        base,
        stdout=out,
    )
    page.goto(out.getvalue().strip())
    registered = page.wait_for_selector("#registered")
    tool = ToolRegistration.objects.get(client_id=registered.get_attribute("data-client-id"))
    assert tool.jwks_url == f"{base}/test-tool/jwks"
    assert tool.deployments.get().deployment_id == tool_app.CONFIG["deployment_id"]

    # A student launches the tool: roster read, grade posted.
    student = scene.students[0]
    sign_in_as(page, live_server, student, "e2e-student")
    page.goto(f"{base}/lti/tools/{tool.pk}/launch?class={klass.sourced_id}")
    result = page.wait_for_selector("#tool-result")
    assert result.get_attribute("data-sub") == student.sourced_id
    assert result.get_attribute("data-members") == "3"  # two students and the teacher
    assert result.get_attribute("data-grade") == "yes"
    [line] = LineItem.objects.filter(klass=klass, metadata__lti__tag="e2e-launch")
    [grade] = Result.objects.filter(line_item=line)
    assert grade.student == student and grade.score == 4.0

    # The same launch from the student launcher, inside its frame.
    page.goto(f"{base}/launcher/")
    page.click("text=Open E2E Tool")
    framed = page.frame_locator("#app-frame").locator("#tool-result")
    assert framed.get_attribute("data-sub") == student.sourced_id

    # The teacher adds content through deep linking.
    sign_in_as(page, live_server, teacher, "e2e-teacher")
    page.goto(f"{base}/lti/tools/{tool.pk}/deep-link?class={klass.sourced_id}")
    page.wait_for_selector(".deep-link-resources")
    [link] = ClassResource.objects.filter(klass=klass)
    assert link.title == "E2E activity"
    assert LineItem.objects.get(metadata__lti__tag="e2e").metadata["lti"]["resourceLinkId"] == (
        link.sourced_id
    )
