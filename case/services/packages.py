"""Importing CASE packages, all or nothing, and exporting them as they came.

``framework_import`` takes a parsed ``CFPackage`` (from a file, an admin upload, a CASE server
or the API), checks it and stores it in one transaction, or stores nothing and says why: each
problem names its place in the package (``CFItems[3].fullStatement``) and the rule. Import is
lenient where real exports differ from the binding (fields beyond it are kept, as the
``CFPackageURI``/``CFDocumentURI`` of OpenSALT exports) and strict where the data could not be
served (a missing identifier, a date that is not one, an identifier another framework owns).
Importing the same package again changes nothing: objects are matched by identifier, and the
report counts what was created, updated, left unchanged and removed.

``framework_package`` gives back the package: the stored JSON of every object in the
package's order, its ``CFDefinitions`` lists and any other top-level fields, so that import →
export loses no field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from case.choices import DefinitionKind
from case.models import (
    CaseAssociation,
    CaseDefinition,
    CaseDefinitionUse,
    CaseDocument,
    CaseItem,
    CaseRubric,
    CaseRubricCriterion,
    CaseRubricCriterionLevel,
)

__all__ = [
    "PACKAGE_KEYS",
    "ImportProblem",
    "ImportReport",
    "framework_import",
    "framework_package",
    "package_parse",
]

PACKAGE_KEYS = ("CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics")
DEFINITION_KEYS = tuple(k.value for k in DefinitionKind)
MAX_IDENTIFIER = 255
MAX_URI = 2048
MAX_TEXT = 100_000

MSG_JSON = "the file is not JSON: {reason}"
MSG_TOO_LARGE = "the package is {size} bytes, over the limit of {limit}"
MSG_OBJECT = "must be an object"
MSG_LIST = "must be a list"
MSG_REQUIRED = "is required"
MSG_STRING = "must be a string"
MSG_STRINGS = "must be a list of strings"
MSG_LENGTH = "is longer than {limit} characters"
MSG_DATE = "{value!r} is not a date and time (ISO 8601)"
MSG_INTEGER = "must be an integer"
MSG_NUMBER = "must be a number"
MSG_DUPLICATE = "identifier {identifier!r} appears twice in this package (first at {first})"
MSG_TAKEN = "identifier {identifier!r} belongs to another framework ({document!r})"
MSG_OWNER = (
    "framework {identifier!r} was stored by another organisation: it cannot be replaced here"
)
MSG_DEFINITIONS_KEY = "unknown definition list {key!r} (one of {known})"
MSG_LINK = "must be a link object with an identifier"

CHECK_JSON = "JSON parsed"
CHECK_STRUCTURE = "CASE 1.1 package structure: required fields, types, dates, identifiers"
CHECK_SCHEMA = "CASE 1.1 package JSON schema: {findings}"


@dataclass(frozen=True)
class ImportProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class ImportReport:
    document: str = ""
    title: str = ""
    created: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False
    forbidden: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def total(self, kind: str) -> int:
        c = self.counts.get(kind, {})
        return c.get("created", 0) + c.get("updated", 0) + c.get("unchanged", 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "document": self.document,
            "title": self.title,
            "created": self.created,
            "dryRun": self.dry_run,
            "counts": self.counts,
            "checks": self.checks,
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
        }


# ---- reading -----------------------------------------------------------------------------------


def package_parse(*, data: bytes) -> tuple[dict[str, Any] | None, list[ImportProblem]]:
    """A package's JSON (a ``{"CFPackage": …}`` wrapper is taken off), or the problem."""
    limit = int(getattr(settings, "CASE_MAX_PACKAGE_BYTES", 100 * 1024 * 1024))
    if len(data) > limit:
        return None, [ImportProblem("", MSG_TOO_LARGE.format(size=len(data), limit=limit))]
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, [ImportProblem("", MSG_JSON.format(reason=exc))]
    except RecursionError:
        return None, [ImportProblem("", MSG_JSON.format(reason="nested too deeply"))]
    if isinstance(parsed, dict) and isinstance(parsed.get("CFPackage"), dict):
        parsed = parsed["CFPackage"]
    if not isinstance(parsed, dict):
        return None, [ImportProblem("", "the package " + MSG_OBJECT)]
    return parsed, []


