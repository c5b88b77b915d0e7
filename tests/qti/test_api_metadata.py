"""The QTI API's metadata writes (``PUT /assessment-tests/{identifier}/metadata``, ``POST
/assessment-items/metadata``) and ``POST /validate/batch``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from qti.models import QtiResource
from roster.models import Org
from tests.qti.conftest import DELETE, READ, WRITE
from tests.qti.test_api import STIMULUS_XML, _openapi_schema, _validate, create_item, item_xml
from tests.qti.test_api_tests import assessment_test_xml, create_test

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Test metadata
# ---------------------------------------------------------------------------------------------


def test_test_metadata_replaces_only_the_metadata(client_a: APIClient) -> None:
    assert create_test(client_a).status_code == 201
    xml = QtiResource.objects.get(kind="test").xml
    body = {"metadata": {"subject": "Science", "grade": "4", "owner": {"team": "x"}}}
    updated = client_a.put("/assessment-tests/quiz-1/metadata", body, format="json")
    assert updated.status_code == 200, updated.content
    _validate(
        updated.json(), _openapi_schema("/assessment-tests/{identifier}/metadata", "put", "200")
    )
    assert updated.json()["metadata"] == body["metadata"]
    assert QtiResource.objects.get(kind="test").xml == xml
    cleared = client_a.put("/assessment-tests/quiz-1/metadata", {"metadata": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["metadata"] == {}

    before = QtiResource.objects.get(kind="test").metadata
    for bad, field in (
        ({}, "metadata"),
        ({"metadata": "x"}, "metadata"),
        ({"metadata": {"grade": "99"}}, "metadata.grade"),
        ({"metadata": {"difficulty": "brutal"}}, "metadata.difficulty"),
    ):
        response = client_a.put("/assessment-tests/quiz-1/metadata", bad, format="json")
        assert response.status_code == 400, bad
        assert response.json()["meta"]["issues"][0]["field"] == field
    assert QtiResource.objects.get(kind="test").metadata == before
    missing = client_a.put("/assessment-tests/nope/metadata", body, format="json")
    assert missing.status_code == 404


# ---------------------------------------------------------------------------------------------
# Item metadata
# ---------------------------------------------------------------------------------------------


def test_item_metadata_updates_a_stored_item_or_creates_one(client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    xml = QtiResource.objects.get(identifier="add-1").xml
    body = {"identifier": "add-1", "title": "ignored", "type": "choice", "metadata": {"grade": "3"}}
    updated = client_a.post("/assessment-items/metadata", body, format="json")
    assert updated.status_code == 201, updated.content
    _validate(updated.json(), _openapi_schema("/assessment-items/metadata", "post", "201"))
    assert updated.json()["metadata"] == {"grade": "3"}
    assert updated.json()["title"] == "Two plus two"
    stored = QtiResource.objects.get(identifier="add-1")
    assert stored.xml == xml and stored.metadata == {"grade": "3"}

    created = client_a.post(
        "/assessment-items/metadata",
        {"format": "xml", "xml": item_xml("new-1"), "metadata": {"subject": "Math"}},
        format="json",
    )
    assert created.status_code == 201 and created.json()["identifier"] == "new-1"

    bad = client_a.post(
        "/assessment-items/metadata", {**body, "metadata": {"grade": "x"}}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["meta"]["issues"][0]["field"] == "metadata.grade"
    no_metadata = client_a.post(
        "/assessment-items/metadata", {"identifier": "add-1"}, format="json"
    )
    assert no_metadata.status_code == 400
    assert no_metadata.json()["meta"]["issues"][0]["field"] == "metadata"
    assert QtiResource.objects.get(identifier="add-1").metadata == {"grade": "3"}
    # "metadata" is not taken for an item identifier by the other item routes.
    assert client_a.get("/assessment-items/metadata").status_code == 405


def test_item_metadata_stays_in_the_clients_organisation(
    client_a: APIClient, client_b: APIClient
) -> None:
    assert create_item(client_a).status_code == 201
    body = {"identifier": "add-1", "metadata": {"grade": "3"}}
    # B has no add-1 of its own: the body is read as a new item, and it carries no document.
    response = client_b.post("/assessment-items/metadata", body, format="json")
    assert response.status_code == 400
    assert QtiResource.objects.get(identifier="add-1").metadata["grade"] == "5"


# ---------------------------------------------------------------------------------------------
# Batch validation
# ---------------------------------------------------------------------------------------------


def test_validate_batch(client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    body = {
        "xml": [item_xml("one"), "<qti-assessment-item", STIMULUS_XML],
        "schema": "item",
        "entityIds": ["add-1"],
    }
    response = client_a.post("/validate/batch", body, format="json")
    assert response.status_code == 200, response.content
    _validate(response.json(), _openapi_schema("/validate/batch", "post", "200"))
    results = response.json()["results"]
    assert [r["success"] for r in results] == ["true", "false", "false", "true"]
    assert [r["entityId"] for r in results] == ["one", "", "forest", "add-1"]
    assert results[1]["validationErrors"] and results[2]["validationErrors"]
    missing = client_a.post(
        "/validate/batch", {"xml": [], "schema": "item", "entityIds": ["nope"]}, format="json"
    )
    assert missing.status_code == 404
    _validate(missing.json(), _openapi_schema("/validate/batch", "post", "404"))
    tests = client_a.post(
        "/validate/batch",
        {"xml": [assessment_test_xml()], "schema": "test", "entityIds": []},
        format="json",
    )
    assert tests.json()["results"][0]["success"] == "true"
    for bad, field in (
        ({"xml": [], "schema": "item", "entityIds": []}, "xml"),
        ({"xml": ["x"] * 101, "schema": "item", "entityIds": []}, "xml"),
        ({"xml": "x", "schema": "item", "entityIds": []}, "xml"),
        ({"xml": ["x"], "schema": "lesson", "entityIds": []}, "schema"),
        ({"xml": [{"a": 1}], "schema": "item", "entityIds": []}, "xml[0]"),
    ):
        refused = client_a.post("/validate/batch", bad, format="json")
        assert refused.status_code == 400, bad
        assert refused.json()["meta"]["issues"][0]["field"] == field


def test_validate_batch_sees_only_the_clients_content(
    client_a: APIClient, client_b: APIClient
) -> None:
    assert create_item(client_a).status_code == 201
    body = {"xml": [], "schema": "item", "entityIds": ["add-1"]}
    assert client_b.post("/validate/batch", body, format="json").status_code == 404
    assert client_a.post("/validate/batch", body, format="json").status_code == 200


# ---------------------------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------------------------


def test_scopes(api_client_for: Callable[..., APIClient], org_a: Org, client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    assert create_test(client_a).status_code == 201
    batch = {"xml": [item_xml()], "schema": "item", "entityIds": []}
    test_metadata = {"metadata": {"subject": "Art"}}
    item_metadata = {"identifier": "add-1", "metadata": {"subject": "Art"}}
    for scope, can_read, can_write in ((READ, True, False), (WRITE, True, True),
                                       (DELETE, False, False)):  # fmt: skip
        client = api_client_for(org_a, (scope,))
        validated = client.post("/validate/batch", batch, format="json")
        assert validated.status_code == (200 if can_read else 403), scope
        for path, body in (
            ("/assessment-tests/quiz-1/metadata", test_metadata),
            ("/assessment-items/metadata", item_metadata),
        ):
            method = client.put if "tests" in path else client.post
            response = method(path, body, format="json")
            assert response.status_code == (403 if not can_write else response.status_code)
            assert (response.status_code < 300) == can_write, (scope, path)
    assert APIClient().post("/validate/batch", batch, format="json").status_code == 401


def test_a_grade_keeps_the_type_it_was_sent_in(client_a: APIClient) -> None:
    # Timeback's documents spell grades as strings; its official client sends numbers and
    # refuses a string when it reads the item back.
    assert (
        create_item(client_a, xml=item_xml("as-text"), metadata={"grade": "3"}).status_code == 201
    )
    assert (
        create_item(client_a, xml=item_xml("as-number"), metadata={"grade": 3}).status_code == 201
    )
    assert client_a.get("/assessment-items/as-text").json()["metadata"]["grade"] == "3"
    assert client_a.get("/assessment-items/as-number").json()["metadata"]["grade"] == 3
    found = client_a.get("/assessment-items", {"filter": "metadata.grade='3'"}).json()
    assert found["total"] == 2
    others = client_a.get("/assessment-items", {"filter": "grade!='3'"}).json()
    assert others["total"] == 0
    refused = create_item(client_a, xml=item_xml("bad"), metadata={"grade": True})
    assert refused.status_code == 400
