"""The official Caliper 1.2 fixtures (IMSGlobal/caliper-spec, see ../shared/fixtures/caliper):
every valid one is accepted, every ``commonErrorFixtures`` one is refused for the defect its
file name states, and nothing the official JSON schemas refuse gets through."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from caliper.validation import CALIPER_CONTEXT, envelope_validate
from tests.conftest import shared_path

pytestmark = pytest.mark.official

SENSOR = "https://example.edu/sensors/1"

# Not an event, entity or envelope: the endpoint's configuration document (served by
# GET /caliper/event, covered by the API tests).
NOT_A_DOCUMENT = {"caliperEndpointConfigPayload.json"}

# Negative fixtures that are not JSON at all: refused by the parser before validation.
UNPARSABLE = {
    "caliperEntity-BadJson.json",
    "caliperEntitySurvey-MalformedItemsContainsWrongEntityType.json",  # trailing comma
}

# Negative fixtures whose only defect is ``25`` written where the example wrote ``25.0``.
# JSON has one number type and JavaScript serialises 25.0 as 25, so refusing an integral
# decimal would refuse most real senders; these are accepted on purpose.
ACCEPTED_BY_DESIGN = {
    "caliperEntityAggregateMeasure-MalformedMaxMetricValueNotAnInt.json",
    "caliperEntityAggregateMeasure-MalformedMetricValueNotAnInt.json",
    "caliperEntityAssignableDigitalResource-MalformedMaxScoreNotAFloat.json",
    "caliperEntityScore-MalformedMaxScoreNotAnInt.json",
}

# Valid fixtures that an official schema refuses: the valid fixture wins.
SCHEMA_DEFECTS = {
    # Membership.json's roles enum lacks "Manager#Manager", which this example uses.
    "caliperEnvelopeTermLISRole.json",
}

# Where the file-name pattern below would guess wrong, the expected rule is stated here.
EXPECTED_OVERRIDES = {
    # A plain sentence where an entity or its IRI belongs is a malformed IRI.
    "caliperEvent-MalformedActorNotAString.json": "format-iri",
    "caliperEvent-MalformedEdAppNotAString.json": "format-iri",
    "caliperEvent-MalformedFederatedSessionNotAString.json": "format-iri",
    "caliperEvent-MalformedGroupNotAString.json": "format-iri",
    "caliperEvent-MalformedMembershipNotAString.json": "format-iri",
    "caliperEvent-MalformedReferrerNotAString.json": "format-iri",
    "caliperEvent-MalformedSessionNotAString.json": "format-iri",
    "caliperEvent-MalformedTargetNotAString.json": "format-iri",
    "caliperEntityDigitalResource-MalformedIsPartOfNotAString.json": "format-iri",
    "caliperEntityCollection-MalformedItemsContainsWrongElementType.json": "format-iri",
    "caliperEntityMessage-MalformedAttachmentsContainsWrongType.json": "format-iri",
    # "WrongType" items that are entities of the wrong type.
    "caliperEntityForum-MalformedItemsContainsWrongType.json": "type-not-allowed",
    "caliperEntityThread-MalformedItemsContainsWrongType.json": "type-not-allowed",
    "caliperEntityDigitalResource-MalformedCreatorsListElementWrongType.json": "type-not-allowed",
    "caliperEntityDigitalResource-MalformedLearningObjectivesListElementWrongType.json": (
        "type-not-allowed"
    ),
}

# Defect (the part of the file name after "-") -> rule code; first match wins.
DEFECT_RULES: list[tuple[str, str]] = [
    (r"NoValue$", "type"),  # a property set to null: a wrong JSON type, not a missing one
    (r"^(No|Null)|NotPresent$", "required"),
    (r"^WrongAction$", "action-not-allowed"),
    (r"^UnknownAction$", "unknown-action"),
    (r"^Unknown(Event|Entity)Type$", "unknown-type"),
    (r"^UnknownProfile$", "unknown-profile"),
    (r"^UnknownContext$", "context"),
    (r"UnknownValue$", "enum"),
    (r"IdNotAnIRI$", "format-iri"),
    (r"(WrongEntityTypes?|ReferrerEntityType)$", "type-not-allowed"),
    (r"Duration$", "format-duration"),
    (r"(DateTime|Date)$", "format-datetime"),
    (r".", "type"),
]


def expected_rule(name: str) -> str:
    if name in EXPECTED_OVERRIDES:
        return EXPECTED_OVERRIDES[name]
    defect = name.removesuffix(".json").split("-", 1)[1]
    defect = re.sub(r"^Malf[a-z]+med", "", defect)  # "Malformed" (and one "Malfromed")
    for pattern, rule in DEFECT_RULES:
        if re.search(pattern, defect):
            return rule
    raise AssertionError(name)


def in_envelope(document: dict[str, Any]) -> dict[str, Any]:
    """Wrap an event or entity describe fixture the way a sensor would send it."""
    return {
        "sensor": SENSOR,
        "sendTime": "2020-01-22T10:05:00.000Z",
        "dataVersion": CALIPER_CONTEXT,
        "data": [document],
    }


def as_payload(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return document if name.startswith("caliperEnvelope") else in_envelope(document)


def fixtures_dir() -> Path:
    return shared_path("fixtures", "caliper", "fixtures_v1p2")


def test_every_valid_fixture_is_accepted():
    paths = sorted(fixtures_dir().glob("*.json"))
    assert len(paths) == 144
    refused = {}
    for path in paths:
        if path.name in NOT_A_DOCUMENT:
            continue
        problems = envelope_validate(payload=as_payload(path.name, json.loads(path.read_text())))
        if problems:
            refused[path.name] = [(p.field, p.rule, p.message) for p in problems]
    assert refused == {}


def test_every_negative_fixture_is_refused_for_its_defect():
    paths = sorted((fixtures_dir() / "commonErrorFixtures").glob("*.json"))
    assert len(paths) == 279
    wrong = {}
    for path in paths:
        if path.name in UNPARSABLE:
            with pytest.raises(json.JSONDecodeError):
                json.loads(path.read_text())
            continue
        problems = envelope_validate(payload=in_envelope(json.loads(path.read_text())))
        found = {p.rule for p in problems}
        if path.name in ACCEPTED_BY_DESIGN:
            if problems:
                wrong[path.name] = f"accepted by design, but refused: {sorted(found)}"
            continue
        expected = expected_rule(path.name)
        if expected not in found:
            wrong[path.name] = f"expected {expected!r}, got {sorted(found)}"
        elif any(p.index != 0 or not p.field.startswith("data[0]") for p in problems):
            wrong[path.name] = f"problems not located in data[0]: {problems}"
    assert wrong == {}


def test_rule_mapping_covers_the_known_defect_families():
    assert expected_rule("caliperEventAssessment-WrongAction.json") == "action-not-allowed"
    assert expected_rule("caliperEvent-NullActor.json") == "required"
    assert expected_rule("caliperEntityResult-MalformedAttemptNoValue.json") == "type"
    assert expected_rule("caliperEntityLtiLink-MalformedMessageTypeUnknownValue.json") == "enum"
    assert expected_rule("caliperEntity-MalformedCreationDate.json") == "format-datetime"
    assert expected_rule("caliperEntityFrame-MalformedIndexNotAString.json") == "type"


# ---------------------------------------------------------------------------------------------
# Cross-check with the official JSON schemas
# ---------------------------------------------------------------------------------------------


def schema_validators() -> dict[str, Any]:
    """Draft-04 validators for the 110 schemas, resolving their bare-name ``$ref``s
    ("Person", "CaliperTypeDefinitions#/extensions") through a registry keyed by ``id``."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    schemas = {}
    for path in shared_path("fixtures", "caliper", "json_schema_1_2").glob("*.json"):
        schema = json.loads(path.read_text())
        schemas[schema["id"]] = schema
    assert len(schemas) == 110
    registry: Registry = Registry().with_resources(
        (key, Resource.from_contents(schema, default_specification=DRAFT4))
        for key, schema in schemas.items()
    )
    return {key: Draft4Validator(schema, registry=registry) for key, schema in schemas.items()}


