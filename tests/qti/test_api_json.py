"""The QTI API's JSON bodies: items built from Timeback's structured JSON (every ``json-*``
example of the OpenAPI document), tests from their ``qti-test-part`` JSON, and the ``type``
of items whose interaction Timeback's enum lacks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework.test import APIClient

from qti.api.serializers import ITEM_TYPES, item_type
from qti.models import QtiResource
from roster.models import Org
from tests.conftest import shared_path
from tests.qti.test_api import _openapi_schema, _validate, create_item, item_xml
from tests.qti.test_api_tests import assessment_test_xml, create_test

pytestmark = pytest.mark.django_db


def _examples(prefix: str) -> dict[str, dict[str, Any]]:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(shared_path("fixtures", "timeback", "qti-api.yaml").read_text())
    body = document["paths"]["/assessment-items"]["post"]["requestBody"]
    examples = body["content"]["application/json"]["examples"]
    return {k: v["value"] for k, v in examples.items() if k.startswith(prefix)}


# ---------------------------------------------------------------------------------------------
# Items from JSON
# ---------------------------------------------------------------------------------------------


def test_every_json_example_of_the_openapi_document_creates_its_item(
    client_a: APIClient,
) -> None:
    examples = _examples("json-")
    assert len(examples) == 17
    schema = _openapi_schema("/assessment-items", "post", "201")
    for name, body in examples.items():
        created = client_a.post("/assessment-items", body, format="json")
        assert created.status_code == 201, (name, created.content)
        data = created.json()
        _validate(data, schema)
        assert data["type"] == body["type"], name
        assert data["identifier"] == body["identifier"]
        assert data["rawXml"].startswith("<qti-assessment-item")
        assert data["metadata"]["subject"] == body["metadata"]["subject"]
        declared = {d["identifier"] for d in data["responseDeclarations"]}
        assert body["interaction"]["responseIdentifier"] in declared
        template = body["responseProcessing"]["templateType"]
        assert data["responseProcessing"]["templateType"] == template
    assert QtiResource.objects.filter(kind="item").count() == 17


def test_a_json_item_is_scored_with_its_feedback(client_a: APIClient) -> None:
    body = _examples("json-choice")["json-choice"]
    assert client_a.post("/assessment-items", body, format="json").status_code == 201
    item = client_a.get("/assessment-items/choice-item-1").json()
    assert [f["identifier"] for f in item["feedbackBlock"]] == ["CORRECT", "INCORRECT"]
    assert [f["identifier"] for f in item["feedbackInline"]] == ["A", "B"]
    url = "/assessment-items/choice-item-1/process-response"
    right = client_a.post(url, {"identifier": "choice-item-1", "response": "B"}, format="json")
    assert right.json()["score"] == 1.0
    wrong = client_a.post(url, {"identifier": "choice-item-1", "response": "A"}, format="json")
    assert wrong.json()["score"] == 0.0
    # match pairs sent as lists, map_response with a mapping from the correct values.
    match = copy.deepcopy(_examples("json-match")["json-match"])
    match["responseProcessing"]["templateType"] = "map_response"
    assert client_a.post("/assessment-items", match, format="json").status_code == 201
    partial = client_a.post(
        "/assessment-items/match-item-1/process-response",
        {"identifier": "match-item-1", "response": ["C1 T1", "C2 T3"]},
        format="json",
    ).json()
    assert partial["score"] == 0.25


def test_put_with_an_interaction_rebuilds_the_document(client_a: APIClient) -> None:
    body = _examples("json-choice")["json-choice"]
    client_a.post("/assessment-items", body, format="json")
    changed = copy.deepcopy(body)
    del changed["identifier"]  # the path names it
    changed["title"] = "Renamed"
    changed["interaction"]["questionStructure"]["choices"].append(
        {"identifier": "C", "content": "5"}
    )
    updated = client_a.put("/assessment-items/choice-item-1", changed, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["title"] == "Renamed"
    assert 'identifier="C"' in updated.json()["rawXml"]
    mismatch = {**changed, "identifier": "other"}
    refused = client_a.put("/assessment-items/choice-item-1", mismatch, format="json")
    assert refused.status_code == 400
    assert refused.json()["meta"]["issues"][0]["field"] == "identifier"


def test_bad_json_items_are_refused_naming_the_field(client_a: APIClient) -> None:
    base = _examples("json-choice")["json-choice"]

    def variant(path: tuple[str, ...], value: Any) -> dict[str, Any]:
        body = copy.deepcopy(base)
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return body

    cases = [
        (variant(("interaction", "type"), "gap-match"), "interaction.type"),
        (variant(("type",), "order"), "type"),
        (variant(("interaction",), "choice"), "interaction"),
        (variant(("interaction", "questionStructure", "choices"), []),
         "interaction.questionStructure.choices"),
        (variant(("interaction", "questionStructure", "prompt"), "<b>unclosed"),
         "interaction.questionStructure.prompt"),
        (variant(("responseDeclarations",), [{"identifier": "RESPONSE", "cardinality": "many"}]),
         "responseDeclarations[0].cardinality"),
        (variant(("responseProcessing", "templateType"), "custom"),
         "responseProcessing.templateType"),
        (variant(("feedbackBlock",), [{"identifier": "X", "content": "x"}]),
         "feedbackBlock[0].outcomeIdentifier"),
        (variant(("title",), "bad\x07title"), "title"),
        (variant(("metadata",), {"grade": "99"}), "metadata.grade"),
        (variant(("rubrics",), [{"use": "x", "view": "everyone", "body": "x"}]),
         "rubrics[0].view"),
    ]  # fmt: skip
    for body, field in cases:
        response = client_a.post("/assessment-items", body, format="json")
        assert response.status_code == 400, (field, response.content)
        assert response.json()["meta"]["issues"][0]["field"] == field
    assert not QtiResource.objects.exists()


# ---------------------------------------------------------------------------------------------
# The ``type`` of items Timeback's enum has no member for
# ---------------------------------------------------------------------------------------------


def test_item_type_maps_to_the_nearest_enum_member() -> None:
    def kinds(*names: str) -> list[dict[str, str]]:
        return [{"type": f"qti-{n}-interaction"} for n in names]

    assert item_type(kinds("gap-match")) == "graphic-gap-match"
    assert item_type(kinds("position-object")) == "select-point"
    assert item_type(kinds("portable-custom")) == "extended-text"
    assert item_type(kinds("end-attempt", "text-entry")) == "text-entry"
    assert item_type(kinds("end-attempt")) == "choice"
    assert item_type([]) == "extended-text"
    for name in ITEM_TYPES:
        assert item_type(kinds(name)) == name


def test_a_gap_match_item_answers_within_the_enum(client_a: APIClient) -> None:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(shared_path("fixtures", "timeback", "qti-api.yaml").read_text())
    body = document["paths"]["/assessment-items"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]["xml-gap-match"]["value"]
    created = client_a.post("/assessment-items", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["type"] == "graphic-gap-match"
    got = client_a.get("/assessment-items/xml-gap-match-item-1").json()
    _validate(got, _openapi_schema("/assessment-items/{identifier}", "get", "200"))
    listed = client_a.get("/assessment-items").json()
    _validate(listed, _openapi_schema("/assessment-items", "get", "200"))
    # The filter still reads the interaction's own name.
    assert client_a.get("/assessment-items", {"filter": "type='gap-match'"}).json()["total"] == 1


# ---------------------------------------------------------------------------------------------
# Tests from JSON
# ---------------------------------------------------------------------------------------------


def _test_body(**extra: Any) -> dict[str, Any]:
    return {
        "identifier": "json-test",
        "title": "JSON test",
        "toolName": "timeback",
        "toolVersion": "1",
        "timeLimit": 600,
        "maxAttempts": 2,
        "metadata": {"subject": "Math"},
        "qti-outcome-declaration": [
            {"identifier": "SCORE", "baseType": "float", "normalMaximum": 2,
             "defaultValue": {"value": 0}},
        ],
        "qti-test-part": [
            {
                "identifier": "part-1",
                "navigationMode": "linear",
                "submissionMode": "individual",
                "qti-assessment-section": [
                    {"identifier": "sec-1", "title": "One", "visible": True,
                     "qti-assessment-item-ref": [{"identifier": "add-1", "href": "add-1.xml"}]},
                ],
            }
        ],
        **extra,
    }  # fmt: skip


def test_create_and_replace_a_test_from_json(client_a: APIClient, org_a: Org) -> None:
    assert create_item(client_a).status_code == 201
    created = client_a.post("/assessment-tests", _test_body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    _validate(data, _openapi_schema("/assessment-tests", "post", "201"))
    assert data["timeLimit"] == 600 and data["metadata"] == {"subject": "Math"}
    assert data["qti-outcome-declaration"][0]["normalMaximum"] == 2
    (part,) = data["qti-test-part"]
    assert part["qti-assessment-section"][0]["qti-assessment-item-ref"][0]["identifier"] == "add-1"
    assert 'max-attempts="2"' in data["rawXml"]
    questions = client_a.get("/assessment-tests/json-test/questions").json()
    assert questions["totalQuestions"] == 1

    replaced_body = _test_body(title="Renamed")
    del replaced_body["identifier"]
    replaced = client_a.put("/assessment-tests/json-test", replaced_body, format="json")
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["title"] == "Renamed"


def test_bad_json_tests_are_refused_naming_the_field(client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    section = _test_body()["qti-test-part"][0]["qti-assessment-section"][0]
    part = _test_body()["qti-test-part"][0]
    cases = [
        (_test_body(**{"qti-test-part": []}), 400, "qti-test-part"),
        (_test_body(**{"qti-test-part": [{**part, "qti-assessment-section": [
            {**section, "qti-assessment-item-ref": [{"identifier": "nope"}]}]}]}),
         400, "qti-test-part[0].qti-assessment-section[0].qti-assessment-item-ref[0].identifier"),
        (_test_body(**{"qti-test-part": [part, part]}), 409, "qti-test-part[1].identifier"),
        (_test_body(**{"qti-outcome-declaration": [{"identifier": "SCORE"}]}), 400,
         "qti-outcome-declaration[0].baseType"),
        (_test_body(timeLimit=-1), 400, "timeLimit"),
        (_test_body(title=""), 400, "title"),
        ({k: v for k, v in _test_body().items() if k != "identifier"}, 400, "identifier"),
    ]  # fmt: skip
    for body, status, field in cases:
        response = client_a.post("/assessment-tests", body, format="json")
        assert response.status_code == status, (field, response.content)
        assert response.json()["meta"]["issues"][0]["field"] == field
    assert not QtiResource.objects.filter(kind="test").exists()
    # Replacing a test keeps the references it held, even to items not stored.
    assert create_test(client_a, assessment_test_xml()).status_code == 201
    held = {
        "title": "Quiz",
        "qti-test-part": [{**part, "qti-assessment-section": [
            {**section, "qti-assessment-item-ref": [{"identifier": "missing-1"}]}]}],
    }  # fmt: skip
    assert client_a.put("/assessment-tests/quiz-1", held, format="json").status_code == 200
    assert create_item(client_a, xml=item_xml("add-2")).status_code == 201
