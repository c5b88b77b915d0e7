"""Assignment and Grade Services: pylti1p3's own AGS client creates a line item and posts a
grade that lands in the OneRoster gradebook, reads it back; the service's rules (scopes,
grant, ownership, timestamps, field checks) answered with the field at fault."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem as PyltiLineItem

from lti.models import ToolRegistration
from lti.scopes import (
    AGS_CLAIM,
    AGS_LINEITEM,
    AGS_LINEITEM_READONLY,
    AGS_RESULT_READONLY,
    AGS_SCOPES,
    AGS_SCORE,
)
from roster.models import Class, LineItem, Org, Result
from tenancy.services import api_client_create
from tests.lti.conftest import pylti_launch, tool_with_services
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db

ALL_AGS = " ".join(AGS_SCOPES)


@pytest.fixture
def ags_tool(tool: ToolRegistration, klass: Class) -> ToolRegistration:
    return tool_with_services(tool, ALL_AGS)


def _auth(tool: ToolRegistration, scope: str = ALL_AGS) -> dict[str, str]:
    token = AccessToken.objects.create(
        application=tool.api_client.application,
        token=f"ags-{len(scope)}-{AccessToken.objects.count()}",
        expires=timezone.now() + dt.timedelta(hours=1),
        scope=scope,
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}


def _score(user: str, given: float = 8, when: dt.datetime | None = None, **extra: Any) -> dict:
    return {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": (when or timezone.now()).isoformat(),
        **extra,
    }


def test_pylti1p3_puts_a_grade_into_the_gradebook_and_reads_it_back(
    browser: Client, ags_tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    launch = pylti_launch(browser, ags_tool, klass)
    claim = launch.get_launch_data()[AGS_CLAIM]
    assert claim["lineitems"] == f"http://testserver/lti/ags/contexts/{klass.pk}/lineitems"
    assert set(claim["scope"]) == set(AGS_SCOPES)
    ags = launch.get_ags()
    line = (
        PyltiLineItem()
        .set_tag("quiz-1")
        .set_score_maximum(20)
        .set_label("Quiz 1")
        .set_resource_id("q1")
    )
    grade = (
        Grade()
        .set_score_given(8)
        .set_score_maximum(10)
        .set_timestamp(timezone.now().isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id("lt-stu-0")
    )
    ags.put_grade(grade, line)
    [item] = LineItem.objects.filter(klass=klass)
    assert item.title == "Quiz 1" and item.result_value_max == 20
    assert item.metadata["lti"]["tag"] == "quiz-1"
    [result] = Result.objects.filter(line_item=item)
    assert result.student == scene.students[0]
    assert result.score == 16.0  # 8 of 10, on the line item's scale of 20
    assert result.score_status == "fully graded"
    ags.put_grade(grade.set_score_given(9).set_timestamp(timezone.now().isoformat()), line)
    assert LineItem.objects.filter(klass=klass).count() == 1  # found again by its tag
    grades = ags.get_grades(ags.find_lineitem_by_tag("quiz-1"))
    assert [(g["userId"], g["resultScore"], g["resultMaximum"]) for g in grades] == [
        ("lt-stu-0", 18.0, 20.0)
    ]


def test_line_item_crud(ags_tool: ToolRegistration, klass: Class) -> None:
    auth = _auth(ags_tool)
    url = f"/lti/ags/contexts/{klass.pk}/lineitems"
    created = Client().post(
        url,
        {"label": "Essay", "scoreMaximum": 50, "resourceLinkId": "rl-1", "tag": "essay"},
        content_type="application/vnd.ims.lis.v2.lineitem+json",
        **auth,
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["id"].startswith(f"http://testserver{url}/")
    path = item["id"].removeprefix("http://testserver")
    listed = Client().get(url, {"resource_link_id": "rl-1"}, **auth)
    assert listed["Content-Type"] == "application/vnd.ims.lis.v2.lineitemcontainer+json"
    assert [i["label"] for i in listed.json()] == ["Essay"]
    updated = Client().put(
        path,
        {"label": "Essay (final)", "scoreMaximum": 40},
        content_type="application/vnd.ims.lis.v2.lineitem+json",
        **auth,
    )
    assert updated.status_code == 200 and updated.json()["scoreMaximum"] == 40
    assert Client().delete(path, **auth).status_code == 204
    assert Client().get(path, **auth).status_code == 404
    assert Client().get(url, **auth).json() == []


BAD_LINE_ITEMS = [
    ({"scoreMaximum": 10}, "label"),
    ({"label": "x"}, "scoreMaximum"),
    ({"label": "x", "scoreMaximum": 0}, "scoreMaximum"),
    ({"label": "x", "scoreMaximum": "10"}, "scoreMaximum"),
    ({"label": "x", "scoreMaximum": 1, "tag": "t" * 257}, "tag"),
    ({"label": "x", "scoreMaximum": 1, "startDateTime": "yesterday"}, "startDateTime"),
    (
        {
            "label": "x",
            "scoreMaximum": 1,
            "startDateTime": "2026-01-02T00:00:00Z",
            "endDateTime": "2026-01-01T00:00:00Z",
        },
        "endDateTime",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_LINE_ITEMS)
def test_a_bad_line_item_is_refused_naming_its_field(
    ags_tool: ToolRegistration, klass: Class, body: dict, field: str
) -> None:
    response = Client().post(
        f"/lti/ags/contexts/{klass.pk}/lineitems",
        body,
        content_type="application/json",
        **_auth(ags_tool),
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["imsx_description"]
    assert not LineItem.objects.exists()


def _line(tool: ToolRegistration, klass: Class) -> str:
    created = Client().post(
        f"/lti/ags/contexts/{klass.pk}/lineitems",
        {"label": "Quiz", "scoreMaximum": 10},
        content_type="application/json",
        **_auth(tool),
    )
    return str(created.json()["id"]).removeprefix("http://testserver")


def test_scores_in_order_and_only_for_members(ags_tool: ToolRegistration, klass: Class) -> None:
    line = _line(ags_tool, klass)
    auth = _auth(ags_tool)
    now = timezone.now()
    post = lambda body: Client().post(  # noqa: E731
        line + "/scores", body, content_type="application/vnd.ims.lis.v1.score+json", **auth
    )
    assert post(_score("lt-stu-0", 7, now)).status_code == 204
    stale = post(_score("lt-stu-0", 9, now - dt.timedelta(seconds=1)))
    assert stale.status_code == 409 and "timestamp" in stale.json()["imsx_description"]
    assert Result.objects.get().score == 7.0
    outsider = post(_score("lt-stu-1", 5, now))  # not enrolled in the class
    assert outsider.status_code == 422 and "userId" in outsider.json()["imsx_description"]
    for bad, field in [
        ({**_score("lt-stu-0"), "activityProgress": "Done"}, "activityProgress"),
        ({**_score("lt-stu-0"), "gradingProgress": None}, "gradingProgress"),
        ({**_score("lt-stu-0"), "timestamp": "now"}, "timestamp"),
        ({**_score("lt-stu-0"), "scoreMaximum": None}, "scoreMaximum"),
        ({**_score("lt-stu-0"), "scoreGiven": -1}, "scoreGiven"),
    ]:
        response = post(bad)
        assert response.status_code == 422, (field, response.content)
        assert field in response.json()["imsx_description"]
    assert Result.objects.get().score == 7.0


def test_scopes_grant_and_ownership(ags_tool: ToolRegistration, klass: Class, scene: Scene) -> None:
    line = _line(ags_tool, klass)
    url = f"/lti/ags/contexts/{klass.pk}/lineitems"
    assert Client().get(url).status_code == 401
    score_only = _auth(ags_tool, AGS_SCORE)
    assert Client().get(url, **score_only).status_code == 403
    assert Client().get(line + "/results", **score_only).status_code == 403
    results_only = _auth(ags_tool, AGS_RESULT_READONLY)
    assert Client().get(line + "/results", **results_only).status_code == 200
    lineitem_rw = _auth(ags_tool, AGS_LINEITEM)
    assert (
        Client()
        .post(line + "/scores", _score("lt-stu-0"), content_type="application/json", **lineitem_rw)
        .status_code
        == 403
    )
    # Another tool granted the same orgs sees the class but not this tool's line item.
    created = api_client_create(
        name="Other App", org_sourced_id=scene.district.sourced_id, scopes=["roster.readonly"]
    )
    other = tool_with_services(
        ToolRegistration.objects.create(
            api_client=created.api_client,
            name="Other App",
            initiate_login_uri="https://other.example.org/login",
            redirect_uris=["https://other.example.org/launch"],
            target_link_uri="https://other.example.org/launch",
            jwks_url="https://other.example.org/jwks",
        ),
        ALL_AGS,
    )
    assert Client().get(url, **_auth(other)).json() == []
    assert Client().get(line, **_auth(other)).status_code == 404
    assert Client().get(line, **_auth(ags_tool)).status_code == 200
    # Outside the grant the class itself is not found.
    elsewhere = Org.objects.create(sourced_id="y-district", name="Y", type="district")
    Class.objects.filter(pk=klass.pk).update(org_scope=elsewhere)
    assert Client().get(url, **_auth(ags_tool)).status_code == 404


# Which AGS scope opens which operation (AGS 2.0): lineitem covers reading and writing line
# items, lineitem.readonly reading them, result.readonly the results, score the scores.
OPERATIONS = [
    ("GET", "container", {AGS_LINEITEM, AGS_LINEITEM_READONLY}),
    ("POST", "container", {AGS_LINEITEM}),
    ("GET", "item", {AGS_LINEITEM, AGS_LINEITEM_READONLY}),
    ("PUT", "item", {AGS_LINEITEM}),
    ("DELETE", "item", {AGS_LINEITEM}),
    ("POST", "scores", {AGS_SCORE}),
    ("GET", "results", {AGS_RESULT_READONLY}),
]


@pytest.mark.parametrize("scope", AGS_SCOPES)
@pytest.mark.parametrize(("method", "target", "allowed"), OPERATIONS)
def test_the_scope_matrix(
    ags_tool: ToolRegistration,
    klass: Class,
    scope: str,
    method: str,
    target: str,
    allowed: set[str],
) -> None:
    line = _line(ags_tool, klass)
    paths = {
        "container": f"/lti/ags/contexts/{klass.pk}/lineitems",
        "item": line,
        "scores": line + "/scores",
        "results": line + "/results",
    }
    bodies = {
        "container": {"label": "New", "scoreMaximum": 3},
        "item": {"label": "Renamed", "scoreMaximum": 3},
        "scores": _score("lt-stu-0"),
    }
    response = Client().generic(
        method,
        paths[target],
        data=json.dumps(bodies.get(target, {})) if method in ("POST", "PUT") else "",
        content_type="application/json",
        **_auth(ags_tool, scope),
    )
    if scope in allowed:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code == 403, response.content


def test_ags_grades_are_in_the_oneroster_gradebook(
    ags_tool: ToolRegistration, klass: Class, scene: Scene, api_client_for
) -> None:
    line = _line(ags_tool, klass)
    posted = Client().post(
        line + "/scores", _score("lt-stu-0", 6), content_type="application/json", **_auth(ags_tool)
    )
    assert posted.status_code == 204
    roster = api_client_for(scene.district, scopes=["gradebook.readonly"])
    items = roster.get(
        f"/ims/oneroster/gradebook/v1p2/classes/{klass.sourced_id}/lineItems"
    ).json()["lineItems"]
    assert [(i["title"], i["resultValueMax"]) for i in items] == [("Quiz", 10.0)]
    results = roster.get(
        f"/ims/oneroster/gradebook/v1p2/lineItems/{items[0]['sourcedId']}/results"
    ).json()["results"]
    assert [(r["student"]["sourcedId"], r["score"], r["scoreStatus"]) for r in results] == [
        ("lt-stu-0", 6.0, "fully graded")
    ]
