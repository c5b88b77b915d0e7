"""The student launcher: classes and apps, the app in the launcher's frame, and heartbeats
turned into time-on-task through the learning-events pipeline."""

from __future__ import annotations

import re
import urllib.parse
import uuid
from typing import Any

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from caliper.models import CaliperEvent
from lti.models import ToolRegistration
from lti.selectors import platform_jwks
from lti.services.heartbeats import hidden_limit
from mastery.models import TimeFact
from mastery.services import learning_events_process
from roster.models import Class, ClassResource, Enrollment, Org, Resource, User
from tenancy.services import api_client_create
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db


def _beat(browser: Client, app: ToolRegistration, section: Class, /, **overrides: Any) -> Any:
    body = {
        "tool": app.pk,
        "class": section.sourced_id,
        "session": str(overrides.pop("session", uuid.UUID(int=1))),
        "sequence": 0,
        "visible": True,
        **overrides,
    }
    return browser.post("/launcher/heartbeat", body, content_type="application/json")


def _process() -> None:
    for lane in (0, 1):
        learning_events_process(lane=lane)


def test_the_launcher_lists_the_students_classes_and_apps(
    browser: Client,
    tool: ToolRegistration,
    klass: Class,
    scene: Scene,
    django_assert_max_num_queries,
) -> None:
    elsewhere = Org.objects.create(sourced_id="z-district", name="Z", type="district")
    created = api_client_create(
        name="Far App", org_sourced_id=elsewhere.sourced_id, scopes=["roster.readonly"]
    )
    ToolRegistration.objects.create(
        api_client=created.api_client,
        name="Far App",
        initiate_login_uri="https://far.example.org/login",
        redirect_uris=["https://far.example.org/launch"],
        target_link_uri="https://far.example.org/launch",
        jwks_url="https://far.example.org/jwks",
    )
    # Session, user, classes, tools, and each tool's client grant once (then cached).
    with django_assert_max_num_queries(16):
        page = browser.get("/launcher/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Math G4 · Math 4A" in text
    assert f"/launcher/play/{tool.pk}?class=lt-class-1" in text and "Open Math App" in text
    assert "Far App" not in text  # its client is not granted the student's org


def test_the_play_page_frames_the_launch_with_the_heartbeat(
    browser: Client, tool: ToolRegistration, klass: Class
) -> None:
    page = browser.get(f"/launcher/play/{tool.pk}?class={klass.sourced_id}").content.decode()
    assert f'src="/lti/tools/{tool.pk}/launch?class=lt-class-1"' in page
    assert 'data-url="/launcher/heartbeat"' in page and 'data-interval="15000"' in page
    assert "js/launcher.js" in page


def test_heartbeats_become_time_on_task(
    browser: Client, tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    assert _beat(browser, tool, klass, sequence=0).status_code == 204
    assert _beat(browser, tool, klass, sequence=0).status_code == 204  # resent: stored once
    assert _beat(browser, tool, klass, sequence=1).status_code == 204
    assert _beat(browser, tool, klass, sequence=2, visible=False).status_code == 204
    events = CaliperEvent.objects.filter(event_type="TimeSpentEvent")
    assert events.count() == 3
    assert {e.sensor for e in events} == {"http://testserver/launcher"}
    _process()
    [fact] = TimeFact.objects.filter(student=scene.students[0])
    assert (fact.active_seconds, fact.inactive_seconds) == (30.0, 15.0)
    assert fact.app_name == "Math App" and fact.api_client_id == tool.api_client_id


def test_heartbeats_stop_after_ten_minutes_hidden(
    browser: Client, tool: ToolRegistration, klass: Class
) -> None:
    session = uuid.uuid4()
    limit = hidden_limit()
    assert limit == 40  # ten minutes of 15-second beats
    for sequence in range(limit):
        response = _beat(browser, tool, klass, session=session, sequence=sequence, visible=False)
        assert response.status_code == 204
    over = _beat(browser, tool, klass, session=session, sequence=limit, visible=False)
    assert over.status_code == 200 and over.json() == {"stopped": True}
    assert CaliperEvent.objects.count() == limit


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tool": "x"}, "tool"),
        ({"class": ""}, "class"),
        ({"session": "not-a-uuid"}, "session"),
        ({"sequence": -1}, "sequence"),
        ({"visible": "yes"}, "visible"),
    ],
)
def test_a_bad_heartbeat_is_refused_naming_the_field(
    browser: Client, tool: ToolRegistration, klass: Class, overrides: dict, field: str
) -> None:
    response = _beat(browser, tool, klass, **overrides)
    assert response.status_code == 400 and response.json()["error"].startswith(f"{field}:")
    assert not CaliperEvent.objects.exists()


