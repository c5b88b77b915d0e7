"""CASE package import and export: lossless round trips (our framework, and every package of
the official fixtures), idempotence, updates, and refusals that name the place and the rule
and store nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from case.models import (
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubricCriterion,
    CaseRubricCriterionLevel,
)
from case.services.packages import framework_import, framework_package, package_parse
from case.services.sources import csv_package, framework_csv
from roster.models import Org
from tests.case.fixtures import CHILD_A, DOC, package
from tests.conftest import SHARED

pytestmark = pytest.mark.django_db
PACKAGES = SHARED / "fixtures" / "case" / "packages"
JSON_PACKAGES = sorted(PACKAGES.glob("*.json")) if PACKAGES.exists() else []


def imported(data: dict[str, Any], **kw: Any) -> Any:
    report = framework_import(package=data, source="file", **kw)
    assert report.ok, report.problems
    return report


def test_our_framework_round_trips_with_every_field() -> None:
    report = imported(package())
    assert report.created and report.document == DOC
    assert report.counts["items"]["created"] == 3
    assert report.counts["associations"]["created"] == 5
    assert report.counts["definitions"]["created"] == 5
    assert report.counts["rubrics"]["created"] == 1
    document = CaseDocument.objects.get(identifier=DOC)
    assert framework_package(document=document) == package()
    # The columns beside the JSON, as queries read them.
    item = CaseItem.objects.get(identifier=CHILD_A)
    assert (item.human_coding_scheme, item.item_type, item.education_levels) == (
        "EX.NO.1",
        "Standard",
        ["04"],
    )
    assert CaseAssociation.objects.filter(association_type="isChildOf").count() == 3
    assert CaseRubricCriterion.objects.get().item_identifier == CHILD_A
    assert CaseRubricCriterionLevel.objects.get().score == 2.0


def test_importing_again_changes_nothing_and_updates_are_counted() -> None:
    imported(package())
    again = imported(package())
    assert not again.created
    assert all(c["created"] == c["updated"] == c["removed"] == 0 for c in again.counts.values())
    changed = package()
    changed["CFItems"][1]["fullStatement"] = "Add and subtract fractions."
    del changed["CFItems"][2]
    changed["CFAssociations"] = [
        a
        for a in changed["CFAssociations"]
        if "c0a80101-0000-4000-8000-000000000012" not in json.dumps(a)
    ]
    report = imported(changed)
    assert report.counts["items"] == {"created": 0, "updated": 1, "unchanged": 1, "removed": 1}
    assert framework_package(document=CaseDocument.objects.get()) == changed


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda p: p.pop("CFDocument"), "CFDocument", "is required"),
        (lambda p: p["CFDocument"].pop("title"), "CFDocument.title", "is required"),
        (lambda p: p["CFItems"][1].pop("identifier"), "CFItems[1].identifier", "is required"),
        (
            lambda p: p["CFItems"][0].update(lastChangeDateTime="yesterday"),
            "CFItems[0].lastChangeDateTime",
            "'yesterday' is not a date",
        ),
        (lambda p: p["CFItems"][0].update(fullStatement=7), "CFItems[0].fullStatement", "string"),
        (
            lambda p: p["CFItems"][0].update(educationLevel="04"),
            "CFItems[0].educationLevel",
            "list of strings",
        ),
        (
            lambda p: p["CFItems"].append(dict(p["CFItems"][0])),
            "CFItems[3]",
            "appears twice",
        ),
        (
            lambda p: p["CFAssociations"][0].pop("originNodeURI"),
            "CFAssociations[0].originNodeURI",
            "is required",
        ),
        (
            lambda p: p["CFAssociations"][0].update(sequenceNumber="first"),
            "CFAssociations[0].sequenceNumber",
            "integer",
        ),
        (lambda p: p.update(CFItems={"a": 1}), "CFItems", "must be a list"),
        (
            lambda p: p["CFDefinitions"].update(CFThings=[]),
            "CFDefinitions.CFThings",
            "unknown definition list",
        ),
        (
            lambda p: p["CFItems"][0].update(identifier="x" * 300),
            "CFItems[0].identifier",
            "longer than 255",
        ),
    ],
)
def test_broken_packages_are_refused_by_place_and_store_nothing(
    change: Any, path: str, message: str
) -> None:
    data = package()
    change(data)
    report = framework_import(package=data, source="file")
    assert not report.ok
    assert any(p.path == path and message in p.message for p in report.problems), report.problems
    assert not CaseDocument.objects.exists() and not CaseItem.objects.exists()


def test_an_identifier_of_another_framework_is_refused() -> None:
    imported(package())
    other = package()
    other["CFDocument"]["identifier"] = "c0a80101-0000-4000-8000-0000000000ff"
    report = framework_import(package=other, source="file")
    assert not report.ok and "belongs to another framework" in str(report.problems[0])
    assert CaseDocument.objects.count() == 1


def test_only_the_uploading_organisation_replaces_its_framework() -> None:
    a = Org.objects.create(sourced_id="ca-a", name="A", type="district")
    b = Org.objects.create(sourced_id="ca-b", name="B", type="district")
    imported(package(), org_id=a.pk)
    refused = framework_import(package=package(), source="api", org_id=b.pk)
    assert refused.forbidden and "another organisation" in str(refused.problems[0])
    assert imported(package(), org_id=a.pk).ok
    assert imported(package()).ok  # an operator's import may


def test_a_dry_run_stores_nothing() -> None:
    report = framework_import(package=package(), source="file", dry_run=True)
    assert report.ok and report.counts["items"]["created"] == 3
    assert not CaseDocument.objects.exists() and not CaseDefinition.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "must be an object"),
        (b"\xff\xfe", "not JSON"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_files_that_are_not_packages(raw: bytes, message: str) -> None:
    parsed, problems = package_parse(data=raw)
    assert parsed is None and message in str(problems[0])


# ---- the official fixtures -----------------------------------------------------------------


@pytest.mark.parametrize("path", JSON_PACKAGES, ids=lambda p: p.name)
def test_every_official_package_round_trips(path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    report = imported(original)
    schema = [c for c in report.checks if c.startswith("CASE 1.1 package JSON schema")]
    if schema:  # ../shared's schema: 6 exports conform; Ordering carries links beyond it
        expected = "finding" if path.name == "opensalt_Ordering.json" else ": valid"
        assert expected in schema[0]
    document = CaseDocument.objects.get(identifier=original["CFDocument"]["identifier"])
    assert framework_package(document=document) == original
    again = imported(original)
    assert all(c["created"] == c["updated"] == 0 for c in again.counts.values())


@pytest.mark.skipif(not PACKAGES.exists(), reason="../shared is not present")
def test_the_official_csv_round_trips_and_builds_its_tree() -> None:
    raw = (PACKAGES / "opensalt_ccsso_ela_item.csv").read_bytes()
    document = {"identifier": "c0a80101-0000-4000-8000-0000000000c5", "title": "CCSS ELA"}
    data, problems = csv_package(data=raw, document=document)
    assert data is not None, problems
    report = imported(data)
    assert report.counts["items"]["created"] == 1189
    stored = CaseDocument.objects.get(identifier=document["identifier"])
    assert framework_package(document=stored) == data
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    back = list(csv.DictReader(io.StringIO(framework_csv(document=stored))))
    assert back == rows
    # smartLevel 3.6.2.1 is a child of 3.6.2, top levels of the document
    tops = CaseAssociation.objects.filter(document=stored, destination_identifier=stored.identifier)
    assert tops.count() == sum(1 for r in rows if "." not in r["smartLevel"])


# ---- the commands -----------------------------------------------------------------------------


def test_the_commands_import_and_export(tmp_path: Path) -> None:
    source = tmp_path / "framework.json"
    source.write_text(json.dumps(package()), encoding="utf-8")
    out = io.StringIO()
    call_command("case_import", str(source), stdout=out)
    assert "created 'Example Mathematics'" in out.getvalue()
    exported = tmp_path / "back.json"
    call_command("case_export", DOC, "--out", str(exported), stdout=io.StringIO())
    assert json.loads(exported.read_text(encoding="utf-8")) == package()
    broken = tmp_path / "broken.json"
    broken.write_text('{"CFDocument": {"identifier": "x"}}', encoding="utf-8")
    with pytest.raises(CommandError, match="refused"):
        call_command("case_import", str(broken), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a file"):
        call_command("case_import", str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="no framework"):
        call_command("case_export", "nope")


def _grown(extra: int) -> dict[str, Any]:
    """Our framework with ``extra`` more items, each a child of the root."""
    data = package()
    root = data["CFItems"][0]
    for n in range(extra):
        ident = f"c0a80101-0000-4000-9000-{n:012d}"
        data["CFItems"].append({**data["CFItems"][1], "identifier": ident, "uri": f"u/{ident}"})
        link = f"c0a80101-0000-4000-a000-{n:012d}"
        data["CFAssociations"].append(
            {
                **data["CFAssociations"][1],
                "identifier": link,
                "uri": f"u/{link}",
                "originNodeURI": {"title": "x", "identifier": ident, "uri": f"u/{ident}"},
                "destinationNodeURI": {"title": "r", "identifier": root["identifier"], "uri": "u"},
            }
        )
    return data


def test_importing_again_takes_the_same_queries_whatever_the_size() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for extra in (0, 60):
        CaseDocument.objects.all().delete()
        data = _grown(extra)
        imported(data)
        with CaptureQueriesContext(connection) as ctx:
            again = imported(data)
        assert again.counts["items"]["unchanged"] == 3 + extra
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
