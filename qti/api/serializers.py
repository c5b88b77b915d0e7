"""Shapes of the QTI API, as Timeback's QTI API (``qti-api.yaml``) declares them: query and
body inputs, and the item / stimulus documents with ``rawXml`` and ``content`` (the XML as a
JSON tree: ``_attributes``, ``_text`` and children by element name)."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from rest_framework import serializers

from qti.models import FEEDBACK_MAX_LENGTH, QtiFeedback, QtiResource
from qti.processing.values import BASE_TYPE_NAMES, CARDINALITY_NAMES
from qti.selectors import item_refs_below, part_list
from qti.xml import QTI3_NS, local_name, qti_parse

__all__ = [
    "FeedbackInputSerializer",
    "ItemRefInputSerializer",
    "ListQuerySerializer",
    "ProcessResponseSerializer",
    "ReorderInputSerializer",
    "SectionInputSerializer",
    "TestInputSerializer",
    "TestMetadataInputSerializer",
    "TestPartInputSerializer",
    "ValidateBatchSerializer",
    "ValidateSerializer",
    "feedback_data",
    "item_data",
    "item_type",
    "item_ref_data",
    "part_sections",
    "section_data",
    "stimulus_data",
    "test_data",
    "test_part_data",
    "test_part_document",
    "xml_content",
]

MAX_LIMIT = 1000
ITEM_SORTS = ("title", "identifier", "type", "createdAt", "updatedAt")
STIMULUS_SORTS = ("title", "identifier", "createdAt", "updatedAt")

# Elements whose occurrences are always a list in ``content`` (the OpenAPI document declares
# them as arrays even when there is one).
_ALWAYS_LISTS = frozenset(
    {
        "qti-response-declaration",
        "qti-outcome-declaration",
        "qti-template-declaration",
        "qti-assessment-stimulus-ref",
        "qti-modal-feedback",
        "qti-test-part",
        "qti-assessment-section",
        "qti-assessment-item-ref",
    }
)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XML = "http://www.w3.org/XML/1998/namespace"


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


class ListQuerySerializer(serializers.Serializer):
    """``query``, ``page``, ``limit``, ``sort``, ``order``, ``filter`` of the list endpoints."""

    query = serializers.CharField(required=False, allow_blank=True, default="")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=10)
    sort = serializers.ChoiceField(choices=ITEM_SORTS, required=False, default="createdAt")
    order = serializers.ChoiceField(choices=("asc", "desc"), required=False, default="desc")
    filter = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, sorts: tuple[str, ...] = ITEM_SORTS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"] = serializers.ChoiceField(
            choices=sorts, required=False, default="createdAt"
        )


class ProcessResponseSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    response = serializers.JSONField()

    def validate_response(self, value: Any) -> str | list[str]:
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise serializers.ValidationError("must be a string or a list of strings")


class ValidateSerializer(serializers.Serializer):
    xml = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    schema = serializers.ChoiceField(choices=("test", "item", "stimulus"))
    entityId = serializers.CharField(required=False, allow_blank=True)


MAX_BATCH = 100
MSG_BATCH_EMPTY = "give at least one document in xml or one identifier in entityIds"


class ValidateBatchSerializer(serializers.Serializer):
    """``POST /validate/batch``: documents (``xml``) and stored entities (``entityIds``) of
    one kind, at most ``MAX_BATCH`` in all."""

    xml = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        max_length=MAX_BATCH,
    )
    schema = serializers.ChoiceField(choices=("test", "item", "stimulus"))
    entityIds = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=MAX_BATCH
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["xml"] and not attrs["entityIds"]:
            raise serializers.ValidationError({"xml": MSG_BATCH_EMPTY})
        if len(attrs["xml"]) + len(attrs["entityIds"]) > MAX_BATCH:
            raise serializers.ValidationError({"xml": f"at most {MAX_BATCH} documents in all"})
        return attrs


# ---- test structure (Timeback's TestPart, Section and item references) -----------------------

# An identifier of a test part, section or reference: no spaces, slashes or control characters.
_IDENTIFIER = r"^[\w.\-]{1,255}$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _identifier_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        _IDENTIFIER,
        error_messages={"invalid": "must be 1-255 letters, digits, '_', '.' or '-'"},
        **kwargs,
    )


class _Text(serializers.CharField):
    """Text written into an XML attribute: no control characters."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if _CONTROL.search(value):
            raise serializers.ValidationError("must not contain control characters")
        return value


