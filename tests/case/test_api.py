"""The CASE API's reads in both dialects: every endpoint, answers checked value by value and
against the contracts (``case-api.json`` for v1p1, the 1.0 binding for v1p0, the official
1.1 package schema), and the binding's errors."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from case.services.packages import framework_import
from roster.models import Org
from tests.case.fixtures import CHILD_A, CHILD_B, DOC, ROOT, package
from tests.case.schemas import (
    package_schema_errors,
    v1p0_conformant,
    v1p0_errors,
    v1p1_errors,
)

pytestmark = pytest.mark.django_db

V1 = "/ims/case/v1p1"
V0 = "/ims/case/v1p0"
CONCEPT = "c0a80101-0000-4000-8000-000000000903"
SUBJECT = "c0a80101-0000-4000-8000-000000000900"
LICENSE = "c0a80101-0000-4000-8000-000000000901"
ITEM_TYPE = "c0a80101-0000-4000-8000-000000000902"
GROUPING = "c0a80101-0000-4000-8000-000000000904"
RUBRIC = "c0a80101-0000-4000-8000-000000000200"
ASSOC_PRECEDES = "c0a80101-0000-4000-8000-000000000103"
UNKNOWN = "c0a80101-0000-4000-8000-000000009999"


def ok(client: APIClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def minor(body: dict[str, Any], key: str = "imsx_CodeMinor") -> str:
    return str(body[key]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"])


# ---- v1p1: Timeback's dialect ---------------------------------------------------------------


def test_v1p1_document_keeps_every_field_and_adds_sourced_id_and_package_link(
    reader: APIClient, framework: str
) -> None:
    body = ok(reader, f"{V1}/CFDocuments/{DOC}")
    document = body["CFDocument"]
    stored = package()["CFDocument"]
    assert document["sourcedId"] == DOC
    for key, value in stored.items():
        if key not in ("subjectURI", "licenseURI"):
            assert document[key] == value, key
    assert document["licenseURI"] == {**stored["licenseURI"], "sourcedId": LICENSE}
    assert document["subjectURI"][0]["sourcedId"] == SUBJECT
    assert document["CFPackageURI"] == {
        "sourcedId": DOC,
        "identifier": DOC,
        "title": "Example Mathematics",
        "uri": f"http://testserver{V1}/CFPackages/{DOC}",
    }
    assert v1p1_errors(f"{V1}/CFDocuments/{{sourcedId}}", "200", body) == []


def test_v1p1_document_fields_selects(reader: APIClient, framework: str) -> None:
    body = ok(reader, f"{V1}/CFDocuments/{DOC}?fields=sourcedId,title,nothing")
    assert body == {"CFDocument": {"sourcedId": DOC, "title": "Example Mathematics"}}


def test_v1p1_items_get_an_item_type_and_their_document(reader: APIClient, framework: str) -> None:
    body = ok(reader, f"{V1}/CFItems/{CHILD_B}")
    item = body["CFItem"]
    assert item["sourcedId"] == CHILD_B and item["identifier"] == CHILD_B
    assert item["vendorField"] == {"kept": True}  # beyond the binding, kept
    assert item["CFItemType"] == "Standard"
    assert item["CFDocumentURI"] == {
        "sourcedId": DOC,
        "identifier": DOC,
        "title": "Example Mathematics",
        "uri": package()["CFDocument"]["uri"],
    }
    assert v1p1_errors(f"{V1}/CFItems/{{sourcedId}}", "200", body) == []


def test_v1p1_item_type_falls_back_to_its_type_link_then_empty(
    reader: APIClient, org_a: Org
) -> None:
    data = package()
    del data["CFItems"][0]["CFItemType"]  # has CFItemTypeURI "Domain"
    del data["CFItems"][1]["CFItemType"]  # has none
    assert framework_import(package=data, source="api", org_id=org_a.pk).ok
    assert ok(reader, f"{V1}/CFItems/{ROOT}")["CFItem"]["CFItemType"] == "Domain"
    assert ok(reader, f"{V1}/CFItems/{CHILD_A}")["CFItem"]["CFItemType"] == ""
    assert "CFItemType" not in ok(reader, f"{V0}/CFItems/{CHILD_A}")


def test_v1p1_association_links_carry_sourced_ids(reader: APIClient, framework: str) -> None:
    body = ok(reader, f"{V1}/CFAssociations/{ASSOC_PRECEDES}")
    association = body["CFAssociation"]
    assert association["sourcedId"] == ASSOC_PRECEDES
    assert association["associationType"] == "precedes"
    assert association["notes"] == "Addition first."
    assert association["originNodeURI"]["sourcedId"] == CHILD_A
    assert association["destinationNodeURI"]["sourcedId"] == CHILD_B
    assert association["CFDocumentURI"]["sourcedId"] == DOC
    assert v1p1_errors(f"{V1}/CFAssociations/{{sourcedId}}", "200", body) == []


def test_v1p1_item_associations_are_every_one_the_item_takes_part_in(
    reader: APIClient, framework: str
) -> None:
    body = ok(reader, f"{V1}/CFItemAssociations/{CHILD_A}")
    assert body["CFItem"]["sourcedId"] == CHILD_A
    types = sorted(a["associationType"] for a in body["CFAssociations"])
    assert types == ["exactMatchOf", "isChildOf", "precedes"]
    assert all("sourcedId" in a for a in body["CFAssociations"])
    as_destination = ok(reader, f"{V1}/CFItemAssociations/{ROOT}")["CFAssociations"]
    assert len(as_destination) == 3  # child of the document, parent of two


def test_v1p1_package_is_wrapped_complete_and_matches_the_contract(
    reader: APIClient, framework: str
) -> None:
    body = ok(reader, f"{V1}/CFPackages/{DOC}")
    pkg = body["CFPackage"]
    assert list(pkg) == [
        "sourcedId",
        "CFDocument",
        "CFItems",
        "CFAssociations",
        "CFDefinitions",
        "CFRubrics",
    ]
    assert pkg["sourcedId"] == DOC
    assert [i["sourcedId"] for i in pkg["CFItems"]] == [ROOT, CHILD_A, CHILD_B]
    assert len(pkg["CFAssociations"]) == 5
    assert pkg["CFDefinitions"]["CFLicenses"][0]["sourcedId"] == LICENSE
    criterion = pkg["CFRubrics"][0]["CFRubricCriteria"][0]
    assert criterion["sourcedId"] == criterion["identifier"]
    assert criterion["CFRubricCriterionLevels"][0]["sourcedId"]
    # Lossless: without what v1p1 adds, each object is the imported one.
    stored = package()
    for got, sent in zip(pkg["CFItems"], stored["CFItems"], strict=True):
        assert {k: v for k, v in got.items() if k in sent and "URI" not in k} == {
            k: v for k, v in sent.items() if "URI" not in k
        }
    assert v1p1_errors(f"{V1}/CFPackages/{{sourcedId}}", "200", body) == []


def test_v1p1_groups_are_the_is_child_of_tree_grouped_by_item_type(
    reader: APIClient, framework: str
) -> None:
    body = ok(reader, f"{V1}/CFPackages/{DOC}/groups")
    grouped = body["CFPackageWithGroups"]
    assert grouped["sourcedId"] == DOC
    assert grouped["CFDocument"]["sourcedId"] == DOC
    top = grouped["structuredContent"]
    assert list(top) == ["Domain"]
    [domain] = top["Domain"]
    assert domain["sourcedId"] == ROOT
    # Ordered by sequenceNumber: CHILD_A (1) before CHILD_B (2), whatever the package order.
    children = domain["childGroups"]["Standard"]
    assert [c["sourcedId"] for c in children] == [CHILD_A, CHILD_B]
    assert children[0]["childGroups"] == {}
    assert v1p1_errors(f"{V1}/CFPackages/{{sourcedId}}/groups", "200", body) == []


def test_v1p1_groups_survive_a_cycle(reader: APIClient, org_a: Org) -> None:
    data = package()
    data["CFAssociations"].append(
        {
            **data["CFAssociations"][1],
            "identifier": "c0a80101-0000-4000-8000-000000000150",
            "originNodeURI": data["CFAssociations"][1]["destinationNodeURI"],
            "destinationNodeURI": data["CFAssociations"][1]["originNodeURI"],
        }
    )
    assert framework_import(package=data, source="api", org_id=org_a.pk).ok
    top = ok(reader, f"{V1}/CFPackages/{DOC}/groups")["CFPackageWithGroups"]["structuredContent"]
    [domain] = top["Domain"]
    child_b = domain["childGroups"]["Standard"][1]
    assert child_b["sourcedId"] == CHILD_B
    assert child_b["childGroups"] == {}  # ROOT, its ancestor, is not repeated below it


@pytest.mark.parametrize(
    ("path", "key", "identifier"),
    [
        ("CFLicenses", "CFLicense", LICENSE),
        ("CFAssociationGroupings", "CFAssociationGrouping", GROUPING),
        ("CFRubrics", "CFRubric", RUBRIC),
    ],
)
def test_v1p1_single_definitions_are_wrapped(
    reader: APIClient, framework: str, path: str, key: str, identifier: str
) -> None:
    body = ok(reader, f"{V1}/{path}/{identifier}")
    assert body[key]["sourcedId"] == identifier == body[key]["identifier"]


@pytest.mark.parametrize(
    ("path", "identifier"),
    [("CFItemTypes", ITEM_TYPE), ("CFConcepts", CONCEPT), ("CFSubjects", SUBJECT)],
)
def test_item_types_concepts_subjects_are_sets_in_both_dialects(
    reader: APIClient, framework: str, path: str, identifier: str
) -> None:
    v1 = ok(reader, f"{V1}/{path}/{identifier}")
    assert [d["sourcedId"] for d in v1[path]] == [identifier]
    v0 = ok(reader, f"{V0}/{path}/{identifier}")
    assert [d["identifier"] for d in v0[path]] == [identifier]
    assert "sourcedId" not in v0[path][0]


def test_a_definition_set_has_its_children_by_hierarchy_code(reader: APIClient, org_a: Org) -> None:
    data = package()
    child = {
        **data["CFDefinitions"]["CFConcepts"][0],
        "identifier": "c0a80101-0000-4000-8000-000000000913",
        "title": "unit fractions",
        "hierarchyCode": "1.1",
    }
    other = {**child, "identifier": "c0a80101-0000-4000-8000-000000000914", "hierarchyCode": "2"}
    data["CFDefinitions"]["CFConcepts"] += [other, child]
    assert framework_import(package=data, source="api", org_id=org_a.pk).ok
    body = ok(reader, f"{V0}/CFConcepts/{CONCEPT}")
    assert [c["hierarchyCode"] for c in body["CFConcepts"]] == ["1", "1.1"]
    assert v0_errors_free("CFConceptSet.Type", body)


# ---- v1p0: the official 1.0 binding ---------------------------------------------------------


def v0_errors_free(definition: str, body: Any) -> bool:
    errors = v1p0_errors(definition, body)
    assert errors == [], errors
    return True


def test_v1p0_objects_are_the_stored_json_unwrapped(reader: APIClient, framework: str) -> None:
    stored = package()
    document = ok(reader, f"{V0}/CFDocuments/{DOC}")
    assert {k: v for k, v in document.items() if k != "CFPackageURI"} == stored["CFDocument"]
    assert document["CFPackageURI"] == {
        "title": "Example Mathematics",
        "identifier": DOC,
        "uri": f"http://testserver{V0}/CFPackages/{DOC}",
    }
    item = ok(reader, f"{V0}/CFItems/{CHILD_B}")
    assert {k: v for k, v in item.items() if k != "CFDocumentURI"} == stored["CFItems"][2]
    assert ok(reader, f"{V0}/CFAssociations/{ASSOC_PRECEDES}") == stored["CFAssociations"][3]
    assert ok(reader, f"{V0}/CFLicenses/{LICENSE}") == stored["CFDefinitions"]["CFLicenses"][0]
    assert ok(reader, f"{V0}/CFRubrics/{RUBRIC}") == stored["CFRubrics"][0]
    grouping = stored["CFDefinitions"]["CFAssociationGroupings"][0]
    assert ok(reader, f"{V0}/CFAssociationGroupings/{GROUPING}") == grouping


def test_v1p0_package_is_the_import_exactly(reader: APIClient, framework: str) -> None:
    body = ok(reader, f"{V0}/CFPackages/{DOC}")
    assert body == package()
    # Against the official 1.1 package schema, only the fixture's two deliberate departures
    # from the binding are found (a field beyond it, a targetType outside its vocabulary).
    assert package_schema_errors(body) == [
        (("CFAssociations", 4, "destinationNodeURI", "targetType"), "oneOf"),
        (("CFItems", 2), "additionalProperties"),
    ]


def test_v1p0_answers_validate_against_the_binding_when_the_data_is_1_0(
    reader: APIClient, org_a: Org
) -> None:
    data = v1p0_conformant(package())
    assert framework_import(package=data, source="api", org_id=org_a.pk).ok
    checks = {
        f"CFDocuments/{DOC}": "CFDocument.Type",
        "CFDocuments": "CFDocumentSet.Type",
        f"CFItems/{CHILD_A}": "CFItem.Type",
        f"CFItemAssociations/{CHILD_A}": "CFAssociationSet.Type",
        f"CFAssociations/{ASSOC_PRECEDES}": "CFAssociation.Type",
        f"CFAssociationGroupings/{GROUPING}": "CFAssociationGrouping.Type",
        f"CFItemTypes/{ITEM_TYPE}": "CFItemTypeSet.Type",
        f"CFConcepts/{CONCEPT}": "CFConceptSet.Type",
        f"CFSubjects/{SUBJECT}": "CFSubjectSet.Type",
        f"CFLicenses/{LICENSE}": "CFLicense.Type",
        f"CFRubrics/{RUBRIC}": "CFRubric.Type",
        f"CFPackages/{DOC}": "CFPackage.Type",
    }
    for path, definition in checks.items():
        body = ok(reader, f"{V0}/{path}")
        assert v1p0_errors(definition, body) == [], path
    assert package_schema_errors(ok(reader, f"{V0}/CFPackages/{DOC}")) == []


def test_v1p0_has_no_item_list_groups_or_uploads(client_a: APIClient, framework: str) -> None:
    assert client_a.get(f"{V0}/CFItems").status_code == 404
    assert client_a.get(f"{V0}/CFPackages/{DOC}/groups").status_code == 404
    assert client_a.post(f"{V0}/CFPackages", package(), format="json").status_code == 404
    response = client_a.put(f"{V0}/CFPackages/{DOC}", package(), format="json")
    assert response.status_code == 405
    assert v1p0_errors("imsx_StatusInfo.Type", response.json()) == []


# ---- errors ---------------------------------------------------------------------------------

ENDPOINTS = [
    "CFDocuments/{}",
    "CFItems/{}",
    "CFItemAssociations/{}",
    "CFAssociations/{}",
    "CFAssociationGroupings/{}",
    "CFItemTypes/{}",
    "CFConcepts/{}",
    "CFSubjects/{}",
    "CFLicenses/{}",
    "CFRubrics/{}",
    "CFPackages/{}",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_and_invalid_identifiers_are_404_in_both_dialects(
    reader: APIClient, framework: str, endpoint: str
) -> None:
    for identifier, expected in ((UNKNOWN, "unknownobject"), ("not-a-uuid", "invaliduuid")):
        v1 = reader.get(f"{V1}/{endpoint.format(identifier)}")
        assert v1.status_code == 404
        assert minor(v1.json()) == expected
        assert identifier in v1.json()["imsx_description"]
        v0 = reader.get(f"{V0}/{endpoint.format(identifier)}")
        assert v0.status_code == 404
        assert minor(v0.json(), "imsx_codeMinor") == expected
        assert v1p0_errors("imsx_StatusInfo.Type", v0.json()) == []
    assert reader.get(f"{V1}/CFPackages/{UNKNOWN}/groups").status_code == 404


def test_v1p1_errors_match_the_contract(reader: APIClient, framework: str) -> None:
    response = reader.get(f"{V1}/CFItems/{UNKNOWN}")
    assert v1p1_errors(f"{V1}/CFItems/{{sourcedId}}", "404", response.json()) == []
    response = reader.get(f"{V1}/CFDocuments?sort=nope")
    assert v1p1_errors(f"{V1}/CFDocuments", "400", response.json()) == []
