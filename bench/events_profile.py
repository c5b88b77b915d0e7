"""Summaries of the py-spy profiles the events benchmark records with ``--profile``: where
the web workers and the Celery workers spend their samples.

    python bench/events_profile.py [bench-data/events]

Each profile is py-spy's "raw" (collapsed stack) format: one line per distinct stack,
``frame;frame;...;frame count``, each frame ``function (path:line)``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

__all__ = ["summarise"]

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
PROJECT = ("caliper/", "mastery/", "tenancy/", "common/", "roster/", "timeback/")
# Library buckets, by path fragment, for the "where outside our code" view.
BUCKETS = {
    "json": ("json/",),
    "psycopg (driver, incl. waiting for PostgreSQL)": ("psycopg/", "psycopg_binary"),
    "django.db (ORM)": ("django/db/",),
    "rest_framework": ("rest_framework/",),
    "oauth2_provider / oauthlib": ("oauth2_provider/", "oauthlib/"),
    "kombu / celery / redis": ("kombu/", "celery/", "redis/"),
    "gunicorn": ("gunicorn/",),
}


def _frames(stack: str) -> list[tuple[str, str]]:
    out = []
    for raw in stack.split(";"):
        m = _FRAME.match(raw.strip())
        if m:
            out.append((m["func"], m["path"]))
    return out


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def summarise(files: list[Path], top: int = 18) -> str:
    """Inclusive share of every project function, library bucket, and top self time."""
    inclusive: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for file in files:
        for line in file.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = _frames(stack)
            if not frames:
                continue
            func, path = frames[-1]
            self_time[f"{func} ({_short(path)})"] += n
            seen: set[str] = set()
            hit: set[str] = set()
            for func, path in frames:
                short = _short(path)
                if short.startswith(PROJECT):
                    key = f"{short.split(':')[0]}:{func}"
                    if key not in seen:
                        seen.add(key)
                        inclusive[key] += n
                for name, parts in BUCKETS.items():
                    if name not in hit and any(p in path for p in parts):
                        hit.add(name)
                        buckets[name] += n
    if not total:
        return "(no samples)"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f} %"

    lines = [f"{total} samples"]
    lines.append("  project functions, inclusive:")
    lines += [f"    {pct(n)}  {k}" for k, n in inclusive.most_common(top)]
    lines.append("  libraries, inclusive:")
    lines += [f"    {pct(n)}  {k}" for k, n in buckets.most_common()]
    lines.append("  self time:")
    lines += [f"    {pct(n)}  {k}" for k, n in self_time.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench-data/events")
    for group in ("gunicorn", "worker"):
        files = sorted(folder.glob(f"profile-{group}-*.txt"))
        if files:
            print(f"== {group} ({len(files)} processes)")
            print(summarise(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
