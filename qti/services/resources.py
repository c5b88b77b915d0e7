"""Writes of single QTI documents through the QTI API: items and stimuli created, replaced
and deleted one at a time, each checked like a document of an imported package first.

``document_check`` is the check both the writes and ``POST /validate`` run: safe parsing
(``qti.xml.qti_parse``), QTI 2.x converted to 3.0 (``qti.services.convert``), the root
element and namespace the kind requires, an identifier, and the structural check against the
QTI 3.0 element vocabulary (``qti.services.packages.vocabulary_problems``; the main item/test
XSD is too large to ship). Items are also compiled by the response-processing engine, so an
item that could not be scored is refused when it is stored, not when it is answered. The
result says which checks ran.

Bad input raises an ``ApplicationError`` (400) naming the field; nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from lxml import etree

from common.exceptions import ApplicationError, Conflict
from qti.choices import ResourceKind
from qti.models import QtiResource
from qti.processing import ItemScorer, QtiProcessingError
from qti.services.convert import is_qti2, qti2_to_qti3
from qti.services.documents import document_summary
from qti.services.packages import DOCUMENT_ROOTS, vocabulary_problems
from qti.xml import QTI3_NS, QtiXmlError, local_name, qti_parse

__all__ = [
    "CHECKS_NOTE",
    "DocumentCheck",
    "document_check",
    "qti_resource_create",
    "qti_resource_delete",
    "qti_resource_update",
    "stimulus_xml_build",
    "timeback_metadata_clean",
]

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

MSG_XML_MISSING = "xml: the document's XML is required (send format 'xml' with xml, or rawXml)"
MSG_XML_INVALID = "xml: the document is not a valid QTI 3.0 {kind}: {problems}"
MSG_IDENTIFIER_MISMATCH = (
    "identifier: the document's identifier {found!r} differs from {expected!r} in the path"
)
MSG_IDENTIFIER_TAKEN = "identifier: {identifier!r} is already used by a {kind} of this organisation"
MSG_METADATA_OBJECT = "metadata: must be an object"
MSG_METADATA_STRING = "metadata.{name}: must be a string"
MSG_METADATA_GRADE = "metadata.grade: must be one of -1 … 13 (as a string), got {value!r}"
MSG_METADATA_DIFFICULTY = "metadata.difficulty: must be easy, medium or hard, got {value!r}"
MSG_METADATA_LOS = (
    "metadata.learningObjectiveSet: must be a list of "
    "{{source: string, learningObjectiveIds: [string, …]}}"
)
MSG_STIMULUS_FIELD = "{name}: is required and must be a non-empty string"
MSG_STIMULUS_CONTENT = "content: is not well-formed XHTML ({reason})"
MSG_STIMULUS_CATALOG = "catalogInfo: must be a list of {{id, support, content}} strings"
MSG_STIMULUS_STYLESHEET = "stylesheet: must be an object with href and type strings"

# The checks a report names.
CHECK_PARSE = "well-formed (safe parser: no DTD, entities or network; size limit)"
CHECK_CONVERT = "QTI 2.x converted to 3.0"
CHECK_ROOT = "root element and QTI 3.0 namespace"
CHECK_IDENTIFIER = "identifier present"
CHECK_VOCABULARY = "structural: every qti-* element is in the QTI 3.0 vocabulary"
CHECK_PROCESSING = "response processing compiles"
CHECKS_NOTE = (
    "The QTI 3.0 item/test XSD is not available here: documents are checked structurally "
    "against the QTI 3.0 element vocabulary."
)

GRADES = frozenset(str(g) for g in range(-1, 14))
DIFFICULTIES = frozenset({"easy", "medium", "hard"})
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ASI_SCHEMA_LOCATION = (
    f"{QTI3_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Document check (shared by the writes and POST /validate)
# ---------------------------------------------------------------------------------------------


@dataclass
class DocumentCheck:
    """What checking one document found: its parsed root (None when it could not be parsed),
    the problems (``"<element>: <message>"``) and the checks that ran, in order."""

    kind: str
    root: etree._Element | None = None
    source_version: str = "3.0"
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.root is not None and not self.problems

    @property
    def identifier(self) -> str:
        return str(self.root.get("identifier") or "") if self.root is not None else ""


def document_check(*, xml: str | bytes, kind: str) -> DocumentCheck:
    """Check one item, stimulus or test document (``kind`` is a ``ResourceKind`` value)."""
    result = DocumentCheck(kind=kind)
    result.checks.append(CHECK_PARSE)
    try:
        root = qti_parse(xml)
    except QtiXmlError as exc:
        result.problems.append(str(exc))
        return result
    if is_qti2(root):
        result.checks.append(CHECK_CONVERT)
        root = qti2_to_qti3(root)
        result.source_version = "2.x"
    result.root = root
    result.checks.append(CHECK_ROOT)
    name = local_name(root)
    roots = DOCUMENT_ROOTS[ResourceKind(kind)]
    if name not in roots:
        result.problems.append(f"{name}: a {ResourceKind(kind).label} has the root {roots[0]}")
        return result
    if etree.QName(root).namespace != QTI3_NS:
        result.problems.append(f"{name}: QTI 3.0 documents are in the namespace {QTI3_NS}")
        return result
    result.checks.append(CHECK_IDENTIFIER)
    if not root.get("identifier"):
        result.problems.append(f"{name}: the identifier attribute is missing")
    result.checks.append(CHECK_VOCABULARY)
    result.problems.extend(f"{el}: {msg}" for el, msg in vocabulary_problems(root))
    if kind == ResourceKind.ITEM and not result.problems:
        result.checks.append(CHECK_PROCESSING)
        try:
            ItemScorer(root)
        except (QtiProcessingError, ValueError) as exc:  # the engine names the rule
            result.problems.append(f"qti-response-processing: {exc}")
    return result


def _checked_root(*, xml: str | bytes | None, kind: str) -> DocumentCheck:
    if xml is None or (isinstance(xml, str | bytes) and not xml.strip()):
        raise ApplicationError(MSG_XML_MISSING, field="xml")
    if not isinstance(xml, str | bytes):
        raise ApplicationError(MSG_XML_MISSING, field="xml")
    check = document_check(xml=xml, kind=kind)
    if not check.ok:
        message = MSG_XML_INVALID.format(
            kind=ResourceKind(kind).label, problems="; ".join(check.problems)
        )
        raise ApplicationError(message, field="xml", extra={"checks": check.checks})
    return check


# ---------------------------------------------------------------------------------------------
# Timeback metadata
# ---------------------------------------------------------------------------------------------


def timeback_metadata_clean(*, metadata: object) -> dict[str, Any]:
    """Timeback's item metadata, checked: ``subject`` a string, ``grade`` -1 … 13,
    ``difficulty`` easy / medium / hard, ``learningObjectiveSet`` a list of
    ``{source, learningObjectiveIds}``. Other keys are kept as they are.

    A grade keeps the JSON type it was sent in: Timeback's OpenAPI document spells grades as
    strings ("3"), while the official client sends and reads them as numbers (3) and refuses
    a string when it reads the item back."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ApplicationError(MSG_METADATA_OBJECT, field="metadata")
    out = dict(metadata)
    for name in ("subject", "standard", "lesson"):
        if name in out and not isinstance(out[name], str):
            raise ApplicationError(MSG_METADATA_STRING.format(name=name), field=f"metadata.{name}")
    if "grade" in out:
        grade = out["grade"]
        spelled = str(grade) if isinstance(grade, int) and not isinstance(grade, bool) else grade
        if spelled not in GRADES:
            raise ApplicationError(
                MSG_METADATA_GRADE.format(value=out["grade"]), field="metadata.grade"
            )
    if "difficulty" in out and out["difficulty"] not in DIFFICULTIES:
        raise ApplicationError(
            MSG_METADATA_DIFFICULTY.format(value=out["difficulty"]), field="metadata.difficulty"
        )
    if "learningObjectiveSet" in out:
        los = out["learningObjectiveSet"]
        if not isinstance(los, list) or not all(
            isinstance(entry, Mapping)
            and isinstance(entry.get("source"), str)
            and isinstance(entry.get("learningObjectiveIds"), list)
            and all(isinstance(i, str) for i in entry["learningObjectiveIds"])
            for entry in los
        ):
            raise ApplicationError(MSG_METADATA_LOS, field="metadata.learningObjectiveSet")
    return out


