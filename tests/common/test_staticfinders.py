"""plotly.js and htmx are served from the installed packages, never from a CDN."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings


def test_plotly_and_htmx_are_found() -> None:
    plotly_js = finders.find("vendor/plotly.min.js")
    assert plotly_js and Path(str(plotly_js)).stat().st_size > 1_000_000
    assert finders.find("django_htmx/htmx-2.min.js")
    assert finders.find("vendor/nothing.js") is None


def test_collectstatic_copies_them(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=str(tmp_path)):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor" / "plotly.min.js").stat().st_size > 1_000_000
    assert (tmp_path / "django_htmx" / "htmx-2.min.js").exists()
    assert not (tmp_path / "vendor" / "widgetbundle.js").exists()  # only what is listed
