"""The parsed form stored next to each QTI document: what the API, rendering and delivery
read without parsing the XML again."""

from __future__ import annotations

from typing import Any

from lxml import etree

from qti.xml import local_name

__all__ = ["document_summary"]

_DECLARATIONS = {
    "qti-response-declaration": "responseDeclarations",
    "qti-outcome-declaration": "outcomeDeclarations",
    "qti-template-declaration": "templateDeclarations",
    "qti-context-declaration": "contextDeclarations",
}


def _attributes(element: etree._Element) -> dict[str, str]:
    return {etree.QName(k).localname: v for k, v in element.attrib.items()}


def document_summary(root: etree._Element) -> dict[str, Any]:
    """Identifier, title, declarations, interactions, response processing (template or
    custom), stimulus references and, for tests and sections, their structure."""
    name = local_name(root)
    out: dict[str, Any] = {"type": name, **_attributes(root)}
    declarations: dict[str, list[dict[str, Any]]] = {}
    interactions: list[dict[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = local_name(element)
        if tag in _DECLARATIONS and element.getparent() is root:
            declarations.setdefault(_DECLARATIONS[tag], []).append(_attributes(element))
        elif tag.endswith("-interaction"):
            # The element name wins over an attribute called ``type`` (an upload
            # interaction's accepted media type).
            interactions.append({**_attributes(element), "type": tag})
        elif tag == "qti-response-processing" and element.getparent() is root:
            out["responseProcessing"] = (
                {"template": element.get("template")}
                if element.get("template")
                else {"custom": True}
            )
        elif tag == "qti-assessment-stimulus-ref":
            out.setdefault("stimulusRefs", []).append(_attributes(element))
    out.update(declarations)
    if interactions:
        out["interactions"] = interactions
    if name in ("qti-assessment-test", "qti-assessment-section"):
        out["structure"] = [_structure(child) for child in root if _is_structural(child)]
    return out


_STRUCTURAL = {
    "qti-test-part",
    "qti-assessment-section",
    "qti-assessment-item-ref",
    "qti-assessment-section-ref",
}
_SETTINGS = {
    "qti-selection",
    "qti-ordering",
    "qti-item-session-control",
    "qti-time-limits",
    "qti-pre-condition",
    "qti-branch-rule",
    "qti-weight",
    "qti-variable-mapping",
    "qti-template-default",
}


def _is_structural(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and local_name(element) in _STRUCTURAL


def _structure(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {"type": local_name(element), **_attributes(element)}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = local_name(child)
        if tag in _SETTINGS:
            key = tag.removeprefix("qti-")
            entry = {**_attributes(child)}
            if tag in ("qti-pre-condition", "qti-branch-rule"):
                entry["expression"] = etree.tostring(child, encoding="unicode")
            out.setdefault(key, []).append(entry)
        elif tag in _STRUCTURAL:
            out.setdefault("children", []).append(_structure(child))
    return out
