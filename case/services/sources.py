"""Where CASE packages come from besides a package file: a spreadsheet of items (the CSV
layout OpenSALT reads and writes), and a CASE server.

A CSV holds items only: ``csv_package`` makes the framework around them (a document named by
the caller) and its tree from each row's ``smartLevel`` (``3.6.2.1`` is a child of ``3.6.2``;
top-level rows are children of the document; the last number orders siblings). Columns beyond
the known ones are kept in the item's ``extensions``. ``framework_csv`` writes the same layout
back.

``case_server_packages`` reads one package (a ``…/CFPackages/{id}`` URL) or every package of a
server (its ``…/ims/case/v1p0`` or ``…/v1p1`` base, through ``/CFDocuments``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from case.models import CaseDocument
from case.services.packages import ImportProblem, package_parse

__all__ = [
    "CSV_COLUMNS",
    "case_server_packages",
    "csv_package",
    "framework_csv",
]

CSV_COLUMNS = (
    "identifier",
    "fullStatement",
    "humanCodingScheme",
    "smartLevel",
    "listEnumeration",
    "abbreviatedStatement",
    "conceptKeywords",
    "notes",
    "language",
    "educationLevel",
    "CFItemType",
    "license",
    "lastChangeDateTime",
)
_LISTS = ("conceptKeywords", "educationLevel")
_TEXTS = (
    "fullStatement",
    "humanCodingScheme",
    "listEnumeration",
    "abbreviatedStatement",
    "notes",
    "language",
    "CFItemType",
)
_NAMESPACE = uuid.UUID("3f1d3a51-8d0e-4c38-9f43-6d8e1f3b2a10")

MSG_CSV = "the file is not a CSV of CASE items: {reason}"
MSG_CSV_COLUMN = "the CSV has no {column!r} column"
MSG_CSV_PARENT = "row {row}: smartLevel {level!r} has no parent row ({parent!r})"
MSG_URL = "{url}: {reason}"


def _base() -> str:
    root = (getattr(settings, "PUBLIC_BASE_URL", "") or "https://timeback.invalid").rstrip("/")
    return f"{root}/ims/case/v1p1"


def _when_text(raw: str) -> str:
    """A CSV time (``2017-08-23 23:48:01``, UTC) as CASE writes it."""
    text = raw.strip()
    if not text:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text  # the import names it
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def _link(obj: Mapping[str, Any], base: str, kind: str) -> dict[str, str]:
    return {
        "title": str(obj.get("title") or obj.get("humanCodingScheme") or obj["identifier"]),
        "identifier": str(obj["identifier"]),
        "uri": str(obj.get("uri") or f"{base}/{kind}/{obj['identifier']}"),
    }


def csv_package(
    *, data: bytes, document: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, list[ImportProblem]]:
    """A package from a CSV of items, inside ``document`` (a CFDocument: at least its
    identifier and title)."""
    try:
        text = data.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error) as exc:
        return None, [ImportProblem("", MSG_CSV.format(reason=exc))]
    header = rows[0].keys() if rows else []
    for column in ("identifier", "fullStatement"):
        if column not in header:
            return None, [ImportProblem("", MSG_CSV_COLUMN.format(column=column))]
    base = _base()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    doc = {
        "identifier": str(document["identifier"]),
        "uri": str(document.get("uri") or f"{base}/CFDocuments/{document['identifier']}"),
        "creator": str(document.get("creator") or "Timeback"),
        "title": str(document["title"]),
        "lastChangeDateTime": str(document.get("lastChangeDateTime") or now),
    }
    items: list[dict[str, Any]] = []
    by_level: dict[str, dict[str, Any]] = {}
    problems: list[ImportProblem] = []
    for row in rows:
        item: dict[str, Any] = {
            "identifier": (row.get("identifier") or "").strip(),
            "uri": f"{base}/CFItems/{(row.get('identifier') or '').strip()}",
        }
        for name in _TEXTS:
            if row.get(name):
                item[name] = row[name]
        for name in _LISTS:
            if row.get(name):
                item[name] = [part.strip() for part in row[name].split(",") if part.strip()]
        if row.get("license"):
            item["licenseURI"] = {"title": row["license"], "identifier": row["license"], "uri": ""}
        item["lastChangeDateTime"] = _when_text(row.get("lastChangeDateTime") or "") or now
        extensions = {k: v for k, v in row.items() if k not in CSV_COLUMNS and k is not None and v}
        if row.get("smartLevel"):
            extensions["smartLevel"] = row["smartLevel"]
            by_level[row["smartLevel"]] = item
        if extensions:
            item["extensions"] = extensions
        items.append(item)
    associations = []
    doc_link = _link(doc, base, "CFDocuments")
    for index, item in enumerate(items):
        level = (item.get("extensions") or {}).get("smartLevel", "")
        parent_level, _, last = level.rpartition(".")
        if parent_level and parent_level not in by_level:
            problems.append(
                ImportProblem(
                    f"row {index + 2}",
                    MSG_CSV_PARENT.format(row=index + 2, level=level, parent=parent_level),
                )
            )
            continue
        parent = _link(by_level[parent_level], base, "CFItems") if parent_level else doc_link
        ident = str(uuid.uuid5(_NAMESPACE, f"{doc['identifier']}:{item['identifier']}:isChildOf"))
        association: dict[str, Any] = {
            "identifier": ident,
            "uri": f"{base}/CFAssociations/{ident}",
            "associationType": "isChildOf",
            "originNodeURI": _link(item, base, "CFItems"),
            "destinationNodeURI": parent,
            "lastChangeDateTime": item["lastChangeDateTime"],
        }
        if last.isdigit():
            association["sequenceNumber"] = int(last)
        associations.append(association)
    package = {"CFDocument": doc, "CFItems": items, "CFAssociations": associations}
    return (None if problems else package), problems


def framework_csv(*, document: CaseDocument) -> str:
    """The framework's items in the CSV layout (see the module docstring)."""
    out = io.StringIO()
    extra: list[str] = []
    items = [i.data for i in document.items.order_by("position")]
    for item in items:
        for key in item.get("extensions") or {}:
            if key != "smartLevel" and key not in extra:
                extra.append(key)
    writer = csv.DictWriter(out, fieldnames=[*CSV_COLUMNS, *extra], lineterminator="\n")
    writer.writeheader()
    for item in items:
        extensions = item.get("extensions") or {}
        row = {name: item.get(name, "") for name in _TEXTS}
        row["identifier"] = item["identifier"]
        for name in _LISTS:
            row[name] = ",".join(item.get(name) or [])
        row["smartLevel"] = extensions.get("smartLevel", "")
        row["license"] = (item.get("licenseURI") or {}).get("title", "")
        when = item.get("lastChangeDateTime", "")
        try:
            parsed = dt.datetime.fromisoformat(str(when))
            row["lastChangeDateTime"] = parsed.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            row["lastChangeDateTime"] = when
        for key in extra:
            row[key] = extensions.get(key, "")
        writer.writerow(row)
    return out.getvalue()


