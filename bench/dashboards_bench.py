"""Dashboards benchmark: server time of the student, developer and staff pages of a district
whose rollups hold 10M Caliper events' worth of activity (PostgreSQL).

    python bench/dashboards_bench.py [--students 5000] [--events 10000000] [--days 180]
                                     [--requests 200] [--write-docs] [--keep] [--reuse]
                                     [--pg-set NAME=VALUE]

1. Data: drops and re-creates the database of DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/timeback_bench_dashboards), migrates it, seeds a district
   (5 schools, ``--students`` students with four course enrollments each, courses with
   Timeback goals, teachers, a district administrator, ten apps, a developer) and loads the
   rollup tables the pages read with ``--events`` events' worth over ``--days`` days
   (``bench/dashboards_data.py`` says how events map to rows), then VACUUM (ANALYZE).
2. Pages: Django's test ``Client`` in this process, signed in with ``force_login``, production
   settings: the time of ``client.get`` is the whole request through middleware (session,
   auth), view, selectors, charts and template, without an HTTP server or network. Warm-up,
   then ``--requests`` requests per page, the pages taken in turn (so that noise on the
   shared machine spreads over all of them), random students/apps/schools; p50/p95/p99 and
   the Python CPU time of each request.
3. Queries: ``--profile-requests`` more requests per page with the queries captured: count,
   SQL time, the slowest query, and its EXPLAIN (ANALYZE, BUFFERS) under
   bench-data/dashboards/; then ``--cprofile-requests`` under cProfile: the shares of the
   selector, the charts and the template.
4. Baselines in the same run: a bare ``SELECT 1`` round trip, one indexed rollup read (a
   student's week of ``StudentDailyRollup`` through the ORM), a signed-in ``GET /``.

``--write-docs`` replaces the figures block of docs/benchmarks.md; the database is dropped at
the end unless ``--keep`` (``--reuse`` then re-times the pages on it without reloading);
``--pg-set random_page_cost=1.1`` times the pages with a PostgreSQL setting on their
connection (results under bench-data/dashboards/pg-set/).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Not bench/dashboards.py: with bench/ on the path (and for mypy, which checks bench/ as
# top-level modules) that name would be taken for the dashboards app.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import (  # noqa: E402
    DOCS,
    code_version,
    configure_environment,
    docs_block_write,
    drop_database,
    log,
    machine,
    pct,
    recreate_database,
)
from dashboards_data import Scale, World, rollups_load, roster_seed  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/timeback_bench_dashboards"
OUT = ROOT / "bench-data" / "dashboards"
WORLD_FILE = OUT / "world.json"

Thunk = Callable[[], tuple[int, int]]  # performs one request: (status, body bytes)


# ---- environment and database ----------------------------------------------------------------


def world_save(world: World) -> None:
    data = world.__dict__ | {"students": [s.__dict__ for s in world.students]}
    WORLD_FILE.write_text(json.dumps(data))


def world_load() -> World:
    from dashboards_data import Student

    data = json.loads(WORLD_FILE.read_text())
    data["students"] = [Student(**s) for s in data["students"]]
    data["app_courses"] = {int(k): [tuple(c) for c in v] for k, v in data["app_courses"].items()}
    return World(**data)


# ---- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    group: str  # student, developer, staff, baseline
    target_ms: float | None
    prepare: Callable[[random.Random], Thunk]  # random choices made before the timer starts


def _get(client: Any, path: str, headers: dict[str, str] | None = None) -> Thunk:
    def run() -> tuple[int, int]:
        response = client.get(path, headers=headers or {})
        return response.status_code, len(response.content)

    return run


def pages(world: World, *, student_pool: int, today: date) -> list[Page]:
    """The measured pages, each drawing its student, app or school at random per request."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from dashboards.selectors import student_version
    from mastery.models import StudentDailyRollup

    login_model = get_user_model()

    def signed_in(login_id: int) -> Any:
        client = Client()
        client.force_login(login_model._default_manager.get(pk=login_id))
        return client

    pool = random.Random(11).sample(world.students, min(student_pool, len(world.students)))
    student_clients = {s.pk: signed_in(s.login_id) for s in pool}
    versions = {s.pk: student_version(student_id=s.pk) for s in pool}
    staff = {school: signed_in(login) for school, login in world.staff_login_by_school.items()}
    district_admin = signed_in(world.district_admin_login)
    developer = signed_in(world.developer_login)
    poll = {"HX-Request": "true"}
    start_180 = (today - timedelta(days=179)).isoformat()

    def student_page(rnd: random.Random) -> Thunk:
        s = rnd.choice(pool)
        return _get(student_clients[s.pk], f"/dashboard/students/{s.sourced_id}/")

    def student_poll(rnd: random.Random) -> Thunk:
        s = rnd.choice(pool)
        path = f"/dashboard/students/{s.sourced_id}/?since={versions[s.pk]}"
        return _get(student_clients[s.pk], path, poll)

    def student_as_staff(rnd: random.Random) -> Thunk:
        s = rnd.choice(pool)
        return _get(staff[s.school], f"/dashboard/students/{s.sourced_id}/")

    def app_default(rnd: random.Random) -> Thunk:
        return _get(developer, f"/dashboard/apps/{rnd.choice(world.apps)}/")

    def app_180(rnd: random.Random) -> Thunk:
        app = rnd.choice(world.apps)
        return _get(developer, f"/dashboard/apps/{app}/?start={start_180}&end={today}")

    def app_filtered(rnd: random.Random) -> Thunk:
        from urllib.parse import urlencode

        app = rnd.choice(world.apps)
        course, grade = rnd.choice(world.app_courses[app])
        query = urlencode({"course": course, "grade": grade})
        return _get(developer, f"/dashboard/apps/{app}/?{query}")

    def school(days: int | None) -> Callable[[random.Random], Thunk]:
        def make(rnd: random.Random) -> Thunk:
            sid = rnd.choice(world.schools)
            query = f"?days={days}" if days else ""
            return _get(staff[sid], f"/dashboard/orgs/{sid}/{query}")

        return make

    def district(rnd: random.Random) -> Thunk:
        return _get(district_admin, f"/dashboard/orgs/{world.district}/")

    def select_1(rnd: random.Random) -> Thunk:
        def run() -> tuple[int, int]:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
            return 200, 0

        return run

    def rollup_read(rnd: random.Random) -> Thunk:
        s = rnd.choice(pool)

        def run() -> tuple[int, int]:
            rows = list(
                StudentDailyRollup.objects.filter(
                    student_id=s.pk, day__gte=today - timedelta(days=6), day__lte=today
                )
            )
            return 200, len(rows)

        return run

    def home(rnd: random.Random) -> Thunk:
        return _get(student_clients[rnd.choice(pool).pk], "/")

    n_school = len(world.students) // max(1, len(world.schools))
    n_all = len(world.students)
    return [
        Page("student", "student page, as the student", "student", 150, student_page),
        Page(
            "student-poll",
            "student page's HTMX poll (`?since=`, nothing changed: 204)",
            "student",
            150,
            student_poll,
        ),
        Page(
            "student-as-staff",
            "student page, as a teacher of the school (adds the diagnosis)",
            "staff",
            500,
            student_as_staff,
        ),
        Page("app-30d", "developer page, default (last 30 days)", "developer", 500, app_default),
        Page("app-180d", "developer page, `?start=&end=` 180 days", "developer", 500, app_180),
        Page(
            "app-filtered",
            "developer page, `course` + `grade` filters (last 30 days)",
            "developer",
            500,
            app_filtered,
        ),
        Page(
            "school-7d",
            f"staff page, a school (~{n_school:,} students), default 7 days",
            "staff",
            500,
            school(None),
        ),
        Page("school-30d", "staff page, a school, `?days=30`", "staff", 500, school(30)),
        Page(
            "district-7d",
            f"staff page, the district ({n_all:,} students), default 7 days",
            "staff",
            500,
            district,
        ),
        Page("select-1", "baseline: `SELECT 1` round trip", "baseline", None, select_1),
        Page(
            "rollup-read",
            "baseline: a student's week of `StudentDailyRollup` (ORM, 7 rows)",
            "baseline",
            None,
            rollup_read,
        ),
        Page(
            "home", "baseline: signed-in `GET /` (session, user, template)", "baseline", None, home
        ),
    ]


