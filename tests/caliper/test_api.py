"""The Caliper HTTP API in Timeback's paths and shapes: status codes, error bodies naming the
index, field and rule, the StoredEvent and job shapes, and pinned query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caliper.models import CaliperEvent, IngestJob
from mastery.services import learning_events_process
from tests.caliper.factories import (
    DATA_VERSION,
    SENSOR,
    activity_event,
    envelope,
    make_caliper_client,
    person_entity,
    time_spent_event,
    timeback_user,
    view_event,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

STORED_EVENT_KEYS = {
    "id",
    "externalId",
    "sensor",
    "type",
    "profile",
    "action",
    "eventTime",
    "sendTime",
    "created_at",
    "updated_at",
    "deleted_at",
    "actor",
    "object",
    "generated",
    "target",
    "referrer",
    "edApp",
    "group",
    "membership",
    "session",
    "federatedSession",
    "extensions",
    "clientAppId",
}


@pytest.fixture(autouse=True)
def _no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    import caliper.services.ingest as ingest

    monkeypatch.setattr(ingest, "lanes_enqueue", lambda *, lanes: None)


@pytest.fixture
def world() -> dict[str, Any]:
    a = make_tenant("a")
    return {"a": a, "client": make_caliper_client(a.district, ("event.create",))}


def post(api: Any, payload: Any, path: str = "/caliper/event", **extra: Any) -> Any:
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return api.generic("POST", path, body, content_type="application/json", **extra)


def _error(response: Any) -> list[tuple[Any, str, str]]:
    body = response.json()
    assert body["status"] == "error" and body["message"]
    return [(e["index"], e["field"], e["rule"]) for e in body["errors"]]


# ---- POST /caliper/event ----------------------------------------------------------------------


def test_post_accepts_and_reports_the_job(world) -> None:
    student = world["a"].student
    payload = envelope(
        activity_event(timeback_user(student)), time_spent_event(timeback_user(student))
    )
    response = post(world["client"].api, payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "success" and body["message"]
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    assert IngestJob.objects.get().pk.hex == body["jobId"].replace("-", "")
    again = post(world["client"].api, payload).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)


def test_post_with_trailing_slash_and_charset(world) -> None:
    response = world["client"].api.generic(
        "POST",
        "/caliper/event/",
        json.dumps(envelope(view_event())),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200, response.content


ENVELOPE_FIXTURES = [
    "caliperEnvelopeEntityBatch.json",
    "caliperEnvelopeEntitySingle.json",
    "caliperEnvelopeEventBatch.json",
    "caliperEnvelopeEventContextArray.json",
    "caliperEnvelopeEventSingle.json",
    "caliperEnvelopeEventThinned.json",
    "caliperEnvelopeMixedBatch.json",
    "caliperEnvelopeToolUseEvent.json",
]


def _ed_apps(payload: dict[str, Any]) -> set[str]:
    from caliper.validation import entity_id

    return {entity_id(e["edApp"]) for e in payload["data"] if e.get("edApp")}


@pytest.mark.official
@pytest.mark.parametrize("name", ENVELOPE_FIXTURES)
def test_post_official_envelope_fixture(world, name: str) -> None:
    """The official envelopes are accepted; their actors are example IRIs (unattributed),
    and a resend is a no-op."""
    from tests.conftest import shared_path

    path = shared_path("fixtures", "caliper", "fixtures_v1p2", name)
    payload = json.loads(path.read_text())
    client = make_caliper_client(
        world["a"].district, sensors=(payload["sensor"], *_ed_apps(payload))
    )
    response = post(client.api, payload)
    assert response.status_code == 200, response.content
    body = response.json()
    events = [e for e in payload["data"] if "action" in e]
    assert body["accepted"] == len(events)
    assert CaliperEvent.objects.filter(user__isnull=True).count() == len(events)
    again = post(client.api, payload).json()
    assert (again["accepted"], again["duplicates"]) == (0, len(events))


def test_invalid_event_is_400_naming_index_field_and_rule(world) -> None:
    bad = view_event() | {"action": "Completed"}
    response = post(world["client"].api, envelope(view_event(), bad))
    assert response.status_code == 400
    assert (1, "data[1].action", "action-not-allowed") in _error(response)
    assert CaliperEvent.objects.count() == 0


def test_missing_envelope_field_is_400(world) -> None:
    payload = envelope(view_event())
    del payload["sendTime"]
    response = post(world["client"].api, payload)
    assert response.status_code == 400
    assert (None, "sendTime", "required") in _error(response)


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe garbage", b"[" * 100_000])
def test_malformed_json_is_400_naming_body(world, body: bytes) -> None:
    response = post(world["client"].api, body)
    assert response.status_code == 400
    assert _error(response) == [(None, "body", "json")]


def test_non_object_json_is_400(world) -> None:
    response = post(world["client"].api, [1, 2])
    assert response.status_code == 400
    assert _error(response)[0][0] is None


def test_unsupported_data_version_is_422(world) -> None:
    payload = envelope(view_event()) | {"dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p1"}
    response = post(world["client"].api, payload)
    assert response.status_code == 422
    assert _error(response) == [(None, "dataVersion", "unsupported-version")]


def test_wrong_content_type_is_415(world) -> None:
    response = world["client"].api.generic(
        "POST", "/caliper/event", json.dumps(envelope(view_event())), content_type="text/plain"
    )
    assert response.status_code == 415
    assert _error(response) == [(None, "Content-Type", "media-type")]
    form = world["client"].api.post("/caliper/event", {"a": "b"})
    assert form.status_code == 415


def test_body_over_the_byte_limit_is_413_before_parsing(world, settings) -> None:
    settings.CALIPER_MAX_ENVELOPE_BYTES = 1000
    payload = envelope(*(view_event() for _ in range(5)))
    response = post(world["client"].api, payload)
    assert response.status_code == 413
    assert _error(response) == [(None, "body", "max-bytes")]
    # Not parsed: an over-long body of garbage is also a 413, not a 400.
    assert post(world["client"].api, b"x" * 1001).status_code == 413


def test_lying_content_length_is_checked_against_the_real_body(world, settings) -> None:
    settings.CALIPER_MAX_ENVELOPE_BYTES = 1000
    body = json.dumps(envelope(*(view_event() for _ in range(5)))).encode()
    response = post(world["client"].api, body, CONTENT_LENGTH="10")
    # The stream is read up to the declared length only: the truncated JSON is malformed.
    assert response.status_code in (400, 413)
    assert CaliperEvent.objects.count() == 0


def test_too_many_events_is_413(world, settings) -> None:
    settings.CALIPER_MAX_EVENTS_PER_ENVELOPE = 3
    response = post(world["client"].api, envelope(*(view_event() for _ in range(4))))
    assert response.status_code == 413
    assert _error(response) == [(None, "data", "max-items")]


def test_missing_token_is_401(world) -> None:
    from rest_framework.test import APIClient

    response = post(APIClient(), envelope(view_event()))
    assert response.status_code == 401
    assert _error(response) == [(None, "Authorization", "token")]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert post(bad, envelope(view_event())).status_code == 401


def test_foreign_sensor_is_403(world) -> None:
    response = post(world["client"].api, envelope(view_event(), sensor="https://other.example.org"))
    assert response.status_code == 403
    assert _error(response) == [(None, "sensor", "sensor-not-registered")]


def test_conflicting_resend_is_409(world) -> None:
    student = world["a"].student
    event = activity_event(timeback_user(student))
    assert post(world["client"].api, envelope(event)).status_code == 200
    changed = activity_event(timeback_user(student), event_id=event["id"], xp=1)
    response = post(world["client"].api, envelope(changed))
    assert response.status_code == 409
    assert _error(response) == [(0, "data[0].id", "id-conflict")]
    assert event["id"] in response.json()["errors"][0]["message"]


def test_endpoint_config(world) -> None:
    response = world["client"].api.get("/caliper/event")
    assert response.status_code == 200
    assert response.json() == {
        "caliperSupportedVersions": [DATA_VERSION],
        "caliperMaximumPayloadSize": 5 * 1024,
    }


def test_post_query_count_is_pinned(world, django_assert_num_queries) -> None:
    """The token and the grant are cached after the first request; stored ids are not looked
    up first (the unique id refuses a resend in the write): actor SELECT, then savepoint, job
    INSERT, events INSERT, outbox INSERT, release."""
    student = world["a"].student
    post(world["client"].api, envelope(view_event()))  # warm the token and grant cache
    items = [activity_event(timeback_user(student)) for _ in range(10)]
    with django_assert_num_queries(6):
        response = post(world["client"].api, envelope(*items))
    assert response.status_code == 200


# ---- POST /caliper/event/validate -------------------------------------------------------------


def test_validate_stores_nothing(world) -> None:
    response = post(
        world["client"].api, envelope(view_event(), person_entity()), "/caliper/event/validate"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    assert CaliperEvent.objects.count() == IngestJob.objects.count() == 0
    bad = post(
        world["client"].api,
        envelope(view_event() | {"eventTime": "yesterday"}),
        "/caliper/event/validate",
    )
    assert bad.status_code == 400
    assert (0, "data[0].eventTime", "format-datetime") in _error(bad)


# ---- GET /caliper/events ----------------------------------------------------------------------


def _seed(world: dict[str, Any]) -> list[dict[str, Any]]:
    student, teacher = world["a"].student, world["a"].teacher
    events = [
        activity_event(timeback_user(student)),
        time_spent_event(timeback_user(student)),
        activity_event(timeback_user(teacher)),
        view_event(),
    ]
    events[3]["eventTime"] = "2025-04-02T08:00:00.000Z"
    assert post(world["client"].api, envelope(*events)).status_code == 200
    return events


def test_list_shape_and_paging(world) -> None:
    events = _seed(world)
    response = world["client"].api.get("/caliper/events", {"limit": 3, "offset": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["pagination"] == {"total": 4, "totalPages": 2, "currentPage": 1, "limit": 3}
    assert [e["externalId"] for e in body["events"]] == [e["id"] for e in events[:3]]
    first = body["events"][0]
    assert set(first) == STORED_EVENT_KEYS
    assert isinstance(first["id"], int)
    assert first["sensor"] == SENSOR
    assert first["actor"] == events[0]["actor"]
    assert first["generated"] == events[0]["generated"]
    assert first["eventTime"] == events[0]["eventTime"]
    assert first["sendTime"] == "2025-03-01T10:00:00.000Z"
    assert first["deleted_at"] is None
    assert first["profile"] == "TimebackProfile"
    page2 = world["client"].api.get("/caliper/events", {"limit": 3, "offset": 3}).json()
    assert page2["pagination"]["currentPage"] == 2
    assert [e["externalId"] for e in page2["events"]] == [events[3]["id"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actorEmail": "student@a.example.org"}, [0, 1]),
        ({"actorId": "https://example.edu/users/554433"}, [3]),
        ({"actor": "https://example.edu/users/554433"}, [3]),
        ({"eventType": "TimeSpentEvent"}, [1]),
        ({"app": "Example Math"}, [0, 1, 2]),
        ({"sensor": SENSOR}, [0, 1, 2, 3]),
        ({"sensor": "https://nope.example.org"}, []),
        ({"startDate": "2025-04-01"}, [3]),
        ({"endDate": "2025-03-01"}, [0, 1, 2]),
        ({"startDate": "2025-03-01T09:59:00Z", "endDate": "2025-03-01T09:59:00.001Z"}, [0, 1, 2]),
    ],
)
def test_list_filters(world, params: dict[str, str], expected: list[int]) -> None:
    events = _seed(world)
    body = world["client"].api.get("/caliper/events", params).json()
    assert [e["externalId"] for e in body["events"]] == [events[i]["id"] for i in expected]
    assert body["pagination"]["total"] == len(expected)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": "x"}, {"offset": -1}, {"startDate": "soon"}]
)
def test_list_bad_params_are_400(world, params: dict[str, Any]) -> None:
    response = world["client"].api.get("/caliper/events", params)
    assert response.status_code == 400
    assert _error(response)[0][1] == next(iter(params))


def test_list_query_count_is_pinned(world, django_assert_num_queries) -> None:
    _seed(world)
    world["client"].api.get("/caliper/events")  # warm the token and grant cache
    with django_assert_num_queries(2):  # count, page (client joined)
        response = world["client"].api.get("/caliper/events", {"limit": 2})
    assert len(response.json()["events"]) == 2
    with django_assert_num_queries(2):
        world["client"].api.get("/caliper/events", {"limit": 100})


# ---- GET /caliper/events/{id} -----------------------------------------------------------------


def test_get_event(world, django_assert_num_queries) -> None:
    events = _seed(world)
    world["client"].api.get("/caliper/events")  # warm the token and grant cache
    with django_assert_num_queries(1):
        response = world["client"].api.get(f"/caliper/events/{events[1]['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["event"]["externalId"] == events[1]["id"]
    assert body["event"]["type"] == "TimeSpentEvent"
    missing = world["client"].api.get(
        "/caliper/events/urn:uuid:00000000-0000-4000-8000-000000000000"
    )
    assert missing.status_code == 404
    assert _error(missing) == [(None, "id", "not-found")]


# ---- GET /jobs/{id}/status --------------------------------------------------------------------


def test_job_status_follows_processing(world, django_assert_num_queries) -> None:
    student = world["a"].student
    payload = envelope(
        activity_event(timeback_user(student)), time_spent_event(timeback_user(student))
    )
    job_id = post(world["client"].api, payload).json()["jobId"]
    waiting = world["client"].api.get(f"/jobs/{job_id}/status").json()
    assert waiting == {"id": job_id, "state": "waiting", "returnValue": None, "processedOn": None}
    assert learning_events_process(lane=student.pk % 2) == 2
    with django_assert_num_queries(3):  # job, events, outbox (the token is cached)
        done = world["client"].api.get(f"/jobs/{job_id}/status").json()
    assert done["state"] == "completed"
    assert done["processedOn"].endswith("Z")
    rows = list(CaliperEvent.objects.order_by("id"))
    assert done["returnValue"] == {
        "status": "success",
        "results": [{"allocatedId": str(r.pk), "externalId": r.external_id} for r in rows],
    }


def test_job_status_of_a_duplicate_only_envelope_is_completed(world) -> None:
    payload = envelope(view_event())
    post(world["client"].api, payload)
    job_id = post(world["client"].api, payload).json()["jobId"]
    body = world["client"].api.get(f"/jobs/{job_id}/status").json()
    assert body["state"] == "completed"
    assert body["returnValue"] == {"status": "success", "results": []}


@pytest.mark.parametrize("job_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_job_is_404(world, job_id: str) -> None:
    response = world["client"].api.get(f"/jobs/{job_id}/status")
    assert response.status_code == 404
    assert _error(response) == [(None, "id", "not-found")]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_refused(world, literal: str) -> None:
    """Python's JSON reader accepts NaN and Infinity; JSON does not, and neither do we."""
    student = world["a"].student
    event = activity_event(timeback_user(student)) | {"extensions": {"x": "__number__"}}
    body = json.dumps(envelope(event)).replace('"__number__"', literal)
    response = post(world["client"].api, body)
    assert response.status_code == 400, response.content
    assert f"{literal} is not a JSON value" in response.json()["message"]
    assert _error(response) == [(None, "body", "json")]
    assert CaliperEvent.objects.count() == 0
