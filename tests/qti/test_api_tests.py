"""The QTI API for assessment tests: the test documents, their questions, and the test parts,
sections and item references read from the stored structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from qti.models import QtiResource
from qti.services.packages import package_import
from roster.models import Org
from tests.conftest import shared_path
from tests.qti.conftest import DELETE, READ, WRITE
from tests.qti.test_api import (
    NS,
    _openapi_schema,
    _validate,
    create_item,
    item_xml,
    template_item_xml,
)

pytestmark = pytest.mark.django_db


def assessment_test_xml(identifier: str = "quiz-1", title: str = "Quiz") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-test {NS} identifier="{identifier}" title="{title}"
    tool-name="timeback" tool-version="1">
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
      normal-maximum="2">
    <qti-default-value><qti-value>0</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-test-part identifier="P1" navigation-mode="linear" submission-mode="individual">
    <qti-assessment-section identifier="S1" title="Section one" visible="true">
      <qti-ordering shuffle="true"/>
      <qti-assessment-item-ref identifier="add-1" href="items/add-1.xml"/>
      <qti-assessment-item-ref identifier="cap-1" href="items/cap-1.xml"/>
    </qti-assessment-section>
    <qti-assessment-section identifier="S2" title="Section two" visible="false">
      <qti-assessment-section identifier="S2a" title="Inner" visible="true">
        <qti-assessment-item-ref identifier="missing-1" href="items/missing-1.xml"/>
      </qti-assessment-section>
    </qti-assessment-section>
  </qti-test-part>
</qti-assessment-test>"""


def create_test(client: APIClient, xml: str | None = None) -> Any:
    body = {"format": "xml", "xml": xml or assessment_test_xml(), "metadata": {"subject": "Math"}}
    return client.post("/assessment-tests", body, format="json")


