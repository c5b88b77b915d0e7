"""Packages uploaded through the CASE API: create (``POST /CFPackages``) or replace
(``PUT /CFPackages/{id}``), owned by the uploading client's organisation.

Both go through ``framework_import`` (all or nothing, a report naming each problem's place);
this module adds what only the API asks: the raw body's size and JSON, that a replacement
names an existing framework and the same one as its path. Frameworks are public standards,
so any reader sees them; only the organisation that uploaded one may replace it
(``framework_import`` refuses any other).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from case.choices import FrameworkSource
from case.models import CaseDocument
from case.services.packages import ImportProblem, ImportReport, framework_import, package_parse

__all__ = [
    "MSG_IDENTIFIER_MISMATCH",
    "MSG_NO_FRAMEWORK",
    "PackageUpload",
    "framework_upload",
    "upload_limit",
]

MSG_NO_FRAMEWORK = "no framework {identifier!r}: create it with POST /CFPackages"
MSG_IDENTIFIER_MISMATCH = (
    "CFDocument.identifier {found!r} differs from the framework {expected!r} in the path"
)
MSG_EMPTY = "the request has no body: send a CFPackage as JSON"


@dataclass
class PackageUpload:
    """What an upload came to: the import report, or why it was refused before import
    (``bad_request``: not JSON, or naming another framework than its path; ``missing``: a
    replacement of a framework that does not exist)."""

    report: ImportReport
    bad_request: bool = False
    missing: bool = False


def upload_limit() -> int:
    """The largest package body the API reads, in bytes."""
    return int(getattr(settings, "CASE_MAX_PACKAGE_BYTES", 100 * 1024 * 1024))


def framework_upload(
    *,
    body: bytes,
    org_id: int,
    api_client_id: int,
    replaces: str | None = None,
) -> PackageUpload:
    """Import the package in ``body`` for the client ``api_client_id`` of ``org_id``.
    ``replaces``: the identifier a replacement names in its path; the framework must exist
    and the package's ``CFDocument.identifier`` must be the same."""
    if not body:
        return PackageUpload(
            ImportReport(problems=[ImportProblem("", MSG_EMPTY)]), bad_request=True
        )
    package, problems = package_parse(data=body)
    if package is None:
        return PackageUpload(ImportReport(problems=problems), bad_request=True)
    if replaces is not None:
        if not CaseDocument.objects.filter(identifier=replaces).exists():
            problem = ImportProblem("", MSG_NO_FRAMEWORK.format(identifier=replaces))
            return PackageUpload(ImportReport(problems=[problem]), missing=True)
        document = package.get("CFDocument")
        found = document.get("identifier") if isinstance(document, dict) else None
        if isinstance(found, str) and found != replaces:
            problem = ImportProblem(
                "CFDocument.identifier",
                MSG_IDENTIFIER_MISMATCH.format(found=found, expected=replaces),
            )
            return PackageUpload(ImportReport(problems=[problem]), bad_request=True)
    report = framework_import(
        package=package,
        source=FrameworkSource.API,
        org_id=org_id,
        api_client_id=api_client_id,
    )
    return PackageUpload(report)
