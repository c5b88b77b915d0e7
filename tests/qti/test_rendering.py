"""qti.rendering: every interaction becomes native, labelled controls; content is sanitized."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from qti.rendering import UNSUPPORTED_NOTICE, render_item
from qti.xml import local_name, qti_parse
from tests.conftest import shared_path

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'


def item(body: str, declarations: str = "", extra: str = "") -> str:
    return (
        f'<qti-assessment-item {NS} identifier="t" title="T" adaptive="false" '
        f'time-dependent="false">{declarations}{extra}<qti-item-body>{body}</qti-item-body>'
        "</qti-assessment-item>"
    )


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def accessible_name(doc: lxml.html.HtmlElement, control: lxml.html.HtmlElement) -> str:
    """The name a screen reader announces, as far as these tests need it."""
    if control.get("aria-label"):
        return control.get("aria-label")
    label = control.getparent()
    while label is not None and label.tag != "label":
        label = label.getparent()
    if label is not None:
        return label.text_content().strip()
    if control.get("id"):
        found = doc.xpath(f'//label[@for="{control.get("id")}"]')
        if found:
            return found[0].text_content().strip()
    return ""


CHOICE = item(
    '<qti-choice-interaction response-identifier="RESPONSE" shuffle="true" max-choices="1">'
    "<qti-prompt>Pick one</qti-prompt>"
    + "".join(
        f'<qti-simple-choice identifier="C{i}">Choice {i}</qti-simple-choice>' for i in range(8)
    )
    + '<qti-simple-choice identifier="LAST" fixed="true">None of these</qti-simple-choice>'
    "</qti-choice-interaction>",
    '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier"/>',
)


def choice_order(html: str) -> list[str]:
    return [i.get("value") for i in tree(html).xpath("//input[@name='RESPONSE']")]


def test_choice_is_radios_with_labels_and_a_legend() -> None:
    doc = tree(render_item(item_xml=CHOICE).html)
    radios = doc.xpath("//fieldset//input[@type='radio'][@name='RESPONSE']")
    assert len(radios) == 9
    assert all(accessible_name(doc, r).startswith(("Choice", "None")) for r in radios)
    assert doc.xpath("//fieldset/legend")[0].text_content() == "Pick one"


def test_shuffle_is_reproducible_by_seed_and_keeps_fixed_choices() -> None:
    authored = choice_order(render_item(item_xml=CHOICE).html)
    first = choice_order(render_item(item_xml=CHOICE, shuffle_seed=7).html)
    assert first == choice_order(render_item(item_xml=CHOICE, shuffle_seed=7).html)
    assert first != authored
    assert first[-1] == "LAST"
    orders = {
        tuple(choice_order(render_item(item_xml=CHOICE, shuffle_seed=s).html)) for s in range(5)
    }
    assert len(orders) > 1
    assert all(order[-1] == "LAST" for order in orders)


def test_multiple_choice_is_checkboxes_and_prefilled() -> None:
    xml = item(
        '<qti-choice-interaction response-identifier="R" max-choices="0">'
        '<qti-simple-choice identifier="A">a</qti-simple-choice>'
        '<qti-simple-choice identifier="B">b</qti-simple-choice></qti-choice-interaction>',
        '<qti-response-declaration identifier="R" cardinality="multiple" base-type="identifier"/>',
    )
    doc = tree(render_item(item_xml=xml, responses={"R": ["B"]}).html)
    boxes = doc.xpath("//input[@type='checkbox'][@name='R']")
    assert [b.get("checked") is not None for b in boxes] == [False, True]


HOSTILE = item(
    '<p onclick="alert(1)" style="background:url(javascript:alert(1))">Hi'
    "<script>alert(1)</script>"
    '<a href="javascript:alert(1)">x</a><a href=" JaVa&#9;script:alert(1)">y</a>'
    '<a href="https://example.org/a">ok</a>'
    '<img src="data:text/html,boom" alt="d"/><img src="pic.png" alt="p" onerror="x()"/>'
    '<iframe src="https://evil.example"/><style>body{}</style>'
    '<object type="text/html" data="evil.html">fallback</object></p>'
)


def test_hostile_markup_is_stripped() -> None:
    html = render_item(item_xml=HOSTILE, base_url="https://cdn.example/items/1/").html
    doc = tree(html)
    assert not doc.xpath("//script | //iframe | //style | //object | //embed")
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on")
            assert "javascript" not in value.lower()
    assert [a.get("href") for a in doc.xpath("//a[@href]")] == [
        "https://example.org/a",
        "https://cdn.example/items/1/evil.html",
    ]
    srcs = [i.get("src") for i in doc.xpath("//img")]
    assert srcs == [None, "https://cdn.example/items/1/pic.png"]
    assert "alert" not in html


def test_text_entry_has_accessible_name_size_and_prefill() -> None:
    xml = item(
        '<p>Capital: <qti-text-entry-interaction response-identifier="R" expected-length="12"/>'
        '<qti-text-entry-interaction response-identifier="N" aria-label="Population"/></p>',
        '<qti-response-declaration identifier="R" cardinality="single" base-type="string"/>'
        '<qti-response-declaration identifier="N" cardinality="single" base-type="integer"/>',
    )
    doc = tree(render_item(item_xml=xml, responses={"R": "Paris"}).html)
    first, second = doc.xpath("//input[@type='text']")
    assert (first.get("name"), first.get("value"), first.get("size")) == ("R", "Paris", "12")
    assert accessible_name(doc, first) == "Blank 1"
    assert accessible_name(doc, second) == "Population"
    assert second.get("inputmode") == "numeric"


def test_feedback_blocks_follow_show_hide() -> None:
    xml = item(
        '<qti-feedback-block identifier="RIGHT" outcome-identifier="FB" show-hide="show">'
        "<qti-content-body>Well done</qti-content-body></qti-feedback-block>"
        '<qti-feedback-inline identifier="RIGHT" outcome-identifier="FB" show-hide="hide">'
        "Keep trying</qti-feedback-inline>",
        extra="",
    ).replace(
        "</qti-assessment-item>",
        '<qti-modal-feedback identifier="RIGHT" outcome-identifier="FB" show-hide="show" '
        'title="Result">Modal yes</qti-modal-feedback></qti-assessment-item>',
    )
    hidden = render_item(item_xml=xml).html
    assert "Well done" not in hidden and "Modal yes" not in hidden and "Keep trying" in hidden
    shown = render_item(item_xml=xml, shown_feedback={"RIGHT"}).html
    assert "Well done" in shown and "Modal yes" in shown and "Keep trying" not in shown


def test_rubric_blocks_by_view_and_template_blocks_by_value() -> None:
    xml = item(
        '<qti-rubric-block view="scorer"><p>Scorer notes</p></qti-rubric-block>'
        '<qti-rubric-block view="candidate"><p>Read carefully</p></qti-rubric-block>'
        '<qti-template-block template-identifier="V" identifier="a" show-hide="show">'
        "<p>Version A</p></qti-template-block>"
        '<p>x = <qti-printed-variable identifier="X"/></p>'
    )
    html = render_item(item_xml=xml).html
    assert "Read carefully" in html and "Scorer notes" not in html and "Version A" not in html
    html = render_item(item_xml=xml, views={"scorer"}, template_values={"V": "a", "X": 4}).html
    assert "Scorer notes" in html and "Version A" in html and "x = <span" in html
    assert tree(html).xpath("//span[@class='qti-printed-variable']")[0].text == "4"


def test_catalog_glossary_describes_the_referencing_word() -> None:
    xml = item(
        '<p>The <span data-catalog-idref="g1">estuary</span> is wide.</p>',
        extra=(
            '<qti-catalog-info><qti-catalog id="g1">'
            '<qti-card support="glossary-on-screen"><qti-html-content>Where a river meets the'
            " sea.<script>x()</script></qti-html-content></qti-card>"
            '<qti-card support="keyword-translation" xml:lang="es"><qti-html-content>estuario'
            "</qti-html-content></qti-card>"
            '<qti-card support="ext:sign-language"><qti-file-href mime-type="video/mp4">'
            "sign/estuary.mp4</qti-file-href></qti-card>"
            "</qti-catalog></qti-catalog-info>"
        ),
    )
    rendered = render_item(item_xml=xml, base_url="https://cdn.example/")
    doc = tree(rendered.html)
    word = doc.xpath("//span[@data-catalog-idref='g1']")[0]
    described = [
        doc.get_element_by_id(i).text_content() for i in word.get("aria-describedby").split()
    ]
    assert "Where a river meets the sea." in described[0]
    assert "estuario" in described[1]
    assert doc.xpath("//details//video/@src") == ["https://cdn.example/sign/estuary.mp4"]
    assert "script" not in rendered.html
    assert [c.support for c in rendered.catalog["g1"]] == [
        "glossary-on-screen",
        "keyword-translation",
        "ext:sign-language",
    ]


def test_custom_interaction_shows_the_notice() -> None:
    xml = item(
        '<qti-portable-custom-interaction response-identifier="R" module="m" '
        'custom-interaction-type-identifier="x"><qti-interaction-markup/>'
        "</qti-portable-custom-interaction>"
    )
    rendered = render_item(item_xml=xml)
    assert UNSUPPORTED_NOTICE in rendered.html
    assert rendered.interactions == ["qti-portable-custom-interaction"]


def test_mathml_passes_through() -> None:
    xml = item(
        '<p><m:math xmlns:m="http://www.w3.org/1998/Math/MathML"><m:mi href="javascript:x">x'
        "</m:mi><m:mo>+</m:mo><m:mn>1</m:mn></m:math></p>"
    )
    html = render_item(item_xml=xml).html
    assert "<math><mi>x</mi><mo>+</mo><mn>1</mn></math>" in html


# --- the official items -----------------------------------------------------------------


def official_items() -> list[Path]:
    folder = shared_path("fixtures", "qti", "items_v3")
    return sorted(p for p in folder.glob("*.xml") if p.name != "imsmanifest.xml")


def _controls(doc: lxml.html.HtmlElement, identifier: str) -> list[lxml.html.HtmlElement]:
    return doc.xpath(
        f"//input[@name='{identifier}'] | //select[@name='{identifier}']"
        f" | //textarea[@name='{identifier}'] | //button[@name='{identifier}']"
    )


# What each interaction must produce, by the controls carrying its response identifier.
EXPECTED = {
    "qti-choice-interaction": {"radio", "checkbox"},
    "qti-text-entry-interaction": {"text"},
    "qti-extended-text-interaction": {"textarea"},
    "qti-inline-choice-interaction": {"select"},
    "qti-order-interaction": {"select"},
    "qti-match-interaction": {"checkbox"},
    "qti-associate-interaction": {"checkbox"},
    "qti-gap-match-interaction": {"select"},
    "qti-hottext-interaction": {"radio", "checkbox"},
    "qti-hotspot-interaction": {"radio", "checkbox"},
    "qti-select-point-interaction": {"text"},
    "qti-graphic-order-interaction": {"select"},
    "qti-graphic-associate-interaction": {"checkbox"},
    "qti-graphic-gap-match-interaction": {"select"},
    "qti-position-object-interaction": {"text"},
    "qti-slider-interaction": {"range"},
    "qti-media-interaction": {"hidden"},
    "qti-drawing-interaction": {"file"},
    "qti-upload-interaction": {"file"},
    "qti-end-attempt-interaction": {"submit"},
}


def _kind(control: lxml.html.HtmlElement) -> str:
    if control.tag == "input":
        return control.get("type")
    if control.tag == "button":
        return control.get("type")
    return control.tag


@pytest.mark.official
def test_every_official_item_renders_each_interaction_as_labelled_controls() -> None:
    seen: set[str] = set()
    for path in official_items():
        source = qti_parse(path.read_bytes())
        rendered = render_item(item_xml=path.read_bytes(), shuffle_seed=3)
        doc = tree(rendered.html)
        assert not doc.xpath("//script | //iframe | //object"), path.name
        interactions = [
            e for e in source.iter() if isinstance(e.tag, str) and local_name(e) in EXPECTED
        ]
        # Interactions inside feedback hidden by default are not rendered.
        assert len(rendered.interactions) <= len(interactions), path.name
        for interaction in interactions:
            name = local_name(interaction)
            if _inside_hidden_feedback(interaction):
                continue
            seen.add(name)
            controls = _controls(doc, interaction.get("response-identifier"))
            kinds = {_kind(c) for c in controls}
            assert kinds & EXPECTED[name], (path.name, name, kinds)
            for control in controls:
                if _kind(control) in ("hidden", "submit"):
                    assert control.get("name")
                    continue
                assert accessible_name(doc, control), (path.name, name, lxml.html.tostring(control))
    assert seen == set(EXPECTED)


def _inside_hidden_feedback(element: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if local_name(parent) in (
            "qti-feedback-block",
            "qti-feedback-inline",
            "qti-modal-feedback",
        ):
            return parent.get("show-hide", "show") == "show"
        if local_name(parent) in ("qti-template-block", "qti-template-inline"):
            return parent.get("show-hide", "show") == "show"
        parent = parent.getparent()
    return False


@pytest.mark.official
def test_official_choice_fixed_keeps_fixed_positions() -> None:
    path = official_items()[0].parent / "choice_fixed.xml"
    source = qti_parse(path.read_bytes())
    choices = [
        e for e in source.iter() if isinstance(e.tag, str) and local_name(e) == "qti-simple-choice"
    ]
    fixed = {i: c.get("identifier") for i, c in enumerate(choices) if c.get("fixed") == "true"}
    assert fixed
    for seed in range(10):
        order = choice_order(render_item(item_xml=path.read_bytes(), shuffle_seed=seed).html)
        assert {i: order[i] for i in fixed} == fixed
