"""The Caliper 1.2 rule table: vocabularies, the entity type taxonomy, the properties of each
entity type, and what each event type allows for its action, actor, object and the entities
around them.

Sources: the Caliper 1.2 specification (event and entity fragments, section "Event types"), the
JSON-LD context ``http://purl.imsglobal.org/ctx/caliper/v1p2`` and the 1.2 JSON schemas
(``Action``, ``Profile``, ``Metric``, ``Membership.roles``). The schemas do not check actions
per event type, entity types or formats, so those rules live here, one row per type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "ACTIONS",
    "ACTION_ALIASES",
    "CALIPER_CONTEXT",
    "CALIPER_EVENT_TYPES",
    "ENTITY_PROPERTIES",
    "ENTITY_REQUIRED",
    "ENTITY_TYPES",
    "EVENT_COMMON_REFS",
    "EVENT_RULES",
    "LIS_ROLES",
    "LIS_STATUSES",
    "LTI_MESSAGE_TYPES",
    "METRICS",
    "NON_ENTITY_TYPES",
    "PROFILES",
    "SYSTEM_IDENTIFIER_TYPES",
    "TIMEBACK_ACTIVITY_TYPES",
    "TIMEBACK_PROFILE",
    "TIMEBACK_TIME_SPENT_TYPES",
    "EventRule",
    "Prop",
    "ancestors",
    "is_a",
]

CALIPER_CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"

TIMEBACK_ACTIVITY_TYPES = ("ActivityEvent", "TimebackActivityEvent")
TIMEBACK_TIME_SPENT_TYPES = ("TimeSpentEvent", "TimebackTimeSpentEvent")
TIMEBACK_PROFILE = "TimebackProfile"

# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------


def _terms(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The 80 terms of Action.json.
ACTIONS: frozenset[str] = _terms(
    "Abandoned Accepted Activated Added Archived Attached Bookmarked ChangedResolution "
    "ChangedSize ChangedSpeed ChangedVolume Classified ClosedPopout Commented Completed "
    "Copied Created Deactivated Declined Deleted Described DisabledClosedCaptioning "
    "Disliked Downloaded EnabledClosedCaptioning Ended EnteredFullScreen "
    "ExitedFullScreen ForwardedTo Graded Hid Highlighted Identified JumpedTo Launched "
    "Liked Linked LoggedIn LoggedOut MarkedAsRead MarkedAsUnread Modified Muted "
    "NavigatedTo OpenedPopout OptedIn OptedOut Paused Posted Printed Published "
    "Questioned Ranked Recommended Removed Reset Restarted Restored Resumed Retrieved "
    "Returned Reviewed Rewound Saved Searched Sent Shared Showed Skipped Started "
    "Submitted Subscribed Tagged TimedOut Unmuted Unpublished Unsubscribed Uploaded Used "
    "Viewed"
)
# Spellings found in the 1.2 documents next to the schema's: the event fragments write
# "MarkedAsUnRead", the JSON-LD context "DisabledCloseCaptioning"/"EnabledCloseCaptioning".
ACTION_ALIASES: Mapping[str, str] = {
    "MarkedAsUnRead": "MarkedAsUnread",
    "DisabledCloseCaptioning": "DisabledClosedCaptioning",
    "EnabledCloseCaptioning": "EnabledClosedCaptioning",
}

# Profile.json's 15 terms, plus the Timeback profile (Timeback's "AllProfiles").
PROFILES: frozenset[str] = _terms(
    "AnnotationProfile AssessmentProfile AssignableProfile FeedbackProfile ForumProfile "
    "GeneralProfile GradingProfile MediaProfile ReadingProfile ResourceManagementProfile "
    "SearchProfile SessionProfile SurveyProfile ToolLaunchProfile ToolUseProfile"
) | {TIMEBACK_PROFILE}

# Metric.json (the Tool Use profile prose says "AssessmentPassed"; the enum is normative).
METRICS: frozenset[str] = _terms(
    "AssessmentsPassed AssessmentsSubmitted MinutesOnTask SkillsMastered "
    "StandardsMastered UnitsCompleted UnitsPassed WordsRead"
)

_LIS_SUB_ROLES = {
    "Administrator": (
        "Administrator Developer ExternalDeveloper ExternalSupport ExternalSystemAdministrator "
        "Support SystemAdministrator"
    ),
    "ContentDeveloper": "ContentDeveloper ContentExpert ExternalContentExpert Librarian",
    "Instructor": (
        "ExternalInstructor Grader GuestInstructor Instructor Lecturer PrimaryInstructor "
        "SecondaryInstructor TeachingAssistant TeachingAssistantGroup TeachingAssistantOffering "
        "TeachingAssistantSection TeachingAssistantTemplate"
    ),
    "Learner": "ExternalLearner GuestLearner Learner NonCreditLearner",
    # "Manager#Manager" is not in Membership.json's enum but is used by the official fixtures.
    "Manager": "AreaManager CourseCoordinator ExternalObserver Manager Observer",
    "Member": "Member",
    "Mentor": (
        "Advisor Auditor ExternalAdvisor ExternalAuditor ExternalLearningFacilitator "
        "ExternalMentor ExternalReviewer ExternalTutor LearningFacilitator Mentor Reviewer Tutor"
    ),
    "Officer": "Chair Secretary Treasurer Vice-Chair",
}
LIS_ROLES: frozenset[str] = frozenset(
    [*_LIS_SUB_ROLES]
    + [f"{role}#{sub}" for role, subs in _LIS_SUB_ROLES.items() for sub in subs.split()]
)
LIS_STATUSES: frozenset[str] = frozenset(("Active", "Inactive"))
LTI_MESSAGE_TYPES: frozenset[str] = frozenset(
    ("LtiResourceLinkRequest", "LtiDeepLinkingRequest", "LtiDeepLinkingResponse")
)
SYSTEM_IDENTIFIER_TYPES: frozenset[str] = _terms(
    "AccountUserName CanvasLMS CaseItemUri EmailAddress LisSourcedId LtiContextId "
    "LtiDeploymentId LtiPlatformId LtiToolId LtiUserId OneRosterSourcedId Other "
    "SisSourcedId SystemId"
)

# ---------------------------------------------------------------------------------------------
# Entity taxonomy: term -> direct supertypes
# ---------------------------------------------------------------------------------------------

_SUPERTYPES: dict[str, tuple[str, ...]] = {
    "Entity": (),
    "Agent": ("Entity",),
    "Person": ("Agent",),
    "SoftwareApplication": ("Agent",),
    "Organization": ("Agent",),
    "CourseOffering": ("Organization",),
    "CourseSection": ("CourseOffering",),
    "Group": ("Organization",),
    "Membership": ("Entity",),
    "Session": ("Entity",),
    "LtiSession": ("Session",),
    "AggregateMeasure": ("Entity",),
    "Collection": ("Entity",),
    "AggregateMeasureCollection": ("Collection",),
    "DigitalResource": ("Entity",),
    "DigitalResourceCollection": ("Collection", "DigitalResource"),
    "Forum": ("DigitalResourceCollection",),
    "Thread": ("DigitalResourceCollection",),
    "Questionnaire": ("DigitalResourceCollection",),
    "Survey": ("Collection",),
    "AssignableDigitalResource": ("DigitalResource",),
    "Assessment": ("AssignableDigitalResource", "DigitalResourceCollection"),
    "AssessmentItem": ("AssignableDigitalResource",),
    "Chapter": ("DigitalResource",),
    "Document": ("DigitalResource",),
    "Page": ("DigitalResource",),
    "WebPage": ("DigitalResource",),
    "Frame": ("DigitalResource",),
    "LtiLink": ("DigitalResource",),
    "MediaLocation": ("DigitalResource",),
    "MediaObject": ("DigitalResource",),
    "AudioObject": ("MediaObject",),
    "ImageObject": ("MediaObject",),
    "VideoObject": ("MediaObject",),
    "Message": ("DigitalResource",),
    "Question": ("DigitalResource",),
    "DateTimeQuestion": ("Question",),
    "MultiselectQuestion": ("Question",),
    "OpenEndedQuestion": ("Question",),
    "RatingScaleQuestion": ("Question",),
    "QuestionnaireItem": ("DigitalResource",),
    "SurveyInvitation": ("DigitalResource",),
    # Terms kept by the 1.2 schemas for 1.1 senders.
    "Reading": ("DigitalResource",),
    "epubChapter": ("DigitalResource",),
    "epubPart": ("DigitalResource",),
    "epubSubChapter": ("DigitalResource",),
    "epubVolume": ("DigitalResource",),
    "Annotation": ("Entity",),
    "BookmarkAnnotation": ("Annotation",),
    "HighlightAnnotation": ("Annotation",),
    "SharedAnnotation": ("Annotation",),
    "TagAnnotation": ("Annotation",),
    "Attempt": ("Entity",),
    "Comment": ("Entity",),
    "LearningObjective": ("Entity",),
    "Link": ("Entity",),
    "Query": ("Entity",),
    "Rating": ("Entity",),
    "Response": ("Entity",),
    "DateTimeResponse": ("Response",),
    "FillinBlankResponse": ("Response",),
    "MultipleChoiceResponse": ("Response",),
    "MultipleResponseResponse": ("Response",),
    "MultiselectResponse": ("Response",),
    "OpenEndedResponse": ("Response",),
    "RatingScaleResponse": ("Response",),
    "SelectTextResponse": ("Response",),
    "TrueFalseResponse": ("Response",),
    "Result": ("Entity",),
    "Scale": ("Entity",),
    "LikertScale": ("Scale",),
    "MultiselectScale": ("Scale",),
    "NumericScale": ("Scale",),
    "Score": ("Entity",),
    "SearchResponse": ("Entity",),
    # Value objects with a "type" but no identity of their own (no id, no @context needed).
    "SystemIdentifier": (),
    "Selector": (),
    "TextPositionSelector": ("Selector",),
}

# Typed objects that are not Entities: they need no id and may travel without @context.
NON_ENTITY_TYPES: frozenset[str] = frozenset(
    ("SystemIdentifier", "Selector", "TextPositionSelector")
)


def _ancestors(term: str) -> frozenset[str]:
    found = {term}
    for parent in _SUPERTYPES[term]:
        found |= _ancestors(parent)
    return frozenset(found)


_ANCESTORS: dict[str, frozenset[str]] = {term: _ancestors(term) for term in _SUPERTYPES}
ENTITY_TYPES: frozenset[str] = frozenset(_SUPERTYPES)


def ancestors(term: str) -> frozenset[str]:
    """The term and all its supertypes (empty for an unknown term)."""
    return _ANCESTORS.get(term, frozenset())


def is_a(term: str, allowed: frozenset[str]) -> bool:
    """True if ``term`` is one of ``allowed`` or a subtype of one (``Assessment`` is a
    ``DigitalResource``; ``Person`` is an ``Agent``)."""
    return not _ANCESTORS.get(term, frozenset()).isdisjoint(allowed)


# ---------------------------------------------------------------------------------------------
# Entity properties
# ---------------------------------------------------------------------------------------------

# Property kinds.
STR = "string"
INT = "integer"
NNINT = "non-negative integer"
NUM = "number"
BOOL = "boolean"
DATETIME = "date-time"
DURATION = "duration"
OBJECT = "object"
ENUM = "enum"
REF = "entity"  # an embedded entity of one of ``types`` or its IRI
LIST = "array"
TYPED = "typed object"  # a SystemIdentifier / Selector value object (never an IRI)


@dataclass(frozen=True, slots=True)
class Prop:
    """How one property's value is checked."""

    kind: str
    types: frozenset[str] = frozenset()  # REF / TYPED: the allowed types (with subtypes)
    terms: frozenset[str] = frozenset()  # ENUM: the vocabulary
    item: Prop | None = None  # LIST: the check for each element