EXPECTED = {"student-poll": 204}


def _machine_busy() -> tuple[float, float]:
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def measure(page_list: list[Page], *, requests: int, warmup: int, seed: int) -> dict[str, Any]:
    """Warm-up, then ``requests`` per page, one of each page in turn."""
    rnd = random.Random(seed)
    for page in page_list:
        for _ in range(warmup):
            status, _ = page.prepare(rnd)()
            if status != EXPECTED.get(page.key, 200):
                raise SystemExit(f"{page.key}: HTTP {status} during the warm-up")
    wall: dict[str, list[float]] = {p.key: [] for p in page_list}
    cpu: dict[str, list[float]] = {p.key: [] for p in page_list}
    sizes: dict[str, list[int]] = {p.key: [] for p in page_list}
    statuses: dict[str, set[int]] = {p.key: set() for p in page_list}
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    total0, idle0 = _machine_busy()
    proc0, t0 = time.process_time(), time.monotonic()
    for _ in range(requests):
        for page in page_list:
            thunk = page.prepare(rnd)
            c0, w0 = time.process_time(), time.perf_counter()
            status, size = thunk()
            w1, c1 = time.perf_counter(), time.process_time()
            wall[page.key].append((w1 - w0) * 1000)
            cpu[page.key].append((c1 - c0) * 1000)
            sizes[page.key].append(size)
            statuses[page.key].add(status)
    elapsed = time.monotonic() - t0
    total1, idle1 = _machine_busy()
    ticks = total1 - total0
    busy_cores = (ticks - (idle1 - idle0)) / ticks * (os.cpu_count() or 1) if ticks else 0.0
    out: dict[str, Any] = {
        "elapsed_s": round(elapsed, 1),
        "load_before": load_before,
        "load_after": Path("/proc/loadavg").read_text().split()[:3],
        "machine_busy_cores": round(busy_cores, 2),
        "this_process_cores": round((time.process_time() - proc0) / elapsed, 2),
        "pages": {},
    }
    for page in page_list:
        times = wall[page.key]
        out["pages"][page.key] = {
            "n": len(times),
            "p50_ms": statistics.median(times),
            "p95_ms": pct(times, 95),
            "p99_ms": pct(times, 99),
            "max_ms": max(times),
            "cpu_p50_ms": statistics.median(cpu[page.key]),
            "avg_bytes": sum(sizes[page.key]) / len(sizes[page.key]),
            "status": sorted(statuses[page.key]),
        }
    return out


