"""1EdTech scope URIs and their short names, in two families with an admin each.

OneRoster: clients send the OneRoster 1.2 spellings (``.../spec/or/v1p2/scope/roster.readonly``)
or the ``v1p1`` spellings that Timeback's documents declare; both mean the same short name.

Caliper: Timeback's Caliper API declares ``.../spec/caliper/v1p1/scope/event.create`` and
``.../v1p1/scope/admin``; its newer clients request ``.../caliper/v1p2/scope/events.write``.
All event-writing spellings mean ``event.create``; the Caliper admin is ``caliper.admin``.

QTI: Timeback's QTI API declares ``.../spec/qti/v3/scope/{readonly,createput,delete}``
(short names ``qti.readonly``, ``qti.createput``, ``qti.delete``). The family has no admin:
each QTI scope is granted only by itself.

CASE: the 1.1 binding defines ``.../spec/case/v1p1/scope/case.readonly`` (1.0 spelled it
``.../case/v1p0/scope/case.readonly``); both mean ``case.readonly``. Uploading packages, which
CASE itself does not define, takes ``.../case/v1p1/scope/case.createput`` (``case.createput``).
Like QTI, the family has no admin: each CASE scope is granted only by itself.

Each family's admin implies every scope of its own family and none of the other's: a
OneRoster admin cannot send events, a Caliper admin cannot read the roster, neither reaches
QTI content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "ALL_SCOPES",
    "CALIPER_ADMIN",
    "CASE_CREATEPUT",
    "CASE_READONLY",
    "CASE_SCOPES",
    "CALIPER_SCOPES",
    "EVENTS_CREATE",
    "EVENTS_READONLY",
    "KNOWN_SCOPES",
    "ONEROSTER_ADMIN",
    "ONEROSTER_SCOPES",
    "QTI_CREATEPUT",
    "QTI_DELETE",
    "QTI_READONLY",
    "QTI_SCOPES",
    "normalize_scope",
    "normalize_scopes",
    "scope_family_admin",
    "scope_uri",
    "scopes_effective",
]

ONEROSTER_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
CALIPER_PREFIX = "https://purl.imsglobal.org/spec/caliper/v1p2/scope/"
CALIPER_V1P1_PREFIX = "https://purl.imsglobal.org/spec/caliper/v1p1/scope/"
QTI_PREFIX = "https://purl.imsglobal.org/spec/qti/v3/scope/"
CASE_PREFIX = "https://purl.imsglobal.org/spec/case/v1p1/scope/"
CASE_V1P0_PREFIX = "https://purl.imsglobal.org/spec/case/v1p0/scope/"

ONEROSTER_ADMIN = "admin"
CALIPER_ADMIN = "caliper.admin"
EVENTS_CREATE = "event.create"
EVENTS_READONLY = "events.readonly"
QTI_READONLY = "qti.readonly"
QTI_CREATEPUT = "qti.createput"
QTI_DELETE = "qti.delete"
CASE_READONLY = "case.readonly"
CASE_CREATEPUT = "case.createput"

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

CALIPER_SCOPES: dict[str, str] = {
    CALIPER_ADMIN: "Everything in the Caliper services (events, jobs, learning analytics)",
    EVENTS_CREATE: "Send Caliper events and read back what this client sent",
    EVENTS_READONLY: "Read Caliper events, jobs and the learning analytics derived from them",
}

QTI_SCOPES: dict[str, str] = {
    QTI_READONLY: "Read QTI items, stimuli and tests; score responses; validate documents",
    QTI_CREATEPUT: "Create and replace QTI items, stimuli and tests",
    QTI_DELETE: "Delete QTI items, stimuli and tests",
}

CASE_SCOPES: dict[str, str] = {
    CASE_READONLY: "Read CASE frameworks (documents, items, associations, packages, definitions)",
    CASE_CREATEPUT: "Upload and replace CASE framework packages",
}

KNOWN_SCOPES: dict[str, str] = {
    **ONEROSTER_SCOPES,
    **CALIPER_SCOPES,
    **QTI_SCOPES,
    **CASE_SCOPES,
}

# The URI each Caliper short name is stored as.
_CALIPER_URIS: dict[str, str] = {
    CALIPER_ADMIN: CALIPER_V1P1_PREFIX + "admin",
    EVENTS_CREATE: CALIPER_PREFIX + "event.create",
    EVENTS_READONLY: CALIPER_PREFIX + "events.readonly",
}
# Last path segment of a Caliper scope URI (either version) → short name.
_CALIPER_TERMS: dict[str, str] = {
    "admin": CALIPER_ADMIN,
    "event.create": EVENTS_CREATE,
    "events.write": EVENTS_CREATE,
    "events.create": EVENTS_CREATE,
    "events.readonly": EVENTS_READONLY,
}
# Short names a request may use besides KNOWN_SCOPES (the newer clients' term).
_SHORT_ALIASES: dict[str, str] = {"events.write": EVENTS_CREATE}

_ONEROSTER_URI = re.compile(
    r"^https?://purl\.imsglobal\.org/spec/or/v1p[12]/scope/(?P<name>[\w.\-]+)$"
)
_CALIPER_URI = re.compile(
    r"^https?://purl\.imsglobal\.org/spec/caliper/v1p[12]/scope/(?P<name>[\w.\-]+)$"
)
_QTI_URI = re.compile(r"^https?://purl\.imsglobal\.org/spec/qti/v3/scope/(?P<name>[\w.\-]+)$")
# CASE 1.0 declared only the read scope; uploads are spelled in 1.1 alone.
_CASE_URI = re.compile(
    r"^https?://purl\.imsglobal\.org/spec/case/(?P<version>v1p[01])/scope/(?P<name>[\w.\-]+)$"
)

ALL_SCOPES: dict[str, str] = {
    **{ONEROSTER_PREFIX + name: text for name, text in ONEROSTER_SCOPES.items()},
    **{
        ONEROSTER_PREFIX.replace("v1p2", "v1p1") + name: text
        for name, text in ONEROSTER_SCOPES.items()
    },
    **{
        prefix + term: CALIPER_SCOPES[name]
        for prefix in (CALIPER_PREFIX, CALIPER_V1P1_PREFIX)
        for term, name in _CALIPER_TERMS.items()
    },
    **{QTI_PREFIX + name.removeprefix("qti."): text for name, text in QTI_SCOPES.items()},
    **{CASE_PREFIX + name: text for name, text in CASE_SCOPES.items()},
    CASE_V1P0_PREFIX + CASE_READONLY: CASE_SCOPES[CASE_READONLY],
}


def normalize_scope(scope: str) -> str | None:
    """The short name of a scope URI or short name; None if it is not a known scope."""
    match = _ONEROSTER_URI.match(scope)
    if match:
        name = match.group("name")
        return name if name in ONEROSTER_SCOPES else None
    match = _CALIPER_URI.match(scope)
    if match:
        return _CALIPER_TERMS.get(match.group("name"))
    match = _QTI_URI.match(scope)
    if match:
        name = "qti." + match.group("name")
        return name if name in QTI_SCOPES else None
    match = _CASE_URI.match(scope)
    if match:
        name = match.group("name")
        if match.group("version") == "v1p0" and name != CASE_READONLY:
            return None
        return name if name in CASE_SCOPES else None
    if scope in KNOWN_SCOPES:
        return scope
    return _SHORT_ALIASES.get(scope)


def normalize_scopes(scopes: Iterable[str]) -> set[str]:
    return {n for n in (normalize_scope(s) for s in scopes) if n}


def scope_uri(name: str) -> str:
    """The URI a short name is stored as."""
    if name in QTI_SCOPES:
        return QTI_PREFIX + name.removeprefix("qti.")
    if name in CASE_SCOPES:
        return CASE_PREFIX + name
    return _CALIPER_URIS.get(name) or ONEROSTER_PREFIX + name


def scope_family_admin(name: str) -> str:
    """The admin scope of the family ``name`` belongs to (itself for an admin, and for a QTI
    or CASE scope, whose families have no admin)."""
    if name in QTI_SCOPES or name in CASE_SCOPES:
        return name
    return CALIPER_ADMIN if name in CALIPER_SCOPES else ONEROSTER_ADMIN


def scopes_effective(*, requested: Iterable[str], held: Iterable[str]) -> frozenset[str]:
    """The short names of ``requested`` that a client holding ``held`` may use: each one held
    itself or through its own family's admin (never the other family's)."""
    held_names = normalize_scopes(held)
    return frozenset(
        name
        for name in normalize_scopes(requested)
        if name in held_names or scope_family_admin(name) in held_names
    )
