"""Validators for the CASE API's answers: Timeback's contract (``case-api.json``, OpenAPI
3.1) for v1p1, the official 1.0 binding (``case-v1p0-swagger.json``) for v1p0, and the
official 1.1 package schema."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema

from tests.conftest import shared_path


@cache
def _contract() -> dict[str, Any]:
    return json.loads(shared_path("fixtures", "timeback", "case-api.json").read_text())


@cache
def _swagger() -> dict[str, Any]:
    return json.loads(
        shared_path("fixtures", "case", "openapi", "case-v1p0-swagger.json").read_text()
    )


def v1p1_errors(path: str, status: str, body: Any, method: str = "get") -> list[str]:
    """What ``case-api.json`` says about ``body`` as the ``status`` answer of ``path``."""
    contract = _contract()
    response = contract["paths"][path][method]["responses"][status]
    schema = {
        **response["content"]["application/json"]["schema"],
        "components": contract["components"],
    }
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]


def _merged_definitions() -> dict[str, Any]:
    """The 1.0 definitions, with each stand-alone class's ``allOf`` of two closed objects
    merged into one closed object (as written, no object satisfies both parts: each one's
    ``additionalProperties: false`` refuses the other's fields)."""
    definitions = copy.deepcopy(_swagger()["definitions"])
    for name, definition in definitions.items():
        parts = definition.get("allOf")
        if not parts:
            continue
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in parts:
            if "$ref" in part:
                part = definitions[part["$ref"].split("/")[-1]]
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        merged["additionalProperties"] = False
        definitions[name] = merged
    return definitions


def v1p0_errors(definition: str, body: Any) -> list[str]:
    """What the 1.0 binding's ``definition`` says about ``body``."""
    schema = {"definitions": _merged_definitions(), "$ref": f"#/definitions/{definition}"}
    validator = jsonschema.Draft4Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]


def package_schema_errors(package: Any) -> list[tuple[tuple[Any, ...], str]]:
    """The official 1.1 package schema's findings: (path, validator keyword)."""
    path = shared_path("fixtures", "case", "json_schema", "case-v1p1-cfpackage.official.json")
    validator = jsonschema.Draft201909Validator(json.loads(path.read_text()))
    errors = validator.iter_errors(package)
    return sorted((tuple(e.absolute_path), str(e.validator)) for e in errors)


# The fields each 1.0 class allows inside a package (CFPckg*.Type and the definitions).
_V1P0_CLASSES = {
    "CFDocument": "CFPckgDocument.Type",
    "CFItems": "CFPckgItem.Type",
    "CFAssociations": "CFPckgAssociation.Type",
    "CFConcepts": "CFConcept.Type",
    "CFSubjects": "CFSubject.Type",
    "CFLicenses": "CFLicense.Type",
    "CFItemTypes": "CFItemType.Type",
    "CFAssociationGroupings": "CFAssociationGrouping.Type",
    "CFRubrics": "CFRubric.Type",
}


def v1p0_conformant(package: dict[str, Any]) -> dict[str, Any]:
    """``package`` without what the 1.0 binding does not know (1.1 fields, extensions, fields
    beyond the binding): the framework as a 1.0 server would hold it."""
    definitions = _swagger()["definitions"]

    def prune(obj: dict[str, Any], definition: str) -> dict[str, Any]:
        allowed = definitions[definition]["properties"]
        out = {k: v for k, v in obj.items() if k in allowed}
        for key, value in out.items():
            if isinstance(value, dict) and "identifier" in value:
                out[key] = {k: value[k] for k in ("title", "identifier", "uri") if k in value}
        return out

    out: dict[str, Any] = {"CFDocument": prune(package["CFDocument"], "CFPckgDocument.Type")}
    for key in ("CFItems", "CFAssociations", "CFRubrics"):
        out[key] = [prune(o, _V1P0_CLASSES[key]) for o in package.get(key, [])]
    out["CFDefinitions"] = {
        key: [prune(o, _V1P0_CLASSES[key]) for o in values]
        for key, values in package.get("CFDefinitions", {}).items()
    }
    return out