class ItemRefInputSerializer(serializers.Serializer):
    identifier = _identifier_field()
    href = _Text(required=False, allow_blank=True, max_length=2000)
    sequence = serializers.IntegerField(required=False, min_value=1)


class _HyphenFields(serializers.Serializer):
    """Fields whose names cannot be class attributes: Timeback's hyphenated element names,
    and ``required`` (a Field attribute)."""

    hyphenated: dict[str, Any] = {}

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for name, factory in self.hyphenated.items():
            fields[name] = factory()
        return fields


class SectionInputSerializer(_HyphenFields):
    identifier = _identifier_field()
    title = _Text(max_length=1000)
    visible = serializers.BooleanField(required=False, default=True)
    fixed = serializers.BooleanField(required=False)
    sequence = serializers.IntegerField(required=False, min_value=1)
    hyphenated = {
        "required": lambda: serializers.BooleanField(required=False),
        "qti-assessment-item-ref": lambda: serializers.ListField(
            child=ItemRefInputSerializer(), required=False, max_length=1000
        ),
    }


class TestPartInputSerializer(_HyphenFields):
    identifier = _identifier_field()
    navigationMode = serializers.ChoiceField(choices=("linear", "nonlinear"))
    submissionMode = serializers.ChoiceField(choices=("individual", "simultaneous"))
    sequence = serializers.IntegerField(required=False, min_value=1)
    hyphenated = {
        "qti-assessment-section": lambda: serializers.ListField(
            child=SectionInputSerializer(), min_length=1, max_length=1000
        )
    }


class ReorderInputSerializer(serializers.Serializer):
    items = serializers.ListField(child=ItemRefInputSerializer(), min_length=1, max_length=1000)


class TestOutcomeInputSerializer(serializers.Serializer):
    identifier = _identifier_field()
    cardinality = serializers.ChoiceField(
        choices=CARDINALITY_NAMES, required=False, default="single"
    )
    baseType = serializers.ChoiceField(choices=BASE_TYPE_NAMES)
    normalMaximum = serializers.FloatField(required=False)
    normalMinimum = serializers.FloatField(required=False)
    defaultValue = serializers.DictField(required=False)


class TestInputSerializer(_HyphenFields):
    """Timeback's JSON assessment test (``AssessmentTest``)."""

    identifier = _identifier_field()
    title = _Text(max_length=1000)
    qtiVersion = serializers.CharField(required=False)
    toolName = _Text(required=False, allow_blank=True, max_length=255)
    toolVersion = _Text(required=False, allow_blank=True, max_length=255)
    timeLimit = serializers.FloatField(required=False, min_value=0)
    maxAttempts = serializers.IntegerField(required=False, min_value=0)
    toolsEnabled = serializers.DictField(child=serializers.BooleanField(), required=False)
    metadata = serializers.DictField(required=False, allow_null=True)
    hyphenated = {
        "qti-test-part": lambda: serializers.ListField(
            child=TestPartInputSerializer(), min_length=1, max_length=100
        ),
        "qti-outcome-declaration": lambda: serializers.ListField(
            child=TestOutcomeInputSerializer(), required=False, max_length=1000
        ),
    }


class TestMetadataInputSerializer(serializers.Serializer):
    """``PUT /assessment-tests/{identifier}/metadata``: the metadata replaces the test's."""

    metadata = serializers.DictField(allow_null=True)


# ---- learner feedback (Timeback's CreateFeedback) ---------------------------------------------