# ---- checking ----------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(ImportProblem(path, message))

    def text(
        self,
        obj: Mapping[str, Any],
        path: str,
        name: str,
        *,
        required: bool = False,
        limit: int = MAX_TEXT,
    ) -> str:
        value = obj.get(name)
        where = f"{path}.{name}"
        if value is None or value == "":
            if required:
                self.fail(where, MSG_REQUIRED)
            return ""
        if not isinstance(value, str):
            self.fail(where, MSG_STRING)
            return ""
        if len(value) > limit:
            self.fail(where, MSG_LENGTH.format(limit=limit))
            return ""
        return value

    def strings(self, obj: Mapping[str, Any], path: str, name: str) -> list[str]:
        value = obj.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{path}.{name}", MSG_STRINGS)
            return []
        return list(value)

    def when(
        self, obj: Mapping[str, Any], path: str, name: str = "lastChangeDateTime"
    ) -> dt.datetime | None:
        raw = self.text(obj, path, name, required=True, limit=64)
        if not raw:
            return None
        parsed = _parse_when(raw)
        if parsed is None:
            self.fail(f"{path}.{name}", MSG_DATE.format(value=raw))
        return parsed

    def integer(self, obj: Mapping[str, Any], path: str, name: str) -> int | None:
        value = obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(f"{path}.{name}", MSG_INTEGER)
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(f"{path}.{name}", MSG_INTEGER)
            return None

    def number(self, obj: Mapping[str, Any], path: str, name: str) -> float | None:
        value = obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(f"{path}.{name}", MSG_NUMBER)
            return None
        try:
            return float(value)
        except ValueError:
            self.fail(f"{path}.{name}", MSG_NUMBER)
            return None

    def link(
        self, obj: Mapping[str, Any], path: str, name: str, *, required: bool
    ) -> dict[str, Any]:
        value = obj.get(name)
        where = f"{path}.{name}"
        if value is None:
            if required:
                self.fail(where, MSG_REQUIRED)
            return {}
        if not isinstance(value, dict) or not isinstance(value.get("identifier"), str):
            self.fail(where, MSG_LINK)
            return {}
        self.text(value, where, "identifier", required=True, limit=MAX_IDENTIFIER)
        self.text(value, where, "uri", limit=MAX_URI)
        return value

    def objects(self, package: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        value = package.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, MSG_LIST)
            return []
        out = []
        for index, obj in enumerate(value):
            if not isinstance(obj, dict):
                self.fail(f"{key}[{index}]", MSG_OBJECT)
            else:
                out.append(obj)
        return out if len(out) == len(value) else []

    def common(self, obj: Mapping[str, Any], path: str) -> tuple[str, str, dt.datetime | None]:
        identifier = self.text(obj, path, "identifier", required=True, limit=MAX_IDENTIFIER)
        uri = self.text(obj, path, "uri", required=True, limit=MAX_URI)
        return identifier, uri, self.when(obj, path)


def _parse_when(raw: str) -> dt.datetime | None:
    text = raw.strip().replace(" ", "T", 1) if "T" not in raw else raw.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
        parsed = dt.datetime.combine(day, dt.time())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


# ---- the rows a package makes -------------------------------------------------------------------


@dataclass
class _Planned:
    document: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    associations: list[dict[str, Any]] = field(default_factory=list)
    definitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rubrics: list[dict[str, Any]] = field(default_factory=list)