# ---- CASE servers ---------------------------------------------------------------------------


def _get(url: str) -> tuple[bytes | None, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, "not an http(s) URL"
    limit = int(getattr(settings, "CASE_MAX_PACKAGE_BYTES", 100 * 1024 * 1024))
    try:
        with requests.get(
            url,
            timeout=settings.CASE_FETCH_TIMEOUT_S,
            stream=True,
            headers={"Accept": "application/json"},
        ) as answer:
            if answer.status_code != 200:
                return None, f"HTTP {answer.status_code}"
            body = b""
            for chunk in answer.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    return None, f"over the limit of {limit} bytes"
            return body, ""
    except requests.RequestException as exc:
        return None, f"no answer ({type(exc).__name__})"


def case_server_packages(
    *, url: str
) -> tuple[list[tuple[str, dict[str, Any]]], list[ImportProblem]]:
    """The packages at ``url``: (its URL, the package) for a package URL, or for each
    document of a CASE server's base URL."""
    url = url.rstrip("/")
    if "/CFPackages/" in url:
        urls = [url]
    else:
        body, reason = _get(f"{url}/CFDocuments?limit=1000")
        if body is None:
            return [], [ImportProblem("", MSG_URL.format(url=f"{url}/CFDocuments", reason=reason))]
        listing, problems = package_parse(data=body)
        documents = (listing or {}).get("CFDocuments")
        if problems or not isinstance(documents, list):
            reason = "no CFDocuments list" if not problems else str(problems[0])
            return [], [ImportProblem("", MSG_URL.format(url=f"{url}/CFDocuments", reason=reason))]
        urls = [
            f"{url}/CFPackages/{d.get('identifier') or d.get('sourcedId')}"
            for d in documents
            if isinstance(d, dict)
        ]
    packages = []
    for package_url in urls:
        body, reason = _get(package_url)
        if body is None:
            return [], [ImportProblem("", MSG_URL.format(url=package_url, reason=reason))]
        package, problems = package_parse(data=body)
        if package is None:
            return [], [ImportProblem("", MSG_URL.format(url=package_url, reason=problems[0]))]
        packages.append((package_url, package))
    return packages, []
