"""A student opens an app in the launcher, in a real browser: the page sends visibility
heartbeats that become time-on-task events."""

from __future__ import annotations

import pytest

from caliper.models import CaliperEvent
from lti.models import ToolDeployment, ToolRegistration
from roster.models import Class, Enrollment
from tests.browser.conftest import sign_in_as
from tests.mastery.factories import make_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_open_app_sends_heartbeats(page, live_server, settings) -> None:
    settings.LTI_HEARTBEAT_SECONDS = 1
    scene = make_scene("br")
    klass = Class.objects.create(
        sourced_id="br-class-1",
        title="Math 4B",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    student = scene.students[0]
    Enrollment.objects.create(
        sourced_id="br-enr-1",
        user=student,
        klass=klass,
        school=scene.school,
        role="student",
        org_scope=scene.school,
    )
    tool = ToolRegistration.objects.create(
        api_client=scene.api_client,
        name="Browser App",
        # Loopback: the frame's launch must not leave the machine.
        initiate_login_uri=f"{live_server.url}/lti/jwks",
        redirect_uris=[f"{live_server.url}/lti/jwks"],
        target_link_uri=f"{live_server.url}/lti/jwks",
        jwks_url=f"{live_server.url}/lti/jwks",
    )
    ToolDeployment.objects.create(tool=tool, deployment_id="dep-br")
    sign_in_as(page, live_server, student, "br-stu-0")
    page.goto(f"{live_server.url}/launcher/")
    page.click("text=Open Browser App")
    page.wait_for_selector("#app-frame")
    page.wait_for_selector("#heartbeat[data-sent='2']", state="attached")
    events = CaliperEvent.objects.filter(event_type="TimeSpentEvent", user=student)
    assert events.count() >= 2
    assert all(e.active_seconds == 1.0 for e in events)
