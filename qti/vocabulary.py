"""The QTI 3.0 element vocabulary (ASI 3.0 names), for the structural check of items and
tests: the main 3.0 XSD is too large to ship, so documents are checked against the names
of its elements instead (and the report says so). Descendants of the companion-materials
and catalog elements, whose content vocabularies are open, are not checked."""

from __future__ import annotations

__all__ = ["OPEN_CONTENT", "QTI3_ELEMENTS", "XHTML_ELEMENTS"]

_NAMES = """
assessment-item assessment-item-ref assessment-section assessment-section-ref
assessment-stimulus assessment-stimulus-ref assessment-test test-part item-body stimulus-body
rubric-block content-body stylesheet companion-materials-info catalog-info catalog card
card-entry html-content file-href context-declaration response-declaration
outcome-declaration outcome-declarations template-declaration default-value correct-response
value mapping map-entry area-mapping area-map-entry interpolation-table
interpolation-table-entry match-table match-table-entry lookup-outcome-value
item-session-control time-limits selection ordering pre-condition branch-rule weight
variable-mapping template-default test-feedback outcome-processing
outcome-processing-fragment outcome-condition outcome-if outcome-else-if outcome-else
set-outcome-value exit-test response-processing response-processing-fragment
response-condition response-if response-else-if response-else exit-response
template-processing template-condition template-if template-else-if template-else
set-template-value set-correct-response set-default-value exit-template template-constraint
template-block template-inline feedback-block feedback-inline modal-feedback
printed-variable end-attempt-interaction associate-interaction choice-interaction
custom-interaction drawing-interaction extended-text-interaction gap-match-interaction
graphic-associate-interaction graphic-gap-match-interaction graphic-order-interaction
hotspot-interaction hottext-interaction inline-choice-interaction match-interaction
media-interaction order-interaction portable-custom-interaction position-object-interaction
position-object-stage select-point-interaction slider-interaction text-entry-interaction
upload-interaction simple-choice simple-associable-choice simple-match-set gap gap-text
gap-img hottext hotspot-choice associable-hotspot inline-choice interaction-markup
interaction-modules interaction-module template-variable context-variable prompt label
and any-n base-value contains container-size correct custom-operator default delete divide
duration-gte duration-lt equal equal-rounded field-value gcd lcm gt gte index inside
integer-divide integer-modulus integer-to-float is-null lt lte map-response
map-response-point match math-constant math-operator max member min multiple not null
number-correct number-incorrect number-presented number-responded number-selected or
ordered outcome-maximum outcome-minimum pattern-match power product random random-float
random-integer repeat round round-to stats-operator string-match substring subtract sum
test-variables truncate variable
"""

QTI3_ELEMENTS = frozenset(f"qti-{name}" for name in _NAMES.split())
OPEN_CONTENT = frozenset({"qti-companion-materials-info", "qti-catalog-info"})

# The XHTML elements QTI content may use (item bodies, prompts, feedback): they keep their
# names in 3.0 and are rendered as they are; object and param are converted, not kept.
XHTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "address",
        "article",
        "aside",
        "audio",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "label",
        "li",
        "mark",
        "nav",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "section",
        "small",
        "source",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ]
)
