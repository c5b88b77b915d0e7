"""Each official QTI item rendered in Chromium: a full-page screenshot per item, and the
keyboard reaches its first control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qti.rendering import render_item
from tests.browser.conftest import SHOTS
from tests.conftest import shared_path

pytestmark = [pytest.mark.browser, pytest.mark.official]

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "qti.css").read_text()
FOCUSABLE = (
    "a[href], input:not([type=hidden]), select, textarea, button, audio[controls], video[controls]"
)


def page_html(item_html: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QTI</title>'
        f"<style>body{{font-family:sans-serif;margin:1.5rem;max-width:60rem}}{CSS}</style>"
        f'</head><body><a href="#start" id="start">Start</a><form>{item_html}</form></body></html>'
    )


def test_each_official_item_renders_and_takes_keyboard_focus(page: Any) -> None:
    folder = shared_path("fixtures", "qti", "items_v3")
    SHOTS.mkdir(parents=True, exist_ok=True)
    reached: set[str] = set()
    for path in sorted(folder.glob("*.xml")):
        if path.name == "imsmanifest.xml":
            continue
        rendered = render_item(item_xml=path.read_bytes(), shuffle_seed=1)
        page.set_content(page_html(rendered.html), wait_until="domcontentloaded")
        page.screenshot(path=str(SHOTS / f"qti-{path.stem}.png"), full_page=True)
        controls = page.locator(f"form :is({FOCUSABLE})")
        if not controls.count():
            continue
        # Tab from just before the item: the first control (after any links) gets focus.
        target = page.locator(f"form :is({FOCUSABLE.removeprefix('a[href], ')})").first
        if not target.count():
            continue
        page.focus("#start")
        for _ in range(controls.count()):
            page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                break
        else:
            pytest.fail(f"{path.name}: Tab never reaches the first control")
        for name in rendered.interactions:
            reached.add(name)
    assert {
        "qti-choice-interaction",
        "qti-text-entry-interaction",
        "qti-hotspot-interaction",
        "qti-slider-interaction",
        "qti-graphic-order-interaction",
        "qti-upload-interaction",
    } <= reached
