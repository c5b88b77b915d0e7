"""What the benchmarks share: the log line, the environment they run Django in, their own
PostgreSQL database (created and dropped), the machine and code measured, percentiles, and
the figures block each rewrites in docs/benchmarks.md."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"

__all__ = [
    "DOCS",
    "ROOT",
    "code_version",
    "configure_environment",
    "docs_block_write",
    "drop_database",
    "log",
    "machine",
    "pct",
    "recreate_database",
]


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {msg}", flush=True)


def configure_environment(*, default_db: str, name: str) -> str:
    """Production settings in-process (a long secret, no HTTPS redirect) on ``DATABASE_URL``
    (default ``default_db``); returns the database URL."""
    url = os.environ.setdefault("DATABASE_URL", default_db)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "timeback.settings.production",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or f"bench-{name}-" + "x" * 60,
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
    )
    return url


def _server(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return base.replace("postgres://", "postgresql://", 1), name


def drop_database(url: str) -> None:
    import psycopg

    base, name = _server(url)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(url: str) -> None:
    import psycopg

    drop_database(url)
    base, name = _server(url)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def code_version(*, paths: Sequence[str], what: str) -> str:
    """The commit measured, and whether ``paths`` differed from it (the process loads the
    working tree as it is when the run starts)."""

    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", *paths)
    return f"commit {commit}" + (f", with uncommitted changes to {what}" if dirty else "")


def machine(*, code: str) -> dict[str, str]:
    """CPU, cores, memory, PostgreSQL (version and memory settings), Python, date."""
    from django.db import connection

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SELECT current_setting('shared_buffers'), current_setting('work_mem')")
        shared_buffers, work_mem = cur.fetchone()
    return {
        "code": code,
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": pg,
        "pg_memory": f"shared_buffers {shared_buffers}, work_mem {work_mem}",
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of them at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def docs_block_write(*, name: str, heading: str, block: str) -> None:
    """Replace the ``<!-- bench-{name}:begin/end -->`` block of docs/benchmarks.md (a new
    section under ``heading`` when it is not there yet)."""
    begin, end = f"<!-- bench-{name}:begin -->", f"<!-- bench-{name}:end -->"
    text = DOCS.read_text()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        DOCS.write_text(f"{head}{begin}\n{block}\n{end}{tail}")
    else:
        DOCS.write_text(f"{text.rstrip()}\n\n## {heading}\n\n{begin}\n{block}\n{end}\n")
