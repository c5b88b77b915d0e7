"""QTI 3.0 item → accessible HTML.

One pass over the item body builds a new HTML tree: whitelisted XHTML and MathML are copied
(see ``sanitize``), each interaction becomes native form controls named after its response
identifier (so a plain form POST submits the responses), feedback, rubric and template
content is kept or left out by its show/hide rules, and catalog support content is attached
to the elements that reference it.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from qti.xml import QTI3_NS, local_name, qti_parse

from .sanitize import DROP_WITH_CONTENT, HTML_ELEMENTS, MATHML_NS, safe_attributes, safe_url

__all__ = ["CatalogCard", "RenderedItem", "render_item"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
UNSUPPORTED_NOTICE = "This interaction is not supported here."
_POINT_PATTERN = r"\s*-?\d+(\.\d+)?\s+-?\d+(\.\d+)?\s*"
_SUPPORT_NAMES = {
    "glossary-on-screen": "Glossary",
    "keyword-translation": "Translation",
    "spoken": "Read aloud",
    "ext:sign-language": "Sign language",
    "sign-language": "Sign language",
    "illustrated-glossary": "Illustrated glossary",
    "simplified-language": "Simplified language",
}
# Supports whose text describes the referencing word: exposed through aria-describedby.
_DESCRIBING_SUPPORTS = frozenset({"glossary-on-screen", "keyword-translation"})


@dataclass(frozen=True)
class CatalogCard:
    """One support card of a ``qti-catalog``: its support name, language and sanitized HTML."""

    catalog_id: str
    support: str
    language: str
    html: str
    file_hrefs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedItem:
    """The HTML fragment of one item, the interactions it holds (element names in document
    order), its catalog cards by catalog id, and the item's stylesheets (resolved URLs)."""

    html: str
    interactions: list[str]
    catalog: dict[str, list[CatalogCard]]
    stylesheets: list[str] = field(default_factory=list)


def render_item(
    *,
    item_xml: str | bytes,
    shuffle_seed: int | None = None,
    responses: Mapping[str, Any] | None = None,
    shown_feedback: Iterable[str] | None = None,
    base_url: str = "",
    template_values: Mapping[str, Any] | None = None,
    views: Iterable[str] = ("candidate",),
    id_prefix: str | None = None,
) -> RenderedItem:
    """Render one ``qti-assessment-item`` as an HTML fragment (no ``<form>``: the caller's).

    ``shuffle_seed`` orders shuffled choices reproducibly (``None`` keeps the authored order,
    as previews want); ``responses`` maps response identifiers to current values (a string, or
    a list for multiple/ordered); ``shown_feedback`` holds the feedback identifiers the
    outcomes select; ``template_values`` drives template blocks/inlines and printed variables;
    ``views`` selects rubric blocks (``candidate``, ``scorer``, ``author``…); ``id_prefix``
    starts the element ids (by default from the item's identifier), so that one page can show
    an item twice.
    """
    root = qti_parse(item_xml)
    renderer = _Renderer(
        root,
        rng=random.Random(shuffle_seed) if shuffle_seed is not None else None,
        responses=responses or {},
        shown=frozenset(shown_feedback or ()),
        base_url=base_url,
        template_values=template_values or {},
        views=frozenset(views),
        id_prefix=id_prefix,
    )
    out = renderer.render()
    return RenderedItem(
        html=lxml_html.tostring(out, encoding="unicode", method="html"),
        interactions=renderer.interactions,
        catalog=renderer.catalog,
        stylesheets=renderer.stylesheets,
    )


# --- small tree helpers -------------------------------------------------------------------


def _add_text(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    )
    if text:
        element.text = text
    return element


def _classes(*names: str | None) -> str:
    return " ".join(n.strip() for n in names if n and n.strip())


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local_name(c) == name]


def _first(element: etree._Element, *names: str) -> etree._Element | None:
    for child in element:
        if isinstance(child.tag, str) and local_name(child) in names:
            return child
    return None


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default  # type: ignore[arg-type]
    except ValueError:
        return default


