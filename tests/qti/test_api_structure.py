"""The QTI API's test structure edits: test parts, sections and item references created,
replaced, removed and reordered. Each edit rewrites the stored test XML; a refused edit
leaves it as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from rest_framework.test import APIClient

from qti.models import QtiResource
from roster.models import Org
from tests.qti.conftest import DELETE, READ, WRITE
from tests.qti.test_api import _openapi_schema, _validate, create_item, item_xml, template_item_xml
from tests.qti.test_api_tests import assessment_test_xml, create_test

pytestmark = pytest.mark.django_db

TEST = "/assessment-tests/quiz-1"
PARTS = f"{TEST}/test-parts"
SECTIONS = f"{PARTS}/P1/sections"
S1_ITEMS = f"{SECTIONS}/S1/items"
NS = {"q": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"}

# OpenAPI paths of the structure endpoints.
O_PARTS = "/assessment-tests/{assessmentTestIdentifier}/test-parts"
O_SECTIONS = O_PARTS + "/{testPartIdentifier}/sections"
O_ITEMS = O_SECTIONS + "/{identifier}/items"


@pytest.fixture
def stored(client_a: APIClient) -> None:
    assert create_item(client_a).status_code == 201
    assert create_item(client_a, xml=template_item_xml("cap-1")).status_code == 201
    assert create_item(client_a, xml=item_xml("extra-1")).status_code == 201
    assert create_test(client_a).status_code == 201


def stored_test() -> QtiResource:
    return QtiResource.objects.get(kind="test", identifier="quiz-1")


def snapshot() -> tuple[str, Any, Any]:
    test = stored_test()
    return test.xml, test.parsed, test.updated_at


def xml_ids(xpath: str) -> list[str]:
    root = etree.fromstring(stored_test().xml.encode())
    return [str(e.get("identifier")) for e in root.xpath(xpath, namespaces=NS)]


def part_body(identifier: str = "P2", item: str = "extra-1", **extra: Any) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "navigationMode": "nonlinear",
        "submissionMode": "simultaneous",
        "qti-assessment-section": [
            {
                "identifier": f"{identifier}-S",
                "title": "New section",
                "visible": True,
                "sequence": 1,
                "qti-assessment-item-ref": [{"identifier": item, "href": f"{item}.xml"}],
            }
        ],
        **extra,
    }


def refused(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.content
    fields = [i["field"] for i in response.json()["meta"]["issues"]]
    assert field in fields, fields


# ---------------------------------------------------------------------------------------------
# Test parts
# ---------------------------------------------------------------------------------------------


def test_create_a_test_part_rewrites_the_xml(client_a: APIClient, stored: None) -> None:
    created = client_a.post(PARTS, part_body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    _validate(data, _openapi_schema(O_PARTS, "post", "201"))
    assert data["identifier"] == "P2" and data["navigationMode"] == "nonlinear"
    assert data["rawXml"].startswith("<qti-test-part")
    attributes = data["content"]["qti-test-part"]["_attributes"]
    assert attributes["submission-mode"] == "simultaneous"
    (section,) = data["qti-assessment-section"]
    assert section["qti-assessment-item-ref"] == [{"identifier": "extra-1", "href": "extra-1.xml"}]
    # The XML is the source of truth; the parsed summary follows it.
    assert xml_ids("//q:qti-test-part") == ["P1", "P2"]
    assert [p["identifier"] for p in client_a.get(TEST).json()["qti-test-part"]] == ["P1", "P2"]
    questions = client_a.get(f"{TEST}/questions").json()
    assert [q["reference"]["identifier"] for q in questions["questions"]][-1] == "extra-1"
    # At a sequence: before the first part.
    assert create_item(client_a, xml=item_xml("extra-2")).status_code == 201
    first = client_a.post(PARTS, {**part_body("P0", "extra-2"), "sequence": 1}, format="json")
    assert first.status_code == 201
    assert xml_ids("//q:qti-test-part") == ["P0", "P1", "P2"]


def test_a_refused_test_part_changes_nothing(
    client_a: APIClient, client_b: APIClient, stored: None
) -> None:
    before = snapshot()
    section = part_body()["qti-assessment-section"][0]

    def with_sections(*sections: dict[str, Any]) -> dict[str, Any]:
        return {**part_body(), "qti-assessment-section": list(sections)}

    cases: list[tuple[Any, int, str]] = [
        (part_body("P1"), 409, "identifier"),
        (with_sections({**section, "identifier": "S1"}),
         409, "qti-assessment-section[0].identifier"),
        (with_sections({**section, "qti-assessment-item-ref": [{"identifier": "nope"}]}),
         400, "qti-assessment-section[0].qti-assessment-item-ref[0].identifier"),
        (with_sections(), 400, "qti-assessment-section"),
        (part_body("P2", navigationMode="sideways"), 400, "navigationMode"),
        (part_body("a b"), 400, "identifier"),
        (with_sections({**section, "title": "bad\x01"}), 400, "qti-assessment-section[0].title"),
        (part_body("P2", sequence=9), 400, "sequence"),
        ([part_body()], 400, "body"),
    ]  # fmt: skip
    for body, status, field in cases:
        refused(client_a.post(PARTS, body, format="json"), status, field)
    xml_body = client_a.post(PARTS, "<qti-test-part/>", content_type="application/xml")
    assert xml_body.status_code == 400
    # Another org's item is not this test's to reference.
    assert create_item(client_b, xml=item_xml("b-only")).status_code == 201
    bad = with_sections({**section, "qti-assessment-item-ref": [{"identifier": "b-only"}]})
    refused(client_a.post(PARTS, bad, format="json"), 400,
            "qti-assessment-section[0].qti-assessment-item-ref[0].identifier")  # fmt: skip
    assert snapshot() == before


def test_update_a_test_part(client_a: APIClient, stored: None) -> None:
    body = {
        "identifier": "P1",
        "navigationMode": "nonlinear",
        "submissionMode": "individual",
        "qti-assessment-section": [
            {"identifier": "S2", "title": "Two first", "visible": True},
            {
                "identifier": "S1",
                "title": "Section one",
                "visible": True,
                # The reference to a missing item was already the test's: it may stay.
                "qti-assessment-item-ref": [
                    {"identifier": "cap-1", "href": "items/cap-1.xml"},
                    {"identifier": "add-1", "href": "items/add-1.xml"},
                ],
            },
        ],
    }
    updated = client_a.put(f"{PARTS}/P1", body, format="json")
    assert updated.status_code == 200, updated.content
    _validate(updated.json(), _openapi_schema(O_PARTS + "/{identifier}", "put", "200"))
    assert [s["identifier"] for s in updated.json()["qti-assessment-section"]] == ["S2", "S1"]
    assert xml_ids("//q:qti-test-part/q:qti-assessment-section") == ["S2", "S1"]
    # S2 kept its subsection (and its reference); S1 kept its ordering rule.
    assert xml_ids("//q:qti-assessment-section[@identifier='S2']//q:qti-assessment-item-ref") == [
        "missing-1"
    ]
    root = etree.fromstring(stored_test().xml.encode())
    assert root.xpath("//q:qti-assessment-section[@identifier='S1']/q:qti-ordering", namespaces=NS)
    assert xml_ids("//q:qti-assessment-section[@identifier='S1']/q:qti-assessment-item-ref") == [
        "cap-1",
        "add-1",
    ]
    assert client_a.get(f"{PARTS}/P1").json()["navigationMode"] == "nonlinear"

    before = snapshot()
    refused(client_a.put(f"{PARTS}/P1", {**body, "identifier": "P9"}, format="json"), 400,
            "identifier")  # fmt: skip
    refused(client_a.put(f"{PARTS}/P9", {**body, "identifier": "P9"}, format="json"), 404,
            "testPartIdentifier")  # fmt: skip
    # S2 keeps its subsection S2a: a new section of that name would repeat it.
    twice = {**body, "qti-assessment-section": [
        {"identifier": "S2", "title": "Two"}, {"identifier": "S2a", "title": "Again"}]}  # fmt: skip
    refused(client_a.put(f"{PARTS}/P1", twice, format="json"), 409, "identifier")
    new_ref = {"identifier": "S1", "title": "x", "qti-assessment-item-ref": [{"identifier": "zz"}]}
    refused(
        client_a.put(f"{PARTS}/P1", {**body, "qti-assessment-section": [new_ref]}, format="json"),
        400,
        "qti-assessment-section[0].qti-assessment-item-ref[0].identifier",
    )
    assert snapshot() == before


def test_delete_a_test_part(client_a: APIClient, stored: None) -> None:
    refused(client_a.delete(f"{PARTS}/P1"), 409, "identifier")
    assert client_a.post(PARTS, part_body(), format="json").status_code == 201
    assert client_a.delete(f"{PARTS}/P1").status_code == 204
    assert xml_ids("//q:qti-test-part") == ["P2"]
    refused(client_a.delete(f"{PARTS}/P1"), 404, "testPartIdentifier")
    # The items stay.
    assert client_a.get("/assessment-items/add-1").status_code == 200


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def test_sections_create_update_delete(client_a: APIClient, stored: None) -> None:
    body = {
        "identifier": "S3",
        "title": "Warm-up",
        "visible": True,
        "required": True,
        "sequence": 1,
        "qti-assessment-item-ref": [{"identifier": "extra-1"}],
    }
    created = client_a.post(SECTIONS, body, format="json")
    assert created.status_code == 201, created.content
    _validate(created.json(), _openapi_schema(O_SECTIONS, "post", "201"))
    assert created.json()["sequence"] == 1 and created.json()["required"] is True
    assert created.json()["qti-assessment-item-ref"] == [
        {"identifier": "extra-1", "href": "/assessment-items/extra-1"}
    ]
    assert xml_ids("//q:qti-test-part/q:qti-assessment-section") == ["S3", "S1", "S2"]

    update = {"identifier": "S3", "title": "Warm-up (renamed)", "visible": False, "sequence": 3}
    updated = client_a.put(f"{SECTIONS}/S3", update, format="json")
    assert updated.status_code == 200, updated.content
    _validate(updated.json(), _openapi_schema(O_SECTIONS + "/{identifier}", "put", "200"))
    data = updated.json()
    assert data["title"] == "Warm-up (renamed)" and data["visible"] is False
    assert data["sequence"] == 3
    # Without qti-assessment-item-ref the references stay.
    assert [r["identifier"] for r in data["qti-assessment-item-ref"]] == ["extra-1"]
    assert xml_ids("//q:qti-test-part/q:qti-assessment-section") == ["S1", "S2", "S3"]
    # A subsection is edited in place.
    inner = client_a.put(f"{SECTIONS}/S2a", {"title": "Inner 2", "visible": True}, format="json")
    assert inner.status_code == 200 and inner.json()["title"] == "Inner 2"

    deleted = client_a.delete(f"{SECTIONS}/S3")
    assert deleted.status_code == 200 and "S3" in deleted.json()["message"]
    _validate(deleted.json(), _openapi_schema(O_SECTIONS + "/{identifier}", "delete", "200"))
    assert xml_ids("//q:qti-test-part/q:qti-assessment-section") == ["S1", "S2"]
    assert client_a.delete(f"{SECTIONS}/S2").status_code == 200
    refused(client_a.delete(f"{SECTIONS}/S1"), 409, "identifier")
    refused(client_a.delete(f"{SECTIONS}/S9"), 404, "identifier")


def test_refused_sections_change_nothing(client_a: APIClient, stored: None) -> None:
    before = snapshot()
    base = {"identifier": "S3", "title": "T", "visible": True}
    refused(client_a.post(SECTIONS, {**base, "identifier": "add-1"}, format="json"), 409,
            "identifier")  # fmt: skip
    refused(client_a.post(SECTIONS, {**base, "qti-assessment-item-ref": [{"identifier": "S1"}]},
                          format="json"), 409, "qti-assessment-item-ref[0].identifier")  # fmt: skip
    refused(client_a.post(SECTIONS, {**base, "visible": "maybe"}, format="json"), 400, "visible")
    refused(client_a.post(SECTIONS, {"identifier": "S3"}, format="json"), 400, "title")
    refused(client_a.post(f"{PARTS}/P9/sections", base, format="json"), 404,
            "testPartIdentifier")  # fmt: skip
    refused(client_a.put(f"{SECTIONS}/S1", {**base, "identifier": "S1", "sequence": 7},
                         format="json"), 400, "sequence")  # fmt: skip
    refused(client_a.put(f"{SECTIONS}/S1", base, format="json"), 400, "identifier")
    refused(client_a.put(f"{SECTIONS}/S1", {**base, "identifier": "S1",
            "qti-assessment-item-ref": [{"identifier": "S2"}]}, format="json"), 409,
            "qti-assessment-item-ref[0].identifier")  # fmt: skip
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Item references
# ---------------------------------------------------------------------------------------------


def test_add_remove_and_reorder_items(client_a: APIClient, stored: None) -> None:
    added = client_a.post(S1_ITEMS, {"identifier": "extra-1", "sequence": 1}, format="json")
    assert added.status_code == 201, added.content
    _validate(added.json(), _openapi_schema(O_ITEMS, "post", "201"))
    refs = [r["identifier"] for r in added.json()["qti-assessment-item-ref"]]
    assert refs == ["extra-1", "add-1", "cap-1"]

    order = {"items": [{"identifier": "cap-1"}, {"identifier": "add-1"}, {"identifier": "extra-1"}]}
    ordered = client_a.put(f"{S1_ITEMS}/order", order, format="json")
    assert ordered.status_code == 200, ordered.content
    _validate(ordered.json(), _openapi_schema(O_ITEMS + "/order", "put", "200"))
    assert xml_ids("//q:qti-assessment-section[@identifier='S1']/q:qti-assessment-item-ref") == [
        "cap-1",
        "add-1",
        "extra-1",
    ]
    # The ordering rule stays first among the section's children.
    root = etree.fromstring(stored_test().xml.encode())
    (s1,) = root.xpath("//q:qti-assessment-section[@identifier='S1']", namespaces=NS)
    assert etree.QName(s1[0]).localname == "qti-ordering"
    by_sequence = {
        "items": [
            {"identifier": "cap-1", "sequence": 3},
            {"identifier": "add-1", "sequence": 1},
            {"identifier": "extra-1", "sequence": 2},
        ]
    }
    got = client_a.put(f"{S1_ITEMS}/order", by_sequence, format="json").json()
    assert [r["identifier"] for r in got["qti-assessment-item-ref"]] == [
        "add-1",
        "extra-1",
        "cap-1",
    ]

    assert client_a.delete(f"{S1_ITEMS}/extra-1").status_code == 204
    assert xml_ids("//q:qti-assessment-section[@identifier='S1']/q:qti-assessment-item-ref") == [
        "add-1",
        "cap-1",
    ]
    # A subsection's reference is removed through its parent section too.
    assert client_a.delete(f"{SECTIONS}/S2/items/missing-1").status_code == 204
    assert xml_ids("//q:qti-assessment-item-ref") == ["add-1", "cap-1"]


def test_refused_item_edits_change_nothing(
    client_a: APIClient, client_b: APIClient, stored: None
) -> None:
    assert create_item(client_b, xml=item_xml("b-only")).status_code == 201
    before = snapshot()
    refused(client_a.post(S1_ITEMS, {"identifier": "nope"}, format="json"), 400, "identifier")
    refused(client_a.post(S1_ITEMS, {"identifier": "b-only"}, format="json"), 400, "identifier")
    refused(client_a.post(S1_ITEMS, {"identifier": "add-1"}, format="json"), 409, "identifier")
    refused(client_a.post(S1_ITEMS, {"identifier": "x y"}, format="json"), 400, "identifier")
    refused(client_a.post(S1_ITEMS, {"identifier": "extra-1", "sequence": 0}, format="json"),
            400, "sequence")  # fmt: skip
    refused(client_a.post(S1_ITEMS, {"identifier": "extra-1", "sequence": 5}, format="json"),
            400, "sequence")  # fmt: skip
    refused(client_a.delete(f"{S1_ITEMS}/nope"), 404, "itemIdentifier")
    for items in (
        [{"identifier": "add-1"}],
        [{"identifier": "add-1"}, {"identifier": "cap-1"}, {"identifier": "extra-1"}],
        [{"identifier": "add-1"}, {"identifier": "add-1"}, {"identifier": "cap-1"}],
    ):
        refused(client_a.put(f"{S1_ITEMS}/order", {"items": items}, format="json"), 400, "items")
    refused(client_a.put(f"{S1_ITEMS}/order", {"items": []}, format="json"), 400, "items")
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Scopes and tenancy
# ---------------------------------------------------------------------------------------------

WRITES = [
    ("post", PARTS, part_body()),
    ("post", SECTIONS, {"identifier": "S3", "title": "T", "visible": True}),
    ("put", f"{SECTIONS}/S1", {"identifier": "S1", "title": "T", "visible": True}),
    ("post", f"{SECTIONS}/S3/items", {"identifier": "extra-2"}),
    ("put", f"{S1_ITEMS}/order", {"items": [{"identifier": "cap-1"}, {"identifier": "add-1"}]}),
    (
        "put",
        f"{PARTS}/P1",
        {
            "identifier": "P1",
            "navigationMode": "linear",
            "submissionMode": "individual",
            "qti-assessment-section": [
                {"identifier": "S1", "title": "One"},
                {"identifier": "S3", "title": "Three"},
            ],
        },
    ),
    ("put", f"{TEST}/metadata", {"metadata": {"subject": "Science"}}),
]
DELETES = [f"{SECTIONS}/S3", f"{S1_ITEMS}/add-1"]


def test_scope_matrix(api_client_for: Callable[..., APIClient], org_a: Org, stored: None) -> None:
    readonly = api_client_for(org_a, (READ,))
    writer = api_client_for(org_a, (WRITE,))
    deleter = api_client_for(org_a, (DELETE,))
    assert create_item(writer, xml=item_xml("extra-2")).status_code == 201
    before = snapshot()
    for method, path, body in WRITES:
        for client in (readonly, deleter):
            refused(getattr(client, method)(path, body, format="json"), 403, "scope")
    for path in DELETES:
        for client in (readonly, writer):
            refused(client.delete(path), 403, "scope")
    refused(writer.delete(f"{PARTS}/P1"), 403, "scope")
    assert snapshot() == before
    for method, path, body in WRITES:
        response = getattr(writer, method)(path, body, format="json")
        assert response.status_code in (200, 201), (path, response.content)
    for path in DELETES:
        assert deleter.delete(path).status_code in (200, 204), path


def test_another_orgs_client_cannot_edit(
    client_a: APIClient, client_b: APIClient, stored: None
) -> None:
    before = snapshot()
    for method, path, body in WRITES:
        refused(getattr(client_b, method)(path, body, format="json"), 404, "identifier")
    for path in [*DELETES, f"{PARTS}/P1"]:
        refused(client_b.delete(path), 404, "identifier")
    assert snapshot() == before
    # B's own test cannot reference A's items.
    assert create_test(client_b, assessment_test_xml()).status_code == 201
    refused(client_b.post(S1_ITEMS, {"identifier": "extra-1"}, format="json"), 400, "identifier")


def test_no_token_is_401(db: None) -> None:
    assert APIClient().post(PARTS, part_body(), format="json").status_code == 401
    assert APIClient().delete(f"{S1_ITEMS}/add-1").status_code == 401
