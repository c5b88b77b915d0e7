"""1EdTech scope URIs and their short names.

Clients send the OneRoster 1.2 spellings (``.../spec/or/v1p2/scope/roster.readonly``) or the
``v1p1`` spellings that Timeback's documents declare; both mean the same short name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ALL_SCOPES", "ONEROSTER_SCOPES", "normalize_scope", "normalize_scopes", "scope_uri"]

ONEROSTER_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"

# Short name → description. Every name is also a valid ``scope`` request value.
ONEROSTER_SCOPES: dict[str, str] = {
    "admin": "Everything in the OneRoster services",
    "roster-core.readonly": "Read orgs, sessions, courses, classes, users, enrollments",
    "roster.readonly": "Read all rostering endpoints except demographics",
    "roster-demographics.readonly": "Read demographics",
    "roster.createput": "Create and replace rostering objects",
    "roster.delete": "Delete rostering objects",
    "roster-demographics.createput": "Create and replace demographics",
    "roster-demographics.delete": "Delete demographics",
    "gradebook-core.readonly": "Read categories, line items, results, score scales",
    "gradebook.readonly": "Read all gradebook endpoints",
    "gradebook.createput": "Create and replace gradebook objects",
    "gradebook.createpost": "Create gradebook objects with server-allocated ids",
    "gradebook.delete": "Delete gradebook objects",
    "assessment.readonly": "Read assessment line items and results",
    "assessment.createput": "Create and replace assessment line items and results",
    "assessment.delete": "Delete assessment line items and results",
    "resource-core.readonly": "Read resources",
    "resource.readonly": "Read all resources endpoints",
    "resource.createput": "Create and replace resources",
    "resource.delete": "Delete resources",
}

_URI = re.compile(r"^https?://purl\.imsglobal\.org/spec/or/v1p[12]/scope/(?P<name>[\w.\-]+)$")

ALL_SCOPES: dict[str, str] = {
    **{ONEROSTER_PREFIX + name: text for name, text in ONEROSTER_SCOPES.items()},
    **{
        ONEROSTER_PREFIX.replace("v1p2", "v1p1") + name: text
        for name, text in ONEROSTER_SCOPES.items()
    },
}


def normalize_scope(scope: str) -> str | None:
    """The short name of a scope URI or short name; None if it is not a known scope."""
    match = _URI.match(scope)
    name = match.group("name") if match else scope
    return name if name in ONEROSTER_SCOPES else None


def normalize_scopes(scopes: Iterable[str]) -> set[str]:
    return {n for n in (normalize_scope(s) for s in scopes) if n}


def scope_uri(name: str) -> str:
    return ONEROSTER_PREFIX + name
