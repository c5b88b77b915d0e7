"""A student opens an app in the launcher, in a real browser: the page sends visibility
heartbeats that become time-on-task events."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from caliper.models import CaliperEvent
from lti.models import ToolDeployment, ToolRegistration
from roster.models import Class, Enrollment, User
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
    login = get_user_model().objects.create_user(username="br-stu-0", password="x")
    User.objects.filter(pk=student.pk).update(login=login)
    client = Client()
    client.force_login(login)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/launcher/")
    page.click("text=Open Browser App")
    page.wait_for_selector("#app-frame")
    page.wait_for_selector("#heartbeat[data-sent='2']", state="attached")
    events = CaliperEvent.objects.filter(event_type="TimeSpentEvent", user=student)
    assert events.count() >= 2
    assert all(e.active_seconds == 1.0 for e in events)
