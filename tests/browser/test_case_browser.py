"""The staff framework browser in a real browser: a teacher opens a framework from the
Standards page, expands a node with the keyboard (its children load in place, the page is
not reloaded), opens an item's detail panel, and searches by code and by text as they type
(the URL follows); without JavaScript, the same nodes open through their links.

A screenshot of each step lands in ``SHOTS`` (``case-*.png``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from case.models import CaseItem
from case.services.packages import framework_import
from roster.models import Org, User, UserRole
from tests.browser.conftest import SHOTS, sign_in_as
from tests.case.fixtures import CHILD_A, CHILD_B, DOC, ROOT, package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"case-{name}.png"), full_page=True)


def focused(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "s => document.activeElement !== null && document.activeElement.matches(s)", selector
        )
    )


def tab_to(page: Any, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


@pytest.fixture
def teacher(db: None) -> User:
    report = framework_import(package=package(), source="file", source_ref="fixtures.py")
    assert report.ok, report.problems
    school = Org.objects.create(sourced_id="cb-school", name="CB School", type="school")
    user = User.objects.create(
        sourced_id="cb-teacher",
        given_name="T",
        family_name="B",
        email="t@cb.example.org",
        primary_org=school,
        primary_role="teacher",
        org_scope=school,
    )
    UserRole.objects.create(user=user, role_type="primary", role="teacher", org=school)
    return user


def test_staff_browse_a_framework_with_the_keyboard_and_search_it(
    page: Any, live_server: Any, teacher: User
) -> None:
    base = live_server.url
    sign_in_as(page, live_server, teacher, "cb-teacher")
    root = CaseItem.objects.get(identifier=ROOT)
    child_a = CaseItem.objects.get(identifier=CHILD_A)

    # The Standards link in the nav, then the framework.
    page.goto(f"{base}/dashboard/")
    page.click("header nav >> text=Standards")
    page.wait_for_url(f"{base}/standards/")
    expect(page.locator(f'#frameworks tr[data-identifier="{DOC}"]')).to_contain_text("Adopted")
    shot(page, "frameworks")
    page.click(f'#frameworks tr[data-identifier="{DOC}"] th a')
    page.wait_for_url(f"{base}/standards/{DOC}/")
    expect(page.locator("h1")).to_have_text("Example Mathematics")
    page.evaluate("window.__sameDocument = true")
    shot(page, "tree")

    # Expand the top node with the keyboard: its children load in place.
    node = page.locator(f"#node-{root.pk}")
    summary = node.locator("> details > summary")
    expect(node.locator("> details")).not_to_have_attribute("open", "")
    tab_to(page, f"#node-{root.pk} > details > summary")
    page.keyboard.press("Enter")
    expect(node.locator("> details")).to_have_attribute("open", "")
    group = page.locator(f"ul#group-{root.pk}")
    expect(group.locator("> li")).to_have_count(2)
    expect(group.locator("> li").first).to_contain_text("EX.NO.1")
    expect(group.locator("> li").nth(1)).to_contain_text("EX.NO.2")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    shot(page, "expanded")

    # Closing and opening again does not load twice; Space works as well as Enter.
    page.keyboard.press("Space")
    expect(node.locator("> details")).not_to_have_attribute("open", "")
    page.keyboard.press("Space")
    expect(group.locator("> li")).to_have_count(2)
    expect(summary).to_be_focused()

    # The first child's detail panel, with the keyboard; the URL follows.
    tab_to(page, f"#node-{child_a.pk} > a.case-node-link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"\?open={CHILD_A}$"))
    detail = page.locator("#detail")
    expect(detail.locator("h2")).to_contain_text("EX.NO.1")
    expect(detail).to_contain_text("Add fractions with like denominators.")
    expect(detail.locator('tr[data-type="precedes"]')).to_contain_text("EX.NO.2")
    expect(page.locator(".case-node-link[aria-current]")).to_have_count(1)
    expect(page.locator(f"#node-{child_a.pk} > a.case-node-link")).to_have_attribute(
        "aria-current", "true"
    )
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    shot(page, "detail")

    # A reload of that URL opens the same branch and item.
    page.reload()
    expect(page.locator(f"#node-{root.pk} > details")).to_have_attribute("open", "")
    expect(page.locator(f'#node-{child_a.pk} > a[aria-current="true"]')).to_be_visible()

    # Search by code, as one types: results with their path, the URL follows.
    page.goto(f"{base}/standards/search/")
    page.evaluate("window.__sameDocument = true")
    page.locator("#case-q").press_sequentially("ex.no.", delay=30)
    page.wait_for_url(re.compile(r"[?&]q=ex\.no\."))
    hits = page.locator("#search-results ol.case-hits > li")
    expect(hits).to_have_count(2)
    expect(hits.first).to_contain_text("EX.NO.1")
    expect(hits.first.locator(".case-path")).to_contain_text("Example Mathematics › EX.NO")
    shot(page, "search-code")

    # And by text, in one framework.
    page.fill("#case-q", "")
    page.select_option("#case-framework", DOC)
    page.locator("#case-q").press_sequentially("benchmarks", delay=30)
    page.wait_for_url(re.compile(r"[?&]q=benchmarks"))
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("data-identifier", CHILD_B)
    expect(page.locator("#results-title")).to_contain_text("in Example Mathematics")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    shot(page, "search-text")
    hits.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/standards/{DOC}/\?open={CHILD_B}$"))
    expect(page.locator("#detail h2")).to_contain_text("EX.NO.2")


def test_without_javascript_nodes_open_through_links(
    page: Any, live_server: Any, teacher: User
) -> None:
    sign_in_as(page, live_server, teacher, "cb-teacher")
    context = page.context.browser.new_context(java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    try:
        root = CaseItem.objects.get(identifier=ROOT)
        plain.goto(f"{live_server.url}/standards/{DOC}/")
        plain.click(f"#node-{root.pk} > details > summary")
        plain.click(f"#group-{root.pk} a")
        plain.wait_for_url(re.compile(rf"\?open={ROOT}#node-{root.pk}$"))
        expect(plain.locator(f"ul#group-{root.pk} > li")).to_have_count(2)
        expect(plain.locator("#detail h2")).to_contain_text("EX.NO")
        SHOTS.mkdir(parents=True, exist_ok=True)
        plain.screenshot(path=str(SHOTS / "case-no-js.png"), full_page=True)
    finally:
        context.close()
