"""Timeback Common Cartridge export of a resource: a zip whose imsmanifest.xml (CC 1.3)
describes the resource as a web link or a web page; tenancy and scopes."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from roster.models import Resource
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

RS = "/ims/oneroster/resources/v1p2"
CC = "{http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest}"
WL = "{http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3}"


@pytest.fixture
def a(db):
    return make_tenant("a")


@pytest.fixture
def api(a, api_client_for):
    return api_client_for(a.district, scopes=["resource.readonly"])


def _export(api, sourced_id):
    return api.post(f"{RS}/resources/export/{sourced_id}")


def _package(response) -> tuple[zipfile.ZipFile, ET.Element]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    package = zipfile.ZipFile(io.BytesIO(response.content))
    assert package.testzip() is None
    return package, ET.fromstring(package.read("imsmanifest.xml"))


def test_resource_with_url_exports_a_web_link(api, a):
    a.resource.metadata = {"type": "video", "url": "https://videos.example.org/v/1"}
    a.resource.save()
    response = _export(api, a.resource.sourced_id)
    package, manifest = _package(response)
    assert response["Content-Disposition"] == 'attachment; filename="a-r.imscc"'
    assert manifest.tag == f"{CC}manifest"
    assert manifest.findtext(f"{CC}metadata/{CC}schema") == "IMS Common Cartridge"
    assert manifest.findtext(f"{CC}metadata/{CC}schemaversion") == "1.3.0"
    title = manifest.find(f"{CC}metadata/{LOM}lom/{LOM}general/{LOM}title/{LOM}string")
    assert title is not None and title.text == "Video"
    [resource] = manifest.findall(f"{CC}resources/{CC}resource")
    assert resource.get("type") == "imswl_xmlv1p3"
    href = resource.find(f"{CC}file").get("href")
    item = manifest.find(f"{CC}organizations/{CC}organization/{CC}item/{CC}item")
    assert item.get("identifierref") == resource.get("identifier")
    assert item.findtext(f"{CC}title") == "Video"
    link = ET.fromstring(package.read(href))
    assert link.tag == f"{WL}webLink"
    assert link.findtext(f"{WL}title") == "Video"
    assert link.find(f"{WL}url").get("href") == "https://videos.example.org/v/1"


def test_launch_url_is_used_when_there_is_no_url(api, a):
    a.resource.metadata = {"launchUrl": "https://tool.example.org/launch"}
    a.resource.save()
    package, manifest = _package(_export(api, a.resource.sourced_id))
    href = manifest.find(f"{CC}resources/{CC}resource/{CC}file").get("href")
    link = ET.fromstring(package.read(href))
    assert link.find(f"{WL}url").get("href") == "https://tool.example.org/launch"


def test_resource_without_url_exports_a_web_page(api, a):
    a.resource.title = "Fractions <intro>"
    a.resource.metadata = {"type": "text", "description": "Halves & quarters"}
    a.resource.save()
    package, manifest = _package(_export(api, a.resource.sourced_id))
    resource = manifest.find(f"{CC}resources/{CC}resource")
    assert resource.get("type") == "webcontent"
    assert resource.get("href") == resource.find(f"{CC}file").get("href")
    general = manifest.find(f"{CC}metadata/{LOM}lom/{LOM}general")
    assert general.findtext(f"{LOM}title/{LOM}string") == "Fractions <intro>"
    assert general.findtext(f"{LOM}description/{LOM}string") == "Halves & quarters"
    page = package.read(resource.get("href")).decode()
    assert "<h1>Fractions &lt;intro&gt;</h1>" in page
    assert "Halves &amp; quarters" in page
    assert "vr-1" in page


def test_odd_sourced_id_gets_a_safe_filename_and_identifiers(api, a):
    Resource.objects.create(
        sourced_id='9 "odd"/id',
        title="",
        vendor_resource_id="vr-odd",
        org_scope=a.district,
    )
    response = _export(api, "9%20%22odd%22%2Fid".replace("%2F", "_"))
    assert response.status_code == 404  # a different id: unknown
    Resource.objects.filter(vendor_resource_id="vr-odd").update(sourced_id='9 "odd" id')
    response = _export(api, '9 "odd" id')
    package, manifest = _package(response)
    assert response["Content-Disposition"] == 'attachment; filename="9__odd__id.imscc"'
    resource = manifest.find(f"{CC}resources/{CC}resource")
    assert resource.get("identifier")[0].isalpha()
    # The title falls back to the vendor resource id.
    assert manifest.find(f"{CC}organizations//{CC}title").text == "vr-odd"


def test_unknown_deleted_or_other_tenant_resource_is_404(api, a):
    b = make_tenant("b")
    for sourced_id in ("nope", b.resource.sourced_id):
        response = _export(api, sourced_id)
        assert response.status_code == 404
        minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "unknownobject"
    a.resource.status = "tobedeleted"
    a.resource.save()
    assert _export(api, a.resource.sourced_id).status_code == 404


@pytest.mark.parametrize(
    ("scopes", "code"),
    [
        (["resource-core.readonly"], 200),
        (["resource.readonly"], 200),
        (["admin"], 200),
        (["roster.readonly"], 403),
        (["resource.createput"], 403),
    ],
)
def test_export_scopes(a, api_client_for, scopes, code):
    api = api_client_for(a.district, scopes=scopes)
    assert _export(api, a.resource.sourced_id).status_code == code