def _plan(package: Mapping[str, Any], check: _Checker) -> _Planned | None:
    doc = package.get("CFDocument")
    if not isinstance(doc, dict):
        check.fail("CFDocument", MSG_REQUIRED if doc is None else MSG_OBJECT)
        return None
    identifier, uri, when = check.common(doc, "CFDocument")
    title = check.text(doc, "CFDocument", "title", required=True, limit=1024)
    creator = check.text(doc, "CFDocument", "creator", required=True, limit=1024)
    planned = _Planned(
        document={
            "identifier": identifier,
            "uri": uri,
            "last_change": when,
            "data": doc,
            "title": title,
            "creator": creator,
            "publisher": check.text(doc, "CFDocument", "publisher", limit=1024),
            "subjects": check.strings(doc, "CFDocument", "subject"),
            "adoption_status": check.text(doc, "CFDocument", "adoptionStatus", limit=255),
            "version": check.text(doc, "CFDocument", "version", limit=255),
            "language": check.text(doc, "CFDocument", "language", limit=64),
        }
    )
    seen: dict[str, str] = {}

    def once(ident: str, where: str) -> None:
        if ident and ident in seen:
            check.fail(where, MSG_DUPLICATE.format(identifier=ident, first=seen[ident]))
        elif ident:
            seen[ident] = where

    for index, item in enumerate(check.objects(package, "CFItems")):
        path = f"CFItems[{index}]"
        ident, item_uri, item_when = check.common(item, path)
        once(ident, path)
        planned.items.append(
            {
                "identifier": ident,
                "uri": item_uri,
                "last_change": item_when,
                "data": item,
                "position": index,
                "full_statement": check.text(item, path, "fullStatement", required=True),
                "human_coding_scheme": check.text(item, path, "humanCodingScheme", limit=512),
                "abbreviated_statement": check.text(item, path, "abbreviatedStatement"),
                "list_enumeration": check.text(item, path, "listEnumeration", limit=255),
                "item_type": check.text(item, path, "CFItemType", limit=255),
                "education_levels": check.strings(item, path, "educationLevel"),
                "language": check.text(item, path, "language", limit=64),
            }
        )
        check.strings(item, path, "conceptKeywords")
    for index, assoc in enumerate(check.objects(package, "CFAssociations")):
        path = f"CFAssociations[{index}]"
        ident, assoc_uri, assoc_when = check.common(assoc, path)
        once(ident, path)
        origin = check.link(assoc, path, "originNodeURI", required=True)
        destination = check.link(assoc, path, "destinationNodeURI", required=True)
        grouping = check.link(assoc, path, "CFAssociationGroupingURI", required=False)
        planned.associations.append(
            {
                "identifier": ident,
                "uri": assoc_uri,
                "last_change": assoc_when,
                "data": assoc,
                "position": index,
                "association_type": check.text(
                    assoc, path, "associationType", required=True, limit=255
                ),
                "origin_identifier": str(origin.get("identifier") or ""),
                "origin_uri": str(origin.get("uri") or "")[:MAX_URI],
                "destination_identifier": str(destination.get("identifier") or ""),
                "destination_uri": str(destination.get("uri") or "")[:MAX_URI],
                "sequence_number": check.integer(assoc, path, "sequenceNumber"),
                "grouping_identifier": str(grouping.get("identifier") or ""),
            }
        )
    definitions = package.get("CFDefinitions")
    if definitions is not None and not isinstance(definitions, dict):
        check.fail("CFDefinitions", MSG_OBJECT)
    elif isinstance(definitions, dict):
        for key in definitions:
            if key not in DEFINITION_KEYS:
                check.fail(
                    f"CFDefinitions.{key}",
                    MSG_DEFINITIONS_KEY.format(key=key, known=", ".join(DEFINITION_KEYS)),
                )
                continue
            kind_seen: set[str] = set()
            for index, obj in enumerate(check.objects(definitions, key)):
                path = f"CFDefinitions.{key}[{index}]"
                ident, _, _ = check.common(obj, path)
                if ident in kind_seen:
                    check.fail(path, MSG_DUPLICATE.format(identifier=ident, first=key))
                kind_seen.add(ident)
                check.text(obj, path, "title", required=True, limit=1024)
                planned.definitions.append((key, obj))
    for index, rubric in enumerate(check.objects(package, "CFRubrics")):
        path = f"CFRubrics[{index}]"
        ident, _, _ = check.common(rubric, path)
        once(ident, path)
        criteria = check.objects(rubric, "CFRubricCriteria")
        for c_index, criterion in enumerate(criteria):
            c_path = f"{path}.CFRubricCriteria[{c_index}]"
            once(check.common(criterion, c_path)[0], c_path)
            check.link(criterion, c_path, "CFItemURI", required=False)
            check.number(criterion, c_path, "weight")
            for l_index, level in enumerate(check.objects(criterion, "CFRubricCriterionLevels")):
                l_path = f"{c_path}.CFRubricCriterionLevels[{l_index}]"
                once(check.common(level, l_path)[0], l_path)
                check.number(level, l_path, "score")
        planned.rubrics.append(rubric)
    return planned


def _schema_findings(package: Mapping[str, Any]) -> str | None:
    """What the official 1.1 package schema says (when it is configured), in words."""
    path = getattr(settings, "CASE_PACKAGE_SCHEMA", "")
    if not path:
        return None
    import jsonschema

    with open(path, encoding="utf-8") as handle:
        schema = json.load(handle)
    validator = jsonschema.Draft201909Validator(schema)
    errors = list(validator.iter_errors(package))
    if not errors:
        return "valid"
    kinds = sorted({e.validator for e in errors})
    return f"{len(errors)} finding(s) ({', '.join(str(k) for k in kinds)}); accepted, kept as sent"


# ---- storing ---------------------------------------------------------------------------------


