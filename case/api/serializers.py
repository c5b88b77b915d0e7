"""The two dialects the CASE API answers in, built from the same stored objects.

``v1p0`` is the official 1.0 binding: each object is its stored JSON (``identifier``),
unwrapped, and a package is ``framework_package`` exactly; a stand-alone CFDocument gains
the ``CFPackageURI`` and a stand-alone CFItem the ``CFDocumentURI`` the binding requires when
the stored JSON has none.

``v1p1`` is Timeback's dialect (``case-api.json``, what the official client reads): each
object is its stored JSON, every field kept (``identifier`` too), plus ``sourcedId`` (the
identifier), a ``sourcedId`` beside the ``identifier`` of every link inside it, a
``CFPackageURI`` on each CFDocument and a ``CFItemType`` string on each CFItem (the stored
one, else the title of its ``CFItemTypeURI``, else ``""``). Single objects are wrapped
(``{"CFItem": {...}}``), and a package is ``{"CFPackage": {"sourcedId", "CFDocument",
"CFItems", "CFAssociations", "CFDefinitions", "CFRubrics"}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from case.models import CaseAssociation, CaseDefinition, CaseDocument, CaseItem, CaseRubric
from case.selectors.frameworks import FrameworkTree
from case.services.packages import ImportReport

__all__ = [
    "V1P0",
    "V1P1",
    "Dialect",
    "association_data",
    "definition_data",
    "document_data",
    "fields_select",
    "groups_data",
    "item_data",
    "package_data",
    "rubric_data",
    "upload_result",
]

Dialect = Literal["v1p0", "v1p1"]
V1P0: Dialect = "v1p0"
V1P1: Dialect = "v1p1"

# Keys whose value is a link (LinkURI / LinkGenURI) or a list of links, in any CASE class.
LINK_KEYS = frozenset(
    {
        "CFPackageURI",
        "CFDocumentURI",
        "CFItemURI",
        "CFItemTypeURI",
        "CFAssociationGroupingURI",
        "conceptKeywordsURI",
        "licenseURI",
        "originNodeURI",
        "destinationNodeURI",
        "subjectURI",
    }
)
# Nested lists of objects (a rubric's criteria, a criterion's levels) shaped like their parent.
NESTED_KEYS = ("CFRubricCriteria", "CFRubricCriterionLevels")
ITEM_TYPE_KEYS = ("CFItemType", "cfItemType")

UrlFor = Callable[[str, str], str]

MSG_CREATED = "Framework {title!r} created"
MSG_REPLACED = "Framework {title!r} replaced"


def _link_v1p1(value: Any) -> Any:
    if isinstance(value, list):
        return [_link_v1p1(v) for v in value]
    if isinstance(value, dict) and "identifier" in value:
        out = {"sourcedId": value["identifier"], **value}
        out.setdefault("title", "")
        return out
    return value


def _object_v1p1(data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON → v1p1: ``sourcedId`` first, every stored field, links with
    ``sourcedId``, nested rubric parts the same way."""
    out: dict[str, Any] = {"sourcedId": data.get("identifier"), **data}
    for key, value in out.items():
        if key in LINK_KEYS:
            out[key] = _link_v1p1(value)
        elif key in NESTED_KEYS and isinstance(value, list):
            out[key] = [_object_v1p1(v) if isinstance(v, dict) else v for v in value]
    return out