class QueryLog:
    """Every query of the requests run inside it, timed around the driver call
    (``connection.execute_wrapper``: no debug cursor, microsecond timer)."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - t0) * 1000, sql, params))


def profile_queries(
    page_list: list[Page], *, requests: int, seed: int, out_dir: Path
) -> dict[str, Any]:
    """Queries per request, their time, the slowest query of each page and its plan."""
    from django.db import connection

    rnd = random.Random(seed)
    out: dict[str, Any] = {}
    for page in page_list:
        if page.group == "baseline":
            continue
        counts: list[int] = []
        sql_ms: list[float] = []
        by_index: dict[int, list[tuple[float, str, Any]]] = {}
        for _ in range(requests):
            thunk = page.prepare(rnd)
            qlog = QueryLog()
            with connection.execute_wrapper(qlog):
                thunk()
            counts.append(len(qlog.queries))
            sql_ms.append(sum(ms for ms, _, _ in qlog.queries))
            for i, q in enumerate(qlog.queries):
                by_index.setdefault(i, []).append(q)
        ranked = sorted(
            by_index.items(),
            key=lambda item: statistics.median(ms for ms, _, _ in item[1]),
            reverse=True,
        )
        top = []
        for index, samples in ranked[:3]:
            slowest = max(samples, key=lambda q: q[0])
            top.append(
                {
                    "index": index + 1,
                    "p50_ms": statistics.median(ms for ms, _, _ in samples),
                    "max_ms": slowest[0],
                    "sql": slowest[1],
                    "params": slowest[2],
                }
            )
        plan = ""
        if top:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + top[0]["sql"], top[0]["params"])
                plan = "\n".join(row[0] for row in cur.fetchall())
            (out_dir / f"explain-{page.key}.txt").write_text(
                f"-- query {top[0]['index']} of the page, p50 {top[0]['p50_ms']:.1f} ms\n"
                f"-- params {top[0]['params']!r}\n{top[0]['sql']}\n\n{plan}\n"
            )
        out[page.key] = {
            "queries_min": min(counts),
            "queries_max": max(counts),
            "sql_p50_ms": statistics.median(sql_ms),
            "top": top,
            "plan": plan,
        }
    return out


def profile_python(
    page_list: list[Page], *, requests: int, seed: int, out_dir: Path
) -> dict[str, Any]:
    """Where each page's time goes, under cProfile (which slows Python down, so shares, not
    milliseconds): the selector, the charts, the template, the rest (middleware, session,
    viewer). The 25 costliest functions of each page go to bench-data/dashboards/."""
    import cProfile
    import io
    import pstats

    rnd = random.Random(seed)
    out: dict[str, Any] = {}
    for page in page_list:
        if page.group == "baseline":
            continue
        thunks = [page.prepare(rnd) for _ in range(requests)]
        profiler = cProfile.Profile()
        profiler.enable()
        for thunk in thunks:
            thunk()
        profiler.disable()
        stats = pstats.Stats(profiler)
        raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
        # The requests' own time: the outermost frame (the test client's get) holds it all.
        total = max(ct for _, _, _, ct, _ in raw.values())
        parts = {"selector": 0.0, "charts": 0.0, "template": 0.0}
        for (filename, _, func), (_, _, _, _, callers) in raw.items():
            # Only the time of the calls the view makes (a selector also called by another
            # selector would otherwise count twice); per caller: (calls, primitive, own, total).
            ct = sum(
                edge[3]
                for caller, edge in callers.items()
                if caller[0].endswith("dashboards/views.py")
            )
            if not ct:
                continue
            if filename.endswith("dashboards/selectors.py"):
                parts["selector"] += ct
            elif filename.endswith("dashboards/charts.py"):
                parts["charts"] += ct
            elif filename.endswith("django/shortcuts.py") and func == "render":
                parts["template"] += ct
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(25)
        (out_dir / f"profile-{page.key}.txt").write_text(buffer.getvalue())
        shares = {k: round(100 * v / total, 1) if total else 0.0 for k, v in parts.items()}
        shares["rest"] = round(100 - sum(shares.values()), 1)
        out[page.key] = shares
    return out


# ---- report ----------------------------------------------------------------------------------


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _short_sql(sql: str, limit: int = 110) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    m, d, t = results["machine"], results["data"], results["timing"]
    q = results.get("queries", {})
    page_list = results["page_list"]
    c = d["counts"]
    sc = d["scale"]
    lines = [
        f"Run of {m['date']} ({m.get('code', 'commit unknown')}): {m['cpu']}, "
        f"{m['nproc']} cores, {m['ram']} RAM, PostgreSQL "
        f"{m['postgresql']} ({m['pg_memory']}), Python {m['python']}; the benchmark and "
        f"PostgreSQL on the same machine. `make bench-dashboards` (`--students "
        f"{sc['students']} --events {sc['events']} --days {sc['days']} --requests "
        f"{args.requests}"
        + "".join(f" --pg-set {x}" for x in args.pg_set)
        + f"`). Load average when the pages were timed: "
        f"{' / '.join(t['load_before'])} before, {' / '.join(t['load_after'])} after; the "
        f"machine was {t['machine_busy_cores']} cores busy meanwhile, this process "
        f"{t['this_process_cores']}.",
        "",
        f"Data ({d['first_day']} to {d['today']}): {d['events']:,} events "
        f"({d['completions']:,} completions) in {c['StudentAppDayRollup']:,} "
        f"`StudentAppDayRollup` rows; {c['StudentDailyRollup']:,} `StudentDailyRollup`, "
        f"{c['MasteryFact']:,} `MasteryFact` ({d['units_mastered']:,} mastered), "
        f"{c['AppStudentDay']:,} `AppStudentDay`, {c['AppDailyRollup']:,} `AppDailyRollup`, "
        f"{c['AppEventQuality']:,} `AppEventQuality`, {c['RollupFill']:,} `RollupFill` "
        f"({d['stale_buckets']} stale); {d['size']} with indexes. One app has "
        f"~{d['rows_per_app_30d']:,} `StudentAppDayRollup` rows in the last 30 days, "
        f"~{d['rows_per_app_all']:,} in all. Roster: "
        f"{results['roster']}. Loaded in {d['load_s']:.0f} s (roster {d['roster_s']:.0f} s, "
        f"rollups {sum(d['seconds'].values()):.0f} s incl. VACUUM (ANALYZE)).",
        "",
        "| page (server time, in-process) | n | p50 | **p95** | p99 | Python CPU p50 | queries "
        "| SQL p50 | target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label, target in page_list:
        r = t["pages"][key]
        qq = q.get(key)
        queries = (
            ""
            if qq is None
            else str(qq["queries_min"])
            if qq["queries_min"] == qq["queries_max"]
            else f"{qq['queries_min']}–{qq['queries_max']}"
        )
        sql = "" if qq is None else f"{qq['sql_p50_ms']:.1f} ms"
        goal = "" if target is None else f"p95 < {target:.0f} ms {_mark(r['p95_ms'] < target)}"
        fmt = ".2f" if r["p50_ms"] < 1 else ".1f"
        lines.append(
            f"| {label} | {r['n']} | {r['p50_ms']:{fmt}} ms | **{r['p95_ms']:{fmt}} ms** | "
            f"{r['p99_ms']:{fmt}} ms | {r['cpu_p50_ms']:{fmt}} ms | {queries} | {sql} | {goal} |"
        )
    lines += [
        "",
        "Slowest query of each page (median over the profiled requests; plans in "
        "`bench-data/dashboards/explain-<page>.txt`):",
        "",
    ]
    for key, label, _ in page_list:
        qq = q.get(key)
        if not qq or not qq["top"]:
            continue
        top = qq["top"][0]
        lines.append(
            f"- {label}: query {top['index']}, {top['p50_ms']:.1f} ms — `{_short_sql(top['sql'])}`"
        )
    shares = results.get("python", {})
    if shares:
        lines += [
            "",
            "Where the time of each page goes, under cProfile (shares of the request: the "
            "selector's Python and SQL, the Plotly charts, the template, the rest — middleware, "
            "session, viewer, form; top functions in `bench-data/dashboards/profile-<page>.txt`):",
            "",
        ]
        for key, label, _ in page_list:
            sh = shares.get(key)
            if sh:
                lines.append(
                    f"- {label}: selector {sh['selector']:.0f} %, charts {sh['charts']:.0f} %, "
                    f"template {sh['template']:.0f} %, rest {sh['rest']:.0f} %"
                )
    lines += [
        "",
        f"Whole run {results['run_s']:.0f} s ("
        + ("data reused" if args.reuse else f"data {d['load_s']:.0f} s")
        + f", pages "
        f"{t['elapsed_s']:.0f} s, query profile {results.get('profile_s', 0):.0f} s).",
    ]
    return "\n".join(lines)


# ---- main ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--students", type=int, default=5_000)
    p.add_argument("--schools", type=int, default=5)
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--days", type=int, default=180)
    p.add_argument("--requests", type=int, default=200, help="timed requests per page")
    p.add_argument("--warmup", type=int, default=5, help="requests per page before timing")
    p.add_argument("--profile-requests", type=int, default=20, help="per page, queries captured")
    p.add_argument("--cprofile-requests", type=int, default=5, help="per page, under cProfile")
    p.add_argument("--student-pool", type=int, default=300, help="signed-in students to draw")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the pages' connection (try a fix without code)",
    )
    p.add_argument("--keep", action="store_true", help="keep the database at the end")
    p.add_argument("--reuse", action="store_true", help="time the pages of a kept database")
    p.add_argument(
        "--write-docs", action="store_true", help="replace the figures block of docs/benchmarks.md"
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    url = configure_environment(default_db=DEFAULT_DB, name="dashboards")
    # A run with --pg-set writes its results, plans and profiles beside the plain run's.
    out_dir = OUT / "pg-set" if args.pg_set else OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        recreate_database(url)
    import django

    django.setup()
    # WhiteNoise warns once per handler that STATIC_ROOT is absent (no collectstatic here);
    # the pages only link their static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from common.gc import gc_tune_server_process
    from mastery.services.cohorts import student_app_days_stale

    if args.pg_set:  # before the first connection, beside the settings' own -c jit=off
        options = connection.settings_dict.setdefault("OPTIONS", {})
        extra = " ".join(f"-c {setting}" for setting in args.pg_set)
        options["options"] = f"{options.get('options', '')} {extra}".strip()

    scale = Scale(
        students=args.students,
        schools=args.schools,
        days=args.days,
        events=args.events,
        seed=args.seed,
    )
    today = timezone.now().date()
    results: dict[str, Any] = {"args": vars(args)}
    try:
        if args.reuse:
            world = world_load()
            results["data"] = json.loads((OUT / "data.json").read_text())
        else:
            log(f"migrating {url.rsplit('/', 1)[1]}")
            call_command("migrate", verbosity=0)
            t0 = time.monotonic()
            world = roster_seed(scale=scale)
            roster_s = time.monotonic() - t0
            log(f"roster seeded in {roster_s:.1f} s; loading rollups")
            data = rollups_load(world=world, scale=scale, today=today, log=log)
            data["roster_s"] = roster_s
            data["load_s"] = time.monotonic() - t0
            data["stale_buckets"] = len(student_app_days_stale())
            data["scale"] = scale.__dict__
            results["data"] = data
            world_save(world)
            (OUT / "data.json").write_text(json.dumps(data, indent=2))
            log(f"data loaded in {data['load_s']:.1f} s: {data['counts']}")
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (SELECT count(*) FROM roster_user WHERE primary_role = 'student'),"
                " (SELECT count(*) FROM roster_org WHERE type = 'school'),"
                " (SELECT count(*) FROM roster_course), (SELECT count(*) FROM roster_class),"
                " (SELECT count(*) FROM roster_enrollment),"
                " (SELECT count(*) FROM tenancy_apiclient)"
            )
            n_students, n_schools, n_courses, n_classes, n_enrollments, n_apps = cur.fetchone()
        results["roster"] = (
            f"{n_students:,} students in {n_schools} schools, {n_courses} courses, "
            f"{n_classes} classes, {n_enrollments:,} enrollments, {n_apps} apps"
        )
        results["machine"] = machine(
            code=code_version(
                paths=("dashboards", "mastery", "roster", "templates"), what="the pages' code"
            )
        )
        page_list = pages(world, student_pool=args.student_pool, today=today)
        results["page_list"] = [(p.key, p.label, p.target_ms) for p in page_list]
        # As in the server processes (timeback/wsgi.py): start-up's objects frozen, young
        # collections every GC_GEN0_THRESHOLD allocations.
        gc_tune_server_process()
        log(
            f"timing {len(page_list)} pages × {args.requests} requests "
            f"(after {args.warmup} warm-up)"
        )
        results["timing"] = measure(
            page_list, requests=args.requests, warmup=args.warmup, seed=args.seed
        )
        for key, label, target in results["page_list"]:
            r = results["timing"]["pages"][key]
            print(
                f"  {label[:64]:<64} p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  "
                f"p99 {r['p99_ms']:7.1f} ms  cpu {r['cpu_p50_ms']:6.1f} ms  HTTP {r['status']}"
                + ("" if target is None else f"  (target p95 < {target:.0f})"),
                flush=True,
            )
        t0 = time.monotonic()
        results["queries"] = profile_queries(
            page_list, requests=args.profile_requests, seed=args.seed + 1, out_dir=out_dir
        )
        results["python"] = profile_python(
            page_list, requests=args.cprofile_requests, seed=args.seed + 2, out_dir=out_dir
        )
        results["profile_s"] = time.monotonic() - t0
        for key, q in results["queries"].items():
            top = q["top"][0] if q["top"] else None
            print(
                f"  {key:<18} queries {q['queries_min']}–{q['queries_max']}  SQL p50 "
                f"{q['sql_p50_ms']:6.1f} ms"
                + (
                    f"  slowest #{top['index']} {top['p50_ms']:.1f} ms: "
                    f"{_short_sql(top['sql'], 90)}"
                    if top
                    else ""
                ),
                flush=True,
            )
    finally:
        connection.close()
        if not args.keep:
            drop_database(url)
    results["run_s"] = time.monotonic() - started
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    block = markdown(results, args)
    print("\n" + block)
    if args.write_docs:
        docs_block_write(name="dashboards", heading="Dashboards", block=block)
        log(f"figures written to {DOCS.relative_to(ROOT)}")
    failed = [
        key
        for key, _, target in results["page_list"]
        if target is not None and results["timing"]["pages"][key]["p95_ms"] >= target
    ]
    if failed:
        log(f"over target: {', '.join(failed)}")
    wrong = [
        key
        for key, r in results["timing"]["pages"].items()
        if r["status"] != [EXPECTED.get(key, 200)]
    ]
    if wrong:
        log(f"unexpected HTTP status: {', '.join(wrong)}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
