"""Tenancy × scope matrix of the Caliper routes: for EVERY route, a client of district A
succeeds on A's events, cannot see or write B's, and is refused without a Caliper scope;
plus foreign sensors, actors outside the grant, and the two scope families' admins."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from caliper.models import CaliperEvent, IngestJob
from tenancy.scopes import normalize_scope
from tenancy.services import api_client_create
from tests.caliper.factories import (
    CaliperClient,
    activity_event,
    envelope,
    make_caliper_client,
    timeback_user,
)
from tests.conftest import obtain_token
from tests.roster.factories import Tenant, make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    import caliper.services.ingest as ingest

    monkeypatch.setattr(ingest, "lanes_enqueue", lambda *, lanes: None)


@dataclass
class World:
    a: Tenant
    b: Tenant
    client_a: CaliperClient
    client_b: CaliperClient
    event_a: dict[str, Any]
    job_a: str


@pytest.fixture
def world() -> World:
    a, b = make_tenant("a"), make_tenant("b")
    client_a = make_caliper_client(a.district, name="a")
    client_b = make_caliper_client(b.district, name="b")
    event_a = activity_event(timeback_user(a.student))
    response = _post(client_a.api, "/caliper/event", envelope(event_a))
    assert response.status_code == 200, response.content
    return World(a, b, client_a, client_b, event_a, response.json()["jobId"])


def _post(api: APIClient, path: str, payload: Any) -> Any:
    return api.generic("POST", path, json.dumps(payload), content_type="application/json")


@dataclass(frozen=True)
class Route:
    name: str
    call: Callable[[APIClient, World, Tenant], Any]
    write: bool


def _fresh(tenant: Tenant) -> dict[str, Any]:
    return envelope(activity_event(timeback_user(tenant.student)))


ROUTES = [
    Route("GET /caliper/event", lambda api, w, t: api.get("/caliper/event"), False),
    Route("POST /caliper/event", lambda api, w, t: _post(api, "/caliper/event", _fresh(t)), True),
    Route(
        "POST /caliper/event/validate",
        lambda api, w, t: _post(api, "/caliper/event/validate", _fresh(t)),
        True,
    ),
    Route("GET /caliper/events", lambda api, w, t: api.get("/caliper/events"), False),
    Route(
        "GET /caliper/events/{id}",
        lambda api, w, t: api.get(f"/caliper/events/{w.event_a['id']}"),
        False,
    ),
    Route("GET /jobs/{id}/status", lambda api, w, t: api.get(f"/jobs/{w.job_a}/status"), False),
]
IDS = [r.name for r in ROUTES]


def _client_with(tenant: Tenant, *scopes: str) -> APIClient:
    return make_caliper_client(tenant.district, scopes).api


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_granted_client_succeeds(world: World, route: Route) -> None:
    before = CaliperEvent.objects.count()
    response = route.call(world.client_a.api, world, world.a)
    assert response.status_code == 200, response.content
    body = response.json()
    if route.name == "GET /caliper/events":
        assert [e["externalId"] for e in body["events"]] == [world.event_a["id"]]
    if route.name == "POST /caliper/event":
        assert CaliperEvent.objects.count() == before + 1


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_other_tenant_cannot_see_or_write(world: World, route: Route) -> None:
    """Client B acting on A's events (reads) or sending about A's student (writes)."""
    before = (CaliperEvent.objects.count(), IngestJob.objects.count())
    response = route.call(world.client_b.api, world, world.a)
    if route.write:
        assert response.status_code == 403, response.content
        assert response.json()["errors"][0]["rule"] == "actor-outside-grant"
        assert (CaliperEvent.objects.count(), IngestJob.objects.count()) == before
    elif route.name == "GET /caliper/event":
        assert response.status_code == 200  # the endpoint config holds no tenant data
    elif route.name == "GET /caliper/events":
        assert response.status_code == 200
        assert response.json()["events"] == []
        assert response.json()["pagination"]["total"] == 0
    else:
        assert response.status_code == 404, response.content


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
@pytest.mark.parametrize("scopes", [("admin",), ("roster.readonly", "gradebook.createput")])
def test_oneroster_scopes_do_not_open_caliper(
    world: World, route: Route, scopes: tuple[str, ...]
) -> None:
    response = route.call(_client_with(world.a, *scopes), world, world.a)
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["errors"][0]["field"] == "scope"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_readonly_scope_reads_but_cannot_write(world: World, route: Route) -> None:
    response = route.call(_client_with(world.a, "events.readonly"), world, world.a)
    if route.write:
        assert response.status_code == 403
    elif route.name == "GET /jobs/{id}/status":
        assert response.status_code == 404  # a job belongs to the client that sent it
    else:
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_caliper_admin_opens_every_caliper_route(world: World, route: Route) -> None:
    api = _client_with(world.a, "https://purl.imsglobal.org/spec/caliper/v1p1/scope/admin")
    response = route.call(api, world, world.a)
    expected = 404 if route.name == "GET /jobs/{id}/status" else 200
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_no_token_is_401(world: World, route: Route) -> None:
    response = route.call(APIClient(), world, world.a)
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"


def test_caliper_admin_does_not_open_oneroster(world: World) -> None:
    api = _client_with(world.a, "caliper.admin")
    response = api.get("/ims/oneroster/rostering/v1p2/users")
    assert response.status_code == 403


def test_oneroster_admin_token_asking_for_caliper_scope_gets_none(world: World) -> None:
    """The token endpoint lets an admin client name any scope; the grant keeps only what the
    client holds (through its own family's admin), so the Caliper scope is dropped."""
    created = api_client_create(
        name="roster-admin", org_sourced_id=world.a.district.sourced_id, scopes=["admin"]
    )
    try:
        token = obtain_token(
            created.client_id,
            created.client_secret,
            scope="https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write",
        )
    except AssertionError:
        return  # refused at the token endpoint: also fine
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    response = _post(api, "/caliper/event", _fresh(world.a))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "scope",
    [
        "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write",
        "https://purl.imsglobal.org/spec/caliper/v1p2/scope/event.create",
        "https://purl.imsglobal.org/spec/caliper/v1p1/scope/event.create",
        "event.create",
    ],
)
def test_every_event_create_spelling_is_requestable(world: World, scope: str) -> None:
    assert normalize_scope(scope) == "event.create"
    created = api_client_create(
        name="spelling",
        org_sourced_id=world.a.district.sourced_id,
        scopes=["event.create"],
        sensors=["https://app.example.org"],
    )
    token = obtain_token(created.client_id, created.client_secret, scope=scope)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert _post(api, "/caliper/event", _fresh(world.a)).status_code == 200


