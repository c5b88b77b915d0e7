"""The manifest of a content package: its resources (identifier, type, href, files,
dependencies) and their metadata — LOM, ``qtiMetadata`` and CASE alignment
(``curriculumStandardsMetadataSet``) — read by local names, so the 3.0 and 2.x manifest
namespaces read alike. Validated against the QTI 3.0 package XSD when its directory is
configured; otherwise checked structurally, and the report says which ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from qti.xml import QtiXmlError, local_name, qti_parse

__all__ = ["Manifest", "ManifestResource", "manifest_read", "timeback_metadata"]

PACKAGE_XSD = "qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"
QTI3_MANIFEST_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"


class _Report(Protocol):
    checks: list[str]

    def problem(self, file: str, element: str, rule: str, message: str) -> None: ...


@dataclass
class ManifestResource:
    identifier: str
    type: str
    href: str
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Manifest:
    identifier: str
    metadata: dict[str, Any]
    resources: list[ManifestResource]


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local_name(c) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def manifest_read(
    data: bytes, *, report: _Report, schema_dir: Path | None = None
) -> Manifest | None:
    try:
        root = qti_parse(data)
    except QtiXmlError as exc:
        report.problem("imsmanifest.xml", "", exc.rule, str(exc))
        return None
    if local_name(root) != "manifest":
        report.problem("imsmanifest.xml", local_name(root), "root", "the root is manifest")
        return None
    if schema_dir is not None and etree.QName(root).namespace == QTI3_MANIFEST_NS:
        _validate(root, schema_dir / PACKAGE_XSD, report)
    else:
        report.checks.append(
            "manifest: structural (resources, types, hrefs, dependencies); the QTI 3.0 "
            "package XSD is not configured (QTI_SCHEMA_DIR)"
            if schema_dir is None
            else "manifest: structural (a QTI 2.x manifest: no 3.0 XSD applies)"
        )
    resources_element = _child(root, "resources")
    if resources_element is None:
        report.problem("imsmanifest.xml", "manifest", "resources", "the manifest has no resources")
        return None
    resources = []
    for element in _children(resources_element, "resource"):
        identifier = element.get("identifier") or ""
        if not identifier:
            report.problem(
                "imsmanifest.xml", "resource", "identifier", "a resource has no identifier"
            )
            continue
        metadata_element = _child(element, "metadata")
        resources.append(
            ManifestResource(
                identifier=identifier,
                type=element.get("type") or "",
                href=element.get("href") or "",
                files=[f.get("href") or "" for f in _children(element, "file")],
                dependencies=[
                    d.get("identifierref") or "" for d in _children(element, "dependency")
                ],
                metadata=resource_metadata(metadata_element)
                if metadata_element is not None
                else {},
            )
        )
    package_metadata = _child(root, "metadata")
    return Manifest(
        identifier=root.get("identifier") or "",
        metadata=resource_metadata(package_metadata) if package_metadata is not None else {},
        resources=resources,
    )


def _validate(root: etree._Element, xsd: Path, report: _Report) -> None:
    if not xsd.exists():
        report.checks.append(f"manifest: structural ({xsd.name} not found)")
        return
    schema = _schema(str(xsd))
    report.checks.append(f"manifest: XSD {xsd.name}")
    if not schema.validate(root):
        for error in list(schema.error_log)[:20]:
            report.problem(
                "imsmanifest.xml", error.path or "", "xsd", f"line {error.line}: {error.message}"
            )


_SCHEMAS: dict[str, etree.XMLSchema] = {}


def _schema(path: str) -> etree.XMLSchema:
    if path not in _SCHEMAS:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        _SCHEMAS[path] = etree.XMLSchema(etree.parse(path, parser))
    return _SCHEMAS[path]


def resource_metadata(metadata: etree._Element) -> dict[str, Any]:
    """LOM (general: identifier, title, description, keywords, language), qtiMetadata (as
    name → value(s)) and CASE alignment, as JSON."""
    out: dict[str, Any] = {}
    for element in metadata.iter():
        if not isinstance(element.tag, str):
            continue
        name = local_name(element)
        if name == "lom":
            out["lom"] = _lom(element)
        elif name == "qtiMetadata":
            out["qtiMetadata"] = _flat(element)
        elif name == "curriculumStandardsMetadataSet":
            out.setdefault("curriculumStandardsMetadataSet", []).append(_csm(element))
    return out


# LOM educational/difficulty (five values) to Timeback's three.
_DIFFICULTY = {
    "very easy": "easy",
    "easy": "easy",
    "medium": "medium",
    "difficult": "hard",
    "very difficult": "hard",
}


def timeback_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Timeback's item metadata derived from a resource's package metadata: the CASE items
    it is aligned to (``learningObjectiveSet``), its difficulty and language from LOM."""
    out: dict[str, Any] = {}
    guids = [
        guid["GUID"]
        for alignment in metadata.get("curriculumStandardsMetadataSet", [])
        for standard in alignment.get("standards", [])
        for guid in standard.get("guids", [])
        if guid.get("GUID")
    ]
    if guids:
        out["learningObjectiveSet"] = [
            {"source": "CASE", "learningObjectiveIds": list(dict.fromkeys(guids))}
        ]
    lom = metadata.get("lom") or {}
    difficulty = _DIFFICULTY.get(str(lom.get("difficulty", "")).strip().lower())
    if difficulty:
        out["difficulty"] = difficulty
    if lom.get("language"):
        out["language"] = lom["language"]
    return out


def _lom(lom: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    educational = _child(lom, "educational")
    if educational is not None:
        difficulty = _child(educational, "difficulty")
        if difficulty is not None:
            out["difficulty"] = _text(_child(difficulty, "value")) or _text(difficulty)
        context = _child(educational, "context")
        if context is not None:
            out["context"] = _text(_child(context, "value")) or _text(context)
    general = _child(lom, "general")
    if general is None:
        return out
    identifier = _child(general, "identifier")
    if identifier is not None:
        out["identifier"] = _text(_child(identifier, "entry"))
    for key in ("title", "description"):
        element = _child(general, key)
        if element is not None:
            out[key] = " ".join(_text(s) for s in _children(element, "string")) or _text(element)
    keywords = [_text(s) for k in _children(general, "keyword") for s in _children(k, "string")]
    if keywords:
        out["keywords"] = keywords
    language = _child(general, "language")
    if language is not None:
        out["language"] = _text(language)
    return out


def _flat(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        key = local_name(child)
        value: Any = _flat(child) if len(child) else _text(child)
        if key in out:
            out[key] = [*(out[key] if isinstance(out[key], list) else [out[key]]), value]
        else:
            out[key] = value
    return out


def _csm(element: etree._Element) -> dict[str, Any]:
    sets = []
    for standards in _children(element, "curriculumStandardsMetadata"):
        for guid_set in _children(standards, "setOfGUIDs"):
            sets.append(
                {
                    "providerId": standards.get("providerId") or "",
                    "region": guid_set.get("region") or "",
                    "version": guid_set.get("version") or "",
                    "guids": [
                        {
                            "label": _text(_child(g, "label")),
                            "caseItemURI": _text(_child(g, "caseItemURI")),
                            "GUID": _text(_child(g, "GUID")),
                        }
                        for g in _children(guid_set, "labelledGUID")
                    ],
                }
            )
    return {
        "resourceLabel": element.get("resourceLabel") or "",
        "resourcePartId": element.get("resourcePartId") or "",
        "standards": sets,
    }
