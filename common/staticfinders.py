"""Static files served from installed packages, so nothing is fetched from a CDN and no
vendored copy drifts from the installed version: plotly.js from the ``plotly`` package (the
same build its Python figures are made for), as ``vendor/plotly.min.js``. (htmx comes with
django-htmx, as ``django_htmx/htmx-2.min.js``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

__all__ = ["PackageAssetsFinder"]

_ASSETS = {"vendor/plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js"}


class PackageAssetsFinder(BaseFinder):
    """Finds the files of ``_ASSETS`` (static path → file of an installed package)."""

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        source = _ASSETS.get(path)
        if source is None or not source.exists():
            return []  # Django's "no match", whatever find_all says
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns: Any) -> Any:
        for path, source in _ASSETS.items():
            storage = FileSystemStorage(location=str(source.parent))
            storage.prefix = str(Path(path).parent)  # type: ignore[attr-defined]
            yield source.name, storage