@pytest.mark.parametrize("path", ["/caliper/event", "/caliper/event/validate"])
def test_foreign_sensor_is_refused(world: World, path: str) -> None:
    payload = _fresh(world.a) | {"sensor": "https://someone-else.example.org"}
    response = _post(world.client_a.api, path, payload)
    assert response.status_code == 403
    assert response.json()["errors"][0] == {
        "index": None,
        "field": "sensor",
        "rule": "sensor-not-registered",
        "message": response.json()["errors"][0]["message"],
    }


def test_sensor_of_another_client_is_refused(world: World) -> None:
    other = make_caliper_client(world.a.district, sensors=("https://other-app.example.org",))
    response = _post(other.api, "/caliper/event", _fresh(world.a))
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/caliper/event", "/caliper/event/validate"])
def test_actor_outside_grant_is_refused(world: World, path: str) -> None:
    ok = activity_event(timeback_user(world.a.student))
    outside = activity_event(timeback_user(world.b.teacher))
    response = _post(world.client_a.api, path, envelope(ok, outside))
    assert response.status_code == 403
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"], error["rule"]) == (
        1,
        "data[1].actor",
        "actor-outside-grant",
    )
    assert not CaliperEvent.objects.filter(external_id=ok["id"]).exists()


def test_school_grant_cannot_send_about_another_school(world: World) -> None:
    from roster.models import Org, User

    other_school = Org.objects.create(
        sourced_id="a-school-2", name="A Two", type="school", parent=world.a.district
    )
    kid = User.objects.create(
        sourced_id="a-kid-2",
        given_name="K",
        family_name="Two",
        email="kid2@a.example.org",
        org_scope=other_school,
    )
    school_client = make_caliper_client(world.a.district, grants=(world.a.school,))
    allowed = _post(school_client.api, "/caliper/event", _fresh(world.a))
    assert allowed.status_code == 200
    refused = _post(
        school_client.api, "/caliper/event", envelope(activity_event(timeback_user(kid)))
    )
    assert refused.status_code == 403