def _ref(*types: str) -> Prop:
    return Prop(REF, types=frozenset(types))


def _list(item: Prop) -> Prop:
    return Prop(LIST, item=item)


def _enum(terms: frozenset[str]) -> Prop:
    return Prop(ENUM, terms=terms)


_S, _I, _N, _NN, _B = Prop(STR), Prop(INT), Prop(NUM), Prop(NNINT), Prop(BOOL)
_DT, _DUR, _OBJ = Prop(DATETIME), Prop(DURATION), Prop(OBJECT)
_STRINGS = _list(_S)

# Properties each term adds to those of its supertypes.
_OWN_PROPERTIES: dict[str, dict[str, Prop]] = {
    "Entity": {
        "name": _S,
        "description": _S,
        "dateCreated": _DT,
        "dateModified": _DT,
        "otherIdentifiers": _list(Prop(TYPED, types=frozenset(("SystemIdentifier",)))),
        "extensions": _OBJ,
        "isPartOf": _ref("Entity"),
    },
    "SoftwareApplication": {"host": _S, "ipAddress": _S, "userAgent": _S, "version": _S},
    "Organization": {
        "subOrganizationOf": _ref("Organization"),
        "members": _list(_ref("Agent")),
    },
    "CourseOffering": {"courseNumber": _S, "academicSession": _S},
    "CourseSection": {"category": _S},
    "Membership": {
        "organization": _ref("Organization"),
        "member": _ref("Person"),
        "roles": _list(_enum(LIS_ROLES)),
        "status": _enum(LIS_STATUSES),
    },
    "Session": {
        "user": _ref("Person"),
        "client": _ref("SoftwareApplication"),
        "startedAtTime": _DT,
        "endedAtTime": _DT,
        "duration": _DUR,
    },
    "LtiSession": {"messageParameters": _OBJ},
    "AggregateMeasure": {
        "metric": _enum(METRICS),
        "metricValue": _N,
        "maxMetricValue": _N,
        "startedAtTime": _DT,
        "endedAtTime": _DT,
    },
    "Collection": {"items": _list(_ref("Entity"))},
    "AggregateMeasureCollection": {"items": _list(_ref("AggregateMeasure"))},
    "DigitalResource": {
        "storageName": _S,
        "creators": _list(_ref("Agent")),
        "mediaType": _S,
        "keywords": _STRINGS,
        "learningObjectives": _list(_ref("LearningObjective")),
        "alignedLearningObjective": _list(_ref("LearningObjective")),
        "datePublished": _DT,
        "version": _S,
    },
    "DigitalResourceCollection": {"items": _list(_ref("DigitalResource"))},
    "Forum": {"items": _list(_ref("Thread"))},
    "Thread": {"items": _list(_ref("Message"))},
    "Questionnaire": {"items": _list(_ref("QuestionnaireItem"))},
    "Survey": {"items": _list(_ref("Questionnaire"))},
    "AssignableDigitalResource": {
        "dateToActivate": _DT,
        "dateToShow": _DT,
        "dateToStartOn": _DT,
        "dateToSubmit": _DT,
        "maxAttempts": _NN,
        "maxSubmits": _NN,
        "maxScore": _N,
    },
    "Assessment": {"items": _list(_ref("AssessmentItem"))},
    "AssessmentItem": {"isTimeDependent": _B},
    "Frame": {"index": _I},
    "LtiLink": {"messageType": _enum(LTI_MESSAGE_TYPES)},
    "MediaLocation": {"currentTime": _DUR},
    "MediaObject": {"duration": _DUR},
    "AudioObject": {"volumeMin": _S, "volumeMax": _S, "volumeLevel": _S, "muted": _B},
    "Message": {
        "replyTo": _ref("Message"),
        "body": _S,
        "attachments": _list(_ref("DigitalResource")),
    },
    "Question": {"questionPosed": _S},
    "DateTimeQuestion": {
        "minDateTime": _DT,
        "maxDateTime": _DT,
        "minLabel": _S,
        "maxLabel": _S,
    },
    "MultiselectQuestion": {"points": _NN, "itemLabels": _STRINGS, "itemValues": _STRINGS},
    "RatingScaleQuestion": {"scale": _ref("Scale")},
    "QuestionnaireItem": {"question": _ref("Question"), "categories": _STRINGS, "weight": _N},
    "SurveyInvitation": {
        "rater": _ref("Person"),
        "survey": _ref("Survey"),
        "sentCount": _I,
        "dateSent": _DT,
    },
    "Annotation": {"annotator": _ref("Person"), "annotated": _ref("DigitalResource")},
    "BookmarkAnnotation": {"bookmarkNotes": _S},
    "HighlightAnnotation": {
        "selection": Prop(TYPED, types=frozenset(("TextPositionSelector",))),
        "selectionText": _S,
    },
    "SharedAnnotation": {"withAgents": _list(_ref("Agent"))},
    "TagAnnotation": {"tags": _STRINGS},
    "Attempt": {
        "assignee": _ref("Person"),
        "assignable": _ref("DigitalResource"),
        "count": _NN,
        "startedAtTime": _DT,
        "endedAtTime": _DT,
        "duration": _DUR,
        "isPartOf": _ref("Attempt"),
    },
    "Comment": {"commenter": _ref("Person"), "commentedOn": _ref("Entity"), "value": _S},
    "Query": {"creator": _ref("Person"), "searchTarget": _ref("Entity"), "searchTerms": _S},
    "Rating": {
        "rater": _ref("Person"),
        "rated": _ref("Entity"),
        "question": _ref("Question"),
        "selections": _STRINGS,
        "ratingComment": _ref("Comment"),
    },
    "Response": {
        "attempt": _ref("Attempt"),
        "startedAtTime": _DT,
        "endedAtTime": _DT,
        "duration": _DUR,
    },
    "DateTimeResponse": {"dateTimeSelected": _DT},
    "FillinBlankResponse": {"values": _STRINGS},
    "MultipleChoiceResponse": {"value": _S},
    "MultipleResponseResponse": {"values": _STRINGS},
    "MultiselectResponse": {"selections": _STRINGS},
    "OpenEndedResponse": {"value": _S},
    "RatingScaleResponse": {"selections": _STRINGS},
    "SelectTextResponse": {"values": _STRINGS},
    "TrueFalseResponse": {"value": _S},
    "Result": {
        "attempt": _ref("Attempt"),
        "scoredBy": _ref("Agent"),
        "comment": _S,
        "maxResultScore": _N,
        "resultScore": _N,
        # 1.1 Result properties, still in the 1.2 schema.
        "normalScore": _N,
        "penaltyScore": _N,
        "extraCreditScore": _N,
        "totalScore": _N,
        "curvedTotalScore": _N,
        "curveFactor": _N,
    },
    "Score": {
        "attempt": _ref("Attempt"),
        "scoredBy": _ref("Agent"),
        "comment": _S,
        "maxScore": _N,
        "scoreGiven": _N,
    },
    "LikertScale": {"scalePoints": _I, "itemLabels": _STRINGS, "itemValues": _STRINGS},
    "MultiselectScale": {
        "scalePoints": _I,
        "itemLabels": _STRINGS,
        "itemValues": _STRINGS,
        "isOrderedSelection": _B,
        "orderedSelection": _B,
        "minSelections": _I,
        "maxSelections": _I,
    },
    "NumericScale": {
        "minValue": _N,
        "maxValue": _N,
        "step": _N,
        "minLabel": _S,
        "maxLabel": _S,
    },
    "SearchResponse": {
        "searchProvider": _ref("SoftwareApplication"),
        "searchTarget": _ref("Entity"),
        "query": _ref("Query"),
        "searchResultsItemCount": _NN,
        "searchResults": _list(_ref("Entity")),
    },
    "SystemIdentifier": {
        "identifier": _S,
        "identifierType": _enum(SYSTEM_IDENTIFIER_TYPES),
        "source": _ref("SoftwareApplication"),
        "extensions": _OBJ,
    },
    "TextPositionSelector": {"start": _NN, "end": _NN},
}


