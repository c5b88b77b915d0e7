"""Tenancy × scope matrix: for EVERY routed OneRoster operation, a client granted district A
succeeds on A's objects, cannot see or change district B's, and is refused without the scope.
A second client granted only a school of A sees that school's rows and not the district's."""

from __future__ import annotations

from typing import Any

import pytest

from roster.models import UserProfile
from roster.selectors import ENTITY_MODELS
from tests.roster.factories import Tenant, make_tenant
from tests.roster.routes import ITEM_OBJECTS, Operation, operations

pytestmark = pytest.mark.django_db

OPS = operations()
ALL_SCOPES = ["roster.delete", "resource.delete", "roster-demographics.readonly"]

# Nested POSTs: which tenant object the posted body is copied from.
POST_SOURCES = {"academicSession": "grading_period", "lineItem": "line_item", "result": "result"}


@pytest.fixture
def world(api_client_for) -> dict[str, Any]:
    a, b = make_tenant("a"), make_tenant("b")
    return {"a": a, "b": b, "api": api_client_for(a.district), "make": api_client_for}


def _item_json(api: Any, op: Operation, tenant: Tenant, attr: str) -> dict[str, Any]:
    """The current JSON of a tenant object, read through its own detail endpoint."""
    obj = getattr(tenant, attr)
    entity = op.initkwargs["entity"]
    path = {
        "org": "rostering/v1p2/orgs",
        "academicSession": "rostering/v1p2/academicSessions",
        "lineItem": "gradebook/v1p2/lineItems",
        "result": "gradebook/v1p2/results",
    }.get(entity)
    if path is None:
        path = op.template.split("{sourcedId}")[0].rstrip("/")
        if op.method == "POST":
            path = op.template
    response = api.get(f"/ims/oneroster/{path}/{obj.sourced_id}")
    assert response.status_code == 200, (path, response.json())
    return next(iter(response.json().values()))


def _snapshot(tenant: Tenant) -> dict[str, tuple[str, Any]]:
    out = {}
    for name, obj in tenant.objects().items():
        if hasattr(obj, "date_last_modified"):
            obj.refresh_from_db()
            out[name] = (obj.status, obj.date_last_modified)
    return out


def _counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in ENTITY_MODELS.items()}


def _post_body(op: Operation, tenant: Tenant, api: Any) -> dict[str, Any]:
    key = op.initkwargs["post_key"]
    entity = op.initkwargs.get("post_entity") or op.initkwargs["entity"]
    if op.params:  # nested POST
        if entity == "enrollment":
            user = tenant.student if "students" in op.template else tenant.teacher
            return {key: {"user": {"sourcedId": user.sourced_id}}}
        item = _item_json(api, op, tenant, POST_SOURCES[entity])
        for drop in ("sourcedId", "parent", "class", "school", "lineItem"):
            if drop in item and not (entity == "result" and drop == "lineItem"):
                item.pop(drop)
        return {key: [item] if key.endswith("s") and entity != "demographics" else item}
    attr = ITEM_OBJECTS[op.template.split("/v1p2/", 1)[1]]
    item = _item_json(api, op, tenant, attr)
    item["sourcedId"] = f"new-{attr}"
    item.pop("userProfiles", None)
    return {key: item}


# Timeback extensions that are not entity CRUD: checked by _extension_matrix.
CREDENTIALS_OP = "rostering/v1p2/users/{userId}/credentials"
DECRYPT_OP = "rostering/v1p2/users/{userId}/credentials/{credentialId}/decrypt"
EXPORT_OP = "resources/v1p2/resources/export/{sourceId}"
LOGIN = {"applicationName": "App", "credentials": {"username": "u", "password": "p"}}


def _profiles() -> list[tuple[str, Any]]:
    return list(UserProfile.objects.order_by("pk").values_list("sourced_id", "credentials"))