@pytest.fixture
def stored(client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    assert create_item(client_a, xml=template_item_xml("cap-1")).status_code == 201
    assert create_test(client_a).status_code == 201


# ---------------------------------------------------------------------------------------------
# The test document
# ---------------------------------------------------------------------------------------------


def test_create_get_list_put_delete(client_a: APIClient, org_a: Org) -> None:
    created = create_test(client_a)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["identifier"] == "quiz-1" and data["title"] == "Quiz"
    assert data["metadata"] == {"subject": "Math"}
    (part,) = data["qti-test-part"]
    assert part["navigationMode"] == "linear" and part["submissionMode"] == "individual"
    s1, s2 = part["qti-assessment-section"]
    assert [r["identifier"] for r in s1["qti-assessment-item-ref"]] == ["add-1", "cap-1"]
    assert s1["ordering"] == {"shuffle": True} and s1["sequence"] == 1
    # Sections do not nest in Timeback's shape: S2 carries its subsection's references.
    assert not s2["visible"] and s2["sequence"] == 2
    assert [r["identifier"] for r in s2["qti-assessment-item-ref"]] == ["missing-1"]
    (outcome,) = data["qti-outcome-declaration"]
    assert outcome == {
        "identifier": "SCORE",
        "cardinality": "single",
        "baseType": "float",
        "normalMaximum": 2,
        "defaultValue": {"value": "0"},
    }
    assert data["rawXml"].startswith("<qti-assessment-test") and data["isValidXml"] is True
    assert list(data["content"]) == ["qti-assessment-test"]
    assert QtiResource.objects.get(kind="test").org_scope == org_a

    assert client_a.get("/assessment-tests/quiz-1").json()["qti-test-part"] == [part]
    xml_body = client_a.post(
        "/assessment-tests", assessment_test_xml("quiz-2", "Second"), content_type="application/xml"
    )
    assert xml_body.status_code == 201
    listed = client_a.get("/assessment-tests", {"sort": "title", "order": "asc"}).json()
    assert listed["total"] == 2 and [t["title"] for t in listed["items"]] == ["Quiz", "Second"]
    assert client_a.get("/assessment-tests", {"query": "second"}).json()["total"] == 1
    assert create_test(client_a).status_code == 409

    replaced = client_a.put(
        "/assessment-tests/quiz-1", {"rawXml": assessment_test_xml(title="Renamed")}, format="json"
    )
    assert replaced.status_code == 200 and replaced.json()["title"] == "Renamed"
    bad = client_a.put("/assessment-tests/quiz-1", {"xml": item_xml()}, format="json")
    assert bad.status_code == 400 and bad.json()["meta"]["issues"][0]["field"] == "xml"
    assert client_a.delete("/assessment-tests/quiz-1").status_code == 204
    assert client_a.get("/assessment-tests/quiz-1").status_code == 404


def test_questions_resolve_to_the_orgs_items(client_a: APIClient, stored: None) -> None:
    data = client_a.get("/assessment-tests/quiz-1/questions").json()
    assert data["assessmentTest"] == "quiz-1" and data["totalQuestions"] == 2
    refs = [(q["reference"]["identifier"], q["reference"]["section"]) for q in data["questions"]]
    assert refs == [("add-1", "S1"), ("cap-1", "S1")]
    assert data["questions"][0]["question"]["type"] == "choice"
    assert data["questions"][1]["question"]["type"] == "text-entry"
    assert data["unresolved"] == [
        {
            "identifier": "missing-1",
            "href": "items/missing-1.xml",
            "testPart": "P1",
            "section": "S2a",
        }
    ]


def test_parts_sections_and_items(client_a: APIClient, stored: None) -> None:
    base = "/assessment-tests/quiz-1/test-parts"
    parts = client_a.get(base).json()
    assert parts["total"] == 1 and parts["items"][0]["identifier"] == "P1"
    assert client_a.get(base, {"navigationMode": "nonlinear"}).json()["total"] == 0
    assert client_a.get(f"{base}/P1").json()["navigationMode"] == "linear"

    sections = client_a.get(f"{base}/P1/sections", {"sort": "title", "order": "asc"}).json()
    assert [s["identifier"] for s in sections["items"]] == ["S1", "S2"]
    assert client_a.get(f"{base}/P1/sections", {"query": "two"}).json()["total"] == 1
    paged = client_a.get(f"{base}/P1/sections", {"limit": 1, "page": 2}).json()
    assert paged["pages"] == 2 and len(paged["items"]) == 1

    s1 = client_a.get(f"{base}/P1/sections/S1").json()
    assert s1["title"] == "Section one" and len(s1["qti-assessment-item-ref"]) == 2
    inner = client_a.get(f"{base}/P1/sections/S2a").json()
    assert inner["sequence"] == 1 and inner["title"] == "Inner"
    items = client_a.get(f"{base}/P1/sections/S1/items", {"order": "asc"}).json()
    assert [r["identifier"] for r in items["items"]] == ["add-1", "cap-1"]
    assert items["total"] == 2


def test_not_found(client_a: APIClient, stored: None) -> None:
    for path in (
        "/assessment-tests/nope",
        "/assessment-tests/nope/questions",
        "/assessment-tests/nope/test-parts",
        "/assessment-tests/quiz-1/test-parts/P9",
        "/assessment-tests/quiz-1/test-parts/P9/sections",
        "/assessment-tests/quiz-1/test-parts/P1/sections/S9",
        "/assessment-tests/quiz-1/test-parts/P1/sections/S9/items",
    ):
        response = client_a.get(path)
        assert response.status_code == 404, path
        assert response.json()["meta"]["issues"][0]["field"] == "identifier"
    assert client_a.delete("/assessment-tests/nope").status_code == 404


# ---------------------------------------------------------------------------------------------
# Scopes and tenancy
# ---------------------------------------------------------------------------------------------

READS = [
    "/assessment-tests",
    "/assessment-tests/quiz-1",
    "/assessment-tests/quiz-1/questions",
    "/assessment-tests/quiz-1/test-parts",
    "/assessment-tests/quiz-1/test-parts/P1",
    "/assessment-tests/quiz-1/test-parts/P1/sections",
    "/assessment-tests/quiz-1/test-parts/P1/sections/S1",
    "/assessment-tests/quiz-1/test-parts/P1/sections/S1/items",
]


def test_readonly_reads_and_never_writes(
    api_client_for: Callable[..., APIClient], org_a: Org, stored: None
) -> None:
    readonly = api_client_for(org_a, (READ,))
    for path in READS:
        assert readonly.get(path).status_code == 200, path
    for response in (
        create_test(readonly, assessment_test_xml("quiz-3")),
        readonly.put("/assessment-tests/quiz-1", {"xml": assessment_test_xml()}, format="json"),
        readonly.delete("/assessment-tests/quiz-1"),
    ):
        assert response.status_code == 403
        assert response.json()["meta"]["issues"][0]["field"] == "scope"
    writer = api_client_for(org_a, (WRITE,))
    assert writer.delete("/assessment-tests/quiz-1").status_code == 403
    deleter = api_client_for(org_a, (DELETE,))
    assert deleter.get("/assessment-tests/quiz-1").status_code == 403
    assert deleter.delete("/assessment-tests/quiz-1").status_code == 204


def test_another_orgs_client_sees_nothing(
    client_a: APIClient, client_b: APIClient, stored: None
) -> None:
    assert client_b.get("/assessment-tests").json()["total"] == 0
    for path in READS[1:]:
        assert client_b.get(path).status_code == 404, path
    assert client_b.delete("/assessment-tests/quiz-1").status_code == 404
    # B's own test of the same name resolves only B's items (it has none).
    assert create_test(client_b).status_code == 201
    questions = client_b.get("/assessment-tests/quiz-1/questions").json()
    assert questions["totalQuestions"] == 0 and len(questions["unresolved"]) == 3
    assert client_a.get("/assessment-tests/quiz-1/questions").json()["totalQuestions"] == 2


def test_no_token_is_401(db: None) -> None:
    response = APIClient().get("/assessment-tests/quiz-1/test-parts")
    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------
# Against the OpenAPI document, and the official BBQs package
# ---------------------------------------------------------------------------------------------


def test_responses_match_the_openapi_schemas(client_a: APIClient, stored: None) -> None:
    test = "/assessment-tests/{identifier}"
    parts = "/assessment-tests/{assessmentTestIdentifier}/test-parts"
    sections = parts + "/{testPartIdentifier}/sections"
    checks = [
        ("/assessment-tests", "/assessment-tests"),
        ("/assessment-tests/quiz-1", test),
        ("/assessment-tests/quiz-1/questions", test + "/questions"),
        ("/assessment-tests/quiz-1/test-parts", parts),
        ("/assessment-tests/quiz-1/test-parts/P1", parts + "/{identifier}"),
        ("/assessment-tests/quiz-1/test-parts/P1/sections", sections),
        ("/assessment-tests/quiz-1/test-parts/P1/sections/S1", sections + "/{identifier}"),
    ]
    for url, path in checks:
        _validate(client_a.get(url).json(), _openapi_schema(path, "get", "200"))
    _validate(
        create_test(client_a, assessment_test_xml("quiz-9")).json(),
        _openapi_schema("/assessment-tests", "post", "201"),
    )
    _validate(client_a.get("/assessment-tests/nope").json(), _openapi_schema(test, "get", "404"))


def test_the_official_bbqs_test(client_a: APIClient, org_a: Org) -> None:
    folder = shared_path("fixtures", "qti", "packages", "BBQsTest")
    data = next(folder.glob("*.zip")).read_bytes()
    report = package_import(data=data, file_name="BBQsTest.zip", org=org_a)
    assert report.ok, report.problems
    got = client_a.get("/assessment-tests/SPECTATUS-GENERATED-TEST")
    assert got.status_code == 200
    test = got.json()
    _validate(test, _openapi_schema("/assessment-tests/{identifier}", "get", "200"))
    (part,) = test["qti-test-part"]
    assert part["navigationMode"] == "nonlinear"
    refs = [r for s in part["qti-assessment-section"] for r in s["qti-assessment-item-ref"]]
    questions = client_a.get("/assessment-tests/SPECTATUS-GENERATED-TEST/questions").json()
    # Every reference resolves, through the package path, to the item stored from it.
    assert questions["unresolved"] == []
    assert questions["totalQuestions"] == len(refs) > 0
    stored = QtiResource.objects.filter(kind="item", org_scope=org_a)
    titles = {r.identifier: r.title for r in stored}
    for question in questions["questions"]:
        assert question["question"]["title"] == titles[question["question"]["identifier"]]
    first = questions["questions"][0]
    assert first["reference"]["identifier"] == "id-5c1b1e2d56bd"
    assert first["question"]["identifier"] == "either-or-choice-root2"


def test_query_counts_do_not_grow_with_the_test(
    client_a: APIClient, stored: None, django_assert_num_queries: Any
) -> None:
    # Token and grant are cached after the first call; the test is one query, its items one.
    client_a.get("/assessment-tests/quiz-1")
    with django_assert_num_queries(2):
        client_a.get("/assessment-tests/quiz-1/questions")
    with django_assert_num_queries(1):
        client_a.get("/assessment-tests/quiz-1/test-parts/P1/sections/S1/items")
    with django_assert_num_queries(2):
        client_a.get("/assessment-tests")