MSG_NOT_STRING = "must be a string"
MSG_NOT_BOOLEAN = "must be true or false"
MSG_CONTROL_CHARACTERS = "must not contain control characters"
MSG_BLANK = "must not be blank"
FEEDBACK_ID_MAX_LENGTH = 255


class _StrictText(serializers.CharField):
    """A JSON string and nothing else (DRF's CharField would take 5 as "5"), without control
    characters, and not only whitespace. Stored as given (no trimming)."""

    default_error_messages = {"invalid": MSG_NOT_STRING}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if _CONTROL.search(value):
            raise serializers.ValidationError(MSG_CONTROL_CHARACTERS)
        if not value.strip():
            raise serializers.ValidationError(MSG_BLANK)
        return value


class _StrictBoolean(serializers.BooleanField):
    """A JSON true or false (DRF's BooleanField would take "yes" and 1)."""

    default_error_messages = {"invalid": MSG_NOT_BOOLEAN}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class FeedbackInputSerializer(serializers.Serializer):
    """``POST /question`` and ``POST /lesson``: ``{lessonId, userId, feedback, questionId?,
    humanApproved?}``. Other fields are ignored (the type is the path's)."""

    lessonId = _StrictText(max_length=FEEDBACK_ID_MAX_LENGTH)
    userId = _StrictText(max_length=FEEDBACK_ID_MAX_LENGTH)
    feedback = _StrictText(max_length=FEEDBACK_MAX_LENGTH)
    questionId = _StrictText(
        max_length=FEEDBACK_ID_MAX_LENGTH, required=False, allow_null=True, default=None
    )
    humanApproved = _StrictBoolean(required=False, default=False)


# ---------------------------------------------------------------------------------------------
# XML as a JSON tree
# ---------------------------------------------------------------------------------------------


def _attribute_name(name: str) -> str:
    qname = etree.QName(name)
    if qname.namespace == _XSI:
        return f"xsi:{qname.localname}"
    if qname.namespace == _XML:
        return f"xml:{qname.localname}"
    return qname.localname


