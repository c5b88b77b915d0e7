"""Caliper test data: Timeback-profile events and envelopes shaped like the ones real apps
send, and a client world (tenant, API client with a registered sensor, bearer token)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from rest_framework.test import APIClient

from roster.models import Org, User
from tenancy.models import ApiClient
from tenancy.scopes import normalize_scopes
from tenancy.selectors import Grant, expand_org_subtrees
from tenancy.services import api_client_create
from tests.conftest import obtain_token

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
SENSOR = "https://app.example.org"
ROSTER_USERS = "https://timeback.example.org/ims/oneroster/rostering/v1p2/users/"
SEND_TIME = "2025-03-01T10:00:00.000Z"
EVENT_TIME = "2025-03-01T09:59:00.000Z"


def new_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def timeback_user(user: User | None = None, *, sid: str = "", email: str = "") -> dict[str, Any]:
    """A TimebackUser actor naming ``user`` (by its OneRoster URL) or any sourcedId/email."""
    sourced_id = user.sourced_id if user is not None else sid or "nobody"
    return {
        "id": ROSTER_USERS + sourced_id,
        "type": "TimebackUser",
        "email": email or (user.email if user is not None else "nobody@example.org"),
    }


def activity_context(
    activity: str = "https://app.example.org/activities/math/g3/fractions",
    *,
    subject: str = "Math",
    course: bool = True,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "id": activity,
        "type": "TimebackActivityContext",
        "subject": subject,
        "app": {"name": "Example Math", "id": SENSOR},
        "activity": {"name": "Fractions 1"},
    }
    if course:
        context["course"] = {
            "id": "https://timeback.example.org/ims/oneroster/rostering/v1p2/courses/c-1",
            "name": "Math G3",
        }
    return context


def activity_event(
    actor: dict[str, Any] | str,
    *,
    event_id: str | None = None,
    xp: float | None = 12,
    total: int | None = 10,
    correct: int | None = 9,
    mastered: int | None = 1,
    attempt: int = 1,
    context: dict[str, Any] | None = None,
    ed_app: str | None = SENSOR,
) -> dict[str, Any]:
    """A Timeback ActivityEvent (Completed) with its metrics collection."""
    eid = event_id or new_id()
    items = []
    for kind, value in (
        ("xpEarned", xp),
        ("totalQuestions", total),
        ("correctQuestions", correct),
        ("masteredUnits", mastered),
    ):
        if value is not None:
            items.append({"type": kind, "value": value})
    event: dict[str, Any] = {
        "@context": DATA_VERSION,
        "id": eid,
        "type": "ActivityEvent",
        "profile": "TimebackProfile",
        "action": "Completed",
        "eventTime": EVENT_TIME,
        "actor": actor,
        "object": context or activity_context(),
        "generated": {
            "id": f"{SENSOR}/metrics/{eid[9:]}",
            "type": "TimebackActivityMetricsCollection",
            "attempt": attempt,
            "items": items,
        },
    }
    if ed_app is not None:
        event["edApp"] = ed_app
    return event


def time_spent_event(
    actor: dict[str, Any] | str,
    *,
    event_id: str | None = None,
    active: float = 600,
    inactive: float = 60,
    waste: float | None = 30,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Timeback TimeSpentEvent (SpentTime) with its time metrics."""
    eid = event_id or new_id()
    items: list[dict[str, Any]] = [
        {"type": "active", "value": active},
        {"type": "inactive", "value": inactive},
    ]
    if waste is not None:
        items.append({"type": "waste", "value": waste, "subType": "eating"})
    return {
        "@context": DATA_VERSION,
        "id": eid,
        "type": "TimeSpentEvent",
        "profile": "TimebackProfile",
        "action": "SpentTime",
        "eventTime": EVENT_TIME,
        "actor": actor,
        "object": context or activity_context(),
        "generated": {
            "id": f"{SENSOR}/metrics/{eid[9:]}",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": items,
        },
        "edApp": SENSOR,
    }


def view_event(actor: str = "https://example.edu/users/554433") -> dict[str, Any]:
    """A plain Caliper 1.2 ViewEvent whose actor is an example IRI (unattributed)."""
    return {
        "@context": DATA_VERSION,
        "id": new_id(),
        "type": "ViewEvent",
        "profile": "ReadingProfile",
        "actor": {"id": actor, "type": "Person"},
        "action": "Viewed",
        "object": {
            "id": "https://example.edu/etexts/201.epub",
            "type": "Document",
            "name": "IMS Caliper Implementation Guide",
        },
        "eventTime": EVENT_TIME,
    }


def person_entity(iri: str = "https://example.edu/users/554433") -> dict[str, Any]:
    """An Entity "describe" object (no action)."""
    return {"@context": DATA_VERSION, "id": iri, "type": "Person", "name": "Someone"}


def envelope(*items: dict[str, Any], sensor: str = SENSOR) -> dict[str, Any]:
    return {
        "sensor": sensor,
        "sendTime": SEND_TIME,
        "dataVersion": DATA_VERSION,
        "data": list(items),
    }


@dataclass
class CaliperClient:
    """An API client of ``org``: an APIClient holding its bearer token, and its grant."""

    api: APIClient
    grant: Grant
    api_client: ApiClient


def make_caliper_client(
    org: Org,
    scopes: tuple[str, ...] = ("event.create",),
    *,
    sensors: tuple[str, ...] = (SENSOR,),
    grants: tuple[Org, ...] = (),
    name: str = "",
) -> CaliperClient:
    """Create an API client with ``scopes`` and ``sensors`` and obtain a token for it; the
    grant is built as ``client_grant`` builds it for that token."""
    created = api_client_create(
        name=name or f"caliper-{org.sourced_id}-{uuid.uuid4().hex[:6]}",
        org_sourced_id=org.sourced_id,
        scopes=list(scopes),
        granted_org_sourced_ids=[g.sourced_id for g in grants],
        sensors=list(sensors),
    )
    token = obtain_token(created.client_id, created.client_secret)["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    roots = {g.pk for g in grants} or {org.pk}
    grant = Grant(
        api_client_id=created.api_client.pk,
        home_org_id=org.pk,
        org_ids=expand_org_subtrees(root_ids=roots),
        scopes=frozenset(normalize_scopes(scopes)),
        environment="staging",
        sensors=frozenset(sensors),
    )
    return CaliperClient(api=api, grant=grant, api_client=created.api_client)
