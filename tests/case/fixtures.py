"""A small CASE 1.1 framework of our own: every class of the package (items, associations of
several types, every definition list, a rubric with criteria and levels), 1.1 fields
(frameworkType, caseVersion, subject on items, notes on associations, extensions) and one
field beyond the binding, as real exports have."""

from __future__ import annotations

import copy
from typing import Any

DOC = "c0a80101-0000-4000-8000-000000000001"
ROOT = "c0a80101-0000-4000-8000-000000000010"
CHILD_A = "c0a80101-0000-4000-8000-000000000011"
CHILD_B = "c0a80101-0000-4000-8000-000000000012"
BASE = "https://standards.example.org/ims/case/v1p1"
WHEN = "2025-01-15T10:00:00+00:00"


def _link(kind: str, ident: str, title: str) -> dict[str, str]:
    return {"title": title, "identifier": ident, "uri": f"{BASE}/{kind}/{ident}"}


def _uuid(n: int) -> str:
    return f"c0a80101-0000-4000-8000-{n:012d}"


PACKAGE: dict[str, Any] = {
    "CFDocument": {
        "identifier": DOC,
        "uri": f"{BASE}/CFDocuments/{DOC}",
        "creator": "Example Standards Board",
        "title": "Example Mathematics",
        "lastChangeDateTime": WHEN,
        "publisher": "Example",
        "description": "A small framework for tests",
        "subject": ["Mathematics"],
        "subjectURI": [_link("CFSubjects", _uuid(900), "Mathematics")],
        "language": "en",
        "version": "1.0",
        "adoptionStatus": "Adopted",
        "frameworkType": "Standards",
        "caseVersion": "1.1",
        "licenseURI": _link("CFLicenses", _uuid(901), "CC BY 4.0"),
        "extensions": {"publisherCode": "EX-MATH"},
    },
    "CFItems": [
        {
            "identifier": ROOT,
            "uri": f"{BASE}/CFItems/{ROOT}",
            "fullStatement": "Number and operations",
            "humanCodingScheme": "EX.NO",
            "CFItemType": "Domain",
            "CFItemTypeURI": _link("CFItemTypes", _uuid(902), "Domain"),
            "educationLevel": ["03", "04"],
            "lastChangeDateTime": WHEN,
            "subject": ["Mathematics"],
        },
        {
            "identifier": CHILD_A,
            "uri": f"{BASE}/CFItems/{CHILD_A}",
            "fullStatement": "Add fractions with like denominators.",
            "humanCodingScheme": "EX.NO.1",
            "listEnumeration": "1",
            "abbreviatedStatement": "Add fractions",
            "conceptKeywords": ["fractions", "addition"],
            "conceptKeywordsURI": _link("CFConcepts", _uuid(903), "fractions"),
            "CFItemType": "Standard",
            "educationLevel": ["04"],
            "language": "en",
            "notes": "Denominators up to 12.",
            "lastChangeDateTime": WHEN,
            "statusStartDate": "2025-01-01",
        },
        {
            "identifier": CHILD_B,
            "uri": f"{BASE}/CFItems/{CHILD_B}",
            "fullStatement": "Compare fractions using **benchmarks**.",
            "humanCodingScheme": "EX.NO.2",
            "listEnumeration": "2",
            "CFItemType": "Standard",
            "educationLevel": ["04"],
            "lastChangeDateTime": WHEN,
            "alternativeLabel": "Compare",
            "vendorField": {"kept": True},
        },
    ],
    "CFAssociations": [
        {
            "identifier": _uuid(100),
            "uri": f"{BASE}/CFAssociations/{_uuid(100)}",
            "associationType": "isChildOf",
            "originNodeURI": _link("CFItems", ROOT, "EX.NO"),
            "destinationNodeURI": _link("CFDocuments", DOC, "Example Mathematics"),
            "sequenceNumber": 1,
            "lastChangeDateTime": WHEN,
        },
        {
            "identifier": _uuid(101),
            "uri": f"{BASE}/CFAssociations/{_uuid(101)}",
            "associationType": "isChildOf",
            "originNodeURI": _link("CFItems", CHILD_B, "EX.NO.2"),
            "destinationNodeURI": _link("CFItems", ROOT, "EX.NO"),
            "sequenceNumber": 2,
            "lastChangeDateTime": WHEN,
        },
        {
            "identifier": _uuid(102),
            "uri": f"{BASE}/CFAssociations/{_uuid(102)}",
            "associationType": "isChildOf",
            "originNodeURI": _link("CFItems", CHILD_A, "EX.NO.1"),
            "destinationNodeURI": _link("CFItems", ROOT, "EX.NO"),
            "sequenceNumber": 1,
            "lastChangeDateTime": WHEN,
            "CFAssociationGroupingURI": _link("CFAssociationGroupings", _uuid(904), "Core"),
        },
        {
            "identifier": _uuid(103),
            "uri": f"{BASE}/CFAssociations/{_uuid(103)}",
            "associationType": "precedes",
            "originNodeURI": _link("CFItems", CHILD_A, "EX.NO.1"),
            "destinationNodeURI": _link("CFItems", CHILD_B, "EX.NO.2"),
            "lastChangeDateTime": WHEN,
            "notes": "Addition first.",
        },
        {
            "identifier": _uuid(104),
            "uri": f"{BASE}/CFAssociations/{_uuid(104)}",
            "associationType": "exactMatchOf",
            "originNodeURI": _link("CFItems", CHILD_A, "EX.NO.1"),
            "destinationNodeURI": {
                "title": "4.NF.B.3",
                "identifier": "external-4nfb3",
                "uri": "https://other.example.org/CFItems/external-4nfb3",
                "targetType": "CFItem",
            },
            "lastChangeDateTime": WHEN,
        },
    ],
    "CFDefinitions": {
        "CFConcepts": [
            {
                "identifier": _uuid(903),
                "uri": f"{BASE}/CFConcepts/{_uuid(903)}",
                "title": "fractions",
                "hierarchyCode": "1",
                "keywords": "fractions",
                "lastChangeDateTime": WHEN,
            }
        ],
        "CFSubjects": [
            {
                "identifier": _uuid(900),
                "uri": f"{BASE}/CFSubjects/{_uuid(900)}",
                "title": "Mathematics",
                "hierarchyCode": "1",
                "lastChangeDateTime": WHEN,
            }
        ],
        "CFLicenses": [
            {
                "identifier": _uuid(901),
                "uri": f"{BASE}/CFLicenses/{_uuid(901)}",
                "title": "CC BY 4.0",
                "licenseText": "Creative Commons Attribution 4.0",
                "lastChangeDateTime": WHEN,
            }
        ],
        "CFItemTypes": [
            {
                "identifier": _uuid(902),
                "uri": f"{BASE}/CFItemTypes/{_uuid(902)}",
                "title": "Domain",
                "description": "A domain of a subject",
                "hierarchyCode": "1",
                "lastChangeDateTime": WHEN,
            }
        ],
        "CFAssociationGroupings": [
            {
                "identifier": _uuid(904),
                "uri": f"{BASE}/CFAssociationGroupings/{_uuid(904)}",
                "title": "Core",
                "lastChangeDateTime": WHEN,
            }
        ],
    },
    "CFRubrics": [
        {
            "identifier": _uuid(200),
            "uri": f"{BASE}/CFRubrics/{_uuid(200)}",
            "title": "Adding fractions",
            "lastChangeDateTime": WHEN,
            "CFRubricCriteria": [
                {
                    "identifier": _uuid(201),
                    "uri": f"{BASE}/CFRubricCriteria/{_uuid(201)}",
                    "category": "Accuracy",
                    "CFItemURI": _link("CFItems", CHILD_A, "EX.NO.1"),
                    "weight": 1.0,
                    "position": 1,
                    "rubricId": _uuid(200),
                    "lastChangeDateTime": WHEN,
                    "CFRubricCriterionLevels": [
                        {
                            "identifier": _uuid(202),
                            "uri": f"{BASE}/CFRubricCriterionLevels/{_uuid(202)}",
                            "description": "Correct sum",
                            "quality": "Proficient",
                            "score": 2,
                            "position": 1,
                            "rubricCriterionId": _uuid(201),
                            "lastChangeDateTime": WHEN,
                        }
                    ],
                }
            ],
        }
    ],
}


def package() -> dict[str, Any]:
    """A fresh copy of the framework (tests may change theirs)."""
    return copy.deepcopy(PACKAGE)
