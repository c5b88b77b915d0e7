"""Content package import: the official packages and items import whole (2.x converted to
3.0), with their manifest metadata and CASE alignment kept; broken and hostile packages are
refused whole with a report naming the file, the element and the rule."""

from __future__ import annotations

import io
import zipfile

import pytest

from qti.models import QtiAsset, QtiPackage, QtiResource
from qti.services.packages import package_import
from roster.models import Org
from tests.conftest import SHARED

pytestmark = pytest.mark.django_db

QTI = SHARED / "fixtures" / "qti"
needs_shared = pytest.mark.skipif(not QTI.exists(), reason="../shared is not present")

ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="own-1"
    title="Two plus two" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-prompt>2 + 2 = ?</qti-prompt>
      <qti-simple-choice identifier="A">3</qti-simple-choice>
      <qti-simple-choice identifier="B">4</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing
      template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""

MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="own-pkg">
  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>
  <organizations/>
  <resources>
    <resource identifier="own-1" type="imsqti_item_xmlv3p0" href="items/own-1.xml">
      <file href="items/own-1.xml"/>%s
    </resource>
  </resources>
</manifest>"""


@pytest.fixture
def org(db: None) -> Org:
    return Org.objects.create(sourced_id="qti-org", name="QTI Org", type="district")


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_an_own_package_imports_with_its_parsed_form(org: Org) -> None:
    data = _zip({"imsmanifest.xml": MANIFEST % b"", "items/own-1.xml": ITEM, "img/a.png": b"x"})
    report = package_import(data=data, file_name="own.zip", org=org)
    assert report.ok, report.problems
    item = QtiResource.objects.get(identifier="own-1")
    assert item.kind == "item" and item.title == "Two plus two"
    assert item.parsed["interactions"][0]["type"] == "qti-choice-interaction"
    assert item.parsed["responseProcessing"]["template"].endswith("match_correct.xml")
    assert QtiAsset.objects.get().path == "img/a.png"
    assert report.counts == {"item": 1} and any("manifest" in c for c in report.checks)


@pytest.mark.parametrize(
    ("files", "rule", "file"),
    [
        ({"imsmanifest.xml": b"<manifest"}, "well-formed", "imsmanifest.xml"),
        ({"imsmanifest.xml": MANIFEST % b""}, "missing-file", "items/own-1.xml"),
        (
            {
                "imsmanifest.xml": MANIFEST % b'<dependency identifierref="nope"/>',
                "items/own-1.xml": ITEM,
            },
            "dependency",
            "imsmanifest.xml",
        ),
        (
            {
                "imsmanifest.xml": MANIFEST % b"",
                "items/own-1.xml": ITEM.replace(b"qti-prompt>", b"qti-promptx>"),
            },
            "vocabulary",
            "items/own-1.xml",
        ),
        (
            {
                "imsmanifest.xml": MANIFEST % b"",
                "items/own-1.xml": b'<!DOCTYPE x [<!ENTITY a "b">]>' + ITEM.split(b"?>", 1)[1],
            },
            "entities",
            "items/own-1.xml",
        ),
        ({"../evil.xml": ITEM}, "zip-path", "../evil.xml"),
    ],
)
def test_broken_packages_are_refused_whole(org: Org, files: dict, rule: str, file: str) -> None:
    report = package_import(data=_zip(files), file_name="bad.zip", org=org)
    assert not report.ok
    assert any(p.rule == rule and p.file == file for p in report.problems), report.problems
    assert not QtiResource.objects.exists() and not QtiPackage.objects.exists()


def test_a_zip_bomb_and_a_second_import_are_refused(org: Org) -> None:
    bomb = _zip({"imsmanifest.xml": b" " * 5_000_000})
    assert any(
        p.rule == "zip-ratio"
        for p in package_import(data=bomb, file_name="bomb.zip", org=org).problems
    )
    data = _zip({"imsmanifest.xml": MANIFEST % b"", "items/own-1.xml": ITEM})
    assert package_import(data=data, file_name="a.zip", org=org).ok
    again = package_import(data=data, file_name="a.zip", org=org)
    assert [p.rule for p in again.problems] == ["identifier"]
    assert QtiResource.objects.count() == 1


def test_a_single_document_and_a_dry_run(org: Org) -> None:
    assert package_import(data=ITEM, file_name="own-1.xml", org=org, dry_run=True).ok
    assert not QtiResource.objects.exists()
    assert package_import(data=ITEM, file_name="own-1.xml", org=org).ok
    assert QtiResource.objects.filter(kind="item").count() == 1


@needs_shared
@pytest.mark.parametrize("name", ["BBQsTest", "CASEWithOutcome", "simple"])
def test_the_official_packages_import(org: Org, name: str) -> None:
    data = next((QTI / "packages" / name).glob("*.zip")).read_bytes()
    report = package_import(data=data, file_name=f"{name}.zip", org=org)
    assert report.ok, report.problems
    assert QtiResource.objects.filter(kind="item").count() >= 1
    assert "manifest: XSD imsqtiv3p0_imscpv1p2_v1p0.xsd" in report.checks


@needs_shared
def test_case_alignment_is_kept(org: Org) -> None:
    data = (QTI / "packages" / "CASEWithOutcome" / "CASEWithOutcome.zip").read_bytes()
    assert package_import(data=data, file_name="case.zip", org=org).ok
    outcome = QtiResource.objects.get(kind="outcomes")
    (alignment,) = outcome.metadata["curriculumStandardsMetadataSet"]
    assert alignment["resourcePartId"] == "SCORE"
    guids = {g["GUID"] for s in alignment["standards"] for g in s["guids"]}
    assert "e57e4172-44ae-11e9-b210-d663bd873d93" in guids
    # Timeback's CASE tagging, derived from the alignment.
    (objectives,) = outcome.metadata["learningObjectiveSet"]
    assert objectives["source"] == "CASE" and set(objectives["learningObjectiveIds"]) == guids
    assert QtiResource.objects.filter(kind="test").count() == 1


@needs_shared
def test_the_qti22_package_is_converted(org: Org) -> None:
    data = (QTI / "packages" / "CAT_qti22_ais" / "CAT_Test01_Adaptive_EchoAdapt.zip").read_bytes()
    report = package_import(data=data, file_name="cat.zip", org=org)
    assert report.ok, report.problems
    assert report.converted
    assert all(r.xml.count("imsqtiasi_v3p0") for r in QtiResource.objects.all())


@needs_shared
def test_every_official_item_imports_alone(org: Org) -> None:
    items = sorted(p for p in (QTI / "items_v3").glob("*.xml") if p.name != "imsmanifest.xml")
    refused = {}
    for path in items:
        report = package_import(data=path.read_bytes(), file_name=path.name, org=org)
        if not report.ok:
            refused[path.name] = report.problems
    assert not refused
    assert QtiResource.objects.filter(kind="item").count() == len(items) == 57


@needs_shared
def test_the_qti22_items_convert_to_what_the_30_examples_say(org: Org) -> None:
    from qti.services.convert import qti2_to_qti3
    from qti.xml import local_name, qti_parse

    for path in sorted((QTI / "items_v2p2").glob("*.xml")):
        if path.name == "imsmanifest.xml":
            continue
        converted = qti2_to_qti3(qti_parse(path.read_bytes()))
        official = qti_parse((QTI / "items_v3" / path.name).read_bytes())
        names = {local_name(e) for e in converted.iter() if isinstance(e.tag, str)}
        assert names == {local_name(e) for e in official.iter() if isinstance(e.tag, str)}


def test_the_import_command(org: Org, tmp_path) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "own-1.xml"
    path.write_bytes(ITEM)
    out = StringIO()
    call_command("qti_import", str(path), "--org", "qti-org", stdout=out)
    assert "imported 1 item" in out.getvalue()
    with pytest.raises(CommandError, match="refused"):
        call_command("qti_import", str(path), "--org", "qti-org", stdout=StringIO())
    with pytest.raises(CommandError, match="--org: no org"):
        call_command("qti_import", str(path), "--org", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="package: .* is not a file"):
        call_command("qti_import", str(tmp_path / "x.zip"), "--org", "qti-org")


def test_the_admin_lists_qti_content(org: Org, admin_client) -> None:
    assert package_import(data=ITEM, file_name="own-1.xml", org=org).ok
    assert b"own-1" in admin_client.get("/admin/qti/qtiresource/").content
    assert admin_client.get("/admin/qti/qtipackage/").status_code == 200


def test_the_authors_preview_renders_and_scores(org: Org, admin_client) -> None:
    data = _zip({"imsmanifest.xml": MANIFEST % b"", "items/own-1.xml": ITEM, "items/a.png": b"P"})
    assert package_import(data=data, file_name="own.zip", org=org).ok
    item = QtiResource.objects.get(identifier="own-1")
    url = f"/qti/items/{item.pk}/preview/"
    page = admin_client.get(url).content.decode()
    assert 'name="RESPONSE"' in page and "2 + 2 = ?" in page
    scored = admin_client.post(url, {"RESPONSE": "B"})
    assert scored.status_code == 200
    assert 'id="outcomes"' in scored.content.decode() and ">1.0<" in scored.content.decode()
    wrong = admin_client.post(url, {"RESPONSE": "A"}).content.decode()
    assert ">0.0<" in wrong
    asset = admin_client.get(f"/qti/assets/{item.package_id}/items/a.png")
    assert asset.status_code == 200 and asset.content == b"P"
    assert admin_client.get(f"/qti/assets/{item.package_id}/nope.png").status_code == 404
    assert b"Preview" in admin_client.get("/admin/qti/qtiresource/").content


def test_the_preview_is_for_staff_only(org: Org, client) -> None:
    assert package_import(data=ITEM, file_name="own-1.xml", org=org).ok
    item = QtiResource.objects.get(identifier="own-1")
    response = client.get(f"/qti/items/{item.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_lom_difficulty_becomes_timeback_difficulty() -> None:
    from qti.services.manifest import timeback_metadata

    assert timeback_metadata({"lom": {"difficulty": "very difficult", "language": "en"}}) == {
        "difficulty": "hard",
        "language": "en",
    }
    assert timeback_metadata({"lom": {"difficulty": "whatever"}}) == {}
