"""Caliper 1.2 + Timeback-profile validation (``caliper.validation``), on our own fixtures."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from caliper.validation import (
    CALIPER_CONTEXT,
    MAX_PROBLEMS,
    TIMEBACK_ACTIVITY_TYPES,
    TIMEBACK_TIME_SPENT_TYPES,
    Problem,
    entity_id,
    envelope_validate,
    event_kind,
)
from caliper.validation.rules import ACTIONS, EVENT_RULES, is_a

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "caliper"
SPENT, DONE = 0, 1  # positions in timeback_envelope.json


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def timeback() -> dict[str, Any]:
    return load("timeback_envelope.json")


@pytest.fixture
def caliper() -> dict[str, Any]:
    return load("caliper_envelope.json")


def rules(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in problems}


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------------------------------------
# Envelope
# ---------------------------------------------------------------------------------------------


def test_valid_envelopes_have_no_problems(timeback, caliper):
    assert envelope_validate(payload=timeback) == []
    assert envelope_validate(payload=caliper) == []


def test_envelope_must_be_an_object():
    problem = only(envelope_validate(payload=[1, 2]))
    assert (problem.index, problem.rule, problem.status) == (None, "type", 400)


def test_envelope_required_and_extra_keys(timeback):
    del timeback["sensor"]
    timeback["sendTime"] = None
    timeback["comment"] = "not allowed"
    assert rules(envelope_validate(payload=timeback)) == {
        ("sensor", "required"),
        ("sendTime", "required"),
        ("comment", "unknown-property"),
    }


@pytest.mark.parametrize(
    "version", ["http://purl.imsglobal.org/ctx/caliper/v1p1", "https://example.org/v9"]
)
def test_unsupported_data_version_is_a_lone_422(timeback, version):
    timeback["dataVersion"] = version
    timeback["data"][DONE]["action"] = "Started"  # not reported: data is not read
    problem = only(envelope_validate(payload=timeback))
    assert (problem.field, problem.rule, problem.status) == (
        "dataVersion",
        "unsupported-version",
        422,
    )
    assert version in problem.message


@pytest.mark.parametrize(
    ("send_time", "rule"),
    [
        ("2025-03-04", "format-datetime"),
        ("2025-03-04T15:30:02", "format-datetime"),  # naive: no offset
        ("2025-02-30T15:30:02.000Z", "format-datetime"),
        ("yesterday", "format-datetime"),
        (1741102202, "type"),
    ],
)
def test_send_time_must_be_an_rfc3339_datetime(timeback, send_time, rule):
    timeback["sendTime"] = send_time
    assert rules(envelope_validate(payload=timeback)) == {("sendTime", rule)}


@pytest.mark.parametrize("send_time", ["2025-03-04T15:30:02Z", "2025-03-04T15:30:02.123456+02:00"])
def test_send_time_accepts_other_rfc3339_spellings(timeback, send_time):
    timeback["sendTime"] = send_time
    assert envelope_validate(payload=timeback) == []


def test_sensor_must_be_an_iri(timeback):
    timeback["sensor"] = "fraction forest"
    assert rules(envelope_validate(payload=timeback)) == {("sensor", "format-iri")}


@pytest.mark.parametrize(("data", "rule"), [([], "min-items"), ({"a": 1}, "type")])
def test_data_must_be_a_non_empty_array(timeback, data, rule):
    timeback["data"] = data
    assert rules(envelope_validate(payload=timeback)) == {("data", rule)}


def test_data_items_must_be_objects(timeback):
    timeback["data"].append("urn:uuid:0b5e7d21-93c4-4f0a-8e61-5a7c2d9e4f88")
    problem = only(envelope_validate(payload=timeback))
    assert (problem.index, problem.field, problem.rule) == (2, "data[2]", "type")


def test_problems_are_collected_across_items_and_capped(timeback):
    bad = copy.deepcopy(timeback["data"][DONE])
    bad["action"] = "Viewed"
    bad["eventTime"] = "noon"
    timeback["data"] = [timeback["data"][SPENT], bad, bad]
    found = envelope_validate(payload=timeback)
    assert [(p.index, p.field, p.rule) for p in found] == [
        (1, "data[1].action", "action-not-allowed"),
        (1, "data[1].eventTime", "format-datetime"),
        (2, "data[2].action", "action-not-allowed"),
        (2, "data[2].eventTime", "format-datetime"),
    ]
    timeback["data"] = [bad] * 500
    assert len(envelope_validate(payload=timeback)) == MAX_PROBLEMS


# ---------------------------------------------------------------------------------------------
# Timeback profile: shared rules
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "spelling"),
    [(DONE, TIMEBACK_ACTIVITY_TYPES[1]), (SPENT, TIMEBACK_TIME_SPENT_TYPES[1])],
)
def test_timeback_prefixed_type_spellings_are_accepted(timeback, position, spelling):
    timeback["data"][position]["type"] = spelling
    assert envelope_validate(payload=timeback) == []


def test_timeback_context_defaults_when_absent_but_must_be_caliper_when_sent(timeback):
    # Timeback's own examples omit @context; its schema defaults it to the 1.2 context.
    del timeback["data"][DONE]["@context"]
    assert envelope_validate(payload=timeback) == []
    timeback["data"][DONE]["@context"] = "http://purl.imsglobal.org/ctx/caliper/v1p1"
    assert rules(envelope_validate(payload=timeback)) == {("data[1].@context", "context")}


@pytest.mark.parametrize(
    "key", ["id", "type", "actor", "action", "object", "eventTime", "profile", "generated"]
)
def test_timeback_required_properties(timeback, key):
    event = timeback["data"][DONE]
    event.pop(key) if key != "type" else event.update(type=None, action=None)
    found = rules(envelope_validate(payload=timeback))
    assert (f"data[1].{key}", "required") in found


def test_timeback_action_is_fixed_per_type(timeback):
    timeback["data"][DONE]["action"] = "Started"
    timeback["data"][SPENT]["action"] = "Completed"
    found = envelope_validate(payload=timeback)
    assert rules(found) == {
        ("data[0].action", "action-not-allowed"),
        ("data[1].action", "action-not-allowed"),
    }
    assert found[1].message == (
        "data[1].action: 'Started' is not an allowed action for ActivityEvent (allowed: Completed)"
    )


def test_timeback_profile_must_be_timeback(timeback):
    timeback["data"][DONE]["profile"] = "AssessmentProfile"
    assert rules(envelope_validate(payload=timeback)) == {
        ("data[1].profile", "profile-not-allowed")
    }


@pytest.mark.parametrize(
    ("event_id", "ok"),
    [
        ("urn:uuid:0b5e7d21-93c4-4f0a-8e61-5a7c2d9e4f88", True),
        ("urn:uuid:590f1ff2-3c6d-11e9-b210-d663bd873d93", True),  # a v1 UUID, as in 1.2 examples
        ("0b5e7d21-93c4-4f0a-8e61-5a7c2d9e4f88", False),
        ("urn:uuid:not-a-uuid", False),
    ],
)
def test_event_id_is_a_uuid_urn(timeback, event_id, ok):
    timeback["data"][DONE]["id"] = event_id
    expected = set() if ok else {("data[1].id", "format-uuid")}
    assert rules(envelope_validate(payload=timeback)) == expected


def test_timeback_user(timeback):
    actor = timeback["data"][DONE]["actor"]
    del actor["email"]
    actor["type"] = "Person"
    actor["grade"] = "4"
    actor["role"] = "parent"
    actor["id"] = "stu-0042"
    assert rules(envelope_validate(payload=timeback)) == {
        ("data[1].actor.email", "required"),
        ("data[1].actor.type", "type-not-allowed"),
        ("data[1].actor.grade", "unknown-property"),
        ("data[1].actor.role", "enum"),
        ("data[1].actor.id", "format-iri"),
    }


def test_timeback_user_email_format(timeback):
    timeback["data"][DONE]["actor"]["email"] = "ada at example"
    assert rules(envelope_validate(payload=timeback)) == {("data[1].actor.email", "format-email")}


def test_timeback_activity_context(timeback):
    context = timeback["data"][DONE]["object"]
    context["subject"] = "Cooking"
    del context["app"]["name"]
    context["course"] = {"id": "https://timeback.example.org/courses/1"}
    context["process"] = "yes"
    assert rules(envelope_validate(payload=timeback)) == {
        ("data[1].object.subject", "enum"),
        ("data[1].object.app.name", "required"),
        ("data[1].object.course.name", "required"),
        ("data[1].object.process", "type"),
    }
    del context["app"]
    assert ("data[1].object.app", "required") in rules(envelope_validate(payload=timeback))


@pytest.mark.parametrize("subject", ["Math", "Social Studies", "None", "FastMath", "Vocabulary"])
def test_timeback_subjects(timeback, subject):
    timeback["data"][DONE]["object"]["subject"] = subject
    assert envelope_validate(payload=timeback) == []


def test_timeback_optional_references_are_strings_or_objects(timeback):
    event = timeback["data"][DONE]
    event["edApp"] = {"id": "https://fractions.example.org", "name": "Fraction Forest"}
    event["session"] = 42
    event["extensions"] = "run 7"
    assert rules(envelope_validate(payload=timeback)) == {
        ("data[1].session", "type"),
        ("data[1].extensions", "type"),
    }


# ---------------------------------------------------------------------------------------------
# Timeback profile: ActivityEvent metrics
# ---------------------------------------------------------------------------------------------


def set_metrics(envelope: dict[str, Any], *items: tuple[str, Any]) -> None:
    envelope["data"][DONE]["generated"]["items"] = [{"type": t, "value": v} for t, v in items]


def test_activity_metrics_may_be_partial_and_xp_may_be_negative(timeback):
    set_metrics(timeback, ("xpEarned", -5))
    assert envelope_validate(payload=timeback) == []
    set_metrics(timeback, ("masteredUnits", 2), ("xpEarned", 12.5))
    assert envelope_validate(payload=timeback) == []
    set_metrics(timeback)
    assert envelope_validate(payload=timeback) == []


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([("totalQuestions", 10)], ("data[1].generated.items", "paired-metrics")),
        ([("correctQuestions", 3)], ("data[1].generated.items", "paired-metrics")),
        (
            [("totalQuestions", 10), ("correctQuestions", 11)],
            ("data[1].generated.items[1].value", "correct-exceeds-total"),
        ),
        ([("masteredUnits", -1)], ("data[1].generated.items[0].value", "range")),
        ([("masteredUnits", 1.5)], ("data[1].generated.items[0].value", "type")),
        ([("xpEarned", "10")], ("data[1].generated.items[0].value", "type")),
        ([("xpEarned", float("nan"))], ("data[1].generated.items[0].value", "type")),
        ([("xpEarned", True)], ("data[1].generated.items[0].value", "type")),
        ([("streak", 3)], ("data[1].generated.items[0].type", "enum")),
        ([("xpEarned", 1), ("xpEarned", 2)], ("data[1].generated.items[1].type", "duplicate")),
        ([("xpEarned", None)], ("data[1].generated.items[0].value", "required")),
    ],
)
def test_activity_metric_rules(timeback, items, expected):
    set_metrics(timeback, *items)
    assert rules(envelope_validate(payload=timeback)) == {expected}


def test_activity_questions_accept_integral_floats(timeback):
    set_metrics(timeback, ("totalQuestions", 10.0), ("correctQuestions", 10))
    assert envelope_validate(payload=timeback) == []


@pytest.mark.parametrize(("attempt", "ok"), [(1, True), (3, True), (0, False), ("2", False)])
def test_activity_attempt_is_a_positive_integer(timeback, attempt, ok):
    timeback["data"][DONE]["generated"]["attempt"] = attempt
    expected = set() if ok else {("data[1].generated.attempt", "range")}
    assert rules(envelope_validate(payload=timeback)) == expected


def test_activity_metrics_collection_shape(timeback):
    generated = timeback["data"][DONE]["generated"]
    generated["type"] = "TimebackTimeSpentMetricsCollection"
    del generated["id"]
    generated["items"] = {"xpEarned": 3}
    assert rules(envelope_validate(payload=timeback)) == {
        ("data[1].generated.type", "type-not-allowed"),
        ("data[1].generated.id", "required"),
        ("data[1].generated.items", "type"),
    }


# ---------------------------------------------------------------------------------------------
# Timeback profile: TimeSpentEvent metrics
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"type": "active", "value": 86_400}, None),
        ({"type": "waste", "value": 0, "subType": "phone"}, None),
        ({"type": "active", "value": 86_401}, ("data[0].generated.items[0].value", "range")),
        ({"type": "inactive", "value": -1}, ("data[0].generated.items[0].value", "range")),
        ({"type": "idle", "value": 3}, ("data[0].generated.items[0].type", "enum")),
        ({"type": "active", "value": "60"}, ("data[0].generated.items[0].value", "type")),
        (
            {"type": "waste", "value": 5, "startDate": "2025-03-04"},
            ("data[0].generated.items[0].startDate", "format-datetime"),
        ),
        (
            {"type": "waste", "value": 5, "subType": 7},
            ("data[0].generated.items[0].subType", "type"),
        ),
    ],
)
def test_time_spent_metric_rules(timeback, item, expected):
    timeback["data"][SPENT]["generated"]["items"] = [item]
    assert rules(envelope_validate(payload=timeback)) == ({expected} if expected else set())


def test_time_spent_repeated_metric_types_are_summed_not_refused(timeback):
    timeback["data"][SPENT]["generated"]["items"] = [
        {"type": "waste", "value": 30, "subType": "eating"},
        {"type": "waste", "value": 60, "subType": "talking"},
    ]
    assert envelope_validate(payload=timeback) == []


# ---------------------------------------------------------------------------------------------
# Caliper 1.2 events and entities
# ---------------------------------------------------------------------------------------------


def test_action_not_allowed_names_field_type_and_allowed_actions(caliper):
    caliper["data"][0]["action"] = "Viewed"
    problem = only(envelope_validate(payload=caliper))
    assert (problem.index, problem.field, problem.rule) == (
        0,
        "data[0].action",
        "action-not-allowed",
    )
    assert problem.message == (
        "data[0].action: 'Viewed' is not an allowed action for AssessmentEvent "
        "(allowed: Paused, Reset, Restarted, Resumed, Started, Submitted)"
    )


def test_unknown_action_and_unknown_event_type(caliper):
    caliper["data"][0]["action"] = "Pondered"
    caliper["data"][1]["type"] = "ReadingEvent"
    assert rules(envelope_validate(payload=caliper)) == {
        ("data[0].action", "unknown-action"),
        ("data[1].type", "unknown-type"),
    }


def test_the_action_vocabulary_has_the_80_terms_of_the_schema():
    assert len(ACTIONS) == 80
    assert len(EVENT_RULES) == 22  # the 21 event types of Caliper 1.2 and the generic Event


def test_entity_taxonomy_accepts_subtypes():
    assert is_a("Assessment", frozenset({"DigitalResource"}))
    assert is_a("CourseSection", frozenset({"Agent"}))
    assert is_a("Person", frozenset({"Agent"}))
    assert not is_a("Person", frozenset({"DigitalResource"}))
    assert not is_a("Session", frozenset({"LtiSession"}))


def test_subtypes_are_accepted_where_a_supertype_is_required(caliper):
    event = caliper["data"][0]
    event.update(type="ViewEvent", action="Viewed", profile="ReadingProfile")
    del event["generated"]  # ViewEvent: object DigitalResource; Assessment is one
    assert envelope_validate(payload=caliper) == []


@pytest.mark.parametrize(
    ("role", "value", "rule"),
    [
        (
            "actor",
            {"id": "https://quiz.example.org/orgs/1", "type": "Organization"},
            "type-not-allowed",
        ),
        ("object", {"id": "https://quiz.example.org/u/1", "type": "Person"}, "type-not-allowed"),
        ("generated", {"id": "https://quiz.example.org/s/1", "type": "Score"}, "type-not-allowed"),
        ("edApp", {"id": "https://quiz.example.org/u/1", "type": "Person"}, "type-not-allowed"),
        ("session", {"id": "https://quiz.example.org/s/1", "type": "Browser"}, "unknown-type"),
        ("object", "the quiz", "format-iri"),
        ("object", 12, "type"),
    ],
)
def test_entity_roles_are_type_checked(caliper, role, value, rule):
    caliper["data"][0][role] = value
    field = f"data[0].{role}.type" if isinstance(value, dict) else f"data[0].{role}"
    assert rules(envelope_validate(payload=caliper)) == {(field, rule)}


def test_thinned_events_use_iris(caliper):
    event = caliper["data"][0]
    for role in ("actor", "object", "generated", "edApp", "session"):
        event[role] = entity_id(event[role]) or event[role]
    assert envelope_validate(payload=caliper) == []


def test_session_event_narrows_actor_and_object_per_action(caliper):
    caliper["data"][0].update(
        type="SessionEvent",
        action="TimedOut",
        profile="SessionProfile",
        object={"id": "https://quiz.example.org/sessions/1", "type": "Session"},
    )
    del caliper["data"][0]["generated"]
    assert rules(envelope_validate(payload=caliper)) == {("data[0].actor.type", "type-not-allowed")}


def test_tool_launch_requires_federated_session_when_launched(caliper):
    event = caliper["data"][0]
    event.update(
        type="ToolLaunchEvent",
        action="Launched",
        profile="ToolLaunchProfile",
        object="https://tool.example.org",
    )
    del event["generated"]
    assert rules(envelope_validate(payload=caliper)) == {("data[0].federatedSession", "required")}
    event["action"] = "Returned"
    assert envelope_validate(payload=caliper) == []


@pytest.mark.parametrize(
    ("context", "ok"),
    [
        (CALIPER_CONTEXT, True),
        ({"@vocab": "https://quiz.example.org/ns#"}, True),
        ([{"x": "https://quiz.example.org/x"}, CALIPER_CONTEXT], True),
        ([CALIPER_CONTEXT, {"x": "https://quiz.example.org/x"}], False),  # Caliper not last
        ("http://purl.imsglobal.org/ctx/caliper/v1p1", False),
        ([], False),
    ],
)
def test_context_rules(caliper, context, ok):
    caliper["data"][0]["@context"] = context
    expected = set() if ok else {("data[0].@context", "context")}
    assert rules(envelope_validate(payload=caliper)) == expected


def test_event_nulls_and_bad_profile(caliper):
    event = caliper["data"][0]
    event["eventTime"] = None
    event["target"] = None
    event["profile"] = "TimebackProfile2"
    assert rules(envelope_validate(payload=caliper)) == {
        ("data[0].eventTime", "required"),
        ("data[0].target", "type"),
        ("data[0].profile", "unknown-profile"),
    }


def test_entity_property_checks(caliper):
    assessment = caliper["data"][0]["object"]
    assessment["maxAttempts"] = -1
    assessment["dateToSubmit"] = "Friday"
    assessment["keywords"] = "fractions"
    assessment["items"] = [{"id": "https://quiz.example.org/pages/1", "type": "Page"}]
    caliper["data"][0]["generated"]["duration"] = "50 minutes"
    assert rules(envelope_validate(payload=caliper)) == {
        ("data[0].object.maxAttempts", "range"),
        ("data[0].object.dateToSubmit", "format-datetime"),
        ("data[0].object.keywords", "type"),
        ("data[0].object.items[0].type", "type-not-allowed"),
        ("data[0].generated.duration", "format-duration"),
    }


def test_describe_objects_are_validated_as_entities(caliper):
    person = caliper["data"][2]
    del person["@context"]
    person["id"] = "Ada Lovelace"
    person["otherIdentifiers"][0]["identifierType"] = "Nickname"
    assert rules(envelope_validate(payload=caliper)) == {
        ("data[2].@context", "required"),
        ("data[2].id", "format-iri"),
        ("data[2].otherIdentifiers[0].identifierType", "enum"),
    }


def test_blank_node_ids_are_entity_ids(caliper):
    caliper["data"][2]["id"] = "_:b0"
    assert envelope_validate(payload=caliper) == []


def test_deep_nesting_is_refused_not_recursed(caliper):
    node: dict[str, Any] = {"id": "https://quiz.example.org/d/0", "type": "Document"}
    for depth in range(1, 60):
        node = {"id": f"https://quiz.example.org/d/{depth}", "type": "Document", "isPartOf": node}
    caliper["data"][0]["object"] = node
    caliper["data"][0]["type"] = "ViewEvent"
    caliper["data"][0]["action"] = "Viewed"
    del caliper["data"][0]["generated"]
    assert {rule for _, rule in rules(envelope_validate(payload=caliper))} == {"depth"}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def test_event_kind(caliper, timeback):
    assert event_kind(caliper["data"][0]) == "event"
    assert event_kind(caliper["data"][2]) == "entity"
    assert event_kind(timeback["data"][DONE]) == "event"
    assert event_kind({"type": "ViewEvent", "id": "urn:uuid:x"}) == "event"  # action missing


def test_entity_id():
    assert entity_id({"id": "https://a.example/x", "type": "Person"}) == "https://a.example/x"
    assert entity_id("https://a.example/x") == "https://a.example/x"
    assert entity_id({"type": "Person"}) == ""
    assert entity_id(None) == ""
    assert entity_id({"id": 7}) == ""
