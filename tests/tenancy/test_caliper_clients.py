"""Caliper scopes and sensors on API clients: scope spellings and families, Grant.allows,
sensor registration through the service, the command, the admin and the demo seed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.exceptions import InvalidData
from roster.models import Org
from tenancy.models import ApiClient, ApiClientSensor
from tenancy.scopes import (
    ALL_SCOPES,
    normalize_scope,
    scope_uri,
    scopes_effective,
)
from tenancy.selectors import Grant, sensor_registered
from tenancy.services import api_client_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("spelling", "short"),
    [
        ("https://purl.imsglobal.org/spec/caliper/v1p1/scope/event.create", "event.create"),
        ("https://purl.imsglobal.org/spec/caliper/v1p2/scope/event.create", "event.create"),
        ("https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write", "event.create"),
        ("events.write", "event.create"),
        ("https://purl.imsglobal.org/spec/caliper/v1p1/scope/admin", "caliper.admin"),
        ("https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.readonly", "events.readonly"),
        ("https://purl.imsglobal.org/spec/or/v1p1/scope/admin", "admin"),
        ("https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly", "roster.readonly"),
        ("https://purl.imsglobal.org/spec/caliper/v1p1/scope/webhook.create", None),
        ("https://purl.imsglobal.org/spec/or/v1p2/scope/event.create", None),
    ],
)
def test_scope_spellings(spelling: str, short: str | None) -> None:
    assert normalize_scope(spelling) == short
    if short is not None:
        assert normalize_scope(scope_uri(short)) == short


def test_caliper_uris_are_known_to_the_oauth_backend() -> None:
    assert "https://purl.imsglobal.org/spec/caliper/v1p2/scope/events.write" in ALL_SCOPES
    assert "https://purl.imsglobal.org/spec/caliper/v1p1/scope/admin" in ALL_SCOPES


def _grant(*scopes: str) -> Grant:
    return Grant(
        api_client_id=1,
        home_org_id=1,
        org_ids=frozenset({1}),
        scopes=frozenset(scopes),
        environment="staging",
    )


def test_each_family_admin_implies_its_own_family_only() -> None:
    roster_admin, caliper_admin = _grant("admin"), _grant("caliper.admin")
    assert roster_admin.allows("roster.readonly")
    assert not roster_admin.allows("event.create")
    assert not roster_admin.allows("events.readonly", "caliper.admin")
    assert caliper_admin.allows("event.create")
    assert caliper_admin.allows("events.readonly")
    assert not caliper_admin.allows("roster.readonly")
    assert not caliper_admin.allows("admin")
    assert _grant("event.create").allows("roster.readonly", "event.create")
    assert not _grant("events.readonly").allows("event.create")


def test_effective_scopes_drop_what_the_client_does_not_hold() -> None:
    assert scopes_effective(requested=["event.create"], held=[scope_uri("admin")]) == frozenset()
    assert scopes_effective(
        requested=["roster.readonly", "events.write"], held=["admin", "caliper.admin"]
    ) == {"roster.readonly", "event.create"}
    assert scopes_effective(requested=["roster.readonly"], held=["roster.readonly"]) == {
        "roster.readonly"
    }


@pytest.mark.parametrize(
    ("iri", "ok"),
    [
        ("https://app.example.org", True),
        ("https://app.example.org/", True),
        ("https://app.example.org/sensors/1", True),
        ("https://app.example.org.evil.com", False),
        ("https://app.example.orgx/sensors", False),
        ("https://other.example.org", False),
        ("", False),
    ],
)
def test_sensor_registered_is_a_path_prefix(iri: str, ok: bool) -> None:
    assert sensor_registered(iri=iri, sensors=frozenset({"https://app.example.org"})) is ok


def test_create_client_with_sensors(district: Org) -> None:
    created = api_client_create(
        name="App",
        org_sourced_id=district.sourced_id,
        scopes=["event.create", "events.readonly"],
        sensors=[" https://app.example.org ", "urn:uuid:7e5f0c8e-0000-4000-8000-000000000001"],
    )
    assert list(created.api_client.sensors.values_list("iri", flat=True)) == [
        "https://app.example.org",
        "urn:uuid:7e5f0c8e-0000-4000-8000-000000000001",
    ]
    assert created.api_client.scopes.split() == [
        scope_uri("event.create"),
        scope_uri("events.readonly"),
    ]


@pytest.mark.parametrize(
    "iri", ["app.example.org", "https://", "https://app example.org", "/relative"]
)
def test_create_client_refuses_relative_sensors(district: Org, iri: str) -> None:
    with pytest.raises(InvalidData) as info:
        api_client_create(
            name="App", org_sourced_id=district.sourced_id, scopes=["event.create"], sensors=[iri]
        )
    assert info.value.field == "sensor"
    assert not ApiClient.objects.exists()


def test_createclient_command_takes_repeated_sensors(district: Org) -> None:
    out = StringIO()
    call_command(
        "createclient",
        "Math app",
        "--org",
        district.sourced_id,
        "--scope",
        "event.create",
        "--sensor",
        "https://math.example.org",
        "--sensor",
        "https://math.example.org/v2",
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["client_id"]
    assert sorted(ApiClientSensor.objects.values_list("iri", flat=True)) == [
        "https://math.example.org",
        "https://math.example.org/v2",
    ]
    with pytest.raises(CommandError, match="sensor"):
        call_command(
            "createclient",
            "Bad",
            "--org",
            district.sourced_id,
            "--scope",
            "event.create",
            "--sensor",
            "nope",
        )


def test_admin_shows_sensor_inline_and_caliper_scope_help(district: Org, admin_client) -> None:
    created = api_client_create(
        name="App",
        org_sourced_id=district.sourced_id,
        scopes=["event.create"],
        sensors=["https://app.example.org"],
    )
    response = admin_client.get(f"/admin/tenancy/apiclient/{created.api_client.pk}/change/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "https://app.example.org" in text
    assert "caliper.admin" in text and "events.readonly" in text


def test_demo_client_gets_caliper_scopes_and_sensor_idempotently() -> None:
    from roster.services.demo import (
        DEMO_CLIENT_ID,
        DEMO_SENSOR,
        demo_credentials_ensure,
        demo_district_seed,
    )

    demo_district_seed()
    demo_credentials_ensure()
    api_client = ApiClient.objects.get(application__client_id=DEMO_CLIENT_ID)
    names = {normalize_scope(s) for s in api_client.scopes.split()}
    assert {"event.create", "events.readonly", "admin"} <= names
    assert list(api_client.sensors.values_list("iri", flat=True)) == [DEMO_SENSOR]
    # A demo client seeded before Caliper existed is upgraded in place, once.
    api_client.scopes = " ".join(s for s in api_client.scopes.split() if "caliper" not in s)
    api_client.save()
    api_client.sensors.all().delete()
    demo_credentials_ensure()
    demo_credentials_ensure()
    api_client.refresh_from_db()
    assert {"event.create", "events.readonly"} <= {
        normalize_scope(s) for s in api_client.scopes.split()
    }
    assert api_client.sensors.count() == 1


def test_admin_adds_a_sensor_through_the_inline(district: Org, admin_client) -> None:
    created = api_client_create(
        name="App", org_sourced_id=district.sourced_id, scopes=["event.create"]
    )
    url = f"/admin/tenancy/apiclient/{created.api_client.pk}/change/"
    data = {
        "name": "App",
        "organisation": district.pk,
        "environment": "staging",
        "granted_orgs": [district.pk],
        "is_active": "on",
        "scopes": "event.create\nevents.readonly",
        "sensors-TOTAL_FORMS": "1",
        "sensors-INITIAL_FORMS": "0",
        "sensors-0-iri": "not an iri",
    }
    bad = admin_client.post(url, data)
    assert bad.status_code == 200
    assert not ApiClientSensor.objects.exists()
    good = admin_client.post(url, data | {"sensors-0-iri": "https://app.example.org"})
    assert good.status_code == 302
    assert list(ApiClientSensor.objects.values_list("iri", flat=True)) == [
        "https://app.example.org"
    ]
    created.api_client.refresh_from_db()
    assert {normalize_scope(s) for s in created.api_client.scopes.split()} == {
        "event.create",
        "events.readonly",
    }


def test_admin_post_without_the_sensor_section_keeps_sensors(district: Org, admin_client) -> None:
    created = api_client_create(
        name="App",
        org_sourced_id=district.sourced_id,
        scopes=["event.create"],
        sensors=["https://app.example.org"],
    )
    response = admin_client.post(
        f"/admin/tenancy/apiclient/{created.api_client.pk}/change/",
        {
            "name": "Renamed",
            "organisation": district.pk,
            "environment": "staging",
            "granted_orgs": [district.pk],
            "is_active": "on",
            "scopes": "event.create",
        },
    )
    assert response.status_code == 302
    assert list(ApiClientSensor.objects.values_list("iri", flat=True)) == [
        "https://app.example.org"
    ]
