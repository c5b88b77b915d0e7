"""The QTI API: items, stimuli, response processing and validation in Timeback's paths and
shapes, with QTI scopes and org tenancy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from qti import selectors
from qti.models import QtiResource
from roster.models import Org
from tests.conftest import shared_path
from tests.qti.conftest import DELETE, READ, WRITE

pytestmark = pytest.mark.django_db


NS = (
    'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqtiasi_v3p0 '
    'https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"'
)


def item_xml(identifier: str = "add-1", title: str = "Two plus two", correct: str = "B") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item {NS} identifier="{identifier}" title="{title}"
    adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>{correct}</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>What is 2 + 2?</qti-prompt>
      <qti-simple-choice identifier="A">3</qti-simple-choice>
      <qti-simple-choice identifier="B">4</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing>
    <qti-response-condition>
      <qti-response-if>
        <qti-match>
          <qti-variable identifier="RESPONSE"/>
          <qti-correct identifier="RESPONSE"/></qti-match>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">1</qti-base-value>
        </qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">CORRECT</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-if>
      <qti-response-else>
        <qti-set-outcome-value identifier="SCORE">
          <qti-base-value base-type="float">0</qti-base-value>
        </qti-set-outcome-value>
        <qti-set-outcome-value identifier="FEEDBACK">
          <qti-base-value base-type="identifier">INCORRECT</qti-base-value>
        </qti-set-outcome-value>
      </qti-response-else>
    </qti-response-condition>
  </qti-response-processing>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="CORRECT" show-hide="show">
    <qti-content-body><p>Correct! Well done.</p></qti-content-body>
  </qti-modal-feedback>
  <qti-modal-feedback outcome-identifier="FEEDBACK" identifier="INCORRECT" show-hide="show">
    <qti-content-body><p>Not quite.</p></qti-content-body>
  </qti-modal-feedback>
</qti-assessment-item>"""


def template_item_xml(identifier: str, interaction: str = "text-entry") -> str:
    body = (
        '<p>Capital of France: <qti-text-entry-interaction response-identifier="RESPONSE"/></p>'
        if interaction == "text-entry"
        else '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
        '<qti-simple-choice identifier="A">a</qti-simple-choice></qti-choice-interaction>'
    )
    base = "string" if interaction == "text-entry" else "identifier"
    value = "Paris" if interaction == "text-entry" else "A"
    return f"""<qti-assessment-item {NS} identifier="{identifier}" title="T {identifier}"
    adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="{base}">
    <qti-correct-response><qti-value>{value}</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>{body}</qti-item-body>
  <qti-response-processing
    template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


STIMULUS_XML = f"""<qti-assessment-stimulus {NS} identifier="forest" xml:lang="en" title="Forests">
  <qti-stimulus-body><p>A forest is a community of trees.</p></qti-stimulus-body>
