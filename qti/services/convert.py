"""QTI 2.1 / 2.2 documents converted to QTI 3.0 on import.

QTI 3.0 renamed the 2.x vocabulary systematically: every QTI element ``camelCase`` became
``qti-kebab-case`` in the namespace ``imsqtiasi_v3p0``, and every QTI attribute
``camelCase`` became ``kebab-case``; the XHTML content elements of the item body keep their
names. The few names that did not follow the rule are in ``_ELEMENT_EXCEPTIONS``. The
standard response-processing template URLs move to their 3.0 form.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from qti.vocabulary import XHTML_ELEMENTS
from qti.xml import QTI2_NAMESPACES, QTI3_NS

__all__ = ["is_qti2", "qti2_to_qti3"]

# XHTML elements keep their names inside QTI 3 content.
_XHTML = XHTML_ELEMENTS | {"object", "param"}
_ELEMENT_EXCEPTIONS = {
    "assessmentItem": "qti-assessment-item",
    "assessmentTest": "qti-assessment-test",
    "assessmentSection": "qti-assessment-section",
    "assessmentItemRef": "qti-assessment-item-ref",
    "assessmentSectionRef": "qti-assessment-section-ref",
    "assessmentStimulus": "qti-assessment-stimulus",
}
_ATTRIBUTE_EXCEPTIONS = {"xml:lang": "xml:lang"}
# QTI 3.0 wraps the content of these elements in a qti-content-body.
_CONTENT_BODY = frozenset(
    {"qti-modal-feedback", "qti-feedback-block", "qti-rubric-block", "qti-template-block"}
)
_TEMPLATE = re.compile(r"rptemplates/(\w+?)(?:\.xml)?$")
_TEMPLATE_BASE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ASI_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _kebab(name: str) -> str:
    return _CAMEL.sub(r"-\1", name).lower()


def is_qti2(root: etree._Element) -> bool:
    return etree.QName(root).namespace in QTI2_NAMESPACES


def qti2_to_qti3(root: etree._Element) -> etree._Element:
    """A QTI 3.0 copy of a QTI 2.x document (the input is left as it is)."""
    source_ns = etree.QName(root).namespace
    return _convert(root, source_ns)


def _convert(element: etree._Element, source_ns: str | None) -> etree._Element:
    qname = etree.QName(element)
    if qname.namespace == source_ns:
        name = qname.localname
        if name in _XHTML:
            new_name = name
        else:
            new_name = _ELEMENT_EXCEPTIONS.get(name) or f"qti-{_kebab(name)}"
        tag = f"{{{QTI3_NS}}}{new_name}"
        convert_attributes = name not in _XHTML
    else:
        tag = element.tag
        convert_attributes = False
    nsmap = {k: v for k, v in (element.nsmap or {}).items() if v != source_ns}
    if element.getparent() is None:
        nsmap[None] = QTI3_NS  # type: ignore[index]
    out = etree.Element(tag, nsmap=nsmap if element.getparent() is None else None)
    for key, value in element.attrib.items():
        key_q = etree.QName(key)
        if key_q.namespace is None and convert_attributes:
            new_key = _ATTRIBUTE_EXCEPTIONS.get(key_q.localname, _kebab(key_q.localname))
        else:
            new_key = key
        if key_q.localname == "schemaLocation" and key_q.namespace == _XSI:
            value = f"{QTI3_NS} {_ASI_XSD}"
        if new_key == "template" and convert_attributes:
            match = _TEMPLATE.search(value)
            if match:
                value = _TEMPLATE_BASE + match.group(1)
        out.set(new_key, value)
    out.tail = element.tail
    target = out
    if etree.QName(tag).localname in _CONTENT_BODY:
        target = etree.SubElement(out, f"{{{QTI3_NS}}}qti-content-body")
    target.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            target.append(_convert(child, source_ns))
        else:  # comments and processing instructions are kept as they are
            target.append(copy.copy(child))
    return out
