"""IMS Common Cartridge 1.3 export of one OneRoster resource (Timeback extension).

The package is a zip holding ``imsmanifest.xml`` and one learning object: a web link
(``imswl_xmlv1p3``) to the resource's ``metadata.url`` / ``metadata.launchUrl`` when it has
one, else an HTML page (``webcontent``) describing the resource. The manifest carries the
resource's title and description as LOM ``general`` metadata.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from typing import Any
from xml.etree import ElementTree as ET

from roster.models import Resource

__all__ = ["CC_NAMESPACE", "cartridge_filename", "resource_cartridge_build"]

CC_NAMESPACE = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
LOM_MANIFEST_NAMESPACE = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
LOM_RESOURCE_NAMESPACE = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
WEBLINK_NAMESPACE = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = " ".join(
    [
        CC_NAMESPACE,
        "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd",
        LOM_MANIFEST_NAMESPACE,
        "http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd",
        LOM_RESOURCE_NAMESPACE,
        "http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lomresource_v1p0.xsd",
    ]
)
WEBLINK_SCHEMA = "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imswl_v1p3.xsd"
LANGUAGE = "en-US"

for _prefix, _uri in (
    ("lomimscc", LOM_MANIFEST_NAMESPACE),
    ("lom", LOM_RESOURCE_NAMESPACE),
    ("xsi", XSI_NAMESPACE),
):
    ET.register_namespace(_prefix, _uri)


def cartridge_filename(*, resource: Resource) -> str:
    """``<sourcedId>.imscc`` with characters unsafe in a header or a file name replaced."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", resource.sourced_id) + ".imscc"


def _identifier(value: str) -> str:
    """An XML NCName built from a sourcedId (identifiers must not start with a digit)."""
    return "i_" + re.sub(r"[^A-Za-z0-9._-]", "_", value)


def _el(parent: ET.Element, ns: str | None, tag: str, text: str | None = None, **attrs: str) -> Any:
    """A child element; ``ns=None`` puts it in the document's default namespace."""
    element = ET.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag, attrs)
    if text is not None:
        element.text = text
    return element


def _launch_url(metadata: dict[str, Any]) -> str:
    for key in ("url", "launchUrl"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _title(resource: Resource) -> str:
    return resource.title or resource.vendor_resource_id or resource.sourced_id


def _description(resource: Resource, metadata: dict[str, Any]) -> str:
    value = metadata.get("description")
    return value if isinstance(value, str) else ""


def _manifest(resource: Resource, *, kind: str, href: str) -> bytes:
    metadata = resource.metadata if isinstance(resource.metadata, dict) else {}
    title = _title(resource)
    ident = _identifier(resource.sourced_id)
    # ElementTree cannot write a default namespace next to unqualified attributes, so the
    # CC elements are unqualified and the root declares their namespace as the default.
    root = ET.Element(
        "manifest",
        {
            "xmlns": CC_NAMESPACE,
            "identifier": f"{ident}_manifest",
            f"{{{XSI_NAMESPACE}}}schemaLocation": SCHEMA_LOCATIONS,
        },
    )
    meta = _el(root, None, "metadata")
    _el(meta, None, "schema", "IMS Common Cartridge")
    _el(meta, None, "schemaversion", "1.3.0")
    lom = _el(meta, LOM_MANIFEST_NAMESPACE, "lom")
    general = _el(lom, LOM_MANIFEST_NAMESPACE, "general")
    identifier_el = _el(general, LOM_MANIFEST_NAMESPACE, "identifier")
    _el(identifier_el, LOM_MANIFEST_NAMESPACE, "catalog", "oneroster.sourcedId")
    _el(identifier_el, LOM_MANIFEST_NAMESPACE, "entry", resource.sourced_id)
    title_el = _el(general, LOM_MANIFEST_NAMESPACE, "title")
    _el(title_el, LOM_MANIFEST_NAMESPACE, "string", title, language=LANGUAGE)
    description = _description(resource, metadata)
    if description:
        desc_el = _el(general, LOM_MANIFEST_NAMESPACE, "description")
        _el(desc_el, LOM_MANIFEST_NAMESPACE, "string", description, language=LANGUAGE)

    organizations = _el(root, None, "organizations")
    organization = _el(
        organizations,
        None,
        "organization",
        identifier=f"{ident}_org",
        structure="rooted-hierarchy",
    )
    top = _el(organization, None, "item", identifier=f"{ident}_root")
    item = _el(top, None, "item", identifier=f"{ident}_item", identifierref=ident)
    _el(item, None, "title", title)

    resources = _el(root, None, "resources")
    attrs = {"identifier": ident, "type": kind}
    if kind == "webcontent":
        attrs["href"] = href
    res = _el(resources, None, "resource", **attrs)
    _el(res, None, "file", href=href)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _weblink(title: str, url: str) -> bytes:
    root = ET.Element(
        "webLink",
        {
            "xmlns": WEBLINK_NAMESPACE,
            f"{{{XSI_NAMESPACE}}}schemaLocation": f"{WEBLINK_NAMESPACE} {WEBLINK_SCHEMA}",
        },
    )
    _el(root, None, "title", title)
    _el(root, None, "url", href=url, target="_blank")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _page(resource: Resource) -> bytes:
    metadata = resource.metadata if isinstance(resource.metadata, dict) else {}
    title = html.escape(_title(resource))
    rows = [
        ("sourcedId", resource.sourced_id),
        ("vendorResourceId", resource.vendor_resource_id),
        ("vendorId", resource.vendor_id),
        ("applicationId", resource.application_id),
        ("importance", resource.importance),
        ("roles", ", ".join(str(r) for r in resource.roles or [])),
    ]
    rows += [
        (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        for k, v in sorted(metadata.items())
    ]
    cells = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows if v
    )
    description = _description(resource, metadata)
    intro = f"<p>{html.escape(description)}</p>\n" if description else ""
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{intro}"
        f"<table>\n{cells}\n</table>\n</body>\n</html>\n"
    )
    return page.encode()


def resource_cartridge_build(*, resource: Resource) -> bytes:
    """The ``.imscc`` (zip) bytes of a Common Cartridge 1.3 package for ``resource``."""
    metadata = resource.metadata if isinstance(resource.metadata, dict) else {}
    url = _launch_url(metadata)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        if url:
            href = "weblink.xml"
            package.writestr(href, _weblink(_title(resource), url))
            kind = "imswl_xmlv1p3"
        else:
            href = "web_resources/resource.html"
            package.writestr(href, _page(resource))
            kind = "webcontent"
        package.writestr("imsmanifest.xml", _manifest(resource, kind=kind, href=href))
    return buffer.getvalue()
