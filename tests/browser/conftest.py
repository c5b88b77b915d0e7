"""Browser tests: Debian's Chromium driven by Playwright (no browser download).

Chromium is found at /usr/bin/chromium (or $CHROMIUM); CI installs it with apt-get. Where
it is missing the tests skip, except on CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine has no network beyond loopback: stop Chromium's background traffic.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
SHOTS = Path(__file__).resolve().parents[2] / ".pytest_cache" / "screenshots"


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing on CI: .ci/run installs it with apt-get")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe. Set for this test only (subprocesses of other tests must
    # not inherit it: `check --deploy` rejects it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "last.png"), full_page=True)
        context.close()
        browser.close()
        # While Playwright's loop runs, the test's ORM calls get connections of their own
        # (Django keeps them per async context): close them here, inside that context.
        connections.close_all()


def sign_in_as(page: Any, live_server: Any, user: Any, username: str) -> None:
    """Give roster ``user`` a login named ``username`` and put its session cookie in the
    browser (students cannot use the admin's login form)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from roster.models import User

    login = get_user_model().objects.create_user(username=username, password="x")
    User.objects.filter(pk=user.pk).update(login=login)
    client = Client()
    client.force_login(login)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
