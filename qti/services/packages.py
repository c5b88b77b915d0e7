"""Import of IMS content packages (a zip with ``imsmanifest.xml``) and of single QTI
documents: all or nothing, with a report naming the file, the element and the rule of every
problem, and which checks ran.

Checks, in order: the zip itself (size, number of files, compression ratio, paths inside the
package); the manifest (safe XML, then its XSD when ``QTI_SCHEMA_DIR`` holds the QTI 3.0
package schema, else a structural check, and the report says which); each resource's type
(the 3.0 package vocabulary, and the 2.x item and test types); each QTI document (safe XML,
2.x converted to 3.0, the root element its resource type asks for, an identifier, and every
element and attribute name in the QTI 3.0 vocabulary of ``qti.vocabulary``); dependencies
that name resources of the package; identifiers not already used in the organisation.
Nothing is written unless every check passes.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from lxml import etree

from qti.choices import ImportStatus, ResourceKind
from qti.models import QtiAsset, QtiPackage, QtiResource
from qti.services.convert import is_qti2, qti2_to_qti3
from qti.services.documents import document_summary
from qti.services.manifest import ManifestResource, manifest_read, timeback_metadata
from qti.vocabulary import OPEN_CONTENT, QTI3_ELEMENTS
from qti.xml import QTI3_NS, QtiXmlError, local_name, qti_parse
from roster.models import Org

__all__ = ["ImportReport", "Problem", "package_import"]

MAX_PACKAGE_BYTES = 200 * 1024 * 1024
MAX_FILES = 20_000
MAX_RATIO = 200

# Resource types: QTI 3.0 package vocabulary (imsqtiv3p0_imscpv1p2), plus 2.x QTI types.
RESOURCE_KINDS: dict[str, ResourceKind] = {
    "imsqti_test_xmlv3p0": ResourceKind.TEST,
    "imsqti_section_xmlv3p0": ResourceKind.SECTION,
    "imsqti_item_xmlv3p0": ResourceKind.ITEM,
    "imsqti_resprocessing_xmlv3p0": ResourceKind.RESPONSE_PROCESSING,
    "imsqti_outcomes_xmlv3p0": ResourceKind.OUTCOMES,
    "imsqti_stimulus_xmlv3p0": ResourceKind.STIMULUS,
    "imsqti_fragment_xmlv3p0": ResourceKind.FRAGMENT,
    "imsqti_rptemplate_xmlv3p0": ResourceKind.RP_TEMPLATE,
    "associatedcontent/learning-application-resource": ResourceKind.WEB_CONTENT,
    "webcontent": ResourceKind.WEB_CONTENT,
    "imsbasiclti_xmlv1p3": ResourceKind.LTI_LINK,
    "controlfile": ResourceKind.CONTROL_FILE,
    "resourcemetadata/xml": ResourceKind.METADATA,
    "resourceextmetadata/xml": ResourceKind.METADATA,
    "qtiusagedata/xml": ResourceKind.USAGE_DATA,
    "pls": ResourceKind.PRONUNCIATION,
    "css2": ResourceKind.STYLESHEET,
    "css3": ResourceKind.STYLESHEET,
    "extension": ResourceKind.EXTENSION,
    "imsqti_item_xmlv2p1": ResourceKind.ITEM,
    "imsqti_item_xmlv2p2": ResourceKind.ITEM,
    "imsqti_test_xmlv2p1": ResourceKind.TEST,
    "imsqti_test_xmlv2p2": ResourceKind.TEST,
}
# The QTI documents stored as resources, with the root element each must have (3.0 names).
DOCUMENT_ROOTS: dict[ResourceKind, tuple[str, ...]] = {
    ResourceKind.ITEM: ("qti-assessment-item",),
    ResourceKind.TEST: ("qti-assessment-test",),
    ResourceKind.SECTION: ("qti-assessment-section",),
    ResourceKind.STIMULUS: ("qti-assessment-stimulus",),
    ResourceKind.OUTCOMES: ("qti-outcome-declaration", "qti-outcome-declarations"),
    ResourceKind.RESPONSE_PROCESSING: ("qti-response-processing",),
    ResourceKind.RP_TEMPLATE: ("qti-response-processing",),
    ResourceKind.FRAGMENT: (),
}
_SINGLE_ROOTS = {
    "qti-assessment-item": ResourceKind.ITEM,
    "qti-assessment-test": ResourceKind.TEST,
    "qti-assessment-section": ResourceKind.SECTION,
    "qti-assessment-stimulus": ResourceKind.STIMULUS,
}


@dataclass(frozen=True)
class Problem:
    file: str
    element: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "file": self.file,
            "element": self.element,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did or would do: counts per kind, problems, the checks that ran."""

    file_name: str
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    converted: list[str] = field(default_factory=list)
    package_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, file: str, element: str, rule: str, message: str) -> None:
        self.problems.append(Problem(file, element, rule, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "fileName": self.file_name,
            "status": ImportStatus.IMPORTED if self.ok else ImportStatus.REFUSED,
            "counts": self.counts,
            "converted": self.converted,
            "checks": self.checks,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class _Document:
    resource: ManifestResource | None
    kind: ResourceKind
    href: str
    root: etree._Element
    source_version: str


def package_import(
    *,
    data: bytes,
    file_name: str,
    org: Org,
    api_client_id: int | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a content package (zip) or a single QTI document (XML) into ``org``."""
    report = ImportReport(file_name=file_name)
    if data[:2] == b"PK":
        files = _unzip(data, report)
        if files is None:
            return report
    else:
        files = {posixpath.basename(file_name) or "document.xml": data}
    if "imsmanifest.xml" in files:
        documents, assets, manifest = _from_manifest(files, report)
    else:
        documents, assets, manifest = _single_documents(files, report), {}, None
    if report.ok:
        _identifiers_free(documents, org, report)
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        package = QtiPackage.objects.create(
            api_client_id=api_client_id,
            org_scope=org,
            file_name=file_name[:255],
            manifest_identifier=(manifest.identifier if manifest else "")[:255],
            status=ImportStatus.IMPORTED,
            metadata=manifest.metadata if manifest else {},
            report={},
        )
        QtiResource.objects.bulk_create(
            [_resource(document, package=package, org=org) for document in documents]
        )
        QtiAsset.objects.bulk_create(
            [
                QtiAsset(
                    package=package,
                    path=path[:1024],
                    content_type=mimetypes.guess_type(path)[0] or "application/octet-stream",
                    size=len(content),
                    data=content,
                )
                for path, content in sorted(assets.items())
            ]
        )
        report.package_id = package.pk
        package.report = report.as_dict()
        package.save(update_fields=["report"])
    return report


# ---- the zip ------------------------------------------------------------------------------


def _unzip(data: bytes, report: ImportReport) -> dict[str, bytes] | None:
    limit = getattr(settings, "QTI_MAX_PACKAGE_BYTES", MAX_PACKAGE_BYTES)
    report.checks.append("zip: size, file count, compression ratio, paths")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        report.problem(report.file_name, "", "zip", f"not a readable zip archive: {exc}")
        return None
    if len(infos) > MAX_FILES:
        report.problem(report.file_name, "", "zip", f"{len(infos)} files, over {MAX_FILES}")
        return None
    total = sum(info.file_size for info in infos)
    if total > limit:
        report.problem(report.file_name, "", "zip", f"{total} bytes unpacked, over {limit}")
        return None
    files: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or name.endswith(".DS_Store"):
            continue
        clean = posixpath.normpath(name)
        if name.startswith("/") or clean.startswith("..") or "\\" in name:
            report.problem(name, "", "zip-path", "a path outside the package is not accepted")
            continue
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            report.problem(name, "", "zip-ratio", "compressed over the ratio accepted")
            continue
        content = archive.read(info)
        if len(content) != info.file_size:
            report.problem(name, "", "zip", "its size differs from the one declared")
            continue
        files[clean] = content
    return files if report.ok else None


# ---- documents ----------------------------------------------------------------------------


def _from_manifest(
    files: dict[str, bytes], report: ImportReport
) -> tuple[list[_Document], dict[str, bytes], Any]:
    manifest = manifest_read(files["imsmanifest.xml"], report=report, schema_dir=_schema_dir())
    if manifest is None:
        return [], {}, None
    documents: list[_Document] = []
    document_paths: set[str] = set()
    identifiers = {r.identifier for r in manifest.resources}
    for resource in manifest.resources:
        for dependency in resource.dependencies:
            if dependency not in identifiers:
                report.problem(
                    "imsmanifest.xml",
                    f"resource[@identifier='{resource.identifier}']/dependency",
                    "dependency",
                    f"identifierref {dependency!r} names no resource of the package",
                )
        kind = RESOURCE_KINDS.get(resource.type)
        if kind is None:
            report.problem(
                "imsmanifest.xml",
                f"resource[@identifier='{resource.identifier}']",
                "resource-type",
                f"type {resource.type!r} is not a resource type of a QTI 3.0 package",
            )
            continue
        if kind not in DOCUMENT_ROOTS:
            continue
        if not resource.href:
            report.problem(
                "imsmanifest.xml",
                f"resource[@identifier='{resource.identifier}']",
                "href",
                "a QTI resource names its document in href",
            )
            continue
        href = posixpath.normpath(resource.href)
        if href not in files:
            report.problem(href, "", "missing-file", "the manifest names a file the package lacks")
            continue
        document = _document(href, files[href], kind, resource, report)
        if document is not None:
            documents.append(document)
            document_paths.add(href)
    assets = {
        path: content
        for path, content in files.items()
        if path != "imsmanifest.xml" and path not in document_paths
    }
    return documents, assets, manifest


def _single_documents(files: dict[str, bytes], report: ImportReport) -> list[_Document]:
    documents = []
    for path, content in sorted(files.items()):
        if not path.lower().endswith(".xml"):
            continue
        document = _document(path, content, None, None, report)
        if document is not None:
            documents.append(document)
    if not documents and report.ok:
        report.problem(report.file_name, "", "content", "no QTI document found")
    return documents


def _document(
    path: str,
    content: bytes,
    kind: ResourceKind | None,
    resource: ManifestResource | None,
    report: ImportReport,
) -> _Document | None:
    try:
        root = qti_parse(content)
    except QtiXmlError as exc:
        report.problem(path, "", exc.rule, str(exc))
        return None
    version = "3.0"
    if is_qti2(root):
        version = "2.x"
        root = qti2_to_qti3(root)
        report.converted.append(path)
    name = local_name(root)
    if kind is None:
        kind = _SINGLE_ROOTS.get(name)
        if kind is None:
            report.problem(path, name, "root", "not a QTI 3.0 item, test, section or stimulus")
            return None
    roots = DOCUMENT_ROOTS.get(kind, ())
    if roots and name not in roots:
        report.problem(path, name, "root", f"a {kind.label} document has the root {roots[0]}")
        return None
    if etree.QName(root).namespace != QTI3_NS:
        report.problem(path, name, "namespace", f"QTI 3.0 documents are in {QTI3_NS}")
        return None
    if kind in _SINGLE_ROOTS.values() and not root.get("identifier"):
        report.problem(path, name, "identifier", "the document has no identifier")
        return None
    for problem in vocabulary_problems(root):
        report.problem(path, problem[0], "vocabulary", problem[1])
    return _Document(resource, kind, path, root, version)


def vocabulary_problems(root: etree._Element) -> list[tuple[str, str]]:
    """Elements of the QTI namespace that are not in the QTI 3.0 vocabulary (the main XSD is
    too large to ship, so items are checked structurally). The open-content subtrees
    (companion materials, catalogs) are skipped whole."""
    problems = []
    prefix = f"{{{QTI3_NS}}}qti-"
    stack = [root]
    while stack:
        element = stack.pop()
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag.startswith(prefix):
            name = tag[len(prefix) - 4 :]
            if name in OPEN_CONTENT:
                continue
            if name not in QTI3_ELEMENTS:
                problems.append((name, f"{name} is not a QTI 3.0 element"))
        stack.extend(reversed(element))
    return problems


def _identifiers_free(documents: list[_Document], org: Org, report: ImportReport) -> None:
    seen: set[tuple[str, str]] = set()
    for document in documents:
        key = (document.kind.value, _identifier(document))
        if key in seen:
            report.problem(
                document.href,
                local_name(document.root),
                "identifier",
                f"identifier {key[1]!r} appears twice in the package",
            )
        seen.add(key)
    taken = set(
        QtiResource.objects.filter(
            org_scope=org, kind__in={k for k, _ in seen}, identifier__in={i for _, i in seen}
        ).values_list("kind", "identifier")
    )
    for document in documents:
        key = (document.kind.value, _identifier(document))
        if key in taken:
            report.problem(
                document.href,
                local_name(document.root),
                "identifier",
                f"identifier {key[1]!r} is already used in this organisation",
            )
    report.counts = {}
    for document in documents:
        report.counts[document.kind.value] = report.counts.get(document.kind.value, 0) + 1


def _identifier(document: _Document) -> str:
    """In a package, the manifest's resource identifier: tests refer to their items by it
    (``qti-assessment-item-ref/@identifier``), and it is unique in the package where the
    documents' own identifiers need not be. Alone, the document's identifier."""
    if document.resource is not None:
        return document.resource.identifier
    return str(document.root.get("identifier") or document.href)


def _resource(document: _Document, *, package: QtiPackage, org: Org) -> QtiResource:
    summary = document_summary(document.root)
    metadata = dict(document.resource.metadata) if document.resource else {}
    metadata.update(timeback_metadata(metadata))
    return QtiResource(
        kind=document.kind,
        identifier=_identifier(document)[:255],
        title=str(document.root.get("title") or "")[:1024],
        org_scope=org,
        package=package,
        href=document.href[:1024],
        xml=etree.tostring(document.root, encoding="unicode"),
        source_version=document.source_version,
        parsed=summary,
        metadata=metadata,
        dependencies=list(document.resource.dependencies) if document.resource else [],
    )


def _schema_dir() -> Path | None:
    configured = getattr(settings, "QTI_SCHEMA_DIR", "")
    if not configured:
        return None
    path = Path(configured)
    return path if path.is_dir() else None