</qti-assessment-stimulus>"""

METADATA = {
    "subject": "Math",
    "grade": "5",
    "difficulty": "easy",
    "learningObjectiveSet": [{"source": "CASE", "learningObjectiveIds": ["id-1"]}],
}


def create_item(client: APIClient, xml: str | None = None, **extra: Any) -> Any:
    body = {"format": "xml", "xml": xml or item_xml(), "metadata": METADATA, **extra}
    return client.post("/assessment-items", body, format="json")


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------


def test_create_item_from_json_xml_body(client_a: APIClient, org_a: Org) -> None:
    response = create_item(client_a)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["identifier"] == "add-1"
    assert data["title"] == "Two plus two"
    assert data["type"] == "choice"
    assert data["qtiVersion"] == "3.0"
    assert data["timeDependent"] is False and data["adaptive"] is False
    assert data["responseDeclarations"] == [
        {
            "identifier": "RESPONSE",
            "cardinality": "single",
            "baseType": "identifier",
            "correctResponse": {"value": ["B"]},
        }
    ]
    assert data["metadata"] == METADATA
    assert data["rawXml"].startswith("<qti-assessment-item")
    content = data["content"]["qti-assessment-item"]
    assert content["_attributes"]["identifier"] == "add-1"
    assert content["_attributes"]["xmlns"] == "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
    assert content["qti-response-declaration"][0]["qti-correct-response"] == {"qti-value": ["B"]}
    assert [f["identifier"] for f in data["modalFeedback"]] == ["CORRECT", "INCORRECT"]
    stored = QtiResource.objects.get(identifier="add-1")
    assert stored.org_scope == org_a and stored.kind == "item"
    assert stored.parsed["interactions"][0]["type"] == "qti-choice-interaction"


def test_create_item_from_an_xml_body(client_a: APIClient) -> None:
    response = client_a.post(
        "/assessment-items", item_xml("xml-body"), content_type="application/xml"
    )
    assert response.status_code == 201, response.content
    assert response.json()["identifier"] == "xml-body"


def test_create_refuses_bad_input_naming_the_field_and_stores_nothing(client_a: APIClient) -> None:
    broken = create_item(client_a, xml="<qti-assessment-item")
    assert broken.status_code == 400
    assert broken.json()["meta"]["issues"][0]["field"] == "xml"
    assert "well-formed" in broken.json()["details"]
    unknown = create_item(client_a, xml=item_xml().replace("qti-prompt", "qti-promptx"))
    assert unknown.status_code == 400
    assert "qti-promptx is not a QTI 3.0 element" in unknown.json()["details"]
    difficulty = create_item(client_a, metadata={"difficulty": "brutal"})
    assert difficulty.status_code == 400
    assert difficulty.json()["meta"]["issues"][0]["field"] == "metadata.difficulty"
    grade = create_item(client_a, metadata={"grade": "14"})
    assert grade.json()["meta"]["issues"][0]["field"] == "metadata.grade"
    stimulus_root = create_item(client_a, xml=STIMULUS_XML)
    assert stimulus_root.status_code == 400
    json_item = client_a.post("/assessment-items", {"identifier": "x", "title": "x"}, format="json")
    assert json_item.status_code == 400
    assert json_item.json()["meta"]["issues"][0]["field"] == "interaction"
    hostile = create_item(
        client_a, xml='<!DOCTYPE x [<!ENTITY a "b">]><qti-assessment-item identifier="h"/>'
    )
    assert hostile.status_code == 400 and "entities" in hostile.json()["details"]
    assert not QtiResource.objects.exists()


def test_create_conflict_is_409_in_the_same_org_only(
    client_a: APIClient, client_b: APIClient
) -> None:
    assert create_item(client_a).status_code == 201
    again = create_item(client_a)
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"
    assert create_item(client_b).status_code == 201  # another organisation's bank


def test_get_put_delete_item(client_a: APIClient) -> None:
    create_item(client_a)
    got = client_a.get("/assessment-items/add-1")
    assert got.status_code == 200 and got.json()["identifier"] == "add-1"
    replaced = client_a.put(
        "/assessment-items/add-1",
        {"format": "xml", "xml": item_xml(title="Renamed"), "metadata": {"difficulty": "hard"}},
        format="json",
    )
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["title"] == "Renamed"
    assert replaced.json()["metadata"] == {"difficulty": "hard"}
    # The official client replays rawXml on update.
    raw = client_a.put(
        "/assessment-items/add-1",
        {"title": "x", "type": "choice", "rawXml": item_xml(title="Raw")},
        format="json",
    )
    assert raw.status_code == 200 and raw.json()["title"] == "Raw"
    other_id = client_a.put(
        "/assessment-items/add-1", {"format": "xml", "xml": item_xml("other")}, format="json"
    )
    assert other_id.status_code == 400
    assert other_id.json()["meta"]["issues"][0]["field"] == "identifier"
    missing = client_a.put(
        "/assessment-items/nope", {"format": "xml", "xml": item_xml("nope")}, format="json"
    )
    assert missing.status_code == 404 and "error" in missing.json()
    assert client_a.delete("/assessment-items/add-1").status_code == 204
    assert client_a.get("/assessment-items/add-1").status_code == 404
    assert client_a.delete("/assessment-items/add-1").status_code == 404


def test_list_pages_searches_filters_and_sorts(
    client_a: APIClient, django_assert_num_queries: Any
) -> None:
    for n in range(5):
        create_item(client_a, xml=template_item_xml(f"te-{n}"), metadata={"subject": "Geo"})
    create_item(client_a, xml=template_item_xml("ch-1", "choice"), metadata={"subject": "Math"})
    with django_assert_num_queries(2):  # count + page (the token is cached)
        page = client_a.get(
            "/assessment-items", {"limit": "2", "page": "2", "sort": "identifier", "order": "asc"}
        )
    data = page.json()
    assert (data["total"], data["pages"], data["page"], data["limit"]) == (6, 3, 2, 2)
    assert [i["identifier"] for i in data["items"]] == ["te-1", "te-2"]  # after ch-1, te-0
    assert (data["sort"], data["order"]) == ("identifier", "asc")
    default = client_a.get("/assessment-items").json()
    assert (default["limit"], default["sort"], default["order"]) == (10, "createdAt", "desc")
    assert default["items"][0]["identifier"] == "ch-1"
    by_type = client_a.get("/assessment-items", {"filter": "type='choice'"}).json()
    assert [i["identifier"] for i in by_type["items"]] == ["ch-1"]
    combined = client_a.get(
        "/assessment-items", {"filter": "subject='Geo' AND identifier!='te-0'"}
    ).json()
    assert combined["total"] == 4
    either = client_a.get(
        "/assessment-items", {"filter": "identifier='te-1' OR identifier='ch-1'"}
    ).json()
    assert either["total"] == 2
    search = client_a.get("/assessment-items", {"query": "TE-3"}).json()
    assert [i["identifier"] for i in search["items"]] == ["te-3"]
    bad = client_a.get("/assessment-items", {"limit": "zero", "sort": "colour"})
    assert bad.status_code == 400
    fields = {i["field"] for i in bad.json()["meta"]["issues"]}
    assert fields == {"limit", "sort"}
    bad_filter = client_a.get("/assessment-items", {"filter": "colour='red'"})
    assert bad_filter.status_code == 400
    assert bad_filter.json()["meta"]["issues"][0]["field"] == "filter"


# ---------------------------------------------------------------------------------------------
# Response processing
# ---------------------------------------------------------------------------------------------


def test_process_response_scores_with_the_engine(client_a: APIClient) -> None:
    create_item(client_a)
    url = "/assessment-items/add-1/process-response"
    right = client_a.post(url, {"identifier": "add-1", "response": "B"}, format="json")
    assert right.status_code == 200, right.content
    assert right.json() == {
        "score": 1.0,
        "feedback": {"identifier": "CORRECT", "value": "Correct! Well done."},
    }
    wrong = client_a.post(url, {"identifier": "RESPONSE", "response": "A"}, format="json")
    assert wrong.json() == {
        "score": 0.0,
        "feedback": {"identifier": "INCORRECT", "value": "Not quite."},
    }
    create_item(client_a, xml=template_item_xml("cap"))
    text = client_a.post(
        "/assessment-items/cap/process-response",
        {"identifier": "cap", "response": "Paris"},
        format="json",
    )
    assert text.json() == {"score": 1.0, "feedback": {"identifier": "correct", "value": "Correct"}}
    bad_target = client_a.post(url, {"identifier": "SCORE", "response": "B"}, format="json")
    assert bad_target.status_code == 400
    assert bad_target.json()["meta"]["issues"][0]["field"] == "identifier"
    bad_type = client_a.post(url, {"identifier": "add-1", "response": 3}, format="json")
    assert bad_type.status_code == 400
    assert bad_type.json()["meta"]["issues"][0]["field"] == "response"
    missing = client_a.post(
        "/assessment-items/none/process-response",
        {"identifier": "none", "response": "B"},
        format="json",
    )
    assert missing.status_code == 404


def test_compiled_scorer_is_cached_per_stored_version(
    client_a: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_item(client_a)
    compiles: list[int] = []
    original = selectors._compile

    def counting(resource: QtiResource) -> selectors.CompiledItem:
        compiles.append(resource.pk)
        return original(resource)

    monkeypatch.setattr(selectors, "_compile", counting)
    url = "/assessment-items/add-1/process-response"
    for answer in ("A", "B", "A"):
        client_a.post(url, {"identifier": "add-1", "response": answer}, format="json")
    assert len(compiles) == 1
    client_a.put(
        "/assessment-items/add-1", {"format": "xml", "xml": item_xml(correct="A")}, format="json"
    )
    now = client_a.post(url, {"identifier": "add-1", "response": "A"}, format="json")
    assert now.json()["score"] == 1.0  # the replaced document, compiled again
    assert len(compiles) == 2


# ---------------------------------------------------------------------------------------------
# Stimuli
# ---------------------------------------------------------------------------------------------


def test_stimuli_from_json_fields_and_from_xml(client_a: APIClient) -> None:
    made = client_a.post(
        "/stimuli",
        {
            "identifier": "eco",
            "title": "Ecosystems",
            "content": "<div><h2>Forests</h2><p>Trees &amp; more.</p></div>",
            "label": "Reading",
            "catalogInfo": [{"id": "c1", "support": "spoken", "content": "<p>Read aloud</p>"}],
            "metadata": {"subject": "Science"},
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["identifier"] == "eco" and data["label"] == "Reading"
    assert data["catalogInfo"] == [
        {"id": "c1", "support": "spoken", "content": "<p>Read aloud</p>"}
    ]
    body = data["content"]["qti-assessment-stimulus"]
    assert body["_attributes"]["xml:lang"] == "en"
    assert body["qti-stimulus-body"]["div"]["h2"]["_text"] == "Forests"
    xml = client_a.post("/stimuli", {"format": "xml", "xml": STIMULUS_XML}, format="json")
    assert xml.status_code == 201, xml.content
    listed = client_a.get("/stimuli", {"sort": "identifier", "order": "asc"}).json()
    assert [s["identifier"] for s in listed["items"]] == ["eco", "forest"]
    assert client_a.get("/stimuli", {"sort": "type"}).status_code == 400
    updated = client_a.put(
        "/stimuli/eco", {"title": "Ecosystems 2", "content": "<p>New</p>"}, format="json"
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["title"] == "Ecosystems 2"
    bad = client_a.post(
        "/stimuli", {"identifier": "b", "title": "B", "content": "<p>unclosed"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["meta"]["issues"][0]["field"] == "content"
    no_title = client_a.post("/stimuli", {"identifier": "b", "content": "<p/>"}, format="json")
    assert no_title.json()["meta"]["issues"][0]["field"] == "title"
    assert client_a.delete("/stimuli/eco").status_code == 204
    assert client_a.get("/stimuli/eco").status_code == 404


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def test_validate_names_the_checks(client_a: APIClient) -> None:
    ok = client_a.post("/validate", {"schema": "item", "xml": item_xml()}, format="json").json()
    assert ok["success"] == "true" and ok["validationErrors"] == []
    assert ok["entityId"] == "add-1"
    assert any("vocabulary" in c for c in ok["checks"])
    assert "XSD is not available" in ok["message"]
    bad = client_a.post(
        "/validate",
        {"schema": "item", "xml": item_xml().replace("qti-prompt", "qti-nope")},
        format="json",
    ).json()
    assert bad["success"] == "false"
    assert bad["validationErrors"] == ["qti-nope: qti-nope is not a QTI 3.0 element"]
    wrong_root = client_a.post(
        "/validate", {"schema": "test", "xml": item_xml()}, format="json"
    ).json()
    assert wrong_root["success"] == "false"
    assert "qti-assessment-test" in wrong_root["validationErrors"][0]
    stim = client_a.post("/validate", {"schema": "stimulus", "xml": STIMULUS_XML}, format="json")
    assert stim.json()["success"] == "true"
    create_item(client_a)
    stored = client_a.post("/validate", {"schema": "item", "entityId": "add-1"}, format="json")
    assert stored.json()["success"] == "true" and stored.json()["entityId"] == "add-1"
    absent = client_a.post("/validate", {"schema": "item", "entityId": "zzz"}, format="json")
    assert absent.status_code == 404
    assert absent.json()["error"] == "Entity not found" and absent.json()["success"] is False
    no_xml = client_a.post("/validate", {"schema": "item"}, format="json")
    assert no_xml.status_code == 400
    no_schema = client_a.post("/validate", {"xml": item_xml()}, format="json")
    assert no_schema.json()["meta"]["issues"][0]["field"] == "schema"


@pytest.fixture
def official_items() -> list[str]:
    folder = shared_path("fixtures", "qti", "items_v3")
    texts = []
    for path in sorted(folder.rglob("*.xml")):
        text = path.read_text(encoding="utf-8")
        if "qti-assessment-item" in text[:2000]:
            texts.append(text)
    return texts[:10]


def test_official_items_through_validate(client_a: APIClient, official_items: list[str]) -> None:
    assert official_items
    for text in official_items:
        data = client_a.post("/validate", {"schema": "item", "xml": text}, format="json").json()
        assert data["success"] == "true", (data["entityId"], data["validationErrors"])


# ---------------------------------------------------------------------------------------------
# Auth and tenancy
# ---------------------------------------------------------------------------------------------


def test_no_token_is_401(db: None) -> None:
    anonymous = APIClient()
    for method, url in (
        ("get", "/assessment-items"),
        ("post", "/assessment-items"),
        ("get", "/stimuli/x"),
        ("post", "/validate"),
    ):
        response = getattr(anonymous, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json()["meta"]["issues"][0]["field"] == "Authorization"


OPERATIONS: list[tuple[str, str, str]] = [
    # (method, path, scope it needs)
    ("get", "/assessment-items", READ),
    ("get", "/assessment-items/add-1", READ),
    ("post", "/assessment-items", WRITE),
    ("put", "/assessment-items/add-1", WRITE),
    ("delete", "/assessment-items/add-1", DELETE),
    ("post", "/assessment-items/add-1/process-response", READ),
    ("get", "/stimuli", READ),
    ("get", "/stimuli/forest", READ),
    ("post", "/stimuli", WRITE),
    ("put", "/stimuli/forest", WRITE),
    ("delete", "/stimuli/forest", DELETE),
    ("post", "/validate", READ),
]


def _request(client: APIClient, method: str, path: str) -> Any:
    bodies: dict[str, dict[str, Any]] = {
        "/assessment-items": {"format": "xml", "xml": item_xml("made")},
        "/assessment-items/add-1": {"format": "xml", "xml": item_xml()},
        "/assessment-items/add-1/process-response": {"identifier": "add-1", "response": "B"},
        "/stimuli": {"format": "xml", "xml": STIMULUS_XML.replace('"forest"', '"made"')},
        "/stimuli/forest": {"format": "xml", "xml": STIMULUS_XML},
        "/validate": {"schema": "item", "xml": item_xml()},
    }
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, bodies[path], format="json")


@pytest.mark.parametrize("scope", [READ, WRITE, DELETE])
def test_scope_matrix(
    scope: str,
    api_client_for: Callable[..., APIClient],
    client_a: APIClient,
    org_a: Org,
) -> None:
    limited = api_client_for(org_a, (scope,))
    for method, path, needed in OPERATIONS:
        create_item(client_a)
        client_a.post("/stimuli", {"format": "xml", "xml": STIMULUS_XML}, format="json")
        response = _request(limited, method, path)
        # createput also reads (it must see what it replaces); readonly never writes.
        allowed = scope == needed or (needed == READ and scope == WRITE)
        if allowed:
            assert response.status_code < 300, (scope, method, path, response.content)
        else:
            assert response.status_code == 403, (scope, method, path, response.status_code)
            assert response.json()["meta"]["issues"][0]["field"] == "scope"
        QtiResource.objects.all().delete()


def test_clients_of_two_orgs_never_see_each_others_content(
    client_a: APIClient, client_b: APIClient, org_b: Org
) -> None:
    create_item(client_a)
    client_a.post("/stimuli", {"format": "xml", "xml": STIMULUS_XML}, format="json")
    assert client_b.get("/assessment-items").json()["total"] == 0
    assert client_b.get("/stimuli").json()["total"] == 0
    for method, path, _ in OPERATIONS:
        if path in ("/assessment-items", "/stimuli", "/validate"):
            continue
        response = _request(client_b, method, path)
        assert response.status_code == 404, (method, path, response.status_code)
    entity = client_b.post("/validate", {"schema": "item", "entityId": "add-1"}, format="json")
    assert entity.status_code == 404
    # B's own item with the same identifier is B's; A's is untouched.
    assert create_item(client_b, xml=item_xml(title="B's")).status_code == 201
    assert client_b.get("/assessment-items/add-1").json()["title"] == "B's"
    assert client_a.get("/assessment-items/add-1").json()["title"] == "Two plus two"
    assert QtiResource.objects.get(identifier="add-1", org_scope=org_b).title == "B's"


# ---------------------------------------------------------------------------------------------
# Against the OpenAPI document
# ---------------------------------------------------------------------------------------------


def _openapi_schema(path: str, method: str, status: str) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(shared_path("fixtures", "timeback", "qti-api.yaml").read_text())
    operation = document["paths"][path][method]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    components = document["components"]
    return {**schema, "components": components}


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    # The document is OpenAPI 3.1 (JSON Schema 2020-12); refs point at #/components.
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


def test_responses_match_the_openapi_schemas(client_a: APIClient) -> None:
    created = create_item(client_a)
    _validate(created.json(), _openapi_schema("/assessment-items", "post", "201"))
    got = client_a.get("/assessment-items/add-1").json()
    _validate(got, _openapi_schema("/assessment-items/{identifier}", "get", "200"))
    listed = client_a.get("/assessment-items").json()
    _validate(listed, _openapi_schema("/assessment-items", "get", "200"))
    scored = client_a.post(
        "/assessment-items/add-1/process-response",
        {"identifier": "add-1", "response": "B"},
        format="json",
    ).json()
    _validate(
        scored, _openapi_schema("/assessment-items/{identifier}/process-response", "post", "200")
    )
    client_a.post("/stimuli", {"format": "xml", "xml": STIMULUS_XML}, format="json")
    stimulus = client_a.get("/stimuli/forest").json()
    _validate(stimulus, _openapi_schema("/stimuli/{identifier}", "get", "200"))
    valid = client_a.post("/validate", {"schema": "item", "xml": item_xml()}, format="json").json()
    _validate(valid, _openapi_schema("/validate", "post", "200"))
    missing = client_a.get("/assessment-items/nope").json()
    _validate(missing, _openapi_schema("/assessment-items/{identifier}", "get", "404"))
    conflict = create_item(client_a).json()
    _validate(conflict, _openapi_schema("/assessment-items", "post", "409"))
