"""CASE lists: paging with X-Total-Count and Link, sort/orderBy, the binding's filter
grammar, fields; refusals naming the parameter; query counts that do not grow with the
number or size of frameworks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from case.services.packages import framework_import
from roster.models import Org
from tests.case.fixtures import package
from tests.case.schemas import v1p0_errors, v1p1_errors

pytestmark = pytest.mark.django_db

V1 = "/ims/case/v1p1"
V0 = "/ims/case/v1p0"


def framework(n: int, *, title: str, items: int = 3, when: str | None = None) -> dict[str, Any]:
    """A framework with identifiers of its own (``n``), ``items`` items under the document."""
    prefix = f"d{n:07d}"
    data = json.loads(json.dumps(package()).replace("c0a80101", prefix))
    data["CFDocument"]["title"] = title
    if when:
        data["CFDocument"]["lastChangeDateTime"] = when
    extra = [
        {
            **data["CFItems"][1],
            "identifier": f"{prefix}-0000-4000-8000-1{i:011d}",
            "humanCodingScheme": f"EX.NO.X{i}",
        }
        for i in range(max(0, items - 3))
    ]
    data["CFItems"] += extra
    return data


@pytest.fixture
def three(org_a: Org) -> list[str]:
    titles = ["Biology", "Algebra", "Chemistry"]
    whens = ["2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "2023-03-01T00:00:00Z"]
    out = []
    for n, (title, when) in enumerate(zip(titles, whens, strict=True), start=1):
        report = framework_import(
            package=framework(n, title=title, when=when), source="api", org_id=org_a.pk
        )
        assert report.ok, report.problems
        out.append(report.document)
    return out


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [d["title"] for d in response.json()["CFDocuments"]]


def test_documents_list_pages_with_headers(reader: APIClient, three: list[str]) -> None:
    first = reader.get(f"{V1}/CFDocuments?limit=2")
    assert titles(first) == ["Algebra", "Biology"]
    assert first["X-Total-Count"] == "3"
    link = first["Link"]
    assert 'offset=2>; rel="next"' in link and 'rel="prev"' not in link
    assert 'offset=0>; rel="first"' in link and 'offset=2>; rel="last"' in link
    second = reader.get(f"{V1}/CFDocuments?limit=2&offset=2")
    assert titles(second) == ["Chemistry"]
    assert 'rel="next"' not in second["Link"] and 'offset=0>; rel="prev"' in second["Link"]
    assert v1p1_errors(f"{V1}/CFDocuments", "200", first.json()) == []
    v0 = reader.get(f"{V0}/CFDocuments?limit=1")
    assert v0["X-Total-Count"] == "3" and len(v0.json()["CFDocuments"]) == 1
    assert "sourcedId" not in v0.json()["CFDocuments"][0]


def test_documents_sort_and_order(reader: APIClient, three: list[str]) -> None:
    by_date = reader.get(f"{V1}/CFDocuments?sort=lastChangeDateTime&orderBy=desc")
    assert titles(by_date) == ["Algebra", "Biology", "Chemistry"]
    by_title = reader.get(f"{V0}/CFDocuments?sort=title&orderBy=asc")
    assert titles(by_title) == ["Algebra", "Biology", "Chemistry"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("title='BIOLOGY'", ["Biology"]),
        ("title!='biology'", ["Algebra", "Chemistry"]),
        ("title~'em'", ["Chemistry"]),
        ("lastChangeDateTime>'2024-01-01T00:00:00Z'", ["Algebra"]),
        ("lastChangeDateTime>='2024-01-01'", ["Algebra", "Biology"]),
        ("lastChangeDateTime<'2024-01-01T00:00:00Z'", ["Chemistry"]),
        ("title='Biology' OR title='Chemistry'", ["Biology", "Chemistry"]),
        ("title~'y' AND version='1.0'", ["Biology", "Chemistry"]),
        ("sourcedId='d0000003-0000-4000-8000-000000000001'", ["Chemistry"]),
        ("title='No such'", []),
    ],
)
def test_documents_filter(
    reader: APIClient, three: list[str], expression: str, expected: list[str]
) -> None:
    response = reader.get(f"{V1}/CFDocuments", {"filter": expression})
    assert sorted(titles(response)) == expected
    assert response["X-Total-Count"] == str(len(expected))


def test_documents_fields(reader: APIClient, three: list[str]) -> None:
    body = reader.get(f"{V1}/CFDocuments?fields=sourcedId,title&limit=1").json()
    assert body == {"CFDocuments": [{"sourcedId": three[1], "title": "Algebra"}]}


def test_items_list_is_v1p1_with_filters_on_the_document(
    reader: APIClient, three: list[str]
) -> None:
    response = reader.get(f"{V1}/CFItems")
    assert response["X-Total-Count"] == "9"
    assert v1p1_errors(f"{V1}/CFItems", "200", response.json()) == []
    one = reader.get(
        f"{V1}/CFItems",
        {"filter": f"CFDocumentURI.sourcedId='{three[0]}' AND CFItemType='standard'"},
    )
    items = one.json()["CFItems"]
    assert [i["humanCodingScheme"] for i in items] == ["EX.NO.1", "EX.NO.2"]
    assert all(i["CFDocumentURI"]["sourcedId"] == three[0] for i in items)
    coded = reader.get(f"{V1}/CFItems?sort=humanCodingScheme&orderBy=desc&limit=1")
    assert coded.json()["CFItems"][0]["humanCodingScheme"] == "EX.NO.2"
    fields = reader.get(f"{V1}/CFItems?fields=sourcedId&limit=2").json()["CFItems"]
    assert all(list(i) == ["sourcedId"] for i in fields)


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("sort=fullStatement", "fullStatement", "invalid_sort_field"),
        ("filter=secret='x'", "secret", "invalid_selection_field"),
        ("filter=title", "filter", "invalid_selection_field"),
        ("filter=title='a' AND title='b' OR title='c'", "filter", "invalid_selection_field"),
        ("filter=lastChangeDateTime>'yesterday'", "lastChangeDateTime", "invalid_selection_field"),
        ("filter=lastChangeDateTime~'2024'", "lastChangeDateTime", "invalid_selection_field"),
        ("fields=title,(x)", "fields", "invalid_selection_field"),
        ("limit=0", "limit", "invalid_selection_field"),
        ("limit=1001", "limit", "invalid_selection_field"),
        ("limit=ten", "limit", "invalid_selection_field"),
        ("offset=-1", "offset", "invalid_selection_field"),
        ("orderBy=up", "orderBy", "invalid_selection_field"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(
    reader: APIClient, three: list[str], query: str, field: str, code: str
) -> None:
    response = reader.get(f"{V1}/CFDocuments?{query}")
    assert response.status_code == 400
    minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
    assert (minor["imsx_codeMinorFieldName"], minor["imsx_codeMinorFieldValue"]) == (field, code)
    assert field in response.json()["imsx_description"] or field == "filter"
    v0 = reader.get(f"{V0}/CFDocuments?{query}")
    assert v0.status_code == 400
    assert v1p0_errors("imsx_StatusInfo.Type", v0.json()) == []


def test_the_limit_defaults_to_100_and_stops_at_1000(reader: APIClient, org_a: Org) -> None:
    assert framework_import(package=framework(1, title="Big", items=120), source="api").ok
    response = reader.get(f"{V1}/CFItems")
    assert len(response.json()["CFItems"]) == 100 and response["X-Total-Count"] == "120"
    assert len(reader.get(f"{V1}/CFItems?limit=1000").json()["CFItems"]) == 120


# ---- query counts ----------------------------------------------------------------------------


def count_queries(client: APIClient, url: str) -> int:
    client.get(url)  # the token's validation is cached by the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def test_query_counts_do_not_grow_with_frameworks(reader: APIClient, org_a: Org) -> None:
    assert framework_import(package=framework(1, title="Small"), source="api").ok
    small = {
        "documents": count_queries(reader, f"{V1}/CFDocuments"),
        "items": count_queries(reader, f"{V1}/CFItems"),
        "package": count_queries(reader, f"{V1}/CFPackages/d0000001-0000-4000-8000-000000000001"),
        "groups": count_queries(
            reader, f"{V1}/CFPackages/d0000001-0000-4000-8000-000000000001/groups"
        ),
        "package v1p0": count_queries(
            reader, f"{V0}/CFPackages/d0000001-0000-4000-8000-000000000001"
        ),
    }
    # A list: its count and its page. A package: the document, then its definitions, items,
    # associations and rubrics. The groups: the document, its items, its isChildOf links.
    assert small == {"documents": 2, "items": 2, "package": 5, "groups": 3, "package v1p0": 5}
    for n in range(2, 5):
        assert framework_import(package=framework(n, title=f"F{n}", items=40), source="api").ok
    large = {
        "documents": count_queries(reader, f"{V1}/CFDocuments"),
        "items": count_queries(reader, f"{V1}/CFItems"),
        "package": count_queries(reader, f"{V1}/CFPackages/d0000004-0000-4000-8000-000000000001"),
        "groups": count_queries(
            reader, f"{V1}/CFPackages/d0000004-0000-4000-8000-000000000001/groups"
        ),
        "package v1p0": count_queries(
            reader, f"{V0}/CFPackages/d0000004-0000-4000-8000-000000000001"
        ),
    }
    assert large == small
