"""The HTML whitelist for QTI content: which XHTML and MathML elements and attributes reach
the page, and how URLs are checked and resolved.

Anything not listed is dropped. Elements that run code or submit data (``script``, ``iframe``,
``form``…) are dropped with their content; other unknown elements are unwrapped, keeping their
text. Event handlers (``on*``) never pass, and URLs pass only with a safe scheme.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from qti.vocabulary import XHTML_ELEMENTS

__all__ = [
    "DROP_WITH_CONTENT",
    "HTML_ELEMENTS",
    "MATHML_NS",
    "safe_attributes",
    "safe_url",
]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# The XHTML elements item content may use, rendered as they are (qti.vocabulary).
HTML_ELEMENTS = XHTML_ELEMENTS

# Elements that execute, embed other documents or submit data: gone, content and all.
DROP_WITH_CONTENT = frozenset(
    [
        "applet",
        "base",
        "button",
        "canvas",
        "embed",
        "form",
        "frame",
        "frameset",
        "iframe",
        "input",
        "link",
        "meta",
        "noscript",
        "option",
        "param",
        "script",
        "select",
        "style",
        "svg",
        "template",
        "textarea",
        "title",
    ]
)

_GLOBAL = frozenset({"class", "id", "title", "lang", "dir", "role", "style", "hidden"})
_PER_ELEMENT: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "hreflang", "rel"}),
    "img": frozenset({"src", "alt", "width", "height", "longdesc"}),
    "audio": frozenset({"src", "controls", "loop", "muted", "preload"}),
    "video": frozenset(
        {"src", "controls", "loop", "muted", "preload", "poster", "width", "height"}
    ),
    "source": frozenset({"src", "type", "media"}),
    "track": frozenset({"src", "kind", "srclang", "label", "default"}),
    "td": frozenset({"colspan", "rowspan", "headers", "abbr", "align", "valign"}),
    "th": frozenset({"colspan", "rowspan", "headers", "abbr", "scope", "align", "valign"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "table": frozenset({"summary", "border", "cellpadding", "cellspacing"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
}
_MATHML_ATTRIBUTES = frozenset(
    [
        "accent",
        "accentunder",
        "align",
        "alttext",
        "columnalign",
        "columnlines",
        "columnspacing",
        "columnspan",
        "close",
        "dir",
        "display",
        "displaystyle",
        "fence",
        "form",
        "largeop",
        "linethickness",
        "lspace",
        "mathbackground",
        "mathcolor",
        "mathsize",
        "mathvariant",
        "maxsize",
        "minsize",
        "movablelimits",
        "notation",
        "open",
        "rowalign",
        "rowlines",
        "rowspacing",
        "rowspan",
        "rspace",
        "scriptlevel",
        "separator",
        "separators",
        "stretchy",
        "symmetric",
        "voffset",
        "width",
        "height",
        "depth",
        "class",
        "id",
    ]
)
_URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster", "longdesc"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_UNSAFE_STYLE = re.compile(r"url\s*\(|expression\s*\(|javascript:|@import|behavior\s*:", re.I)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(value: str, *, base_url: str = "", image: bool = False) -> str | None:
    """``value`` resolved against ``base_url``, or ``None`` when its scheme is not safe.

    Relative URLs are resolved; ``http``, ``https`` and ``mailto`` pass; ``data:`` passes only
    for raster images (``image=True``), never ``data:text/html`` or SVG documents.
    """
    # Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
    compact = _CONTROL_CHARACTERS.sub("", value)
    scheme = urlsplit(compact).scheme.lower()
    if not scheme:
        return urljoin(base_url, value.strip()) if base_url else value.strip()
    if scheme in _SAFE_SCHEMES:
        return value.strip()
    if scheme == "data" and image:
        media = compact[5:].split(";", 1)[0].split(",", 1)[0].lower()
        if media.startswith("image/") and "svg" not in media:
            return compact
    return None


def safe_attributes(
    element: str, attributes: dict[str, str], *, base_url: str = "", mathml: bool = False
) -> dict[str, str]:
    """The attributes of ``element`` that may be written out, URLs resolved."""
    kept: dict[str, str] = {}
    allowed = _MATHML_ATTRIBUTES if mathml else _GLOBAL | _PER_ELEMENT.get(element, frozenset())
    for name, value in attributes.items():
        name = name.lower()
        if name.startswith("on"):
            continue
        if not (name in allowed or name.startswith(("aria-", "data-"))):
            continue
        if name == "style" and _UNSAFE_STYLE.search(value):
            continue
        if name in _URL_ATTRIBUTES:
            url = safe_url(value, base_url=base_url, image=element == "img")
            if url is None:
                continue
            value = url
        kept[name] = value
    return kept
