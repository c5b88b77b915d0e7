"""Safe XML for QTI: one parser configuration for every item, test, stimulus, manifest and
results document, and the namespaces the QTI app reads.

The parser never resolves entities, never loads a DTD or anything from the network, refuses
a DOCTYPE that declares entities (billion laughs, external entities), and refuses input
above ``QTI_MAX_XML_BYTES``; lxml's own limits on depth and text size stay on
(``huge_tree=False``). Every refusal is a ``QtiXmlError`` naming the rule broken and, where
the parser knows it, the line.
"""

from __future__ import annotations

import re

from django.conf import settings
from lxml import etree

__all__ = [
    "QTI2_NAMESPACES",
    "QTI3_NS",
    "QtiXmlError",
    "local_name",
    "qti_parse",
]

QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI2_NAMESPACES = (
    "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2",
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class QtiXmlError(ValueError):
    """XML that is refused: not well-formed, hostile or too large."""

    def __init__(self, message: str, *, rule: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.line = line

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.rule}: {self.message}{where}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def qti_parse(data: bytes | str, *, max_bytes: int | None = None) -> etree._Element:
    """Parse one XML document safely and return its root element."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    limit = int(max_bytes or getattr(settings, "QTI_MAX_XML_BYTES", None) or DEFAULT_MAX_BYTES)
    if len(raw) > limit:
        raise QtiXmlError(f"the document is {len(raw)} bytes, over {limit}", rule="size")
    if _DOCTYPE.search(raw):
        if _ENTITY_DECLARATION.search(raw):
            raise QtiXmlError("entity declarations are not accepted", rule="entities")
        raise QtiXmlError("a DOCTYPE is not accepted in QTI content", rule="doctype")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise QtiXmlError(str(exc.msg or exc), rule="well-formed", line=exc.lineno) from exc
    if root is None:
        raise QtiXmlError("the document is empty", rule="well-formed")
    return root


def local_name(element: etree._Element) -> str:
    """An element's name without its namespace (``qti-choice-interaction``)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""