def schema_refuses(validators: dict[str, Any], name: str, document: dict[str, Any]) -> bool:
    def one(item: object) -> bool:
        kind = item.get("type") if isinstance(item, dict) else None
        validator = validators.get(kind) if isinstance(kind, str) else None
        return not (validator or validators["Entity"]).is_valid(item)

    if not name.startswith("caliperEnvelope"):
        return one(document)
    # Envelope.json applies its item ``anyOf`` to the ``data`` array itself and so refuses
    # every envelope; check the envelope's own properties with it and each item on its own.
    head = {key: value for key, value in document.items() if key != "data"}
    return not validators["Envelope"].is_valid(head) or any(map(one, document["data"]))


def test_whatever_the_official_schemas_refuse_is_refused():
    validators = schema_validators()
    base = fixtures_dir()
    schema_refused, missed = 0, []
    for path in sorted([*base.glob("*.json"), *base.glob("commonErrorFixtures/*.json")]):
        if path.name in NOT_A_DOCUMENT | UNPARSABLE | SCHEMA_DEFECTS:
            continue
        document = json.loads(path.read_text())
        if not schema_refuses(validators, path.name, document):
            continue
        schema_refused += 1
        if not envelope_validate(payload=as_payload(path.name, document)):
            missed.append(path.name)
    assert missed == []
    for name in SCHEMA_DEFECTS:  # still refused by the schema: keep the exception honest
        document = json.loads((base / name).read_text())
        assert schema_refuses(validators, name, document)
    # The schemas refuse well under half of the negatives; the rule table does the rest.
    assert 0 < schema_refused < 279