def _extension_matrix(world: dict[str, Any], op: Operation) -> None:
    a: Tenant = world["a"]
    b: Tenant = world["b"]
    api = world["api"]
    if op.template == EXPORT_OP:
        response = api.post(op.url(a))
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/zip"
        other = api.post(op.url(b))
        assert other.status_code == 404, other.json()
        return
    register = "/ims/oneroster/rostering/v1p2/users/{}/credentials"
    if op.template == CREDENTIALS_OP:
        response = api.post(op.url(a), LOGIN, format="json")
        assert response.status_code == 201, response.json()
        before = _profiles()
        response = api.post(op.url(b), LOGIN, format="json")
        assert response.status_code == 404, response.json()
        assert _profiles() == before
        return
    assert op.template == DECRYPT_OP
    mine = api.post(register.format(a.student.sourced_id), LOGIN, format="json").json()
    api_b = world["make"](b.district)
    theirs = api_b.post(register.format(b.student.sourced_id), LOGIN, format="json").json()
    before = _profiles()
    response = api.post(op.url(a, credentialId=mine["credentialId"]))
    assert response.status_code == 200, response.json()
    assert response.json() == {"password": "p"}
    for url in (
        op.url(b, credentialId=theirs["credentialId"]),
        op.url(a, credentialId=theirs["credentialId"]),
    ):
        response = api.post(url)
        assert response.status_code == 404, response.json()
        minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "unknownobject"
    assert _profiles() == before


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_operation_matrix(world, op: Operation):
    a: Tenant = world["a"]
    b: Tenant = world["b"]
    api = world["api"]

    # -- missing scope → 403 forbidden ----------------------------------------------------
    wrong = next(s for s in ALL_SCOPES if s not in op.scopes())
    weak = world["make"](a.district, scopes=[wrong])
    response = weak.generic(op.method, op.url(a), "{}", content_type="application/json")
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
        "forbidden"
    )

    before_b = _snapshot(b)

    if op.template in (CREDENTIALS_OP, DECRYPT_OP, EXPORT_OP):
        _extension_matrix(world, op)

    elif op.method == "GET":
        response = api.get(op.url(a))
        assert response.status_code == 200, response.json()
        if op.params:
            other = api.get(op.url(b))
            assert other.status_code == 404, other.json()
            minor = other.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
            assert minor["imsx_codeMinorFieldValue"] == "unknownobject"
        else:
            assert '"b-' not in response.content.decode()
            assert response.json()["totalCount"] >= 1

    elif op.method == "PUT":
        key = op.initkwargs["body_key"] or op.initkwargs["key"]
        item = _item_json(api, op, a, ITEM_OBJECTS[op.collection])
        response = api.put(op.url(a), {key: item}, format="json")
        assert response.status_code == 200, response.json()
        counts = _counts()
        item["sourcedId"] = getattr(b, ITEM_OBJECTS[op.collection]).sourced_id
        response = api.put(op.url(b), {key: item}, format="json")
        assert response.status_code in (403, 404, 409, 422), response.json()
        assert "b-" not in response.json()["imsx_description"].replace(item["sourcedId"], "")
        assert _counts() == counts

    elif op.method == "DELETE":
        response = api.delete(op.url(a))
        assert response.status_code == 204
        assert api.get(op.url(a)).status_code == 404
        response = api.delete(op.url(b))
        assert response.status_code == 404

    elif op.method == "POST":
        body = _post_body(op, a, api)
        response = api.post(op.url(a), body, format="json")
        assert response.status_code == 201, response.json()
        counts = _counts()
        if op.params:
            response = api.post(op.url(b), _post_body(op, a, api), format="json")
            assert response.status_code == 404, response.json()
        else:
            b_item = {
                k: v
                for k, v in _post_body(op, a, api)[op.initkwargs["post_key"]].items()
                if k != "sourcedId"
            }
            b_item["sourcedId"] = getattr(b, ITEM_OBJECTS[op.collection]).sourced_id
            response = api.post(op.url(a), {op.initkwargs["post_key"]: b_item}, format="json")
            assert response.status_code in (403, 409, 422), response.json()
        assert _counts() == counts

    assert _snapshot(b) == before_b


def test_missing_or_invalid_token_is_401(world):
    from rest_framework.test import APIClient

    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}):
        response = APIClient().get("/ims/oneroster/rostering/v1p2/users", **headers)
        assert response.status_code == 401
        minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "unauthorisedrequest"


def test_school_granted_client_sees_only_its_school(world):
    a: Tenant = world["a"]
    api = world["make"](a.district, grants=[a.school])
    base = "/ims/oneroster/rostering/v1p2"
    assert api.get(f"{base}/classes/{a.klass.sourced_id}").status_code == 200
    assert api.get(f"{base}/orgs/{a.district.sourced_id}").status_code == 404
    assert api.get(f"{base}/courses/{a.course.sourced_id}").status_code == 404
    orgs = api.get(f"{base}/orgs").json()["orgs"]
    assert [o["sourcedId"] for o in orgs] == [a.school.sourced_id]
    users = api.get(f"{base}/users").json()["users"]
    assert {u["sourcedId"] for u in users} == {"a-student", "a-teacher"}
    # A write that would land in the district (outside the grant) is refused, unchanged.
    response = api.put(
        f"{base}/courses/new-course",
        {"course": {"title": "X", "org": {"sourcedId": a.district.sourced_id}}},
        format="json",
    )
    assert response.status_code in (403, 422)
    response = api.put(
        f"{base}/courses/new-course",
        {"course": {"title": "X", "org": {"sourcedId": a.school.sourced_id}}},
        format="json",
    )
    assert response.status_code == 201
    # A new org must sit below a granted org; the school itself keeps its invisible parent.
    response = api.put(
        f"{base}/orgs/{a.school.sourced_id}",
        {"org": {"name": "Renamed", "type": "school", "parent": {"sourcedId": "a-district"}}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = api.post(
        f"{base}/orgs", {"org": {"name": "Root", "type": "district"}}, format="json"
    )
    assert response.status_code == 403