def _sync(
    model: Any,
    rows: Sequence[dict[str, Any]],
    existing: Mapping[str, Any],
    parent: dict[str, Any],
    fields: Iterable[str],
) -> tuple[dict[str, int], list[Any]]:
    """Create, update or keep each row by identifier; remove the rest. Counts, and the
    objects kept or made."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    create, update, kept = [], [], []
    names = list(fields)
    for row in rows:
        found = existing.get(row["identifier"])
        if found is None:
            obj = model(**parent, **row)
            create.append(obj)
            counts["created"] += 1
            continue
        # ``existing`` holds the parent's rows only: the parent cannot differ (and reading
        # it here would cost a query per row).
        if any(getattr(found, name) != row[name] for name in names):
            for name in names:
                setattr(found, name, row[name])
            update.append(found)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        kept.append(found)
    wanted = {row["identifier"] for row in rows}
    stale = [obj.pk for ident, obj in existing.items() if ident not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
        counts["removed"] = len(stale)
    if create:
        model.objects.bulk_create(create, batch_size=1000)
    if update:
        model.objects.bulk_update(update, names, batch_size=1000)
    return counts, kept + create


_ITEM_FIELDS = (
    "uri",
    "last_change",
    "data",
    "position",
    "full_statement",
    "human_coding_scheme",
    "abbreviated_statement",
    "list_enumeration",
    "item_type",
    "education_levels",
    "language",
)
_ASSOCIATION_FIELDS = (
    "uri",
    "last_change",
    "data",
    "position",
    "association_type",
    "origin_identifier",
    "origin_uri",
    "destination_identifier",
    "destination_uri",
    "sequence_number",
    "grouping_identifier",
)


def _taken(
    model: Any, identifiers: list[str], document_pk: int | None, label: str
) -> list[ImportProblem]:
    clash = (
        model.objects.filter(identifier__in=identifiers)
        .exclude(document_id=document_pk)
        .select_related("document")[:20]
    )
    return [
        ImportProblem(
            f"{label}[{identifiers.index(obj.identifier)}].identifier",
            MSG_TAKEN.format(identifier=obj.identifier, document=obj.document.title),
        )
        for obj in clash
    ]


def _rubric_rows(document: CaseDocument, planned: _Planned) -> dict[str, int]:
    existing = {r.identifier: r for r in CaseRubric.objects.filter(document=document)}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    wanted = set()
    for position, data in enumerate(planned.rubrics):
        ident = str(data["identifier"])
        wanted.add(ident)
        found = existing.get(ident)
        if found is not None and found.data == data and found.position == position:
            counts["unchanged"] += 1
            continue
        if found is not None:
            found.delete()
            counts["updated"] += 1
        else:
            counts["created"] += 1
        rubric = CaseRubric.objects.create(
            document=document,
            identifier=ident,
            uri=str(data.get("uri") or ""),
            last_change=_parse_when(str(data.get("lastChangeDateTime") or "")),
            data=data,
            position=position,
            title=str(data.get("title") or "")[:1024],
        )
        for c_pos, criterion in enumerate(data.get("CFRubricCriteria") or []):
            link = criterion.get("CFItemURI") or {}
            row = CaseRubricCriterion.objects.create(
                rubric=rubric,
                identifier=str(criterion["identifier"]),
                uri=str(criterion.get("uri") or ""),
                last_change=_parse_when(str(criterion.get("lastChangeDateTime") or "")),
                data=criterion,
                position=c_pos,
                item_identifier=str(link.get("identifier") or ""),
                weight=_float(criterion.get("weight")),
            )
            CaseRubricCriterionLevel.objects.bulk_create(
                CaseRubricCriterionLevel(
                    criterion=row,
                    identifier=str(level["identifier"]),
                    uri=str(level.get("uri") or ""),
                    last_change=_parse_when(str(level.get("lastChangeDateTime") or "")),
                    data=level,
                    position=l_pos,
                    score=_float(level.get("score")),
                )
                for l_pos, level in enumerate(criterion.get("CFRubricCriterionLevels") or [])
            )
    stale = [r.pk for ident, r in existing.items() if ident not in wanted]
    if stale:
        CaseRubric.objects.filter(pk__in=stale).delete()
        counts["removed"] = len(stale)
    return counts


def _float(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _definitions(document: CaseDocument, planned: _Planned) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    uses = []
    for position, (kind, data) in enumerate(planned.definitions):
        ident = str(data["identifier"])
        values = {
            "uri": str(data.get("uri") or ""),
            "last_change": _parse_when(str(data.get("lastChangeDateTime") or "")),
            "data": data,
            "title": str(data.get("title") or "")[:1024],
        }
        found = CaseDefinition.objects.filter(kind=kind, identifier=ident).first()
        if found is None:
            found = CaseDefinition.objects.create(kind=kind, identifier=ident, **values)
            counts["created"] += 1
        elif found.data != data:
            for key, value in values.items():
                setattr(found, key, value)
            found.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        uses.append(CaseDefinitionUse(document=document, definition=found, position=position))
    CaseDefinitionUse.objects.filter(document=document).delete()
    CaseDefinitionUse.objects.bulk_create(uses)
    return counts


def _layout(package: Mapping[str, Any]) -> dict[str, Any]:
    definitions = package.get("CFDefinitions")
    return {
        "keys": list(package.keys()),
        "definitions": list(definitions.keys()) if isinstance(definitions, dict) else [],
        "extra": {k: v for k, v in package.items() if k not in PACKAGE_KEYS},
    }


def framework_import(
    *,
    package: Mapping[str, Any],
    source: str,
    source_ref: str = "",
    org_id: int | None = None,
    api_client_id: int | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check ``package`` and store it (see the module docstring). ``org_id``: the uploading
    client's organisation, which alone may replace the framework later (an operator's import,
    ``org_id`` None, may replace any)."""
    report = ImportReport(dry_run=dry_run)
    report.checks.append(CHECK_JSON)
    check = _Checker()
    planned = _plan(package, check)
    report.checks.append(CHECK_STRUCTURE)
    findings = _schema_findings(package)
    if findings is not None:
        report.checks.append(CHECK_SCHEMA.format(findings=findings))
    report.problems.extend(check.problems)
    if planned is None or not report.ok:
        return report
    doc = planned.document
    report.document, report.title = doc["identifier"], doc["title"]
    with transaction.atomic():
        document = (
            CaseDocument.objects.select_for_update().filter(identifier=doc["identifier"]).first()
        )
        if document is not None and org_id is not None and document.org_scope_id != org_id:
            report.forbidden = True
            report.problems.append(
                ImportProblem(
                    "CFDocument.identifier", MSG_OWNER.format(identifier=doc["identifier"])
                )
            )
            return report
        document_pk = document.pk if document is not None else None
        report.problems.extend(
            _taken(CaseItem, [r["identifier"] for r in planned.items], document_pk, "CFItems")
        )
        report.problems.extend(
            _taken(
                CaseAssociation,
                [r["identifier"] for r in planned.associations],
                document_pk,
                "CFAssociations",
            )
        )
        rubric_ids = [str(r["identifier"]) for r in planned.rubrics]
        report.problems.extend(_taken(CaseRubric, rubric_ids, document_pk, "CFRubrics"))
        if not report.ok:
            return report
        report.created = document is None
        values = {**{k: v for k, v in doc.items() if k != "identifier"}, "layout": _layout(package)}
        values.update(source=source, source_ref=source_ref[:2048])
        if document is None:
            document = CaseDocument.objects.create(
                identifier=doc["identifier"],
                org_scope_id=org_id,
                api_client_id=api_client_id,
                **values,
            )
        else:
            for key, value in values.items():
                setattr(document, key, value)
            document.save()
        parent = {"document": document}
        items = {i.identifier: i for i in CaseItem.objects.filter(document=document)}
        report.counts["items"], _ = _sync(CaseItem, planned.items, items, parent, _ITEM_FIELDS)
        associations = {a.identifier: a for a in CaseAssociation.objects.filter(document=document)}
        report.counts["associations"], _ = _sync(
            CaseAssociation, planned.associations, associations, parent, _ASSOCIATION_FIELDS
        )
        report.counts["definitions"] = _definitions(document, planned)
        report.counts["rubrics"] = _rubric_rows(document, planned)
        if dry_run:
            transaction.set_rollback(True)
    return report


# ---- exporting -----------------------------------------------------------------------------


def framework_package(*, document: CaseDocument) -> dict[str, Any]:
    """The package of ``document`` as it was imported (see the module docstring)."""
    layout = document.layout or {}
    keys = layout.get("keys") or ["CFDocument", "CFItems", "CFAssociations", "CFDefinitions"]
    definition_keys = layout.get("definitions") or list(DEFINITION_KEYS)
    extra = layout.get("extra") or {}
    by_kind: dict[str, list[dict[str, Any]]] = {k: [] for k in definition_keys}
    for use in CaseDefinitionUse.objects.filter(document=document).select_related("definition"):
        by_kind.setdefault(use.definition.kind, []).append(use.definition.data)
    parts: dict[str, Any] = {
        "CFDocument": lambda: document.data,
        "CFItems": lambda: [i.data for i in document.items.order_by("position")],
        "CFAssociations": lambda: [a.data for a in document.associations.order_by("position")],
        "CFDefinitions": lambda: by_kind,
        "CFRubrics": lambda: [r.data for r in document.rubrics.order_by("position")],
    }
    out: dict[str, Any] = {}
    for key in keys:
        if key in parts:
            out[key] = parts[key]()
        elif key in extra:
            out[key] = extra[key]
    return out