def _center(shape: str, coords: str, width: float, height: float) -> tuple[float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", coords)]
    if shape == "rect" and len(numbers) >= 4:
        return (numbers[0] + numbers[2]) / 2, (numbers[1] + numbers[3]) / 2
    if shape in ("circle", "ellipse") and len(numbers) >= 2:
        return numbers[0], numbers[1]
    if shape == "poly" and len(numbers) >= 2:
        xs, ys = numbers[0::2], numbers[1::2]
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return width / 2, height / 2


# --- the renderer -------------------------------------------------------------------------


class _Renderer:
    def __init__(
        self,
        root: etree._Element,
        *,
        rng: random.Random | None,
        responses: Mapping[str, Any],
        shown: frozenset[str],
        base_url: str,
        template_values: Mapping[str, Any],
        views: frozenset[str],
        id_prefix: str | None = None,
    ) -> None:
        self.root = root
        self.rng = rng
        self.responses = responses
        self.shown = shown
        self.base_url = base_url
        self.template_values = template_values
        self.views = views
        self.interactions: list[str] = []
        self.catalog: dict[str, list[CatalogCard]] = {}
        self.stylesheets: list[str] = []
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", root.get("identifier") or "item")
        self._prefix = id_prefix or f"qti-{slug}"
        self._next_id = 0
        self._inline_count = 0
        self._cardinality: dict[str, str] = {}
        self._base_type: dict[str, str] = {}
        self._catalog_nodes: dict[str, etree._Element] = {}
        self._referenced: list[str] = []
        # Set while rendering the content of a gap match or hottext interaction.
        self._gap_scope: tuple[str, list[tuple[str, str]], set[str]] | None = None
        self._hottext_scope: tuple[str, str, set[str]] | None = None
        self._stage_image: etree._Element | None = None
        self._handlers: dict[str, Callable[[etree._Element, etree._Element], None]] = {
            "qti-item-body": self._item_body,
            "qti-content-body": self._children_into,
            "qti-prompt": self._prompt,
            "qti-feedback-block": self._feedback,
            "qti-feedback-inline": self._feedback,
            "qti-template-block": self._template,
            "qti-template-inline": self._template,
            "qti-rubric-block": self._rubric,
            "qti-printed-variable": self._printed_variable,
            "qti-choice-interaction": self._choice,
            "qti-text-entry-interaction": self._text_entry,
            "qti-extended-text-interaction": self._extended_text,
            "qti-inline-choice-interaction": self._inline_choice,
            "qti-order-interaction": self._order,
            "qti-match-interaction": self._match,
            "qti-associate-interaction": self._associate,
            "qti-gap-match-interaction": self._gap_match,
            "qti-gap": self._gap,
            "qti-hottext-interaction": self._hottext_interaction,
            "qti-hottext": self._hottext,
            "qti-hotspot-interaction": self._hotspot,
            "qti-select-point-interaction": self._select_point,
            "qti-graphic-order-interaction": self._graphic_order,
            "qti-graphic-associate-interaction": self._graphic_associate,
            "qti-graphic-gap-match-interaction": self._graphic_gap_match,
            "qti-position-object-stage": self._position_stage,
            "qti-position-object-interaction": self._position_object,
            "qti-slider-interaction": self._slider,
            "qti-media-interaction": self._media,
            "qti-drawing-interaction": self._drawing,
            "qti-upload-interaction": self._upload,
            "qti-end-attempt-interaction": self._end_attempt,
            "qti-portable-custom-interaction": self._unsupported,
            "qti-custom-interaction": self._unsupported,
        }

    # -- entry point ------------------------------------------------------------------------

    def render(self) -> etree._Element:
        root = self.root
        for child in root:
            if not isinstance(child.tag, str):
                continue
            name = local_name(child)
            if name == "qti-response-declaration":
                ident = child.get("identifier", "")
                self._cardinality[ident] = child.get("cardinality", "single")
                self._base_type[ident] = child.get("base-type", "")
            elif name == "qti-stylesheet" and child.get("href"):
                url = safe_url(child.get("href", ""), base_url=self.base_url)
                if url:
                    self.stylesheets.append(url)
            elif name == "qti-catalog-info":
                self._read_catalogs(child)
        attrs = {"class": "qti-assessment-item", "data-identifier": root.get("identifier", "")}
        if root.get(XML_LANG):
            attrs["lang"] = root.get(XML_LANG, "")
        if root.get("dir"):
            attrs["dir"] = root.get("dir", "")
        out = etree.Element("div", attrs)
        body = _first(root, "qti-item-body")
        if body is not None:
            self._item_body(body, out)
        modal = [c for c in _children(root, "qti-modal-feedback") if self._feedback_visible(c)]
        if modal:
            box = _el(out, "div", class_="qti-modal-feedbacks")
            for feedback in modal:
                section = _el(
                    box,
                    "section",
                    class_=_classes("qti-modal-feedback", feedback.get("class")),
                    role="status",
                )
                if feedback.get("title"):
                    _el(section, "h3", feedback.get("title"))
                self._children_into(feedback, section)
        self._write_catalog(out)
        return out

    # -- generic walking --------------------------------------------------------------------

    def _new_id(self, hint: str) -> str:
        self._next_id += 1
        return f"{self._prefix}-{hint}-{self._next_id}"

    def _children_into(self, src: etree._Element, dst: etree._Element) -> None:
        _add_text(dst, src.text)
        for child in src:
            if isinstance(child.tag, str):
                self._emit(child, dst)
            _add_text(dst, child.tail)

    def _emit(self, src: etree._Element, dst: etree._Element) -> None:
        qname = etree.QName(src)
        name = qname.localname
        if qname.namespace == MATHML_NS:
            self._mathml(src, dst)
            return
        if qname.namespace not in (QTI3_NS, None):
            # SSML, XInclude and other vocabularies: keep only their text.
            self._children_into(src, dst)
            return
        if name.startswith("qti-"):
            if name.endswith("-declaration") or name in ("qti-response-processing",):
                return
            handler = self._handlers.get(name)
            if handler is not None:
                handler(src, dst)
            elif name.endswith("-interaction"):
                self._unsupported(src, dst)
            else:
                self._children_into(src, dst)
            return
        name = name.lower()
        if name in DROP_WITH_CONTENT:
            return
        if name == "object":
            self._object(src, dst)
            return
        if name == "math":
            self._mathml(src, dst)
            return
        if name not in HTML_ELEMENTS:
            self._children_into(src, dst)
            return
        element = etree.SubElement(dst, name, self._attributes(src, name))
        self._children_into(src, element)
        self._catalog_reference(src, element, dst)

    def _attributes(
        self, src: etree._Element, name: str, *, mathml: bool = False
    ) -> dict[str, str]:
        plain: dict[str, str] = {}
        for key, value in src.attrib.items():
            if key == XML_LANG:
                plain["lang"] = value
            elif not key.startswith("{"):
                plain[key] = value
        kept = safe_attributes(name, plain, base_url=self.base_url, mathml=mathml)
        if not mathml and kept.get("class", None) == "":
            del kept["class"]
        return kept

    def _mathml(self, src: etree._Element, dst: etree._Element) -> None:
        name = etree.QName(src).localname
        element = etree.SubElement(dst, name, self._attributes(src, name, mathml=True))
        _add_text(element, src.text)
        for child in src:
            if isinstance(child.tag, str):
                if etree.QName(child).namespace == MATHML_NS:
                    self._mathml(child, element)
                else:
                    self._emit(child, element)
            _add_text(element, child.tail)

    def _object(self, src: etree._Element, dst: etree._Element) -> None:
        """``object`` becomes ``img``, ``audio`` or ``video`` by its type; anything else shows
        its fallback content and a link, never an embedded document."""
        mime = (src.get("type") or "").lower()
        url = safe_url(src.get("data", ""), base_url=self.base_url)
        fallback = _text(src)
        if url and mime.startswith("image/"):
            attrs = {"src": url, "alt": src.get("label") or src.get("title") or fallback}
            for key in ("width", "height", "class"):
                if src.get(key):
                    attrs[key] = src.get(key, "")
            etree.SubElement(dst, "img", attrs)
        elif url and mime.startswith(("audio/", "video/")):
            media = _el(dst, "audio" if mime.startswith("audio/") else "video", controls="controls")
            _el(media, "source", src=url, type=mime)
            for key in ("width", "height"):
                if src.get(key) and media.tag == "video":
                    media.set(key, src.get(key, ""))
            if fallback:
                media.set("aria-label", fallback)
            _el(media, "a", "Download the media file", href=url)
        else:
            span = _el(dst, "span", class_="qti-object-fallback")
            self._children_into(src, span)
            if url:
                _add_text(span, " ")
                _el(span, "a", "Open the attached file", href=url)

    # -- item-level content -----------------------------------------------------------------

    def _item_body(self, src: etree._Element, dst: etree._Element) -> None:
        body = _el(dst, "div", class_=_classes("qti-item-body", src.get("class")))
        self._children_into(src, body)

    def _prompt(self, src: etree._Element, dst: etree._Element) -> None:
        prompt = _el(dst, "div", class_=_classes("qti-prompt", src.get("class")))
        self._children_into(src, prompt)

    def _feedback_visible(self, src: etree._Element) -> bool:
        matched = src.get("identifier", "") in self.shown
        return matched if src.get("show-hide", "show") == "show" else not matched

    def _feedback(self, src: etree._Element, dst: etree._Element) -> None:
        if not self._feedback_visible(src):
            return
        inline = local_name(src) == "qti-feedback-inline"
        box = _el(
            dst,
            "span" if inline else "div",
            class_=_classes(local_name(src), src.get("class")),
            role="status",
        )
        self._children_into(src, box)

    def _template(self, src: etree._Element, dst: etree._Element) -> None:
        value = self.template_values.get(src.get("template-identifier", ""))
        values = {str(v) for v in value} if isinstance(value, list | tuple | set) else {str(value)}
        matched = value is not None and src.get("identifier", "") in values
        visible = matched if src.get("show-hide", "show") == "show" else not matched
        if not visible:
            return
        inline = local_name(src) == "qti-template-inline"
        box = _el(
            dst, "span" if inline else "div", class_=_classes(local_name(src), src.get("class"))
        )
        self._children_into(src, box)

    def _rubric(self, src: etree._Element, dst: etree._Element) -> None:
        if not self.views & set((src.get("view") or "candidate").split()):
            return
        box = _el(
            dst,
            "div",
            class_=_classes("qti-rubric-block", src.get("class")),
            data_view=src.get("view", "candidate"),
        )
        if src.get("use"):
            box.set("data-use", src.get("use", ""))
        self._children_into(src, box)

    def _printed_variable(self, src: etree._Element, dst: etree._Element) -> None:
        value = self.template_values.get(src.get("identifier", ""))
        if isinstance(value, list | tuple | set):
            value = ", ".join(str(v) for v in value)
        text = "" if value is None else str(value)
        fmt = src.get("format")
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            with contextlib.suppress(TypeError, ValueError):  # printf's format, e.g. %.1f
                text = fmt % value
        _el(dst, "span", text, class_="qti-printed-variable")

    # -- catalog ----------------------------------------------------------------------------

    def _read_catalogs(self, info: etree._Element) -> None:
        for catalog in _children(info, "qti-catalog"):
            catalog_id = catalog.get("id", "")
            cards: list[CatalogCard] = []
            for card in _children(catalog, "qti-card"):
                entries = _children(card, "qti-card-entry") or [card]
                for entry in entries:
                    html_parts: list[str] = []
                    holder = etree.Element("div")
                    for content in _children(entry, "qti-html-content"):
                        self._children_into(content, holder)
                    if len(holder) or holder.text:
                        html_parts.append(
                            (holder.text or "")
                            + "".join(
                                lxml_html.tostring(c, encoding="unicode", method="html")
                                for c in holder
                            )
                        )
                    hrefs = tuple(
                        url
                        for f in _children(entry, "qti-file-href")
                        if (url := safe_url(_text(f), base_url=self.base_url))
                    )
                    cards.append(
                        CatalogCard(
                            catalog_id=catalog_id,
                            support=card.get("support", ""),
                            language=entry.get(XML_LANG) or card.get(XML_LANG) or "",
                            html="".join(html_parts),
                            file_hrefs=hrefs,
                        )
                    )
            self.catalog[catalog_id] = cards

    def _catalog_reference(
        self, src: etree._Element, element: etree._Element, dst: etree._Element
    ) -> None:
        """An element with ``data-catalog-idref`` is described by its glossary/translation
        cards (``aria-describedby``) and followed by a link to the full support content."""
        catalog_id = src.get("data-catalog-idref")
        if not catalog_id or catalog_id not in self.catalog:
            return
        if catalog_id not in self._referenced:
            self._referenced.append(catalog_id)
        details_id = f"{self._prefix}-catalog-{catalog_id}"
        described = [
            f"{details_id}-{i}"
            for i, card in enumerate(self.catalog[catalog_id])
            if card.support in _DESCRIBING_SUPPORTS
        ]
        if described:
            element.set("aria-describedby", " ".join(described))
        link = _el(dst, "a", href=f"#{details_id}", class_="qti-catalog-link")
        _el(link, "span", "Support for: " + _text(src), class_="qti-visually-hidden")
        _el(link, "span", "ⓘ", aria_hidden="true")

    def _write_catalog(self, out: etree._Element) -> None:
        if not self._referenced:
            return
        aside = _el(out, "aside", class_="qti-catalog-supports", aria_label="Support content")
        for catalog_id in self._referenced:
            details = _el(aside, "details", id=f"{self._prefix}-catalog-{catalog_id}")
            _el(details, "summary", f"Support: {catalog_id}")
            for i, card in enumerate(self.catalog[catalog_id]):
                section = _el(
                    details,
                    "div",
                    id=f"{self._prefix}-catalog-{catalog_id}-{i}",
                    class_="qti-card",
                    data_support=card.support,
                )
                if card.language:
                    section.set("lang", card.language)
                title = _SUPPORT_NAMES.get(card.support, card.support)
                if card.language:
                    title += f" ({card.language})"
                _el(section, "strong", title + ": ")
                if card.html:
                    for fragment in lxml_html.fragments_fromstring(card.html):
                        if isinstance(fragment, str):
                            _add_text(section, fragment)
                        else:
                            section.append(fragment)
                for href in card.file_hrefs:
                    if card.support.endswith("sign-language"):
                        video = _el(section, "video", controls="controls", src=href)
                        _el(video, "a", "Sign language video", href=href)
                    else:
                        _el(section, "a", "Support file", href=href)

    # -- interaction helpers ----------------------------------------------------------------

    def _values(self, identifier: str) -> list[str]:
        value = self.responses.get(identifier)
        if value is None:
            return []
        if isinstance(value, list | tuple | set | frozenset):
            return [str(v) for v in value]
        return [str(value)]

    def _shuffled(
        self, interaction: etree._Element, items: list[etree._Element]
    ) -> list[etree._Element]:
        if interaction.get("shuffle") != "true" or self.rng is None:
            return items
        movable = [c for c in items if c.get("fixed") != "true"]
        self.rng.shuffle(movable)
        remaining = iter(movable)
        return [c if c.get("fixed") == "true" else next(remaining) for c in items]

    def _fieldset(self, src: etree._Element, dst: etree._Element) -> Any:
        name = local_name(src)
        self.interactions.append(name)
        fieldset = _el(
            dst,
            "fieldset",
            class_=_classes("qti-interaction", name, src.get("class")),
            data_response_identifier=src.get("response-identifier", ""),
        )
        if src.get("orientation") == "horizontal":
            fieldset.set("class", fieldset.get("class") + " qti-orientation-horizontal")
        prompt = _first(src, "qti-prompt")
        if prompt is not None:
            legend = _el(fieldset, "legend", class_="qti-prompt")
            self._children_into(prompt, legend)
        elif src.get("aria-label"):
            fieldset.set("aria-label", src.get("aria-label", ""))
        return fieldset

    def _inline_name(self, src: etree._Element) -> str:
        self._inline_count += 1
        return (
            src.get("aria-label")
            or src.get("title")
            or src.get("placeholder-text")
            or f"Blank {self._inline_count}"
        )

    def _options(
        self,
        select: etree._Element,
        options: Iterable[tuple[str, str]],
        selected: str | None,
        placeholder: str = "Choose…",
    ) -> None:
        _el(select, "option", placeholder, value="")
        for value, label in options:
            option = _el(select, "option", label or value, value=value)
            if value == selected:
                option.set("selected", "selected")

    def _graphic(
        self, src: etree._Element, dst: etree._Element, image: etree._Element | None
    ) -> tuple[Any, float, float]:
        """The interaction's image in a positioned box (markers go on top of it)."""
        box = _el(dst, "div", class_="qti-graphic")
        width = float(_int(image.get("width") if image is not None else None, 0))
        height = float(_int(image.get("height") if image is not None else None, 0))
        if image is not None:
            self._emit(image, box)
        if width:
            box.set("style", f"width:{width:g}px")
        return box, width, height

    def _hotspots(
        self, src: etree._Element, names: tuple[str, ...]
    ) -> list[tuple[str, str, etree._Element]]:
        """(identifier, accessible label, element) of each hotspot, numbered in source order."""
        found = [c for c in src if isinstance(c.tag, str) and local_name(c) in names]
        return [
            (
                h.get("identifier", ""),
                h.get("hotspot-label") or h.get("aria-label") or f"Area {i}",
                h,
            )
            for i, h in enumerate(found, start=1)
        ]

    def _marker(
        self, box: etree._Element, hotspot: etree._Element, number: int, width: float, height: float
    ) -> Any:
        x, y = _center(hotspot.get("shape", "default"), hotspot.get("coords", ""), width, height)
        if width and height:
            style = f"left:{100 * x / width:.2f}%;top:{100 * y / height:.2f}%"
        else:
            style = f"left:{x:g}px;top:{y:g}px"
        return _el(box, "span", class_="qti-hotspot-marker", style=style, data_number=str(number))

    def _image_child(self, src: etree._Element) -> etree._Element | None:
        return _first(src, "object", "img", "picture")

    def _pair_table(
        self,
        fieldset: etree._Element,
        identifier: str,
        choices: list[tuple[str, str]],
        caption: str,
    ) -> None:
        """Unordered pairs as a triangle of checkboxes, one per pair ``"A B"``."""
        selected = {" ".join(sorted(v.split())) for v in self._values(identifier)}
        table = _el(fieldset, "table", class_="qti-pair-table")
        _el(table, "caption", caption)
        head = _el(_el(table, "thead"), "tr")
        _el(head, "td")
        for _, label in choices[1:]:
            _el(head, "th", label, scope="col")
        body = _el(table, "tbody")
        for i, (first_id, first_label) in enumerate(choices[:-1]):
            row = _el(body, "tr")
            _el(row, "th", first_label, scope="row")
            for j, (second_id, second_label) in enumerate(choices[1:], start=1):
                cell = _el(row, "td")
                if j <= i:
                    continue
                value = f"{first_id} {second_id}"
                box = _el(
                    cell,
                    "input",
                    type="checkbox",
                    name=identifier,
                    value=value,
                    aria_label=f"{first_label} and {second_label}",
                )
                if " ".join(sorted(value.split())) in selected:
                    box.set("checked", "checked")

    def _position_selects(
        self,
        fieldset: etree._Element,
        identifier: str,
        choices: list[tuple[str, str]],
        count: int,
    ) -> None:
        """An ordering as one select per position; the POSTed list is the order."""
        current = self._values(identifier)
        box = _el(fieldset, "div", class_="qti-order-positions")
        for position in range(1, count + 1):
            select_id = self._new_id("position")
            row = _el(box, "div", class_="qti-order-position")
            _el(row, "label", f"Position {position}", for_=select_id)
            select = _el(row, "select", id=select_id, name=identifier)
            chosen = current[position - 1] if position <= len(current) else None
            self._options(select, choices, chosen)

    # -- interactions -----------------------------------------------------------------------

    def _choice(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        max_choices = _int(src.get("max-choices"), 1)
        multiple = self._cardinality.get(identifier, "single") != "single" or max_choices != 1
        fieldset = self._fieldset(src, dst)
        fieldset.set("data-max-choices", str(max_choices))
        if src.get("min-choices"):
            fieldset.set("data-min-choices", src.get("min-choices", ""))
        if multiple and max_choices > 1:
            _el(fieldset, "p", f"Choose up to {max_choices}.", class_="qti-choice-hint")
        selected = set(self._values(identifier))
        choices = self._shuffled(src, _children(src, "qti-simple-choice"))
        listing = _el(fieldset, "div", class_="qti-choice-list")
        for choice in choices:
            label = _el(listing, "label", class_=_classes("qti-simple-choice", choice.get("class")))
            value = choice.get("identifier", "")
            control = _el(
                label,
                "input",
                type="checkbox" if multiple else "radio",
                name=identifier,
                value=value,
            )
            if value in selected:
                control.set("checked", "checked")
            content = _el(label, "span", class_="qti-choice-content")
            self._children_into(choice, content)
            if not _text(content) and not content.xpath(".//img[@alt!=''] | .//math"):
                # Its content may all be feedback that is hidden now: keep a name.
                _el(content, "span", f"Choice {value}", class_="qti-visually-hidden")

    def _text_entry(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        self.interactions.append(local_name(src))
        wrapper = _el(
            dst,
            "span",
            class_=_classes("qti-interaction", "qti-text-entry-interaction", src.get("class")),
        )
        attrs = {
            "type": "text",
            "name": identifier,
            "id": self._new_id("text"),
            "aria-label": self._inline_name(src),
            "autocomplete": "off",
            "spellcheck": "false",
        }
        length = _int(src.get("expected-length"), 0)
        if length and "qti-input-width" not in (src.get("class") or ""):
            attrs["size"] = str(min(max(length, 2), 72))
        if src.get("pattern-mask"):
            attrs["pattern"] = src.get("pattern-mask", "")
            if src.get("data-patternmask-message"):
                attrs["title"] = src.get("data-patternmask-message", "")
        if src.get("placeholder-text"):
            attrs["placeholder"] = src.get("placeholder-text", "")
        base_type = self._base_type.get(identifier, "")
        if base_type == "integer":
            attrs["inputmode"] = "numeric"
        elif base_type == "float":
            attrs["inputmode"] = "decimal"
        current = self._values(identifier)
        if current:
            attrs["value"] = current[0]
        etree.SubElement(wrapper, "input", attrs)

    def _extended_text(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        self.interactions.append(local_name(src))
        box = _el(
            dst,
            "div",
            class_=_classes("qti-interaction", "qti-extended-text-interaction", src.get("class")),
            data_response_identifier=identifier,
        )
        prompt = _first(src, "qti-prompt")
        prompt_id = None
        if prompt is not None:
            prompt_id = self._new_id("prompt")
            element = _el(box, "div", class_="qti-prompt", id=prompt_id)
            self._children_into(prompt, element)
        current = self._values(identifier)
        count = max(_int(src.get("max-strings"), 1), 1)
        rows = _int(src.get("expected-lines"), 0) or max(
            3, _int(src.get("expected-length"), 0) // 60
        )
        for index in range(count):
            area_id = self._new_id("text")
            label = "Your answer" if count == 1 else f"Answer {index + 1}"
            _el(box, "label", label, for_=area_id, class_="qti-extended-text-label")
            area = _el(box, "textarea", id=area_id, name=identifier, rows=str(min(rows, 30)))
            area.text = current[index] if index < len(current) else ""
            if prompt_id:
                area.set("aria-describedby", prompt_id)
            if src.get("placeholder-text"):
                area.set("placeholder", src.get("placeholder-text", ""))
            if src.get("pattern-mask"):
                area.set("data-pattern", src.get("pattern-mask", ""))

    def _inline_choice(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        self.interactions.append(local_name(src))
        wrapper = _el(
            dst,
            "span",
            class_=_classes("qti-interaction", "qti-inline-choice-interaction", src.get("class")),
        )
        select = _el(
            wrapper,
            "select",
            name=identifier,
            id=self._new_id("inline"),
            aria_label=self._inline_name(src),
        )
        if src.get("required") == "true":
            select.set("required", "required")
        choices = self._shuffled(src, _children(src, "qti-inline-choice"))
        current = self._values(identifier)
        self._options(
            select,
            ((c.get("identifier", ""), _text(c)) for c in choices),
            current[0] if current else None,
            placeholder=src.get("data-prompt") or "Choose…",
        )

    def _order(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        choices = self._shuffled(src, _children(src, "qti-simple-choice"))
        listing = _el(fieldset, "ul", class_="qti-order-choices")
        labels: list[tuple[str, str]] = []
        for choice in choices:
            item = _el(listing, "li", class_=_classes("qti-simple-choice", choice.get("class")))
            self._children_into(choice, item)
            labels.append((choice.get("identifier", ""), _text(choice)))
        count = _int(src.get("max-choices"), 0) or len(choices)
        self._position_selects(fieldset, identifier, labels, min(count, len(choices)))

    def _match(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        sets = _children(src, "qti-simple-match-set")
        if len(sets) < 2:
            return
        sources = self._shuffled(src, _children(sets[0], "qti-simple-associable-choice"))
        targets = self._shuffled(src, _children(sets[1], "qti-simple-associable-choice"))
        selected = set(self._values(identifier))
        table = _el(fieldset, "table", class_="qti-match-table")
        head = _el(_el(table, "thead"), "tr")
        _el(head, "td")
        for target in targets:
            th = _el(head, "th", scope="col")
            self._children_into(target, th)
        body = _el(table, "tbody")
        for source in sources:
            row = _el(body, "tr")
            th = _el(row, "th", scope="row")
            self._children_into(source, th)
            for target in targets:
                value = f"{source.get('identifier', '')} {target.get('identifier', '')}"
                control = _el(
                    _el(row, "td"),
                    "input",
                    type="checkbox",
                    name=identifier,
                    value=value,
                    aria_label=f"{_text(source)} – {_text(target)}",
                )
                if value in selected:
                    control.set("checked", "checked")

    def _associate(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        choices = self._shuffled(src, _children(src, "qti-simple-associable-choice"))
        labels = [(c.get("identifier", ""), _text(c)) for c in choices]
        self._pair_table(fieldset, identifier, labels, "Tick each pair that belongs together")

    def _gap_match(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        labels = self._gap_choice_bank(src, fieldset, named=False)
        outer = self._gap_scope
        self._gap_scope = (identifier, labels, set(self._values(identifier)))
        for child in src:
            if isinstance(child.tag, str) and local_name(child) not in (
                "qti-prompt",
                "qti-gap-text",
                "qti-gap-img",
            ):
                self._emit(child, fieldset)
                _add_text(fieldset, child.tail)
        self._gap_scope = outer

    def _gap_choice_bank(
        self, src: etree._Element, fieldset: etree._Element, *, named: bool
    ) -> list[tuple[str, str]]:
        """The gap texts and images of a (graphic) gap match as a list (shuffled as the
        interaction says), each with its name shown when ``named``; returns (identifier,
        label) for the selects."""
        choices = self._shuffled(
            src,
            [
                c
                for c in src
                if isinstance(c.tag, str) and local_name(c) in ("qti-gap-text", "qti-gap-img")
            ],
        )
        bank = _el(fieldset, "ul", class_="qti-gap-choices", aria_label="Choices")
        labels: list[tuple[str, str]] = []
        for choice in choices:
            item = _el(bank, "li", class_=_classes(local_name(choice), choice.get("class")))
            self._children_into(choice, item)
            label = self._gap_label(choice)
            if named:
                _el(item, "span", label, class_="qti-gap-name")
            labels.append((choice.get("identifier", ""), label))
        return labels

    def _gap_label(self, choice: etree._Element) -> str:
        image = _first(choice, "object", "img")
        return (
            choice.get("aria-label")
            or choice.get("label")
            or _text(choice)
            or (image is not None and (image.get("label") or image.get("alt")))
            or choice.get("identifier", "")
        )

    def _gap(self, src: etree._Element, dst: etree._Element) -> None:
        if self._gap_scope is None:
            return
        identifier, labels, selected = self._gap_scope
        gap = src.get("identifier", "")
        self._inline_count += 1
        select = _el(
            dst,
            "select",
            name=identifier,
            class_=_classes("qti-gap", src.get("class")),
            aria_label=src.get("aria-label") or f"Gap {self._inline_count}",
        )
        current = next((v.split()[0] for v in selected if v.split()[1:] == [gap]), None)
        self._options(select, ((f"{c} {gap}", label) for c, label in labels), None)
        if current is not None:
            for option in select:
                if option.get("value") == f"{current} {gap}":
                    option.set("selected", "selected")

    def _hottext_interaction(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        max_choices = _int(src.get("max-choices"), 1)
        multiple = self._cardinality.get(identifier, "single") != "single" or max_choices != 1
        outer = self._hottext_scope
        self._hottext_scope = (
            identifier,
            "checkbox" if multiple else "radio",
            set(self._values(identifier)),
        )
        for child in src:
            if isinstance(child.tag, str) and local_name(child) != "qti-prompt":
                self._emit(child, fieldset)
            _add_text(fieldset, child.tail)
        self._hottext_scope = outer

    def _hottext(self, src: etree._Element, dst: etree._Element) -> None:
        if self._hottext_scope is None:
            self._children_into(src, dst)
            return
        identifier, kind, selected = self._hottext_scope
        label = _el(dst, "label", class_=_classes("qti-hottext", src.get("class")))
        value = src.get("identifier", "")
        control = _el(label, "input", type=kind, name=identifier, value=value)
        if value in selected:
            control.set("checked", "checked")
        content = _el(label, "span")
        self._children_into(src, content)

    def _hotspot(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        max_choices = _int(src.get("max-choices"), 1)
        multiple = self._cardinality.get(identifier, "single") != "single" or max_choices != 1
        box, width, height = self._graphic(src, fieldset, self._image_child(src))
        selected = set(self._values(identifier))
        for number, (value, label, hotspot) in enumerate(
            self._hotspots(src, ("qti-hotspot-choice",)), start=1
        ):
            marker = self._marker(box, hotspot, number, width, height)
            marker.tag = "label"
            control = _el(
                marker,
                "input",
                type="checkbox" if multiple else "radio",
                name=identifier,
                value=value,
            )
            if value in selected:
                control.set("checked", "checked")
            _el(marker, "span", label, class_="qti-visually-hidden")
            _el(marker, "span", str(number), aria_hidden="true")

    def _graphic_order(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        box, width, height = self._graphic(src, fieldset, self._image_child(src))
        hotspots = self._hotspots(src, ("qti-hotspot-choice",))
        for number, (_, _, hotspot) in enumerate(hotspots, start=1):
            self._marker(box, hotspot, number, width, height).text = str(number)
        labels = [(value, label) for value, label, _ in hotspots]
        count = _int(src.get("max-choices"), 0) or len(labels)
        self._position_selects(fieldset, identifier, labels, min(count, len(labels)))

    def _graphic_associate(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        box, width, height = self._graphic(src, fieldset, self._image_child(src))
        hotspots = self._hotspots(src, ("qti-associable-hotspot",))
        for number, (_, _, hotspot) in enumerate(hotspots, start=1):
            self._marker(box, hotspot, number, width, height).text = str(number)
        labels = [(value, label) for value, label, _ in hotspots]
        self._pair_table(fieldset, identifier, labels, "Tick each pair of areas to link")

    def _graphic_gap_match(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        box, width, height = self._graphic(src, fieldset, self._image_child(src))
        hotspots = self._hotspots(src, ("qti-associable-hotspot",))
        for number, (_, _, hotspot) in enumerate(hotspots, start=1):
            self._marker(box, hotspot, number, width, height).text = str(number)
        labels = self._gap_choice_bank(src, fieldset, named=True)
        selected = self._values(identifier)
        rows = _el(fieldset, "div", class_="qti-gap-targets")
        for hotspot_id, hotspot_label, _ in hotspots:
            select_id = self._new_id("gap")
            row = _el(rows, "div", class_="qti-gap-target")
            _el(row, "label", hotspot_label, for_=select_id)
            select = _el(row, "select", id=select_id, name=identifier)
            current = next((v for v in selected if v.split()[1:] == [hotspot_id]), None)
            self._options(select, ((f"{g} {hotspot_id}", label) for g, label in labels), current)

    def _point_inputs(self, fieldset: etree._Element, identifier: str, count: int) -> None:
        current = self._values(identifier)
        rows = _el(fieldset, "div", class_="qti-point-inputs")
        for index in range(count):
            input_id = self._new_id("point")
            row = _el(rows, "div", class_="qti-point-input")
            _el(
                row,
                "label",
                f"Point {index + 1}: x and y in pixels from the top left, e.g. 40 25",
                for_=input_id,
            )
            control = _el(
                row,
                "input",
                type="text",
                id=input_id,
                name=identifier,
                pattern=_POINT_PATTERN,
                inputmode="text",
                size="9",
                autocomplete="off",
            )
            if index < len(current):
                control.set("value", current[index])

    def _select_point(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        self._graphic(src, fieldset, self._image_child(src))
        count = _int(src.get("max-choices"), 1) or _int(src.get("min-choices"), 1) or 1
        self._point_inputs(fieldset, identifier, count)

    def _position_stage(self, src: etree._Element, dst: etree._Element) -> None:
        stage = _el(dst, "div", class_=_classes("qti-position-object-stage", src.get("class")))
        outer = self._stage_image
        self._stage_image = self._image_child(src)
        if self._stage_image is not None:
            self._graphic(src, stage, self._stage_image)
        for child in src:
            if isinstance(child.tag, str) and child is not self._stage_image:
                self._emit(child, stage)
        self._stage_image = outer

    def _position_object(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        image = self._image_child(src)
        if image is not None:
            holder = _el(fieldset, "p", "Object to place: ", class_="qti-position-object")
            self._emit(image, holder)
        count = _int(src.get("max-choices"), 1) or 3
        self._point_inputs(fieldset, identifier, count)

    def _slider(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        lower, upper = src.get("lower-bound", "0"), src.get("upper-bound", "100")
        step = src.get("step", "1")
        current = self._values(identifier)
        value = current[0] if current else lower
        input_id = self._new_id("slider")
        row = _el(fieldset, "div", class_="qti-slider")
        _el(row, "span", lower, class_="qti-slider-min", aria_hidden="true")
        control = _el(
            row,
            "input",
            type="range",
            id=input_id,
            name=identifier,
            min=lower,
            max=upper,
            step=step,
            value=value,
            aria_label=f"Value from {lower} to {upper}",
        )
        if src.get("orientation") == "vertical":
            control.set("aria-orientation", "vertical")
        _el(row, "span", upper, class_="qti-slider-max", aria_hidden="true")
        output = _el(row, "output", value, for_=input_id, class_="qti-slider-value")
        output.set("aria-live", "polite")

    def _media(self, src: etree._Element, dst: etree._Element) -> None:
        identifier = src.get("response-identifier", "")
        fieldset = self._fieldset(src, dst)
        media = _first(src, "object", "audio", "video")
        if media is not None:
            self._emit(media, fieldset)
        max_plays = _int(src.get("max-plays"), 0)
        if max_plays:
            _el(
                fieldset,
                "p",
                f"You may play this up to {max_plays} times.",
                class_="qti-media-plays",
            )
        current = self._values(identifier)
        _el(
            fieldset,
            "input",
            type="hidden",
            name=identifier,
            value=current[0] if current else "0",
            data_qti_play_count="true",
        )

    def _file_input(
        self, fieldset: etree._Element, identifier: str, label: str, accept: str
    ) -> None:
        input_id = self._new_id("file")
        _el(fieldset, "label", label, for_=input_id)
        control = _el(fieldset, "input", type="file", id=input_id, name=identifier)
        if accept:
            control.set("accept", accept)

    def _drawing(self, src: etree._Element, dst: etree._Element) -> None:
        fieldset = self._fieldset(src, dst)
        self._graphic(src, fieldset, self._image_child(src))
        self._file_input(
            fieldset, src.get("response-identifier", ""), "Upload your drawing", "image/*"
        )

    def _upload(self, src: etree._Element, dst: etree._Element) -> None:
        fieldset = self._fieldset(src, dst)
        self._file_input(
            fieldset, src.get("response-identifier", ""), "Upload your file", src.get("type", "")
        )

    def _end_attempt(self, src: etree._Element, dst: etree._Element) -> None:
        self.interactions.append(local_name(src))
        _el(
            dst,
            "button",
            src.get("title") or "End attempt",
            type="submit",
            name=src.get("response-identifier", ""),
            value="true",
            class_=_classes("qti-interaction", "qti-end-attempt-interaction", src.get("class")),
        )

    def _unsupported(self, src: etree._Element, dst: etree._Element) -> None:
        self.interactions.append(local_name(src))
        box = _el(
            dst,
            "div",
            class_=_classes("qti-interaction", "qti-unsupported", local_name(src)),
            role="note",
        )
        prompt = _first(src, "qti-prompt")
        if prompt is not None:
            self._prompt(prompt, box)
        _el(box, "p", UNSUPPORTED_NOTICE, class_="qti-unsupported-notice")