def _flatten(term: str) -> dict[str, Prop]:
    props: dict[str, Prop] = {}
    for parent in _SUPERTYPES[term]:
        props.update(_flatten(parent))
    props.update(_OWN_PROPERTIES.get(term, {}))
    return props


# term -> every property it has (own and inherited) and how to check it.
ENTITY_PROPERTIES: dict[str, dict[str, Prop]] = {term: _flatten(term) for term in _SUPERTYPES}

# term -> properties that must be present (``id`` and ``type`` for every Entity).
ENTITY_REQUIRED: dict[str, tuple[str, ...]] = {
    term: (
        ("type", "identifier", "identifierType")
        if term == "SystemIdentifier"
        else ("type",)
        if term in NON_ENTITY_TYPES
        else ("id", "type", "metric", "metricValue")
        if term == "AggregateMeasure"
        else ("id", "type")
    )
    for term in _SUPERTYPES
}

# ---------------------------------------------------------------------------------------------
# Event types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRule:
    """One Caliper event type's row: allowed actions (None: any term of Action.json) and the
    entity types allowed for each role (None: any Entity)."""

    actions: frozenset[str] | None
    actor: frozenset[str]
    object: frozenset[str] | None
    generated: frozenset[str] | None = None
    target: frozenset[str] | None = None
    referrer: frozenset[str] | None = None
    # action -> role -> allowed types, where the spec narrows a role for one action.
    by_action: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    # action -> properties that become required with it.
    required_by_action: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _types(*terms: str) -> frozenset[str]:
    return frozenset(terms)