def _tree(element: etree._Element, *, root: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    if root:
        for prefix, uri in element.nsmap.items():
            attributes["xmlns" if prefix is None else f"xmlns:{prefix}"] = uri
    for name, value in element.attrib.items():
        attributes[_attribute_name(name)] = value
    name = local_name(element)
    if (
        name in ("qti-response-declaration", "qti-outcome-declaration")
        and "base-type" in attributes
    ):
        # The OpenAPI document spells this attribute in camelCase inside ``content``.
        attributes["baseType"] = attributes["base-type"]
    if attributes:
        out["_attributes"] = attributes
    texts = [t for t in [element.text, *(c.tail for c in element)] if t and t.strip()]
    if texts:
        out["_text"] = texts[0] if len(texts) == 1 else texts
    for child in element:
        if not isinstance(child.tag, str):
            continue
        child_name = local_name(child)
        if name == "qti-correct-response" and child_name == "qti-value":
            out.setdefault("qti-value", []).append(child.text or "")
            continue
        value = _tree(child)
        if child_name in out:
            if not isinstance(out[child_name], list):
                out[child_name] = [out[child_name]]
            out[child_name].append(value)
        else:
            out[child_name] = [value] if child_name in _ALWAYS_LISTS else value
    return out


def xml_content(root: etree._Element) -> dict[str, Any]:
    """The document as Timeback's ``content`` tree. Mixed content keeps its text but not its
    interleaving: ``rawXml`` is the faithful form."""
    return {local_name(root): _tree(root, root=True)}


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


def _iso(resource: QtiResource, name: str) -> str:
    value = getattr(resource, name)
    return value.isoformat().replace("+00:00", "Z")


_NS_DECLARATION = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _inner_xml(element: etree._Element) -> str:
    """The element's content as markup, without the namespace declarations lxml repeats on
    each serialized child."""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return _NS_DECLARATION.sub("", "".join(parts)).strip()


def _declaration(element: etree._Element, *, response: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "identifier": element.get("identifier") or "",
        "cardinality": element.get("cardinality") or "single",
    }
    if element.get("base-type"):
        out["baseType"] = element.get("base-type")
    if response:
        values = [
            v.text or ""
            for c in element
            if isinstance(c.tag, str) and local_name(c) == "qti-correct-response"
            for v in c
            if isinstance(v.tag, str) and local_name(v) == "qti-value"
        ]
        out["correctResponse"] = {"value": values}
    return out


def _feedback(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {
        "outcomeIdentifier": element.get("outcome-identifier") or "",
        "identifier": element.get("identifier") or "",
        "showHide": element.get("show-hide") or "show",
        "content": _inner_xml(element),
    }
    if local_name(element) == "qti-modal-feedback":
        out["title"] = element.get("title") or ""
    else:
        out["class"] = (element.get("class") or "").split()
    return out


# Timeback's ``type`` enum, and the nearest member for the interactions it lacks: a gap match
# is the text form of a graphic gap match (same directedPair responses), a position object
# answers with points as a select point does, custom interactions are open responses.
ITEM_TYPES = (
    "choice",
    "text-entry",
    "extended-text",
    "inline-choice",
    "match",
    "order",
    "associate",
    "select-point",
    "graphic-order",
    "graphic-associate",
    "graphic-gap-match",
    "hotspot",
    "hottext",
    "slider",
    "drawing",
    "media",
    "upload",
)
ITEM_TYPE_NEAREST = {
    "gap-match": "graphic-gap-match",
    "position-object": "select-point",
    "custom": "extended-text",
    "portable-custom": "extended-text",
    "end-attempt": "choice",
}
# An item without interactions (a reading page) is reported as an open response.
ITEM_TYPE_NONE = "extended-text"


def item_type(interactions: list[dict[str, Any]]) -> str:
    """The item's ``type`` in Timeback's enum: its first interaction's (an end-attempt button
    counts only when the item has nothing else), mapped to the nearest member when the enum
    lacks it."""
    names = [
        str(i.get("type") or "").removeprefix("qti-").removesuffix("-interaction")
        for i in interactions
    ]
    answering = [n for n in names if n != "end-attempt"] or names
    if not answering:
        return ITEM_TYPE_NONE
    first = answering[0]
    if first in ITEM_TYPES:
        return first
    return ITEM_TYPE_NEAREST.get(first, ITEM_TYPE_NONE)


def item_data(resource: QtiResource) -> dict[str, Any]:
    """An assessment item in Timeback's shape."""
    root = qti_parse(resource.xml)
    children = [c for c in root.iter() if isinstance(c.tag, str)]
    out: dict[str, Any] = {
        "identifier": resource.identifier,
        "title": resource.title,
        "type": item_type(resource.parsed.get("interactions") or []),
        "qtiVersion": "3.0",
        "timeDependent": root.get("time-dependent") == "true",
        "adaptive": root.get("adaptive") == "true",
        "responseDeclarations": [
            _declaration(c, response=True)
            for c in root
            if isinstance(c.tag, str) and local_name(c) == "qti-response-declaration"
        ],
        "outcomeDeclarations": [
            _declaration(c, response=False)
            for c in root
            if isinstance(c.tag, str) and local_name(c) == "qti-outcome-declaration"
        ],
    }
    processing = resource.parsed.get("responseProcessing") or {}
    template = str(processing.get("template") or "").rstrip("/").rsplit("/", 1)[-1]
    template = template.removesuffix(".xml")
    if template in ("match_correct", "map_response"):
        out["responseProcessing"] = {
            "templateType": template,
            # The standard templates read RESPONSE and set SCORE.
            "responseDeclarationIdentifier": "RESPONSE",
            "outcomeIdentifier": "SCORE",
            "correctResponseIdentifier": "CORRECT",
            "incorrectResponseIdentifier": "INCORRECT",
        }
    out["metadata"] = dict(resource.metadata)
    out["rawXml"] = resource.xml
    out["content"] = xml_content(root)
    for key, tag in (
        ("modalFeedback", "qti-modal-feedback"),
        ("feedbackInline", "qti-feedback-inline"),
        ("feedbackBlock", "qti-feedback-block"),
    ):
        out[key] = [_feedback(c) for c in children if local_name(c) == tag]
    out["createdAt"] = _iso(resource, "created_at")
    out["updatedAt"] = _iso(resource, "updated_at")
    return out


def _catalog_info(root: etree._Element) -> list[dict[str, str]]:
    entries = []
    for catalog in root.iter(f"{{{QTI3_NS}}}qti-catalog"):
        for card in catalog.iter(f"{{{QTI3_NS}}}qti-card"):
            entries.append(
                {
                    "id": catalog.get("id") or "",
                    "support": card.get("support") or "",
                    "content": _inner_xml(
                        card.find(f"{{{QTI3_NS}}}qti-html-content")
                        if card.find(f"{{{QTI3_NS}}}qti-html-content") is not None
                        else card
                    ),
                }
            )
    return entries


def stimulus_data(resource: QtiResource) -> dict[str, Any]:
    """A stimulus in Timeback's shape."""
    root = qti_parse(resource.xml)
    out: dict[str, Any] = {
        "identifier": resource.identifier,
        "title": resource.title,
        "catalogInfo": _catalog_info(root),
        "language": root.get(f"{{{_XML}}}lang") or "en",
    }
    for key, attribute in (
        ("label", "label"),
        ("toolName", "tool-name"),
        ("toolVersion", "tool-version"),
    ):
        if root.get(attribute):
            out[key] = root.get(attribute)
    stylesheet = root.find(f"{{{QTI3_NS}}}qti-stylesheet")
    if stylesheet is not None:
        out["stylesheet"] = {
            "href": stylesheet.get("href") or "",
            "type": stylesheet.get("type") or "",
        }
    out["metadata"] = dict(resource.metadata)
    out["rawXml"] = resource.xml
    out["content"] = xml_content(root)
    out["createdAt"] = _iso(resource, "created_at")
    out["updatedAt"] = _iso(resource, "updated_at")
    return out


# ---------------------------------------------------------------------------------------------
# Assessment tests, from the stored XML and its recorded structure
# ---------------------------------------------------------------------------------------------


def _flag(node: dict[str, Any], name: str, default: bool) -> bool:
    value = node.get(name)
    return default if value is None else value == "true"


def item_ref_data(ref: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"identifier": ref.get("identifier") or "", "href": ref.get("href") or ""}
    for key, name in (("category", "category"), ("required", "required"), ("fixed", "fixed")):
        if ref.get(name) is not None:
            out[key] = ref[name].split() if key == "category" else ref[name] == "true"
    return out


def section_data(
    section: dict[str, Any], *, sequence: int, refs: list[dict[str, Any]]
) -> dict[str, Any]:
    """A section in Timeback's shape. ``refs`` are its item references, those of its
    subsections included (Timeback's sections do not nest)."""
    out: dict[str, Any] = {
        "identifier": section.get("identifier") or "",
        "title": section.get("title") or "",
        "visible": _flag(section, "visible", True),
        # QTI's defaults: a section is neither required nor fixed unless it says so.
        "required": _flag(section, "required", False),
        "fixed": _flag(section, "fixed", False),
        "sequence": sequence,
        "qti-assessment-item-ref": [item_ref_data(r) for r in refs],
    }
    selection = (section.get("selection") or [None])[0]
    if selection:
        out["selection"] = {
            "select": int(selection.get("select") or 0),
            "withReplacement": selection.get("with-replacement") == "true",
        }
    ordering = (section.get("ordering") or [None])[0]
    if ordering:
        out["ordering"] = {"shuffle": ordering.get("shuffle") == "true"}
    return out


def part_sections(part: dict[str, Any]) -> list[dict[str, Any]]:
    """The top-level sections of a part (or a section's subsections) in Timeback's shape."""
    sections = [c for c in part.get("children") or [] if c.get("type") == "qti-assessment-section"]
    return [section_data(s, sequence=n, refs=item_refs_below(s)) for n, s in enumerate(sections, 1)]


def test_part_data(part: dict[str, Any]) -> dict[str, Any]:
    return {
        "identifier": part.get("identifier") or "",
        "navigationMode": part.get("navigation-mode") or "linear",
        "submissionMode": part.get("submission-mode") or "individual",
        "qti-assessment-section": part_sections(part),
    }


def test_part_document(resource: QtiResource, identifier: str) -> dict[str, Any]:
    """A test part as created or replaced: its ``TestPart`` shape with the part's own XML
    (``rawXml``) and its JSON tree (``content``)."""
    part = next(p for p in part_list(resource=resource) if p.get("identifier") == identifier)
    root = qti_parse(resource.xml)
    element = next(
        e for e in root.iter(f"{{{QTI3_NS}}}qti-test-part") if e.get("identifier") == identifier
    )
    return {
        **test_part_data(part),
        "rawXml": etree.tostring(element, encoding="unicode"),
        "content": {"qti-test-part": _tree(element)},
    }


def _number(text: str | None) -> float | int | None:
    if text is None:
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def _test_outcome(element: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {
        "identifier": element.get("identifier") or "",
        "cardinality": element.get("cardinality") or "single",
    }
    if element.get("base-type"):
        out["baseType"] = element.get("base-type")
    for key, attribute in (
        ("normalMaximum", "normal-maximum"),
        ("normalMinimum", "normal-minimum"),
    ):
        if element.get(attribute) is not None:
            out[key] = _number(element.get(attribute))
    default = element.find(f"{{{QTI3_NS}}}qti-default-value")
    if default is not None:
        values = [v.text or "" for v in default if isinstance(v.tag, str)]
        out["defaultValue"] = {"value": values[0] if len(values) == 1 else values}
    return out


def test_data(resource: QtiResource) -> dict[str, Any]:
    """An assessment test in Timeback's shape: its parts, sections and item references (from
    the structure recorded when it was stored), outcome declarations, ``rawXml`` and
    ``content``."""
    root = qti_parse(resource.xml)
    out: dict[str, Any] = {
        "identifier": resource.identifier,
        "title": resource.title,
        "qtiVersion": "3.0",
        "qti-test-part": [test_part_data(p) for p in part_list(resource=resource)],
        "qti-outcome-declaration": [
            _test_outcome(c)
            for c in root
            if isinstance(c.tag, str) and local_name(c) == "qti-outcome-declaration"
        ],
    }
    limits = root.find(f"{{{QTI3_NS}}}qti-time-limits")
    if limits is not None and limits.get("max-time") is not None:
        out["timeLimit"] = _number(limits.get("max-time"))
    out["metadata"] = dict(resource.metadata)
    out["rawXml"] = resource.xml
    out["content"] = xml_content(root)
    out["createdAt"] = _iso(resource, "created_at")
    out["updatedAt"] = _iso(resource, "updated_at")
    # Stored tests passed the same checks as /validate.
    out["isValidXml"] = True
    return out


def feedback_data(row: QtiFeedback) -> dict[str, Any]:
    """Timeback's ``CreateFeedback``, with the ``id`` that ``DELETE /{id}`` takes and the
    timestamps; ``questionId`` only when one was named."""
    data: dict[str, Any] = {
        "id": str(row.public_id),
        "type": row.kind.upper(),
        "lessonId": row.lesson_id,
        "userId": row.user_id,
        "feedback": row.feedback,
        "humanApproved": row.human_approved,
        "createdAt": row.created_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": row.updated_at.isoformat().replace("+00:00", "Z"),
    }
    if row.question_id:
        data["questionId"] = row.question_id
    return data
