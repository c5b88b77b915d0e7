"""The test structure services on PostgreSQL: simultaneous edits of one test each lock its row
and rewrite the XML in turn, so no edit is lost (SQLite serialises writers by itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from qti.models import QtiResource
from qti.services.resources import qti_resource_create
from qti.services.structure import item_ref_add, section_create
from roster.models import Org
from tests.qti.concurrency import together
from tests.qti.test_api import item_xml
from tests.qti.test_api_tests import assessment_test_xml

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def test() -> QtiResource:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    org = Org.objects.create(sourced_id="st-school", name="School", type="school")
    for n in range(4):
        qti_resource_create(org_id=org.pk, kind="item", xml=item_xml(f"new-{n}"))
    return qti_resource_create(org_id=org.pk, kind="test", xml=assessment_test_xml())


def test_simultaneous_edits_are_all_kept(test: QtiResource) -> None:
    def adder(n: int) -> Callable[[], Any]:
        return lambda: item_ref_add(
            test=test, part="P1", section="S1", ref={"identifier": f"new-{n}"}
        )

    works = [adder(n) for n in range(4)]
    works.append(
        lambda: section_create(test=test, part="P1", data={"identifier": "S9", "title": "Late"})
    )
    got = together(works)
    assert all(isinstance(x, QtiResource) for x in got), got
    stored = QtiResource.objects.get(pk=test.pk)
    for n in range(4):
        assert f'identifier="new-{n}"' in stored.xml
    assert 'identifier="S9"' in stored.xml
    refs = {
        r["identifier"]
        for part in stored.parsed["structure"]
        for s in part["children"]
        for r in s.get("children") or []
    }
    assert {f"new-{n}" for n in range(4)} <= refs