_PERSON = _types("Person")
_DIGITAL_RESOURCE = _types("DigitalResource")
_RESOURCE_OR_APP = _types("DigitalResource", "SoftwareApplication")
_APP = _types("SoftwareApplication")

EVENT_RULES: dict[str, EventRule] = {
    "Event": EventRule(actions=None, actor=_types("Agent"), object=None),
    "AnnotationEvent": EventRule(
        actions=_types("Bookmarked", "Highlighted", "Shared", "Tagged"),
        actor=_PERSON,
        object=_DIGITAL_RESOURCE,
        generated=_types("Annotation"),
        target=_types("Frame"),
    ),
    "AssessmentEvent": EventRule(
        actions=_types("Started", "Paused", "Resumed", "Restarted", "Reset", "Submitted"),
        actor=_PERSON,
        object=_types("Assessment"),
        generated=_types("Attempt"),
    ),
    "AssessmentItemEvent": EventRule(
        actions=_types("Started", "Skipped", "Completed"),
        actor=_PERSON,
        object=_types("AssessmentItem"),
        # Completed generates a Response; the official Started example generates the Attempt.
        generated=_types("Response", "Attempt"),
        referrer=_types("AssessmentItem"),
    ),
    "AssignableEvent": EventRule(
        actions=_types("Activated", "Deactivated", "Started", "Completed", "Submitted", "Reviewed"),
        actor=_PERSON,
        object=_types("AssignableDigitalResource"),
        generated=_types("Attempt"),
        target=_types("Frame"),
    ),
    "FeedbackEvent": EventRule(
        actions=_types("Commented", "Ranked"),
        actor=_PERSON,
        object=None,
        generated=_types("Rating", "Comment"),
        target=_types("Frame"),
        by_action={
            "Commented": {"generated": _types("Comment")},
            "Ranked": {"generated": _types("Rating")},
        },
    ),
    "ForumEvent": EventRule(
        actions=_types("Subscribed", "Unsubscribed"), actor=_PERSON, object=_types("Forum")
    ),
    "GradeEvent": EventRule(
        actions=_types("Graded"),
        actor=_types("Person", "SoftwareApplication"),
        object=_types("Attempt"),
        generated=_types("Score"),
    ),
    "MediaEvent": EventRule(
        actions=_types(
            "Started",
            "Ended",
            "Paused",
            "Resumed",
            "Restarted",
            "ForwardedTo",
            "JumpedTo",
            "ChangedResolution",
            "ChangedSize",
            "ChangedSpeed",
            "ChangedVolume",
            "EnabledClosedCaptioning",
            "DisabledClosedCaptioning",
            "EnteredFullScreen",
            "ExitedFullScreen",
            "Muted",
            "Unmuted",
            "OpenedPopout",
            "ClosedPopout",
        ),
        actor=_PERSON,
        object=_types("MediaObject"),
        target=_types("MediaLocation"),
    ),
    "MessageEvent": EventRule(
        actions=_types("MarkedAsRead", "MarkedAsUnread", "Posted"),
        actor=_PERSON,
        object=_types("Message"),
    ),
    "NavigationEvent": EventRule(
        actions=_types("NavigatedTo"),
        actor=_PERSON,
        object=_RESOURCE_OR_APP,
        target=_DIGITAL_RESOURCE,
        referrer=_RESOURCE_OR_APP,
    ),
    "QuestionnaireEvent": EventRule(
        actions=_types("Started", "Submitted"), actor=_PERSON, object=_types("Questionnaire")
    ),
    "QuestionnaireItemEvent": EventRule(
        actions=_types("Started", "Skipped", "Completed"),
        actor=_PERSON,
        object=_types("QuestionnaireItem"),
        generated=_types("Response"),
    ),
    "ResourceManagementEvent": EventRule(
        actions=_types(
            "Archived",
            "Copied",
            "Created",
            "Deleted",
            "Described",
            "Downloaded",
            "Modified",
            "Printed",
            "Published",
            "Restored",
            "Retrieved",
            "Saved",
            "Unpublished",
            "Uploaded",
        ),
        actor=_PERSON,
        object=_DIGITAL_RESOURCE,
        generated=_DIGITAL_RESOURCE,
    ),
    "SearchEvent": EventRule(
        actions=_types("Searched"),
        actor=_PERSON,
        object=None,
        generated=_types("SearchResponse"),
    ),
    "SessionEvent": EventRule(
        actions=_types("LoggedIn", "LoggedOut", "TimedOut"),
        actor=_types("Person", "SoftwareApplication"),
        object=_types("Session", "SoftwareApplication"),
        target=_DIGITAL_RESOURCE,
        referrer=_RESOURCE_OR_APP,
        by_action={
            "LoggedIn": {"actor": _PERSON, "object": _APP},
            "LoggedOut": {"actor": _PERSON, "object": _APP},
            "TimedOut": {"actor": _APP, "object": _types("Session")},
        },
    ),
    "SurveyEvent": EventRule(
        actions=_types("OptedIn", "OptedOut"), actor=_PERSON, object=_types("Survey")
    ),
    "SurveyInvitationEvent": EventRule(
        actions=_types("Accepted", "Declined", "Sent"),
        actor=_PERSON,
        object=_types("SurveyInvitation"),
    ),
    "ThreadEvent": EventRule(
        actions=_types("MarkedAsRead", "MarkedAsUnread"), actor=_PERSON, object=_types("Thread")
    ),
    "ToolLaunchEvent": EventRule(
        actions=_types("Launched", "Returned"),
        actor=_PERSON,
        object=_APP,
        generated=_DIGITAL_RESOURCE,
        target=_types("Link", "LtiLink"),
        required_by_action={"Launched": ("federatedSession",)},
    ),
    "ToolUseEvent": EventRule(
        actions=_types("Used"),
        actor=_PERSON,
        object=_APP,
        generated=_types("AggregateMeasureCollection"),
        target=_APP,
    ),
    "ViewEvent": EventRule(actions=_types("Viewed"), actor=_PERSON, object=_DIGITAL_RESOURCE),
}
CALIPER_EVENT_TYPES: frozenset[str] = frozenset(EVENT_RULES)

# Properties every event type constrains the same way.
EVENT_COMMON_REFS: dict[str, frozenset[str]] = {
    "edApp": _APP,
    "group": _types("Organization"),
    "membership": _types("Membership"),
    "session": _types("Session"),
    "federatedSession": _types("LtiSession"),
}
