"""The demo district's standards: a small CASE framework of our own (fractions, grades 3–5,
written for the demo), so that `make run` has a framework to browse and content aligned to it.
Identifiers are derived from names (UUID 5): importing it again changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from case.choices import FrameworkSource
from case.services.packages import ImportReport, framework_import

__all__ = ["DEMO_FRAMEWORK_ID", "DEMO_STANDARDS", "case_demo_seed", "demo_standard_id"]

_NAMESPACE = uuid.UUID("7b0e4c1e-2f7a-4d7e-9b51-3c8d2a6f0e11")
_BASE = "https://timeback.invalid/ims/case/v1p1"
_WHEN = "2026-01-05T09:00:00+00:00"
DEMO_FRAMEWORK_ID = str(uuid.uuid5(_NAMESPACE, "framework"))

# code → (parent code or "", item type, grade, statement)
DEMO_STANDARDS: dict[str, tuple[str, str, str, str]] = {
    "TB.NF": ("", "Domain", "", "Number and operations: fractions"),
    "TB.NF.3": ("TB.NF", "Cluster", "03", "Understand fractions as numbers"),
    "TB.NF.3.1": (
        "TB.NF.3",
        "Standard",
        "03",
        "Explain a unit fraction 1/b as one of b equal parts of a whole.",
    ),
    "TB.NF.3.2": (
        "TB.NF.3",
        "Standard",
        "03",
        "Place fractions on a number line between 0 and 1.",
    ),
    "TB.NF.3.3": (
        "TB.NF.3",
        "Standard",
        "03",
        "Tell when two fractions are equivalent and compare fractions with the same "
        "numerator or denominator.",
    ),
    "TB.NF.4": ("TB.NF", "Cluster", "04", "Build fractions from unit fractions"),
    "TB.NF.4.1": (
        "TB.NF.4",
        "Standard",
        "04",
        "Generate equivalent fractions by multiplying numerator and denominator by the same "
        "number.",
    ),
    "TB.NF.4.2": (
        "TB.NF.4",
        "Standard",
        "04",
        "Compare two fractions with different numerators and denominators, using a "
        "benchmark such as 1/2.",
    ),
    "TB.NF.4.3": (
        "TB.NF.4",
        "Standard",
        "04",
        "Find a fraction of a whole number by dividing it into equal groups.",
    ),
    "TB.NF.5": ("TB.NF", "Cluster", "05", "Add and subtract fractions"),
    "TB.NF.5.1": (
        "TB.NF.5",
        "Standard",
        "05",
        "Add and subtract fractions with unlike denominators using equivalent fractions.",
    ),
}


def demo_standard_id(code: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, code))


def _link(kind: str, ident: str, title: str) -> dict[str, str]:
    return {"title": title, "identifier": ident, "uri": f"{_BASE}/{kind}/{ident}"}


def _package() -> dict[str, Any]:
    title = "Timeback Demo Mathematics: Fractions (Grades 3–5)"
    document = {
        "identifier": DEMO_FRAMEWORK_ID,
        "uri": f"{_BASE}/CFDocuments/{DEMO_FRAMEWORK_ID}",
        "creator": "Timeback demo",
        "title": title,
        "lastChangeDateTime": _WHEN,
        "description": "A small framework written for the demo district.",
        "subject": ["Mathematics"],
        "language": "en",
        "version": "1.0",
        "adoptionStatus": "Draft",
        "caseVersion": "1.1",
    }
    items, associations = [], []
    siblings: dict[str, int] = {}
    for code, (parent, kind, grade, statement) in DEMO_STANDARDS.items():
        ident = demo_standard_id(code)
        item: dict[str, Any] = {
            "identifier": ident,
            "uri": f"{_BASE}/CFItems/{ident}",
            "fullStatement": statement,
            "humanCodingScheme": code,
            "CFItemType": kind,
            "language": "en",
            "lastChangeDateTime": _WHEN,
        }
        if grade:
            item["educationLevel"] = [grade]
        items.append(item)
        siblings[parent] = siblings.get(parent, 0) + 1
        destination = (
            _link("CFItems", demo_standard_id(parent), parent)
            if parent
            else _link("CFDocuments", DEMO_FRAMEWORK_ID, title)
        )
        assoc_id = str(uuid.uuid5(_NAMESPACE, f"{code}:isChildOf"))
        associations.append(
            {
                "identifier": assoc_id,
                "uri": f"{_BASE}/CFAssociations/{assoc_id}",
                "associationType": "isChildOf",
                "originNodeURI": _link("CFItems", ident, code),
                "destinationNodeURI": destination,
                "sequenceNumber": siblings[parent],
                "lastChangeDateTime": _WHEN,
            }
        )
    precedes = str(uuid.uuid5(_NAMESPACE, "TB.NF.4.1:precedes:TB.NF.5.1"))
    associations.append(
        {
            "identifier": precedes,
            "uri": f"{_BASE}/CFAssociations/{precedes}",
            "associationType": "precedes",
            "originNodeURI": _link("CFItems", demo_standard_id("TB.NF.4.1"), "TB.NF.4.1"),
            "destinationNodeURI": _link("CFItems", demo_standard_id("TB.NF.5.1"), "TB.NF.5.1"),
            "lastChangeDateTime": _WHEN,
        }
    )
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def case_demo_seed() -> ImportReport:
    """Store the demo framework (unchanged if it is there)."""
    return framework_import(package=_package(), source=FrameworkSource.FILE, source_ref="demo")