def _link(identifier: str, title: str, uri: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": uri}


def _package_link(document: CaseDocument, url_for: UrlFor) -> dict[str, str]:
    return _link(document.identifier, document.title, url_for("CFPackages", document.identifier))


def _document_link(document: CaseDocument) -> dict[str, str]:
    return _link(document.identifier, document.title, document.uri)


def _document_json(
    data: Mapping[str, Any], document: CaseDocument, dialect: Dialect, url_for: UrlFor
) -> dict[str, Any]:
    out = dict(data)
    if not isinstance(out.get("CFPackageURI"), dict):
        out["CFPackageURI"] = _package_link(document, url_for)
    return _object_v1p1(out) if dialect == V1P1 else out


def _item_type(data: Mapping[str, Any]) -> str:
    for key in ITEM_TYPE_KEYS:
        if isinstance(data.get(key), str):
            return str(data[key])
    link = data.get("CFItemTypeURI")
    if isinstance(link, dict) and isinstance(link.get("title"), str):
        return str(link["title"])
    return ""


def _item_json(data: Mapping[str, Any], dialect: Dialect) -> dict[str, Any]:
    if dialect == V1P0:
        return dict(data)
    out = _object_v1p1(data)
    if not isinstance(out.get("CFItemType"), str):
        out["CFItemType"] = _item_type(data)
    return out


def document_data(document: CaseDocument, *, dialect: Dialect, url_for: UrlFor) -> dict[str, Any]:
    """A stand-alone CFDocument (unwrapped)."""
    return _document_json(document.data, document, dialect, url_for)


def item_data(item: CaseItem, *, dialect: Dialect) -> dict[str, Any]:
    """A stand-alone CFItem (unwrapped) with its ``CFDocumentURI`` (``item.document`` is
    read: select it with the item)."""
    data = dict(item.data)
    if not isinstance(data.get("CFDocumentURI"), dict):
        data["CFDocumentURI"] = _document_link(item.document)
    return _item_json(data, dialect)


def association_data(
    association: CaseAssociation, *, dialect: Dialect, standalone: bool
) -> dict[str, Any]:
    """A CFAssociation (unwrapped). Stand-alone in v1p1 it names its framework
    (``CFDocumentURI``; ``association.document`` is read); v1p0 gives the stored JSON."""
    if dialect == V1P0:
        return dict(association.data)
    data = dict(association.data)
    if standalone and not isinstance(data.get("CFDocumentURI"), dict):
        data["CFDocumentURI"] = _document_link(association.document)
    return _object_v1p1(data)


def definition_data(definition: CaseDefinition, *, dialect: Dialect) -> dict[str, Any]:
    return _object_v1p1(definition.data) if dialect == V1P1 else dict(definition.data)


def rubric_data(rubric: CaseRubric, *, dialect: Dialect) -> dict[str, Any]:
    return _object_v1p1(rubric.data) if dialect == V1P1 else dict(rubric.data)


def package_data(
    package: Mapping[str, Any], *, document: CaseDocument, dialect: Dialect, url_for: UrlFor
) -> dict[str, Any]:
    """A framework's package (``framework_package``'s output) in ``dialect``."""
    if dialect == V1P0:
        return dict(package)
    definitions = package.get("CFDefinitions")
    out: dict[str, Any] = {
        "sourcedId": document.identifier,
        "CFDocument": _document_json(package["CFDocument"], document, dialect, url_for),
        "CFItems": [_item_json(i, dialect) for i in package.get("CFItems") or []],
        "CFAssociations": [_object_v1p1(a) for a in package.get("CFAssociations") or []],
        "CFDefinitions": {
            key: [_object_v1p1(d) for d in values]
            for key, values in (definitions or {}).items()
            if isinstance(values, list)
        },
    }
    if "CFRubrics" in package:
        out["CFRubrics"] = [_object_v1p1(r) for r in package["CFRubrics"]]
    return {"CFPackage": out}


def groups_data(tree: FrameworkTree, *, document: CaseDocument, url_for: UrlFor) -> dict[str, Any]:
    """v1p1 ``CFPackageWithGroups``: the document and ``structuredContent``, the
    ``isChildOf`` tree with each level grouped by ``CFItemType`` (an item's children are its
    ``childGroups``, grouped the same way)."""

    def groups(identifiers: Iterable[str], seen: frozenset[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for identifier in identifiers:
            item = _item_json(tree.items[identifier].data, V1P1)
            below = seen | {identifier}
            item["childGroups"] = groups(tree.walk(identifier, below), below)
            out.setdefault(item["CFItemType"] or "CFItem", []).append(item)
        return out

    return {
        "CFPackageWithGroups": {
            "sourcedId": document.identifier,
            "CFDocument": _document_json(document.data, document, V1P1, url_for),
            "structuredContent": groups(tree.top, frozenset()),
        }
    }


def fields_select(data: Mapping[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Only the ``fields`` of ``data`` it has (all of it when ``fields`` is None)."""
    if fields is None:
        return dict(data)
    return {name: data[name] for name in fields if name in data}


def upload_result(report: ImportReport, *, created: bool) -> dict[str, Any]:
    """Timeback's upload result: ``{success, message, result{documentId, stats, success}}``
    (stats count what the framework holds now)."""
    message = (MSG_CREATED if created else MSG_REPLACED).format(title=report.title)
    return {
        "success": True,
        "message": message,
        "result": {
            "documentId": report.document,
            "stats": {
                "documents": 1,
                "items": report.total("items"),
                "associations": report.total("associations"),
            },
            "success": True,
        },
    }
