"""A framework file uploaded by an operator (the admin's "Import a framework"): a CFPackage
as JSON, or a CSV of items around which a framework is made with the title given.

Both go through ``framework_import``: all or nothing, idempotent by identifier, with its
report. A file that cannot be read as a package is refused with a report of its own (the
problem, nothing stored). A CSV's framework identifier defaults to the one ``case_import``
gives the same file name, so uploading a file again, or importing it from the command line,
updates the same framework.
"""

from __future__ import annotations

import uuid

from case.choices import FrameworkSource
from case.services.packages import ImportProblem, ImportReport, framework_import, package_parse
from case.services.sources import csv_package

__all__ = ["MSG_CSV_TITLE", "csv_document_identifier", "framework_file_import"]

MSG_CSV_TITLE = "a CSV of items needs the framework's title"


def csv_document_identifier(*, file_name: str) -> str:
    """The framework identifier of a CSV named ``file_name`` (as ``case_import`` gives it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"file:{file_name}"))


def framework_file_import(
    *,
    data: bytes,
    file_name: str,
    title: str = "",
    creator: str = "",
    identifier: str = "",
    dry_run: bool = False,
    source: str = FrameworkSource.UPLOAD,
) -> ImportReport:
    """Import the file ``file_name`` (``.csv``: items, in a framework named ``title``;
    anything else: a CFPackage's JSON) as an operator's upload (or file, ``source``)."""
    if file_name.lower().endswith(".csv"):
        if not title.strip():
            return ImportReport(problems=[ImportProblem("", MSG_CSV_TITLE)], dry_run=dry_run)
        document = {
            "identifier": identifier.strip() or csv_document_identifier(file_name=file_name),
            "title": title.strip(),
            "creator": creator.strip(),
        }
        package, problems = csv_package(data=data, document=document)
    else:
        package, problems = package_parse(data=data)
    if package is None:
        return ImportReport(problems=problems, dry_run=dry_run)
    return framework_import(package=package, source=source, source_ref=file_name, dry_run=dry_run)
