"""The demo framework: stored once whatever the runs, conformant to the official package
schema, and the demo test's items aligned to it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from case.models import CaseDocument
from case.selectors.alignment import content_for_standard
from case.services.alignment import alignments_refresh
from case.services.demo import DEMO_FRAMEWORK_ID, case_demo_seed, demo_standard_id
from case.services.packages import framework_package
from qti.services.demo import DEMO_ITEM_STANDARDS, qti_demo_seed
from roster.models import Org
from tests.conftest import SHARED

pytestmark = pytest.mark.django_db
SCHEMA = SHARED / "fixtures" / "case" / "json_schema" / "case-v1p1-cfpackage.official.json"


def test_the_demo_framework_and_its_alignment() -> None:
    first = case_demo_seed()
    assert first.ok and first.created and first.counts["items"]["created"] == 11
    again = case_demo_seed()
    assert not again.created and again.counts["items"]["unchanged"] == 11
    package = framework_package(document=CaseDocument.objects.get(identifier=DEMO_FRAMEWORK_ID))
    if SCHEMA.exists():
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft201909Validator(schema).validate(package)
    district = Org.objects.create(sourced_id="dm-d", name="Demo", type="district")
    objectives = {
        item: [demo_standard_id(code) for code in codes]
        for item, codes in DEMO_ITEM_STANDARDS.items()
    }
    qti_demo_seed(org_id=district.pk)  # first without alignment, as older demo data was
    qti_demo_seed(org_id=district.pk, objectives=objectives)
    alignments_refresh()
    found = content_for_standard(identifier=demo_standard_id("TB.NF.4.1"), org_ids={district.pk})
    assert [(o.kind, o.identifier) for o in found] == [("qtiItem", "demo-equivalent")]
