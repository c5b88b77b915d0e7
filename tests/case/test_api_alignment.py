"""Alignment over the API: what teaches a standard, what an object covers, and evidence,
within the client's organisations and scopes (the matrix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from case.services.alignment import evidence_refresh
from tests.case.alignment_world import result_add
from tests.case.conftest import READ, WRITE
from tests.case.fixtures import CHILD_A, CHILD_B

pytestmark = pytest.mark.django_db
BASE = "/ims/case/v1p1"
EVENTS = "https://purl.imsglobal.org/spec/caliper/v1p1/scope/events.readonly"


@pytest.fixture
def clients(aligned: dict[str, Any], api_client_for: Callable[..., APIClient]) -> dict[str, Any]:
    result_add(aligned, aligned["a"].students[0], 10, 1)
    evidence_refresh()
    a, b = aligned["a"].district, aligned["b"].district
    return {
        "a": api_client_for(a, (READ,)),
        "a-analytics": api_client_for(a, (READ, EVENTS)),
        "a-write": api_client_for(a, (WRITE,)),
        "b": api_client_for(b, (READ, EVENTS)),
    }


def test_what_teaches_a_standard(clients: dict[str, Any]) -> None:
    got = clients["a"].get(f"{BASE}/CFItems/{CHILD_A}/alignments")
    assert got.status_code == 200
    body = got.json()
    assert body["CFItem"]["sourcedId"] == CHILD_A
    assert [(x["type"], x["sourcedId"]) for x in body["alignments"]] == [
        ("assessmentLineItem", "al-quiz"),
        ("componentResource", "al-lesson"),
        ("courseComponent", "al-unit"),
        ("resource", "al-video"),
    ]
    only = clients["a"].get(f"{BASE}/CFItems/{CHILD_A}/alignments?type=resource").json()
    assert [x["sourcedId"] for x in only["alignments"]] == ["al-video"]
    theirs = clients["b"].get(f"{BASE}/CFItems/{CHILD_A}/alignments").json()
    assert [x["sourcedId"] for x in theirs["alignments"]] == ["bl-video"]


def test_what_an_object_covers(clients: dict[str, Any]) -> None:
    got = clients["a"].get(f"{BASE}/alignments", {"type": "qtiItem", "sourcedId": "al-q1"})
    assert got.status_code == 200
    (objective,) = got.json()["learningObjectives"]
    assert objective["identifier"] == CHILD_B
    assert objective["CFItem"]["humanCodingScheme"] == "EX.NO.2"
    # Another organisation's object is not found; bad parameters name themselves.
    other = clients["b"].get(f"{BASE}/alignments", {"type": "qtiItem", "sourcedId": "al-q1"})
    assert other.status_code == 404
    for params, field in (
        ({"type": "video", "sourcedId": "x"}, "type"),
        ({"type": "resource"}, "sourcedId"),
    ):
        bad = clients["a"].get(f"{BASE}/alignments", params)
        assert bad.status_code == 400 and field in str(bad.json())


def test_evidence_takes_the_analytics_scope_and_stays_in_its_orgs(clients: dict[str, Any]) -> None:
    url = f"{BASE}/students/al-stu-0/evidence"
    assert clients["a"].get(url).status_code == 403  # case.readonly alone
    got = clients["a-analytics"].get(url)
    assert got.status_code == 200
    rows = {r["identifier"]: r for r in got.json()["evidence"]}
    assert rows[CHILD_A]["accuracy"] == 1.0 and rows[CHILD_A]["mastered"] is True
    assert clients["b"].get(url).status_code == 404
    per_item = clients["a-analytics"].get(f"{BASE}/CFItems/{CHILD_A}/evidence").json()
    assert [r["student"] for r in per_item["evidence"]] == ["al-stu-0"]
    assert clients["b"].get(f"{BASE}/CFItems/{CHILD_A}/evidence").json()["evidence"] == []


@pytest.mark.parametrize(
    "path",
    [f"/CFItems/{CHILD_A}/alignments", "/alignments?type=resource&sourcedId=al-video"],
)
def test_no_token_or_no_read_scope(clients: dict[str, Any], path: str) -> None:
    assert APIClient().get(BASE + path).status_code == 401
    assert clients["a-write"].get(BASE + path).status_code == 403


def test_unknown_standard(clients: dict[str, Any]) -> None:
    assert clients["a"].get(f"{BASE}/CFItems/nope/alignments").status_code == 404