# ---------------------------------------------------------------------------------------------
# Stimuli sent as JSON
# ---------------------------------------------------------------------------------------------


def _required_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(MSG_STIMULUS_FIELD.format(name=name), field=name)
    return value


def _xhtml_fragment(*, parent: etree._Element, markup: str, field_name: str) -> None:
    """Parse ``markup`` (XHTML content) into ``parent``, in the QTI namespace."""
    wrapped = f'<wrapper xmlns="{QTI3_NS}">{_XML_DECLARATION.sub("", markup)}</wrapper>'
    try:
        wrapper = qti_parse(wrapped)
    except QtiXmlError as exc:
        message = MSG_STIMULUS_CONTENT.format(reason=str(exc)).replace("content:", f"{field_name}:")
        raise ApplicationError(message, field=field_name) from exc
    parent.text = wrapper.text
    for child in list(wrapper):
        parent.append(child)


def stimulus_xml_build(*, data: Mapping[str, Any]) -> str:
    """The QTI 3.0 stimulus document for Timeback's JSON stimulus (``identifier``, ``title``,
    ``content`` as XHTML, optional ``label``, ``language``, ``stylesheet``, ``catalogInfo``,
    ``toolName``, ``toolVersion``)."""
    identifier = _required_text(data, "identifier")
    title = _required_text(data, "title")
    content = _required_text(data, "content")
    q = f"{{{QTI3_NS}}}"
    root = etree.Element(f"{q}qti-assessment-stimulus", nsmap={None: QTI3_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", ASI_SCHEMA_LOCATION)
    root.set("identifier", identifier)
    root.set(f"{{{XML_NS}}}lang", str(data.get("language") or "en"))
    root.set("title", title)
    for key, attribute in (
        ("label", "label"),
        ("toolName", "tool-name"),
        ("toolVersion", "tool-version"),
    ):
        if data.get(key) is not None:
            if not isinstance(data[key], str):
                raise ApplicationError(
                    MSG_METADATA_STRING.format(name=key).replace("metadata.", ""), field=key
                )
            root.set(attribute, data[key])
    stylesheet = data.get("stylesheet")
    if stylesheet is not None:
        if not (
            isinstance(stylesheet, Mapping)
            and isinstance(stylesheet.get("href"), str)
            and isinstance(stylesheet.get("type"), str)
        ):
            raise ApplicationError(MSG_STIMULUS_STYLESHEET, field="stylesheet")
        etree.SubElement(
            root, f"{q}qti-stylesheet", href=stylesheet["href"], type=stylesheet["type"]
        )
    body = etree.SubElement(root, f"{q}qti-stimulus-body")
    _xhtml_fragment(parent=body, markup=content, field_name="content")
    catalog = data.get("catalogInfo")
    if catalog:
        if not isinstance(catalog, list) or not all(
            isinstance(c, Mapping)
            and all(isinstance(c.get(k), str) for k in ("id", "support", "content"))
            for c in catalog
        ):
            raise ApplicationError(MSG_STIMULUS_CATALOG, field="catalogInfo")
        info = etree.SubElement(root, f"{q}qti-catalog-info")
        for entry in catalog:
            card_parent = etree.SubElement(info, f"{q}qti-catalog", id=entry["id"])
            card = etree.SubElement(card_parent, f"{q}qti-card", support=entry["support"])
            html = etree.SubElement(card, f"{q}qti-html-content")
            _xhtml_fragment(parent=html, markup=entry["content"], field_name="catalogInfo")
    return etree.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------
# Create / replace / delete
# ---------------------------------------------------------------------------------------------


def _serialize(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


@transaction.atomic
def qti_resource_create(
    *, org_id: int, kind: str, xml: str | bytes | None, metadata: object = None
) -> QtiResource:
    """Store a new item, stimulus or test of organisation ``org_id`` from its XML.

    400 naming the field when the XML or metadata is refused; 409 when the identifier is
    already used by a resource of this kind in the organisation."""
    clean_metadata = timeback_metadata_clean(metadata=metadata)
    check = _checked_root(xml=xml, kind=kind)
    assert check.root is not None
    identifier = check.identifier
    taken_message = MSG_IDENTIFIER_TAKEN.format(
        identifier=identifier, kind=ResourceKind(kind).label
    )
    if QtiResource.objects.filter(org_scope_id=org_id, kind=kind, identifier=identifier).exists():
        raise Conflict(taken_message, field="identifier")
    resource = QtiResource(
        kind=kind,
        identifier=identifier,
        title=str(check.root.get("title") or ""),
        org_scope_id=org_id,
        xml=_serialize(check.root),
        source_version=check.source_version,
        parsed=document_summary(check.root),
        metadata=clean_metadata,
    )
    resource.full_clean(exclude=["org_scope", "package"], validate_constraints=False)
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError as exc:  # a concurrent create of the same identifier won
        raise Conflict(taken_message, field="identifier") from exc
    return resource


@transaction.atomic
def qti_resource_update(
    *,
    resource: QtiResource,
    xml: str | bytes | None = None,
    metadata: object = None,
) -> QtiResource:
    """Replace a resource's document (when ``xml`` is given) and/or its metadata (when
    ``metadata`` is given; it replaces the Timeback metadata as a whole). The document keeps
    its identifier: one that differs from the stored identifier is refused (400)."""
    if xml is None and metadata is None:
        raise ApplicationError(MSG_XML_MISSING, field="xml")
    if metadata is not None:
        resource.metadata = timeback_metadata_clean(metadata=metadata)
    if xml is not None:
        check = _checked_root(xml=xml, kind=resource.kind)
        assert check.root is not None
        if check.identifier != resource.identifier:
            raise ApplicationError(
                MSG_IDENTIFIER_MISMATCH.format(
                    found=check.identifier, expected=resource.identifier
                ),
                field="identifier",
            )
        resource.title = str(check.root.get("title") or "")
        resource.xml = _serialize(check.root)
        resource.source_version = check.source_version
        resource.parsed = document_summary(check.root)
    resource.full_clean(exclude=["org_scope", "package"], validate_constraints=False)
    resource.save()
    return resource


@transaction.atomic
def qti_resource_delete(*, resource: QtiResource) -> None:
    """Delete one resource (tests that refer to it keep their reference, as in a package)."""
    resource.delete()
