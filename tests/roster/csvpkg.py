"""Build small OneRoster CSV packages in code (no sample files needed)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from roster.services.csv.spec import FILES

__all__ = ["MANIFEST_BASE", "header", "make_package", "row"]

MANIFEST_BASE = {"manifest.version": "1.0", "oneroster.version": "1.2"}


def header(name: str, *, metadata: Sequence[str] = (), v121: bool = True) -> list[str]:
    """The spec header of ``name`` (users: 1.2.1 unless ``v121`` is False)."""
    cols = FILES[name].header
    if name == "users" and v121:
        cols = [c for c in cols if c != "resourceSourcedIds"]
    return cols + [f"metadata.{m}" for m in metadata]


def row(
    name: str, values: Mapping[str, str], *, v121: bool = True, metadata: Sequence[str] = ()
) -> list[str]:
    """A row of ``name`` from a {column: value} mapping; other cells blank."""
    return [values.get(c, "") for c in header(name, v121=v121, metadata=metadata)]


def to_csv(rows: Sequence[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode()


def make_package(
    files: Mapping[str, Sequence[Sequence[str]] | bytes],
    *,
    modes: Mapping[str, str] | None = None,
    manifest: Mapping[str, str] | None = None,
    extra_entries: Mapping[str, bytes] | None = None,
    path: Path | None = None,
) -> io.BytesIO | Path:
    """A zip with a manifest listing ``files`` (bulk unless ``modes`` says otherwise).

    ``files`` maps a file name without ``.csv`` to rows (header first) or raw bytes.
    """
    props = dict(MANIFEST_BASE)
    for name in FILES:
        props[f"file.{name}"] = "absent"
    for name in files:
        props[f"file.{name}"] = (modes or {}).get(name, "bulk")
    props.update(manifest or {})
    props = {k: v for k, v in props.items() if v is not None}
    target: io.BytesIO | Path = path if path is not None else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", to_csv([["propertyName", "value"], *props.items()]))
        for name, content in files.items():
            data = content if isinstance(content, bytes) else to_csv(content)
            zf.writestr(f"{name}.csv", data)
        for name, data in (extra_entries or {}).items():
            zf.writestr(name, data)
    if isinstance(target, io.BytesIO):
        target.seek(0)
    return target
