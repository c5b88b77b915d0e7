"""Response processing: every machine-scorable official item, templates, and operators."""

from __future__ import annotations

import pytest

from qti.processing import ItemScorer, QtiProcessingError, item_score, template_name
from qti.processing.values import value_to_json
from tests.conftest import shared_path

# item file -> (correct response or None to use the item's own (templated) correct response,
# expected SCORE, wrong response, expected SCORE for it)
SCORED = {
    "audio-video.xml": ({"RESPONSE": "C"}, 1.0, {"RESPONSE": "A"}, 0.0),
    "choice.xml": ({"RESPONSE": "ChoiceA"}, 1.0, {"RESPONSE": "ChoiceB"}, 0.0),
    "choice_aria.xml": ({"RESPONSE": "ChoiceA"}, 1.0, {"RESPONSE": "ChoiceB"}, 0.0),
    "choice_fixed.xml": ({"RESPONSE": "ChoiceA"}, 1.0, {"RESPONSE": "ChoiceB"}, 0.0),
    "choice_ruby.xml": ({"RESPONSE": "ChoiceHK"}, 1, {"RESPONSE": "X"}, 0),
    "data-attributes.xml": ({"RESPONSE": "B"}, 1.0, {"RESPONSE": "A"}, 0.0),
    "figures.xml": ({"RESPONSE": "ChoiceA"}, 1.0, {"RESPONSE": "ChoiceB"}, 0.0),
    "graphic_order.xml": (
        {"RESPONSE": ["A", "D", "C", "B"]},
        1.0,
        {"RESPONSE": ["D", "A", "C", "B"]},
        0.0,
    ),
    "hotspot.xml": ({"RESPONSE": "A"}, 1.0, {"RESPONSE": "B"}, 0.0),
    "hottext.xml": ({"RESPONSE": "B"}, 1.0, {"RESPONSE": "A"}, 0.0),
    "inline_choice.xml": ({"RESPONSE": "Y"}, 1.0, {"RESPONSE": "G"}, 0.0),
    "inline_choice_math.xml": ({"RESPONSE": "choice2"}, 1.0, {"RESPONSE": "choice1"}, 0.0),
    "math.xml": ({"RESPONSE": "E"}, 1.0, {"RESPONSE": "A"}, 0.0),
    "media_coords.xml": (
        {"RESPONSE": ["C1 squirrel"] * 3},
        1.0,
        {"RESPONSE": ["C1 squirrel"]},
        0.0,
    ),
    "order.xml": (
        {"RESPONSE": ["DriverC", "DriverA", "DriverB"]},
        1.0,
        {"RESPONSE": ["DriverA", "DriverB", "DriverC"]},
        0.0,
    ),
    "order_rtl.xml": (
        {"RESPONSE": ["DriverC", "DriverA", "DriverB"]},
        1.0,
        {"RESPONSE": ["DriverA", "DriverB", "DriverC"]},
        0.0,
    ),
    "order_partial_scoring.xml": (
        {"RESPONSE": ["DriverC", "DriverA", "DriverB"]},
        2.0,
        {"RESPONSE": ["DriverB", "DriverC", "DriverA"]},
        0.0,
    ),
    "orkney1.xml": ({"RESPONSE": "T"}, 1.0, {"RESPONSE": "F"}, 0.0),
    "orkney2.xml": ({"RESPONSE": "F"}, 1.0, {"RESPONSE": "T"}, 0.0),
    "svg.xml": ({"RESPONSE": "E"}, 1.0, {"RESPONSE": "A"}, 0.0),
    "associate.xml": ({"RESPONSE": ["A P", "C M", "D L"]}, 4.0, {"RESPONSE": ["A C"]}, 0.0),
    "choice_multiple.xml": ({"RESPONSE": ["H", "O"]}, 2.0, {"RESPONSE": ["H", "Cl"]}, 0.0),
    "choice_multiple_rtl.xml": ({"RESPONSE": ["H", "O"]}, 2.0, {"RESPONSE": ["H", "Cl"]}, 0.0),
    "gap_match.xml": ({"RESPONSE": ["W G1", "Su G2"]}, 3.0, {"RESPONSE": ["Su G1"]}, 0.0),
    "graphic_associate.xml": ({"RESPONSE": ["B C", "C D"]}, 2.0, {"RESPONSE": ["A B"]}, 0.0),
    "graphic_gap_match.xml": (
        {"RESPONSE": ["GLA A", "EDI B", "MAN C"]},
        3.0,
        {"RESPONSE": ["GLA B"]},
        0.0,
    ),
    "graphic_gap_match_text.xml": (
        {"RESPONSE": ["GLA A", "EDI B", "MAN C"]},
        3.0,
        {"RESPONSE": ["GLA B"]},
        0.0,
    ),
    "match.xml": ({"RESPONSE": ["C R", "D M", "L M", "P T"]}, 3.0, {"RESPONSE": ["C M"]}, 0.0),
    "slider.xml": ({"RESPONSE": 16}, 1.0, {"RESPONSE": "3"}, 0.0),
    "text_entry.xml": ({"RESPONSE": "York"}, 1.0, {"RESPONSE": "London"}, 0.0),
    "position_object.xml": (
        {"RESPONSE": ["118 184", "150 235", "96 114"]},
        3.0,
        {"RESPONSE": ["1 1"]},
        0.0,
    ),
    "select_point.xml": ({"RESPONSE": "102 113"}, 1.0, {"RESPONSE": "1 1"}, 0.0),
    "Example01-modalFeedback.xml": ({"RESPONSE": "true"}, 10.0, {"RESPONSE": "false"}, 0.0),
    "Example02-feedbackInline.xml": ({"RESPONSE": "true"}, 10.0, {"RESPONSE": "false"}, 0.0),
    "choice_multiple_chocolade.xml": (
        {"MR01": ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10"]},
        1.0,
        {"MR01": ["C01"]},
        None,
    ),
    "feedback_adaptive.xml": ({"RESPONSE": "MGH001C"}, 1.0, {"RESPONSE": "MGH001A"}, 0.0),
    "hint.xml": ({"RESPONSE": "MGH001C"}, 1.0, {"RESPONSE": "MGH001A"}, 0.0),
    "multi-input.xml": (
        {
            "RESPONSE1": "ChoiceA",
            "RESPONSE2": "A2",
            "RESPONSE3": "wicked king",
            "RESPONSE4": ["F G1", "C G2", "H G3"],
        },
        4.0,
        {"RESPONSE1": "ChoiceB"},
        0.0,
    ),
    "template.xml": (None, 1.0, {"RESPONSE": "-1"}, 0.0),
    "template_image.xml": (None, 1.0, {"RESPONSE": "1"}, 0.0),
}

# Not machine-scorable here, with the reason.
SKIPPED = {
    "drawing.xml": "drawing: human scored, no response processing",
    "essay.xml": "extended text: human scored",
    "extended_text.xml": "extended text: human scored",
    "extended_text_rubric.xml": "extended text with a rubric: human scored",
    "upload.xml": "file upload: human scored",
    "upload_composite.xml": "file upload: human scored",
    "likert.xml": "survey: no correct response or score",
    "nested_object.xml": "no response processing",
}


def _items_dir():  # noqa: ANN202
    return shared_path("fixtures", "qti", "items_v3")


@pytest.mark.official
@pytest.mark.parametrize("name", sorted(SCORED))
def test_official_item_scores_correct_to_max_and_wrong_below(name: str) -> None:
    correct, expected, wrong, expected_wrong = SCORED[name]
    scorer = ItemScorer.from_xml((_items_dir() / name).read_bytes())
    state = scorer.new_state(seed=7)
    if correct is None:
        decl = scorer.declarations["RESPONSE"]
        correct = {"RESPONSE": value_to_json(state.correct.get("RESPONSE") or decl.correct)}
    good = scorer.score(correct, state=state)
    bad = scorer.score(wrong, state=state)
    assert good.outcome("SCORE") == expected
    assert bad.outcome("SCORE") == expected_wrong
    assert (bad.score or 0.0) < (good.score or 0.0)
    if good.max_score is not None:
        assert good.score == good.max_score


@pytest.mark.official
def test_every_official_item_is_listed() -> None:
    names = {p.name for p in _items_dir().glob("*.xml")} - {"imsmanifest.xml"}
    # scored attempt by attempt in test_processing_sessions.py
    adaptive_flow = {
        "Example03-feedbackBlock-solution.xml",
        "Example03-feedbackBlock-solution-random.xml",
        "Example04-feedbackBlock-templateBlock.xml",
        "Example05-feedbackBlock-adaptive.xml",
        "adaptive.xml",
        "adaptive_template.xml",
        "mc_calc3.xml",
        "mc_calc5.xml",
        "mc_stat2.xml",
    }
    assert names - set(SCORED) - set(SKIPPED) == adaptive_flow


# The CC2 templates read MAXSCORE and write FEEDBACKBASIC/FEEDBACK: declared for the comparison.
CC2_DECLS = (
    '<qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float">'
    "<qti-default-value><qti-value>{top}</qti-value></qti-default-value>"
    "</qti-outcome-declaration>"
    '<qti-outcome-declaration identifier="FEEDBACKBASIC" cardinality="single"'
    ' base-type="identifier"/>'
    '<qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>'
)

# template -> (official item, MAXSCORE for the CC2 declarations, responses to compare)
TEMPLATE_CASES = [
    ("match_correct", "choice.xml", None, ["ChoiceA", "ChoiceB", None]),
    ("match_correct", "choice_multiple.xml", None, [["H", "O"], ["H"], ["Cl", "O", "H"], None]),
    ("match_correct", "text_entry.xml", None, ["York", "york", "London", None]),
    ("CC2_match", "choice.xml", None, ["ChoiceA", "ChoiceB", None]),
    ("CC2_match_basic", "choice.xml", 3.0, ["ChoiceA", "ChoiceB", None]),
    ("CC2_match_basic", "choice_multiple.xml", 2.0, [["H", "O"], ["H"], None]),
    ("map_response", "choice_multiple.xml", None, [["H", "O"], ["H"], ["Cl", "O", "H"], None]),
    ("map_response", "text_entry.xml", None, ["York", "york", "London", None]),
    ("CC2_map_response", "choice_multiple.xml", 2.0, [["H", "O"], ["H"], ["Cl"], None]),
    ("CC2_map_response", "text_entry.xml", 1.0, ["York", "London", None]),
]


@pytest.mark.official
@pytest.mark.parametrize(("name", "item_name", "top", "responses"), TEMPLATE_CASES)
def test_native_templates_equal_the_template_xml(
    name: str, item_name: str, top: float | None, responses: list[object]
) -> None:
    """Each built-in template scores as the fixture template XML run through the engine.

    map_response_point has no template XML among the fixtures (see its own test below).
    """
    rp = (shared_path("fixtures", "qti", "rptemplates_v3") / f"{name}.xml").read_text()
    body = rp.split("?>", 1)[1]
    item = (_items_dir() / item_name).read_text()
    head, _, _rest = item.partition("<qti-response-processing")
    if top is not None:
        marker = "<qti-item-body"
        head = head.replace(marker, CC2_DECLS.format(top=top) + marker, 1)
    url = f"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{name}.xml"
    native_xml = head + f'<qti-response-processing template="{url}"/></qti-assessment-item>'
    custom = head + body + "</qti-assessment-item>"
    native, evaluated = ItemScorer.from_xml(native_xml), ItemScorer.from_xml(custom)
    assert native.template == name and evaluated.template is None
    for response in responses:
        a = native.score({"RESPONSE": response})
        b = evaluated.score({"RESPONSE": response})
        assert a.outcomes == b.outcomes, response


@pytest.mark.official
def test_map_response_point_on_select_point() -> None:
    scorer = ItemScorer.from_xml((_items_dir() / "select_point.xml").read_bytes())
    decl = scorer.declarations["RESPONSE"]
    if decl.area_mapping is None:
        pytest.skip("select_point.xml has no area mapping")
    url = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response_point.xml"
    item = (_items_dir() / "select_point.xml").read_text()
    head, _, _rest = item.partition("<qti-response-processing")
    native = ItemScorer.from_xml(
        head + f'<qti-response-processing template="{url}"/></qti-assessment-item>'
    )
    assert native.template == "map_response_point"
    assert native.score({"RESPONSE": None}).outcome("SCORE") == 0.0
    assert native.score({"RESPONSE": "1 1"}).outcome("SCORE") == decl.area_mapping.default


@pytest.mark.parametrize(
    "url",
    [
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml",
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct",
        "https://www.imsglobal.org/question/qti_v3p0/rptemplates/match_correct.xml",
    ],
)
def test_template_name_from_any_url_form(url: str) -> None:
    assert template_name(url) == "match_correct"
    assert template_name("http://example.org/rptemplates/CC2_map_response.xml") == (
        "CC2_map_response"
    )
    assert template_name("http://example.org/other.xml") is None


ITEM = """<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
  identifier="i" title="t" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-outcome-declaration identifier="FEEDBACK" cardinality="single" base-type="identifier"/>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct"/>
  <qti-modal-feedback outcome-identifier="SCORE" identifier="x" show-hide="show"/>
</qti-assessment-item>"""


def test_inline_match_correct_and_cardinality_error() -> None:
    assert item_score(item_xml=ITEM, responses={"RESPONSE": "A"}).score == 1.0
    assert item_score(item_xml=ITEM, responses={"RESPONSE": "B"}).score == 0.0
    assert item_score(item_xml=ITEM, responses={}).score == 0.0
    with pytest.raises(QtiProcessingError, match="RESPONSE: cardinality single expected"):
        item_score(item_xml=ITEM, responses={"RESPONSE": ["A", "B"]})
    with pytest.raises(QtiProcessingError, match="NOPE: not a response variable"):
        item_score(item_xml=ITEM, responses={"NOPE": "A"})