def test_heartbeats_only_for_the_students_classes_and_apps(
    browser: Client, tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    other = Class.objects.create(
        sourced_id="lt-class-2",
        title="Other",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    assert _beat(browser, tool, other).status_code == 403
    assert _beat(browser, tool, klass, tool=999999).status_code == 404
    assert Client().post("/launcher/heartbeat", {}).status_code == 302  # not signed in
    assert not CaliperEvent.objects.exists()


def _placed_link(tool: ToolRegistration, klass: Class) -> Any:
    resource = Resource.objects.create(
        sourced_id="lt-res-1",
        title="Fractions",
        vendor_resource_id="https://tool.example.org/lti/launch?activity=fractions",
        org_scope=klass.org_scope,
        metadata={
            "lti": {
                "type": "ltiResourceLink",
                "url": "https://tool.example.org/lti/launch?activity=fractions",
                "custom": {"activity": "fractions"},
                "toolClientId": tool.client_id,
            }
        },
    )
    return ClassResource.objects.create(
        sourced_id="lt-cr-1",
        title="Fractions",
        resource=resource,
        klass=klass,
        org_scope=klass.org_scope,
    )


def test_placed_resource_links_are_listed_and_launch_with_their_link(
    browser: Client, tool: ToolRegistration, klass: Class
) -> None:

    _placed_link(tool, klass)
    page = browser.get("/launcher/").content.decode()
    assert "Open Fractions" in page and "resource=lt-cr-1" in page
    assert "Add content from" not in page  # a student
    play = browser.get(f"/launcher/play/{tool.pk}?class=lt-class-1&resource=lt-cr-1")
    src = re.search(r'id="app-frame"[^>]*src="([^"]+)"', play.content.decode().replace("\n", " "))
    assert src is not None
    start = browser.get(src.group(1).replace("&amp;", "&"))
    login = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start["Location"]).query))
    assert login["target_link_uri"].endswith("activity=fractions")
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": tool.client_id,
        "redirect_uri": "https://tool.example.org/lti/launch",
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "nonce": "n-res",
    }
    html = browser.get("/lti/authorize", params).content.decode()
    token = re.search(r'name="id_token" value="([^"]+)"', html)
    assert token is not None
    [key] = platform_jwks()["keys"]
    claims = jwt.decode(
        token.group(1), jwt.PyJWK(key).key, algorithms=["RS256"], audience=tool.client_id
    )
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims[lti + "resource_link"] == {"id": "lt-cr-1", "title": "Fractions"}
    assert claims[lti + "custom"] == {"level": "4", "activity": "fractions"}


def test_teachers_see_add_content(tool: ToolRegistration, klass: Class, scene: Scene) -> None:
    teacher = User.objects.create(
        sourced_id="lt-tea-5",
        given_name="T",
        family_name="Five",
        email="t5@lt.example.org",
        primary_org=scene.school,
        primary_role="teacher",
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-t5",
        user=teacher,
        klass=klass,
        school=scene.school,
        role="teacher",
        org_scope=scene.school,
    )
    login = get_user_model().objects.create_user(username="lt-tea-5", password="x")
    User.objects.filter(pk=teacher.pk).update(login=login)
    client = Client()
    client.force_login(login)
    page = client.get("/launcher/").content.decode()
    assert f"/lti/tools/{tool.pk}/deep-link?class=lt-class-1" in page
