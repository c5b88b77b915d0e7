"""Assessment items from Timeback's structured JSON (``format: "json"``): the QTI 3.0 item
document built from ``interaction.questionStructure``, the declarations, the response
processing template and the feedback, then stored like any item sent as XML (the XML is the
source of truth; ``rawXml`` and ``content`` come from it).

Every interaction type of Timeback's ``type`` enum is built: choice, order, text-entry,
inline-choice, extended-text, match, associate, hottext, slider, upload, and the graphic
ones (hotspot, select-point, graphic-order, graphic-associate, graphic-gap-match, drawing,
media) from ``questionStructure.object`` (an ``img``, ``video`` or ``audio`` by its media
type) and their hotspots. Another ``interaction.type`` is refused naming the field.

Response processing: ``match_correct`` or ``map_response`` (``responseProcessing.
templateType``) is written as the standard template's URL with the rules inline, so that
SCORE is scored by the template (0-1 for match_correct; the mapping's sum for map_response,
each correct value worth 1 when no mapping is given) and the feedback outcome
(``outcomeIdentifier``) is set to ``correctResponseIdentifier`` or
``incorrectResponseIdentifier``; with ``inlineFeedback`` its outcome is set to the response.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from common.exceptions import ApplicationError
from qti.processing.values import BASE_TYPE_NAMES, CARDINALITY_NAMES
from qti.services.resources import (
    ASI_SCHEMA_LOCATION,
    XSI_NS,
    _xhtml_fragment,  # the same XHTML reading as stimuli sent as JSON
)
from qti.xml import QTI3_NS

__all__ = ["JSON_INTERACTIONS", "item_xml_build"]

MSG_FIELD = "{field}: is required and must be a non-empty string"
MSG_OBJECT = "{field}: must be an object"
MSG_LIST = "{field}: must be a list of objects"
MSG_INTERACTION_TYPE = (
    "interaction.type: {value!r} is not one of {types} (other interactions: send the item as "
    "QTI XML, format 'xml')"
)
MSG_CHOICES = (
    "interaction.questionStructure.{field}: must be a non-empty list of {{identifier, content}}"
)
MSG_ENUM = "{field}: must be one of {values}, got {value!r}"
MSG_NUMBER = "{field}: must be a number"
MSG_TYPE_MISMATCH = "type: {type!r} differs from interaction.type {interaction!r}"

JSON_INTERACTIONS = (
    "choice",
    "order",
    "text-entry",
    "inline-choice",
    "extended-text",
    "match",
    "associate",
    "hottext",
    "slider",
    "upload",
    "hotspot",
    "select-point",
    "graphic-order",
    "graphic-associate",
    "graphic-gap-match",
    "drawing",
    "media",
)
SHAPES = ("circle", "rect", "poly", "ellipse", "default")
CARDINALITIES = CARDINALITY_NAMES
BASE_TYPES = BASE_TYPE_NAMES
SHOW_HIDE = ("show", "hide")
TEMPLATES = ("match_correct", "map_response")
TEMPLATE_URL = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{name}.xml"
RUBRIC_VIEWS = ("author", "candidate", "proctor", "scorer", "testConstructor", "tutor")

# Response declaration of an interaction when the body declares none.
_DEFAULT_DECLARATION = {
    "choice": ("single", "identifier"),
    "order": ("ordered", "identifier"),
    "text-entry": ("single", "string"),
    "inline-choice": ("single", "identifier"),
    "extended-text": ("single", "string"),
    "match": ("multiple", "directedPair"),
    "associate": ("multiple", "pair"),
    "hottext": ("multiple", "identifier"),
    "slider": ("single", "float"),
    "upload": ("single", "file"),
    "hotspot": ("multiple", "identifier"),
    "select-point": ("multiple", "point"),
    "graphic-order": ("ordered", "identifier"),
    "graphic-associate": ("multiple", "pair"),
    "graphic-gap-match": ("multiple", "directedPair"),
    "drawing": ("single", "file"),
    "media": ("single", "integer"),
}
_BLANK = re.compile(r"_{3,}")
Q = f"{{{QTI3_NS}}}"


# ---------------------------------------------------------------------------------------------
# Reading the body
# ---------------------------------------------------------------------------------------------


def _text(data: Mapping[str, Any], name: str, field: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(MSG_FIELD.format(field=field), field=field)
    return value


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ApplicationError(MSG_OBJECT.format(field=field), field=field)
    return value


def _objects(value: Any, field: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if isinstance(value, Mapping):  # Timeback accepts one stimulus as an object
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ApplicationError(MSG_LIST.format(field=field), field=field)
    return value


def _enum(value: Any, values: tuple[str, ...], field: str) -> str:
    if value not in values:
        message = MSG_ENUM.format(field=field, values=", ".join(values), value=value)
        raise ApplicationError(message, field=field)
    return str(value)


def _number(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ApplicationError(MSG_NUMBER.format(field=field), field=field)
    try:
        number = float(value)
    except ValueError as exc:
        raise ApplicationError(MSG_NUMBER.format(field=field), field=field) from exc
    return str(int(number)) if number.is_integer() else str(number)


def _attribute_text(value: Any, field: str) -> str:
    text = "true" if value is True else "false" if value is False else str(value)
    try:
        etree.Element("probe").set("probe", text)
    except ValueError as exc:  # control characters: not XML
        raise ApplicationError(f"{field}: is not valid text ({exc})", field=field) from exc
    return text


def _markup(parent: etree._Element, markup: Any, field: str) -> None:
    if not isinstance(markup, str):
        raise ApplicationError(MSG_FIELD.format(field=field), field=field)
    _xhtml_fragment(parent=parent, markup=markup, field_name=field)


def _sub(parent: etree._Element, name: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{Q}{name}")
    for key, value in attributes.items():
        element.set(key.replace("_", "-"), value)
    return element


# ---------------------------------------------------------------------------------------------
# Declarations and processing
# ---------------------------------------------------------------------------------------------


def _value_text(value: Any, field: str) -> str:
    if isinstance(value, list):  # a pair sent as ["C1", "T1"]
        return " ".join(_attribute_text(v, field) for v in value)
    return _attribute_text(value, field)


def _response_declaration(
    root: etree._Element, data: Mapping[str, Any], n: int, *, mapped: bool
) -> None:
    field = f"responseDeclarations[{n}]"
    element = _sub(
        root,
        "qti-response-declaration",
        identifier=_text(data, "identifier", f"{field}.identifier"),
        cardinality=_enum(data.get("cardinality"), CARDINALITIES, f"{field}.cardinality"),
    )
    if data.get("baseType") is not None:
        element.set("base-type", _enum(data["baseType"], BASE_TYPES, f"{field}.baseType"))
    correct = data.get("correctResponse") or {}
    values = _object(correct, f"{field}.correctResponse").get("value") or []
    if not isinstance(values, list):
        values = [values]
    texts = [_value_text(v, f"{field}.correctResponse.value") for v in values]
    # Kept even when empty (a response scored by a person): Timeback's ``content`` declares a
    # correct response on every response declaration.
    if texts:
        holder = _sub(element, "qti-correct-response")
        for text in texts:
            _sub(holder, "qti-value").text = text
    texts = [t for t in texts if t.strip()]
    if mapped and texts:
        mapping = _sub(
            element,
            "qti-mapping",
            default_value="0",
            lower_bound="0",
            upper_bound=str(len(texts)),
        )
        for text in texts:
            _sub(mapping, "qti-map-entry", map_key=text, mapped_value="1")


def _outcome_declaration(root: etree._Element, data: Mapping[str, Any], field: str) -> None:
    element = _sub(
        root,
        "qti-outcome-declaration",
        identifier=_text(data, "identifier", f"{field}.identifier"),
        cardinality=_enum(data.get("cardinality", "single"), CARDINALITIES, f"{field}.cardinality"),
    )
    if data.get("baseType") is not None:
        element.set("base-type", _enum(data["baseType"], BASE_TYPES, f"{field}.baseType"))


def _set_outcome(parent: etree._Element, identifier: str, base_type: str, value: str) -> None:
    setter = _sub(parent, "qti-set-outcome-value", identifier=identifier)
    _sub(setter, "qti-base-value", base_type=base_type).text = value


def _response_processing(root: etree._Element, data: Mapping[str, Any], response: str) -> None:
    template = _enum(data.get("templateType"), TEMPLATES, "responseProcessing.templateType")
    feedback = str(data.get("outcomeIdentifier") or "")
    correct_id = str(data.get("correctResponseIdentifier") or "CORRECT")
    incorrect_id = str(data.get("incorrectResponseIdentifier") or "INCORRECT")
    processing = _sub(root, "qti-response-processing", template=TEMPLATE_URL.format(name=template))
    condition = _sub(processing, "qti-response-condition")
    branch_if = _sub(condition, "qti-response-if")
    if template == "match_correct":
        match = _sub(branch_if, "qti-match")
        _sub(match, "qti-variable", identifier=response)
        _sub(match, "qti-correct", identifier=response)
        _set_outcome(branch_if, "SCORE", "float", "1")
        if feedback and feedback != "SCORE":
            _set_outcome(branch_if, feedback, "identifier", correct_id)
        branch_else = _sub(condition, "qti-response-else")
        _set_outcome(branch_else, "SCORE", "float", "0")
        if feedback and feedback != "SCORE":
            _set_outcome(branch_else, feedback, "identifier", incorrect_id)
    else:
        is_null = _sub(branch_if, "qti-is-null")
        _sub(is_null, "qti-variable", identifier=response)
        _set_outcome(branch_if, "SCORE", "float", "0")
        branch_else = _sub(condition, "qti-response-else")
        score = _sub(branch_else, "qti-set-outcome-value", identifier="SCORE")
        _sub(score, "qti-map-response", identifier=response)
        if feedback and feedback != "SCORE":
            _set_outcome(branch_if, feedback, "identifier", incorrect_id)
            verdict = _sub(processing, "qti-response-condition")
            right = _sub(verdict, "qti-response-if")
            match = _sub(right, "qti-match")
            _sub(match, "qti-variable", identifier=response)
            _sub(match, "qti-correct", identifier=response)
            _set_outcome(right, feedback, "identifier", correct_id)
            _set_outcome(_sub(verdict, "qti-response-else"), feedback, "identifier", incorrect_id)
    inline = data.get("inlineFeedback")
    if inline is not None:
        inline = _object(inline, "responseProcessing.inlineFeedback")
        target = _text(
            inline, "outcomeIdentifier", "responseProcessing.inlineFeedback.outcomeIdentifier"
        )
        source = _text(
            inline, "variableIdentifier", "responseProcessing.inlineFeedback.variableIdentifier"
        )
        setter = _sub(processing, "qti-set-outcome-value", identifier=target)
        _sub(setter, "qti-variable", identifier=source)


# ---------------------------------------------------------------------------------------------
# Interactions
# ---------------------------------------------------------------------------------------------


def _choices(structure: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    field = f"interaction.questionStructure.{name}"
    choices = structure.get(name)
    if (
        not isinstance(choices, list)
        or not choices
        or not all(
            isinstance(c, Mapping) and isinstance(c.get("identifier"), str) and c["identifier"]
            for c in choices
        )
    ):
        raise ApplicationError(MSG_CHOICES.format(field=name), field=field)
    return choices


def _simple_choices(
    parent: etree._Element, choices: list[Mapping[str, Any]], tag: str, field: str
) -> None:
    for n, choice in enumerate(choices):
        element = _sub(parent, tag, identifier=_attribute_text(choice["identifier"], field))
        if tag != "qti-simple-choice":
            element.set("match-max", _number(choice.get("matchMax", 1), f"{field}[{n}].matchMax"))
        _markup(element, choice.get("content", ""), f"{field}[{n}].content")
        feedback = choice.get("feedbackInline")
        if feedback:
            outcome = choice.get("feedbackOutcomeIdentifier") or "FEEDBACK-INLINE"
            inline = _sub(
                element,
                "qti-feedback-inline",
                outcome_identifier=_attribute_text(outcome, f"{field}[{n}]"),
                identifier=str(choice["identifier"]),
                show_hide="show",
            )
            _markup(inline, feedback, f"{field}[{n}].feedbackInline")


def _prompt(parent: etree._Element, structure: Mapping[str, Any]) -> None:
    if structure.get("prompt"):
        _markup(
            _sub(parent, "qti-prompt"), structure["prompt"], "interaction.questionStructure.prompt"
        )


def _inline_paragraph(body: etree._Element, prompt: Any, interaction: etree._Element) -> None:
    """``prompt`` as a paragraph holding the inline interaction where its blank (``___``)
    is, or at its end."""
    paragraph = _sub(body, "p")
    text = prompt if isinstance(prompt, str) else ""
    parts = _BLANK.split(text, maxsplit=1)
    before, after = (parts[0], parts[1]) if len(parts) == 2 else (text, "")
    field = "interaction.questionStructure.prompt"
    _markup(paragraph, before, field)
    paragraph.append(interaction)
    tail = etree.Element(f"{Q}span")
    _markup(tail, after, field)
    interaction.tail = tail.text
    for child in list(tail):
        paragraph.append(child)


def _interaction(body: etree._Element, data: Mapping[str, Any], kind: str, response: str) -> None:
    structure = _object(data.get("questionStructure") or {}, "interaction.questionStructure")
    attributes = data.get("attributes") or {}
    attributes = _object(attributes, "interaction.attributes")
    field = "interaction.questionStructure"

    def option(*names: str) -> Any:
        for name in names:
            for source in (data, structure, attributes):
                if source.get(name) is not None:
                    return source[name]
        return None

    tag = f"qti-{kind}-interaction"
    if kind in ("text-entry", "inline-choice"):
        element = etree.Element(f"{Q}{tag}")
        element.set("response-identifier", response)
        if kind == "inline-choice":
            for n, choice in enumerate(_choices(structure, "inlineChoices")):
                inline = _sub(element, "qti-inline-choice", identifier=str(choice["identifier"]))
                _markup(inline, choice.get("content", ""), f"{field}.inlineChoices[{n}].content")
            if option("shuffle") is not None:
                element.set(
                    "shuffle", _attribute_text(bool(option("shuffle")), "interaction.shuffle")
                )
        else:
            for key, attribute in (
                ("expected-length", "expected-length"),
                ("expectedLength", "expected-length"),
                ("pattern-mask", "pattern-mask"),
                ("patternMask", "pattern-mask"),
                ("placeholder", "placeholder-text"),
            ):
                value = option(key)
                if value is not None:
                    element.set(attribute, _attribute_text(value, f"interaction.attributes.{key}"))
        _inline_paragraph(body, structure.get("prompt"), element)
        return
    element = _sub(body, tag, response_identifier=response)
    if option("shuffle") is not None:
        element.set("shuffle", _attribute_text(bool(option("shuffle")), "interaction.shuffle"))
    _prompt(element, structure)
    if kind in ("choice", "order"):
        if kind == "choice":
            element.set("max-choices", _number(option("maxChoices") or 1, "interaction.maxChoices"))
        elif option("orientation") is not None:
            element.set(
                "orientation",
                _enum(option("orientation"), ("horizontal", "vertical"), "interaction.orientation"),
            )
        _simple_choices(
            element, _choices(structure, "choices"), "qti-simple-choice", f"{field}.choices"
        )
    elif kind in ("match", "associate"):
        element.set(
            "max-associations",
            _number(option("maxAssociations") or 0, "interaction.maxAssociations"),
        )
        sources = _choices(structure, "sourceChoices")
        targets = _choices(structure, "targetChoices")
        if kind == "match":
            for name, choices in (("sourceChoices", sources), ("targetChoices", targets)):
                match_set = _sub(element, "qti-simple-match-set")
                _simple_choices(
                    match_set, choices, "qti-simple-associable-choice", f"{field}.{name}"
                )
        else:
            _simple_choices(
                element, [*sources, *targets], "qti-simple-associable-choice", f"{field}.choices"
            )
    elif kind == "extended-text":
        for key, attribute in (
            ("expectedLength", "expected-length"),
            ("expectedLines", "expected-lines"),
            ("maxStrings", "max-strings"),
            ("minStrings", "min-strings"),
        ):
            if option(key) is not None:
                element.set(attribute, _number(option(key), f"{field}.{key}"))
        if option("format") is not None:
            element.set(
                "format",
                _enum(option("format"), ("plain", "preformatted", "xhtml"), f"{field}.format"),
            )
        if option("patternMask", "pattern-mask") is not None:
            element.set(
                "pattern-mask",
                _attribute_text(option("patternMask", "pattern-mask"), f"{field}.patternMask"),
            )
    elif kind == "hottext":
        element.set("max-choices", _number(option("maxChoices") or 0, "interaction.maxChoices"))
        text = structure.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApplicationError(MSG_FIELD.format(field=f"{field}.text"), field=f"{field}.text")
        # Timeback writes the hot words as <hottext>; QTI 3.0 names them qti-hottext.
        text = re.sub(r"<(/?)hottext\b", r"<\1qti-hottext", text)
        holder = _sub(element, "div")
        _markup(holder, text, f"{field}.text")
    elif kind == "slider":
        element.set(
            "lower-bound", _number(option("lower-bound", "lowerBound"), "interaction.lower-bound")
        )
        element.set(
            "upper-bound", _number(option("upper-bound", "upperBound"), "interaction.upper-bound")
        )
        if option("step") is not None:
            element.set("step", _number(option("step"), "interaction.step"))
        if option("orientation") is not None:
            element.set(
                "orientation",
                _enum(option("orientation"), ("horizontal", "vertical"), "interaction.orientation"),
            )
    elif kind in _GRAPHIC:
        _graphic(element, kind, structure, option)
    elif kind == "upload":
        allowed = option("allowedTypes")
        if isinstance(allowed, list) and allowed:
            element.set(
                "type", _attribute_text(" ".join(str(t) for t in allowed), f"{field}.allowedTypes")
            )


_GRAPHIC = (
    "hotspot",
    "select-point",
    "graphic-order",
    "graphic-associate",
    "graphic-gap-match",
    "drawing",
    "media",
)


def _media(parent: etree._Element, data: Any, field: str) -> None:
    """``{data, width, height, type}`` as an ``img`` (or ``video`` / ``audio`` by type)."""
    media = _object(data, field)
    source = _attribute_text(_text(media, "data", f"{field}.data"), f"{field}.data")
    kind = str(media.get("mediaType") or media.get("type") or "image/")
    tag = "video" if kind.startswith("video/") else "audio" if kind.startswith("audio/") else "img"
    element = _sub(parent, tag, src=source)
    if tag == "img":
        element.set("alt", _attribute_text(media.get("alt") or "", f"{field}.alt"))
    for key in ("width", "height"):
        if media.get(key) is not None:
            element.set(key, _number(media[key], f"{field}.{key}"))


def _hotspots(
    parent: etree._Element, structure: Mapping[str, Any], name: str, tag: str, *, matched: bool
) -> None:
    field = f"interaction.questionStructure.{name}"
    for n, spot in enumerate(_choices(structure, name)):
        element = _sub(
            parent,
            tag,
            identifier=_attribute_text(spot["identifier"], f"{field}[{n}].identifier"),
            shape=_enum(spot.get("shape", "rect"), SHAPES, f"{field}[{n}].shape"),
            coords=_attribute_text(spot.get("coords") or "", f"{field}[{n}].coords"),
        )
        if spot.get("label"):
            element.set("hotspot-label", _attribute_text(spot["label"], f"{field}[{n}].label"))
        if matched:
            element.set("match-max", _number(spot.get("matchMax", 1), f"{field}[{n}].matchMax"))


def _graphic(element: etree._Element, kind: str, structure: Mapping[str, Any], option: Any) -> None:
    field = "interaction.questionStructure"
    _media(element, structure.get("object"), f"{field}.object")
    if kind in ("hotspot", "select-point"):
        element.set("max-choices", _number(option("maxChoices") or 0, "interaction.maxChoices"))
        if option("minChoices") is not None:
            element.set("min-choices", _number(option("minChoices"), "interaction.minChoices"))
    if kind == "hotspot":
        _hotspots(element, structure, "hotspots", "qti-hotspot-choice", matched=False)
    elif kind == "graphic-order":
        _hotspots(element, structure, "orderChoices", "qti-hotspot-choice", matched=False)
    elif kind == "graphic-associate":
        element.set(
            "max-associations",
            _number(option("maxAssociations") or 0, "interaction.maxAssociations"),
        )
        _hotspots(element, structure, "associableHotspots", "qti-associable-hotspot", matched=True)
    elif kind == "graphic-gap-match":
        for n, gap in enumerate(_choices(structure, "gapImgs")):
            gap_field = f"{field}.gapImgs[{n}]"
            image = _sub(
                element,
                "qti-gap-img",
                identifier=_attribute_text(gap["identifier"], f"{gap_field}.identifier"),
                match_max=_number(gap.get("matchMax", 1), f"{gap_field}.matchMax"),
            )
            _media(image, gap.get("object"), f"{gap_field}.object")
        _hotspots(element, structure, "associableHotspots", "qti-associable-hotspot", matched=True)
    elif kind == "media":
        element.set("autostart", "true" if option("autostart") else "false")
        element.set("loop", "true" if option("loop") else "false")
        for key, attribute in (("minPlays", "min-plays"), ("maxPlays", "max-plays")):
            if option(key) is not None:
                element.set(attribute, _number(option(key), f"interaction.{key}"))


# ---------------------------------------------------------------------------------------------
# The item
# ---------------------------------------------------------------------------------------------


def _feedback(parent: etree._Element, tag: str, data: Mapping[str, Any], field: str) -> None:
    element = _sub(
        parent,
        tag,
        outcome_identifier=_text(data, "outcomeIdentifier", f"{field}.outcomeIdentifier"),
        identifier=_text(data, "identifier", f"{field}.identifier"),
        show_hide=_enum(data.get("showHide", "show"), SHOW_HIDE, f"{field}.showHide"),
    )
    if tag == "qti-modal-feedback" and data.get("title"):
        element.set("title", _attribute_text(data["title"], f"{field}.title"))
    classes = data.get("class")
    if tag != "qti-modal-feedback" and isinstance(classes, list) and classes:
        element.set("class", _attribute_text(" ".join(str(c) for c in classes), f"{field}.class"))
    body = element if tag != "qti-modal-feedback" else _sub(element, "qti-content-body")
    _markup(body, data.get("content", ""), f"{field}.content")


def item_xml_build(*, data: Mapping[str, Any]) -> str:
    """The QTI 3.0 item document for Timeback's JSON item. 400 naming the field when the
    body cannot make one."""
    identifier = _attribute_text(_text(data, "identifier", "identifier"), "identifier")
    title = _attribute_text(_text(data, "title", "title"), "title")
    interaction = _object(data.get("interaction"), "interaction")
    kind = interaction.get("type") or data.get("type")
    if kind not in JSON_INTERACTIONS:
        message = MSG_INTERACTION_TYPE.format(value=kind, types=", ".join(JSON_INTERACTIONS))
        raise ApplicationError(message, field="interaction.type")
    if data.get("type") not in (None, kind):
        message = MSG_TYPE_MISMATCH.format(type=data.get("type"), interaction=kind)
        raise ApplicationError(message, field="type")
    response = _attribute_text(
        interaction.get("responseIdentifier") or "RESPONSE", "interaction.responseIdentifier"
    )
    processing = data.get("responseProcessing")
    processing = _object(processing, "responseProcessing") if processing is not None else None
    mapped = processing is not None and processing.get("templateType") == "map_response"

    root = etree.Element(f"{Q}qti-assessment-item", nsmap={None: QTI3_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", ASI_SCHEMA_LOCATION)
    root.set("identifier", identifier)
    root.set("title", title)
    root.set("adaptive", "true" if data.get("adaptive") is True else "false")
    root.set("time-dependent", "true" if data.get("timeDependent") is True else "false")

    declarations = _objects(data.get("responseDeclarations"), "responseDeclarations")
    for n, declaration in enumerate(declarations):
        _response_declaration(root, declaration, n, mapped=mapped)
    if not any(d.get("identifier") == response for d in declarations):
        cardinality, base_type = _DEFAULT_DECLARATION[kind]
        _sub(
            root,
            "qti-response-declaration",
            identifier=response,
            cardinality=cardinality,
            base_type=base_type,
        )
    outcomes = _objects(data.get("outcomeDeclarations"), "outcomeDeclarations")
    if not any(o.get("identifier") == "SCORE" for o in outcomes):
        score = _sub(
            root,
            "qti-outcome-declaration",
            identifier="SCORE",
            cardinality="single",
            base_type="float",
        )
        if processing is not None and not mapped:
            score.set("normal-maximum", "1")
        _sub(_sub(score, "qti-default-value"), "qti-value").text = "0"
    for n, outcome in enumerate(outcomes):
        _outcome_declaration(root, outcome, f"outcomeDeclarations[{n}]")
    for n, stimulus in enumerate(_objects(data.get("stimulus"), "stimulus")):
        reference = _text(stimulus, "identifier", f"stimulus[{n}].identifier")
        ref = _sub(
            root,
            "qti-assessment-stimulus-ref",
            identifier=_attribute_text(reference, f"stimulus[{n}].identifier"),
            href=_attribute_text(
                stimulus.get("href") or f"stimuli/{reference}", f"stimulus[{n}].href"
            ),
        )
        # Timeback's content declares a stimulus reference's title: the identifier stands in.
        ref.set(
            "title", _attribute_text(stimulus.get("title") or reference, f"stimulus[{n}].title")
        )

    body = _sub(root, "qti-item-body")
    for n, rubric in enumerate(_objects(data.get("rubrics"), "rubrics")):
        block = _sub(
            body,
            "qti-rubric-block",
            use=_attribute_text(rubric.get("use") or "ext:criteria", f"rubrics[{n}].use"),
            view=_enum(rubric.get("view") or "scorer", RUBRIC_VIEWS, f"rubrics[{n}].view"),
        )
        _markup(_sub(block, "qti-content-body"), rubric.get("body", ""), f"rubrics[{n}].body")
    if data.get("preInteraction"):
        _markup(_sub(body, "div"), data["preInteraction"], "preInteraction")
    _interaction(body, interaction, str(kind), response)
    if data.get("postInteraction"):
        _markup(_sub(body, "div"), data["postInteraction"], "postInteraction")
    inline = _objects(data.get("feedbackInline"), "feedbackInline")
    if inline:
        holder = _sub(body, "p")
        for n, feedback in enumerate(inline):
            _feedback(holder, "qti-feedback-inline", feedback, f"feedbackInline[{n}]")
    for n, feedback in enumerate(_objects(data.get("feedbackBlock"), "feedbackBlock")):
        _feedback(body, "qti-feedback-block", feedback, f"feedbackBlock[{n}]")

    if processing is not None:
        _response_processing(root, processing, response)
    for n, feedback in enumerate(_objects(data.get("modalFeedback"), "modalFeedback")):
        _feedback(root, "qti-modal-feedback", feedback, f"modalFeedback[{n}]")
    return etree.tostring(root, encoding="unicode")
