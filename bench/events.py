"""Events benchmark: Caliper ingest through two gunicorn workers, the learning pipeline in real
Celery workers on Redis, all on PostgreSQL, with a load generator on loopback.

    python bench/events.py [--duration 60] [--clients 8] [--sustained-rate 5500]
                           [--skip PHASE] [--write-docs] [--profile]

Phases, in one run:
  1. throughput: envelopes of 100 Timeback events (TimeSpentEvent + ActivityEvent pairs,
     ~1.2 KB each) from ``--clients`` keep-alive connections for ``--duration`` seconds;
     accepted events/s (HTTP 200 x accepted) and processed events/s (stored minus the
     growth of the outbox backlog), the backlog when the load stops and the time to drain it;
  2. baselines on the idle database: a raw COPY of the same event rows into a twin of the
     event table (same columns and indexes, no foreign keys), logged and UNLOGGED, and one
     INSERT + commit per event;
  3. sustained: the same envelopes paced at ``--sustained-rate`` events/s (default 5,500,
     a tenth over the target; open loop): accepted and processed events/s in the window and
     the outbox backlog each second: bounded if the workers keep up with ingest at that rate
     (phase 1 offers more than the machine can do, and ingest takes the CPU first);
  4. freshness at 1,000 events/s (10 envelopes/s, paced): each envelope carries a probe
     activity for a (student, day) no other event touches; the delay is the rollup row's
     ``updated_at`` (StudentDailyRollup, AppDailyRollup) minus the time the POST was answered,
     read by polling until the row shows the probe's completion and time;
  5. single-event POST latency at 200 requests/s, paced (open loop).

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/timeback_bench (dropped and
re-created); REDIS_URL to redis://127.0.0.1:6379/14 (flushed). Logs of the server and workers
go to bench-data/events/.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from base64 import b64encode
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from events_load import percentile, run_closed_loop, run_paced  # noqa: E402
from events_payload import APP_IRI, EventFactory, Student, envelope_bytes  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/timeback_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
BIN = Path(sys.executable).parent
LOGS = ROOT / "bench-data" / "events"
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_BEGIN = "<!-- bench-events:begin -->"
DOCS_END = "<!-- bench-events:end -->"
EVENT_PATH = "/caliper/event"
HOST = "127.0.0.1"
PROBE_STUDENTS = 100
# Probe days lie far before today so that no load event (dated today) shares their rollups.
PROBE_FIRST_DAY = date(2020, 1, 1)
# Seeds of the per-thread event factories of the paced phases: unique, so two factories never
# draw the same event ids (thread idents modulo a range collided: resends with other bodies,
# answered 409).
_SEEDS = itertools.count(100_000)


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- environment, database, broker ----------------------------------------------------------


def configure_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment of this process and of every server/worker it starts."""
    env = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS),
        "DJANGO_SETTINGS_MODULE": "timeback.settings.production",
        # Production settings want a long secret and HTTPS; this is loopback.
        "SECRET_KEY": "bench-events-" + "x" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # Database connections outlive the run: a backend that exits inside the throughput
        # window takes its CPU time with it, and the CPU table would miss it.
        "CONN_MAX_AGE": "900",
    }
    os.environ.update(env)
    return {**os.environ}


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def flush_broker(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---- seed ------------------------------------------------------------------------------------


def seed(*, n_students: int) -> tuple[Any, list[Student], list[Student]]:
    """An org with ``n_students`` load students and PROBE_STUDENTS probe students, and an
    API client with the event.create scope and the bench app's sensor registered."""
    import inspect

    from roster.models import Org, User, UserRole
    from tenancy.models import ApiClientSensor
    from tenancy.services import api_client_create

    district = Org.objects.create(
        sourced_id="bench-ev-district", name="Bench District", type="district", identifier="BD"
    )
    school = Org.objects.create(
        sourced_id="bench-ev-school",
        name="Bench School",
        type="school",
        identifier="BS",
        parent=district,
    )
    users = [
        User(
            sourced_id=sid,
            given_name=f"Student{i}",
            family_name="Bench",
            email=f"{sid}@bench.example.org",
            username=sid,
            primary_org=school,
            primary_role="student",
            org_scope=school,
            grades=[f"{i % 8 + 1:02d}"],
        )
        for i, sid in enumerate(
            [f"stu-{i:05d}" for i in range(n_students)]
            + [f"probe-{i:04d}" for i in range(PROBE_STUDENTS)]
        )
    ]
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(org_scope=school).order_by("pk"))
    UserRole.objects.bulk_create(
        [UserRole(user=u, role_type="primary", role="student", org=school) for u in users],
        batch_size=2000,
    )
    kwargs: dict[str, Any] = {}
    if "sensors" in inspect.signature(api_client_create).parameters:
        kwargs["sensors"] = [APP_IRI]
    created = api_client_create(
        name="bench-events",
        org_sourced_id=district.sourced_id,
        scopes=["event.create"],
        environment="production",
        **kwargs,
    )
    if not kwargs:
        ApiClientSensor.objects.get_or_create(api_client=created.api_client, iri=APP_IRI)
    as_student = [
        Student(u.pk, u.sourced_id, u.email, f"{u.given_name} {u.family_name}") for u in users
    ]
    load = [s for s in as_student if s.sourced_id.startswith("stu-")]
    probes = [s for s in as_student if s.sourced_id.startswith("probe-")]
    return created, load, probes


# ---- processes -------------------------------------------------------------------------------


class Processes:
    """The gunicorn server, Celery worker(s) and beat this benchmark starts (and stops)."""

    def __init__(self, *, env: dict[str, str], args: argparse.Namespace, port: int) -> None:
        self.env, self.args, self.port = env, args, port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        LOGS.mkdir(parents=True, exist_ok=True)

    def _start(self, name: str, cmd: list[str]) -> None:
        logfile = LOGS / f"{name}.log"
        handle = logfile.open("wb")
        self.procs[name] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        a = self.args
        self._start(
            "gunicorn",
            [
                str(BIN / "gunicorn"), "timeback.wsgi:application",
                "--bind", f"{HOST}:{self.port}",
                "--workers", str(a.web_workers),
                "--worker-class", a.web_worker_class,
                *(["--threads", str(a.web_threads)] if a.web_worker_class == "gthread" else []),
                "--keep-alive", "75", "--backlog", "512",
                "--log-level", "warning",
            ],
        )  # fmt: skip
        # One worker process per processing lane on the ingest queue (rollups are written
        # by the lanes' own transactions).
        self._start(
            "worker",
            [
                str(BIN / "celery"), "-A", "timeback", "worker",
                "-Q", "ingest,default",
                "--concurrency", str(a.worker_concurrency),
                "--prefetch-multiplier", "1", "-O", "fair",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--loglevel", "INFO", "-n", "bench-events@%h",
            ],
        )  # fmt: skip
        self._start(
            "beat",
            [
                str(BIN / "celery"), "-A", "timeback", "beat",
                "--schedule", str(LOGS / "beat-schedule"), "--loglevel", "WARNING",
            ],
        )  # fmt: skip
        self._wait_http()
        self._wait_log("worker", "ready.")

    def _wait_http(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                self._check_alive()
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: " + self.tail("gunicorn"))

    def _wait_log(self, name: str, text: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if text in (LOGS / f"{name}.log").read_text(errors="replace"):
                return
            self._check_alive()
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not start: " + self.tail(name))

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}): {self.tail(name)}")

    def tail(self, name: str, n: int = 3000) -> str:
        return (LOGS / f"{name}.log").read_text(errors="replace")[-n:]

    def pids(self, name: str) -> list[int]:
        """The process and its children (gunicorn / prefork workers)."""
        proc = self.procs[name]
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True
        ).stdout
        return [proc.pid, *(int(p) for p in out.split())]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def obtain_token(*, port: int, client_id: str, client_secret: str) -> str:
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    basic = b64encode(f"{client_id}:{client_secret}".encode()).decode()
    conn.request(
        "POST",
        "/oauth2/token",
        urllib.parse.urlencode({"grant_type": "client_credentials"}),
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"token: HTTP {resp.status} {body[:500]!r}")
    return str(json.loads(body)["access_token"])


# ---- database probes -------------------------------------------------------------------------


class Db:
    """A plain autocommit psycopg connection for the measurements (not Django's)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(pg_dsn(url), autocommit=True)
        self.lock = threading.Lock()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self.lock, self.conn.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
            return row[0] if row else None

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock, self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def pending(self) -> int:
        """Events in the outbox."""
        return int(self.one("SELECT coalesce(sum(events), 0) FROM caliper_eventoutbox"))

    def wait_drained(self, *, timeout_s: float) -> float | None:
        """Seconds until no event is pending (None: timed out)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.pending() == 0:
                return time.monotonic() - t0
            time.sleep(0.1)
        return None


class PendingSampler(threading.Thread):
    """Pending events once a second, while a phase runs."""

    def __init__(self, db: Db) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.samples.append((time.time(), self.db.pending()))

    def stop(self) -> None:
        self.stopped.set()
        self.join()


class CpuMeter:
    """CPU seconds used by each group of processes between start() and stop(): the web and
    Celery workers started here, PostgreSQL backends of the benchmark database, the rest of
    PostgreSQL, Redis, this load generator, everything else, and the whole machine (from
    /proc/stat; the groups miss processes that started and ended inside the window)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, procs: Processes, dbname: str) -> None:
        self.procs, self.dbname = procs, dbname

    def _snapshot(self) -> dict[int, tuple[str, float]]:
        web = set(self.procs.pids("gunicorn"))
        celery = set(self.procs.pids("worker"))
        out: dict[int, tuple[str, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / self.TICK
            if pid in web:
                group = "gunicorn workers"
            elif pid in celery:
                group = "celery workers"
            elif pid == os.getpid():
                group = "load generator (this process)"
            elif comm == "postgres" or cmd.startswith("postgres"):
                ours = f" {self.dbname} " in cmd
                group = "postgres, benchmark db" if ours else "postgres, other"
            elif "redis" in comm:
                group = "redis"
            else:
                group = "other processes"
            out[pid] = (group, seconds)
        return out

    @staticmethod
    def _machine() -> tuple[float, float]:
        """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields) - idle) / CpuMeter.TICK, sum(fields) / CpuMeter.TICK

    def start(self) -> None:
        self.before, self.t0 = self._snapshot(), time.monotonic()
        self.machine_before = self._machine()

    def stop(self) -> dict[str, float]:
        """Cores used per group (CPU seconds / wall seconds)."""
        after, wall = self._snapshot(), time.monotonic() - self.t0
        busy, _ = self._machine()
        used: dict[str, float] = {"machine, all processes": busy - self.machine_before[0]}
        for pid, (group, seconds) in after.items():
            used[group] = used.get(group, 0.0) + seconds - self.before.get(pid, (group, 0.0))[1]
        return {g: round(v / wall, 2) for g, v in sorted(used.items(), key=lambda i: -i[1])}


# ---- phases ----------------------------------------------------------------------------------


def _cpu_meter(ctx: dict[str, Any]) -> CpuMeter:
    """A meter of this run's processes and its benchmark database's backends."""
    return CpuMeter(ctx["procs"], os.environ["DATABASE_URL"].rsplit("/", 1)[1])


def settle(db: Db, args: argparse.Namespace, phase: str) -> None:
    """Wait until the previous phase's events are processed, so a phase never measures the
    previous one's backlog; refuse to go on if they never are."""
    waited = db.wait_drained(timeout_s=args.drain_timeout)
    if waited is None:
        raise RuntimeError(
            f"before the {phase} phase: still {db.pending()} pending events after "
            f"{args.drain_timeout:.0f} s"
        )
    log(f"before the {phase} phase: drained in {waited:.1f} s")


def warm_up(ctx: dict[str, Any], args: argparse.Namespace) -> None:
    factory = EventFactory(students=ctx["students"], seed=999)
    load = run_closed_loop(
        host=HOST,
        port=ctx["port"],
        token=ctx["token"],
        path=EVENT_PATH,
        clients=2,
        duration_s=3,
        make_body=lambda no: (envelope_bytes(sensor=APP_IRI, events=factory.events(100)), 100),
    )
    if load.ok == 0:
        raise RuntimeError(
            f"warm-up: no envelope accepted: {dict(load.errors)} {load.first_error_body}"
        )
    drained = ctx["db"].wait_drained(timeout_s=min(120, args.drain_timeout))
    log(f"warm-up: {load.accepted} events accepted, drained in {drained}")


def _window(load: Any) -> tuple[datetime, datetime]:
    return datetime.fromtimestamp(load.started, UTC), datetime.fromtimestamp(load.ended, UTC)


def _processed_in_window(db: Db, load: Any, *, backlog_growth: int) -> int:
    """Events processed while ``load`` ran: those stored in its window, less what the outbox
    backlog grew by."""
    start, end = _window(load)
    stored = db.one(
        "SELECT count(*) FROM caliper_caliperevent WHERE created_at >= %s AND created_at < %s",
        (start, end),
    )
    return int(stored) - backlog_growth


def phase_throughput(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    db: Db = ctx["db"]
    factories = [EventFactory(students=ctx["students"], seed=1000 + i) for i in range(args.clients)]
    sampler = PendingSampler(db)
    sampler.start()
    profilers = start_profilers(ctx, args, args.duration) if args.profile else []
    meter = _cpu_meter(ctx)
    backlog_before = db.pending()
    meter.start()
    load = run_closed_loop(
        host=HOST,
        port=ctx["port"],
        token=ctx["token"],
        path=EVENT_PATH,
        clients=args.clients,
        duration_s=args.duration,
        make_body=lambda no: (
            envelope_bytes(sensor=APP_IRI, events=factories[no].events(args.batch)),
            args.batch,
        ),
    )
    cores = meter.stop()
    backlog = db.pending()
    drain_s = db.wait_drained(timeout_s=args.drain_timeout)
    sampler.stop()
    for p in profilers:
        p.wait()
    if profilers:
        from events_profile import summarise

        for group in ("gunicorn", "worker"):
            files = sorted(LOGS.glob(f"profile-{group}-*.txt"))
            log(f"profile of the {group} processes during the load:\n{summarise(files)}")
    start, end = _window(load)
    in_window = _processed_in_window(db, load, backlog_growth=backlog - backlog_before)
    # A job's processed_at is when its last lane was processed (within a batch's time).
    last_processed = db.one(
        "SELECT max(processed_at) FROM caliper_ingestjob WHERE created_at >= %s", (start,)
    )
    total = db.one("SELECT count(*) FROM caliper_caliperevent WHERE created_at >= %s", (start,))
    per_second = [
        int(n)
        for _, n in db.all(
            "SELECT date_trunc('second', processed_at), sum(event_count) FROM caliper_ingestjob "
            "WHERE processed_at >= %s AND processed_at < %s GROUP BY 1 ORDER BY 1",
            (start + timedelta(seconds=5), end),
        )
    ]
    summary = load.summary()
    overall = total / (last_processed - start).total_seconds() if last_processed and total else 0.0
    result = {
        **summary,
        "clients": args.clients,
        "batch": args.batch,
        "errors": dict(load.errors),
        "first_error": load.first_error_body[:300],
        "stored": total,
        "processed_in_window": in_window,
        "processed_per_s_window": in_window / load.duration_s,
        "processed_per_s_overall": overall,
        "processed_per_s_median_second": statistics.median(per_second) if per_second else 0,
        "cores_used": cores,
        "backlog_at_end": backlog,
        "drain_s": drain_s,
        "pending_samples": [(round(t - load.started, 1), p) for t, p in sampler.samples],
    }
    log(
        f"throughput: accepted {summary['accepted_per_s']:.0f} events/s "
        f"({summary['accepted']} in {summary['duration_s']:.1f} s, "
        f"{summary['requests_per_s']:.1f} envelopes/s, p50 {summary['p50_ms']:.0f} ms, "
        f"p99 {summary['p99_ms']:.0f} ms, errors {dict(load.errors)}); processed "
        f"{result['processed_per_s_window']:.0f}/s during the load, "
        f"{overall:.0f}/s start to drained; backlog at end {backlog} events, "
        f"drained in {drain_s if drain_s is None else round(drain_s, 1)} s"
    )
    log(f"CPU during the load, in cores: {cores}")
    return result


def phase_sustained(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Envelopes of ``--batch`` events paced at ``--sustained-rate`` events/s (open loop) for
    ``--sustained-duration`` seconds: does the pipeline keep up with ingest at that rate?
    Accepted events/s, processed events/s during the window (stored − outbox growth), and the
    outbox backlog sampled each second (bounded if the workers keep up)."""
    db: Db = ctx["db"]
    local = threading.local()

    def make_body(k: int) -> tuple[bytes, int, object]:
        if not hasattr(local, "factory"):
            local.factory = EventFactory(students=ctx["students"], seed=next(_SEEDS))
        return (
            envelope_bytes(sensor=APP_IRI, events=local.factory.events(args.batch)),
            args.batch,
            None,
        )

    sampler = PendingSampler(db)
    meter = _cpu_meter(ctx)
    backlog_before = db.pending()
    sampler.start()
    meter.start()
    load = run_paced(
        host=HOST,
        port=ctx["port"],
        token=ctx["token"],
        path=EVENT_PATH,
        rate_per_s=args.sustained_rate / args.batch,
        duration_s=args.sustained_duration,
        make_body=make_body,
        senders=16,
    )
    cores = meter.stop()
    backlog = db.pending()
    sampler.stop()
    processed = _processed_in_window(db, load, backlog_growth=backlog - backlog_before)
    drain_s = db.wait_drained(timeout_s=args.drain_timeout)
    summary = load.summary()
    # The first seconds fill the pipeline; the backlog of the rest shows whether it keeps up.
    steady = [p for t, p in sampler.samples if t - load.started >= 5]
    late = sorted(s.late_s * 1000 for s in load.samples)
    result = {
        **summary,
        "rate_target": args.sustained_rate,
        "batch": args.batch,
        "errors": dict(load.errors),
        "first_error": load.first_error_body[:300],
        "processed_in_window": processed,
        "processed_per_s_window": processed / load.duration_s,
        "backlog_at_end": backlog,
        "backlog_max": max(steady, default=0),
        "backlog_median": statistics.median(steady) if steady else 0,
        "drain_s": drain_s,
        "cores_used": cores,
        "sent_late_p99_ms": percentile(late, 99),
        "pending_samples": [(round(t - load.started, 1), p) for t, p in sampler.samples],
    }
    log(
        f"sustained at {args.sustained_rate:.0f} events/s offered: accepted "
        f"{summary['accepted_per_s']:.0f} events/s ({summary['requests_per_s']:.1f} envelopes/s, "
        f"p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, errors "
        f"{dict(load.errors)}); processed {result['processed_per_s_window']:.0f} events/s; "
        f"backlog median {result['backlog_median']:.0f}, max {result['backlog_max']}, at end "
        f"{backlog} (drained in {drain_s if drain_s is None else round(drain_s, 1)} s); sender "
        f"lateness p99 {result['sent_late_p99_ms']:.1f} ms"
    )
    log(f"CPU during the sustained load, in cores: {cores}")
    return result


def _event_columns(db: Db) -> tuple[list[str], set[str]]:
    rows = db.all(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'caliper_caliperevent' AND column_name <> 'id' "
        "ORDER BY ordinal_position"
    )
    return [r[0] for r in rows], {r[0] for r in rows if r[1] in ("json", "jsonb")}


def phase_baselines(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """COPY the stored event rows into twins of the event table; then one commit per row."""
    db: Db = ctx["db"]
    cols, json_cols = _event_columns(db)
    col_list = ", ".join(f'"{c}"' for c in cols)
    n = min(args.copy_rows, int(db.one("SELECT count(*) FROM caliper_caliperevent")))
    buf = io.BytesIO()
    with (
        db.conn.cursor() as cur,
        cur.copy(
            f"COPY (SELECT {col_list} FROM caliper_caliperevent ORDER BY id LIMIT {n}) TO STDOUT"
        ) as cp,
    ):
        for chunk in cp:
            buf.write(chunk)
    data = buf.getvalue()
    avg_row = len(data) / max(n, 1)
    result: dict[str, Any] = {"copy_rows": n, "copy_avg_row_bytes": avg_row}
    runs = [("logged", False), ("unlogged", True)] * args.baseline_repeats
    for kind, unlogged in runs:
        table = f"bench_event_copy_{kind}"
        db.conn.execute(f"DROP TABLE IF EXISTS {table}")
        db.conn.execute(
            f"CREATE {'UNLOGGED ' if unlogged else ''}TABLE {table} "
            "(LIKE caliper_caliperevent INCLUDING ALL)"
        )
        db.conn.execute("CHECKPOINT")
        t0 = time.perf_counter()
        with (
            db.conn.transaction(),
            db.conn.cursor() as cur,
            cur.copy(f"COPY {table} ({col_list}) FROM STDIN") as cp,
        ):
            for i in range(0, len(data), 1 << 20):
                cp.write(data[i : i + (1 << 20)])
        elapsed = time.perf_counter() - t0
        # The best of the repeats: the floor is what the database can do when undisturbed.
        result[f"copy_{kind}_rows_per_s"] = max(
            result.get(f"copy_{kind}_rows_per_s", 0), n / elapsed
        )
        log(
            f"baseline: COPY {n} rows ({avg_row:.0f} B) into a {kind} twin: "
            f"{elapsed:.2f} s = {n / elapsed:.0f} rows/s"
        )
    # One INSERT and one commit per event, as a naive per-event handler would do.
    table = "bench_event_insert"
    db.conn.execute(f"DROP TABLE IF EXISTS {table}")
    db.conn.execute(f"CREATE TABLE {table} (LIKE caliper_caliperevent INCLUDING ALL)")
    select = ", ".join(f'"{c}"::text' if c in json_cols else f'"{c}"' for c in cols)
    rows = db.all(
        f"SELECT {select} FROM caliper_caliperevent ORDER BY id LIMIT %s", (args.insert_rows,)
    )
    marks = ", ".join("%s::jsonb" if c in json_cols else "%s" for c in cols)
    sql = f"INSERT INTO {table} ({col_list}) VALUES ({marks})"
    t0 = time.perf_counter()
    with db.conn.cursor() as cur:
        for row in rows:
            cur.execute(sql, row)  # autocommit: one transaction, one WAL flush, per row
    elapsed = time.perf_counter() - t0
    result["insert_commit_rows_per_s"] = len(rows) / elapsed
    log(f"baseline: {len(rows)} INSERTs, one commit each: {len(rows) / elapsed:.0f} rows/s")
    for t in ("bench_event_copy_logged", "bench_event_copy_unlogged", table):
        db.conn.execute(f"DROP TABLE {t}")
    return result


def phase_freshness(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Paced envelopes at ``--freshness-rate`` events/s, each with one probe activity."""
    db: Db = ctx["db"]
    client_pk = ctx["client"].api_client.pk
    per_envelope = args.batch
    envelopes_per_s = args.freshness_rate / per_envelope
    local = threading.local()
    probes: list[Student] = ctx["probes"]
    n_envelopes = int(envelopes_per_s * args.freshness_duration)
    # (student pk, day) -> envelope number; every envelope carries one probe.
    keys = {
        k: (probes[k % len(probes)], PROBE_FIRST_DAY + timedelta(days=k))
        for k in range(n_envelopes)
    }

    def make_body(k: int) -> tuple[bytes, int, object]:
        if not hasattr(local, "factory"):
            local.factory = EventFactory(students=ctx["students"], seed=next(_SEEDS))
        student, day = keys[k]
        events = local.factory.events(per_envelope - 2)
        events.extend(local.factory.activity(student=student, day=day))
        return envelope_bytes(sensor=APP_IRI, events=events), per_envelope, k

    seen_student: dict[int, tuple[float, datetime]] = {}
    seen_app: dict[int, tuple[float, datetime]] = {}
    stop = threading.Event()
    last_day = PROBE_FIRST_DAY + timedelta(days=n_envelopes)
    by_key = {(s.pk, d): k for k, (s, d) in keys.items()}
    by_day = {d: k for k, (_, d) in keys.items()}

    def poll() -> None:
        # A rollup counts as fresh once it shows the probe's completion and its time.
        while not stop.is_set():
            now = time.time()
            for student_id, day, updated in db.all(
                "SELECT student_id, day, updated_at FROM mastery_studentdailyrollup "
                "WHERE day < %s AND activities_completed > 0 AND active_seconds > 0",
                (last_day,),
            ):
                k = by_key.get((student_id, day))
                if k is not None and k not in seen_student:
                    seen_student[k] = (now, updated)
            for day, updated in db.all(
                "SELECT day, updated_at FROM mastery_appdailyrollup WHERE api_client_id = %s "
                "AND day < %s AND activities_completed > 0 AND active_seconds > 0",
                (client_pk, last_day),
            ):
                k = by_day.get(day)
                if k is not None and k not in seen_app:
                    seen_app[k] = (now, updated)
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    sampler = PendingSampler(db)
    sampler.start()
    load = run_paced(
        host=HOST,
        port=ctx["port"],
        token=ctx["token"],
        path=EVENT_PATH,
        rate_per_s=envelopes_per_s,
        duration_s=args.freshness_duration,
        make_body=make_body,
        senders=4,
    )
    acked = {s.tag: s.acked for s in load.samples if s.status == 200}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        len(seen_student) < len(acked) or len(seen_app) < len(acked)
    ):
        time.sleep(0.1)
    stop.set()
    poller.join()
    sampler.stop()

    def delays(seen: dict[int, tuple[float, datetime]]) -> dict[str, Any]:
        by_updated = sorted(
            max(0.0, upd.timestamp() - acked[k]) * 1000
            for k, (_, upd) in seen.items()
            if k in acked
        )
        by_seen = sorted((t - acked[k]) * 1000 for k, (t, _) in seen.items() if k in acked)
        return {
            "n": len(by_updated),
            "missing": len(acked) - len(by_updated),
            "p50_ms": percentile(by_updated, 50),
            "p95_ms": percentile(by_updated, 95),
            "max_ms": by_updated[-1] if by_updated else float("nan"),
            "seen_p50_ms": percentile(by_seen, 50),
            "seen_p95_ms": percentile(by_seen, 95),
        }

    summary = load.summary()
    result = {
        "rate_target": args.freshness_rate,
        "accepted_per_s": summary["accepted_per_s"],
        "post_p50_ms": summary["p50_ms"],
        "post_p99_ms": summary["p99_ms"],
        "errors": dict(load.errors),
        "student": delays(seen_student),
        "app": delays(seen_app),
        "max_pending": max((p for _, p in sampler.samples), default=0),
    }
    s, a = result["student"], result["app"]
    log(
        f"freshness at {summary['accepted_per_s']:.0f} events/s: student rollup p50 "
        f"{s['p50_ms']:.0f} ms p95 {s['p95_ms']:.0f} ms (n={s['n']}, missing {s['missing']}); "
        f"app rollup p50 {a['p50_ms']:.0f} ms p95 {a['p95_ms']:.0f} ms; max pending "
        f"{result['max_pending']}"
    )
    return result


def phase_latency(ctx: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    local = threading.local()

    def make_body(k: int) -> tuple[bytes, int, object]:
        if not hasattr(local, "factory"):
            local.factory = EventFactory(students=ctx["students"], seed=next(_SEEDS))
        if not getattr(local, "queue", None):
            local.queue = list(local.factory.activity())
        return envelope_bytes(sensor=APP_IRI, events=[local.queue.pop()]), 1, None

    meter = _cpu_meter(ctx)
    meter.start()
    load = run_paced(
        host=HOST,
        port=ctx["port"],
        token=ctx["token"],
        path=EVENT_PATH,
        rate_per_s=args.latency_rate,
        duration_s=args.latency_duration,
        make_body=make_body,
        # Enough connections that a slow answer never holds back the schedule (open loop).
        senders=32,
    )
    cores = meter.stop()
    log(f"CPU during the single-event POSTs, in cores: {cores}")
    summary = load.summary()
    late = sorted(s.late_s * 1000 for s in load.samples)
    # Where the slow answers fall: per second of the run, how many took over 25 ms.
    slow: dict[int, int] = {}
    for sample in load.samples:
        if sample.latency_s > 0.025:
            second = int(sample.sent - load.started)
            slow[second] = slow.get(second, 0) + 1
    log(f"answers over 25 ms per second of the run: {dict(sorted(slow.items()))}")
    result = {
        **summary,
        "rate_target": args.latency_rate,
        "cores_used": cores,
        "errors": dict(load.errors),
        "sent_late_p99_ms": percentile(late, 99),
    }
    log(
        f"single-event POST at {summary['requests_per_s']:.0f} req/s: p50 "
        f"{summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, max "
        f"{summary['max_ms']:.1f} ms (n={summary['ok']}, errors {dict(load.errors)}, "
        f"sender lateness p99 {result['sent_late_p99_ms']:.1f} ms)"
    )
    return result


# ---- profiling -------------------------------------------------------------------------------


def start_profilers(
    ctx: dict[str, Any], args: argparse.Namespace, duration: float
) -> list[subprocess.Popen[bytes]]:
    """py-spy on every gunicorn and Celery process for the throughput phase (collapsed stacks
    under bench-data/events/, one file per process)."""
    for old in LOGS.glob("profile-*.txt"):
        old.unlink()
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if not spy:
        log("--profile: py-spy is not installed (pip install py-spy); skipping")
        return []
    procs: Processes = ctx["procs"]
    out = []
    for name in ("gunicorn", "worker"):
        for pid in procs.pids(name):
            target = LOGS / f"profile-{name}-{pid}.txt"
            out.append(
                subprocess.Popen(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(pid),
                        "--duration",
                        str(int(duration)),
                        "--rate",
                        "200",
                        "--format",
                        "raw",
                        "--output",
                        str(target),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
    return out


# ---- report ----------------------------------------------------------------------------------


def machine(db: Db) -> dict[str, str]:
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
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": str(db.one("SHOW server_version")),
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    m, t, b = results["machine"], results["throughput"], results["baselines"]
    f, lat, s = results["freshness"], results["latency"], results["sustained"]
    processed = min(t["processed_per_s_window"], t["processed_per_s_overall"])
    # Keeping up: the backlog never exceeds a few seconds of the offered load.
    keeps_up = s["backlog_max"] <= 3 * s["rate_target"] and s["drain_s"] is not None
    drain = "not drained" if t["drain_s"] is None else f"{t['drain_s']:.1f} s"
    lines = [
        f"Run of {m['date']}: {m['cpu']}, {m['nproc']} cores, {m['ram']} RAM, PostgreSQL "
        f"{m['postgresql']}, Python {m['python']}; server, workers, PostgreSQL, Redis and the "
        f"load generator on the same machine. `make bench-events` (`--duration "
        f"{args.duration} --clients {args.clients}`), gunicorn {args.web_workers} "
        f"{args.web_worker_class} workers"
        + (f" × {args.web_threads} threads" if args.web_worker_class == "gthread" else "")
        + f", Celery worker -Q ingest,default --concurrency {args.worker_concurrency}.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| accepted, envelopes of {t['batch']} events, {t['clients']} connections, "
        f"{t['duration_s']:.0f} s | **{t['accepted_per_s']:,.0f} events/s** "
        f"({t['requests_per_s']:.1f} envelopes/s, p50 {t['p50_ms']:.0f} ms, p99 "
        f"{t['p99_ms']:.0f} ms per envelope) | ≥ 5,000 {_mark(t['accepted_per_s'] >= 5000)} |",
        f"| processed (stored − outbox growth) while that load saturates the machine, during "
        f"the load / start to drained | **{t['processed_per_s_window']:,.0f} / "
        f"{t['processed_per_s_overall']:,.0f} events/s** | ≥ 5,000 {_mark(processed >= 5000)} |",
        f"| backlog when the load stopped; time to drain it | {t['backlog_at_end']:,} events; "
        f"{drain} | drains |",
        f"| sustained: envelopes of {s['batch']} paced at {s['rate_target']:,.0f} events/s for "
        f"{s['duration_s']:.0f} s, accepted / processed (stored − outbox growth) | "
        f"**{s['accepted_per_s']:,.0f} / {s['processed_per_s_window']:,.0f} events/s** "
        f"(p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms per envelope) | ≥ 5,000 both "
        f"{_mark(min(s['accepted_per_s'], s['processed_per_s_window']) >= 5000)} |",
        f"| outbox backlog during the sustained load (after its first 5 s): median / max / at "
        f"the end | {s['backlog_median']:,.0f} / {s['backlog_max']:,} / "
        f"{s['backlog_at_end']:,} events | {_mark(keeps_up)} bounded |",
        f"| event-to-rollup delay at {f['accepted_per_s']:,.0f} events/s, StudentDailyRollup "
        f"(n={f['student']['n']}) | p50 {f['student']['p50_ms']:,.0f} ms, **p95 "
        f"{f['student']['p95_ms']:,.0f} ms** | p95 < 2 s "
        f"{_mark(f['student']['p95_ms'] < 2000 and not f['student']['missing'])} |",
        f"| event-to-rollup delay, AppDailyRollup (n={f['app']['n']}) | p50 "
        f"{f['app']['p50_ms']:,.0f} ms, **p95 {f['app']['p95_ms']:,.0f} ms** | p95 < 2 s "
        f"{_mark(f['app']['p95_ms'] < 2000 and not f['app']['missing'])} |",
        f"| single-event POST, {lat['rate_target']:.0f} requests/s offered, "
        f"{lat['requests_per_s']:.0f}/s answered (n={lat['ok']}) | p50 "
        f"{lat['p50_ms']:.1f} ms, **p99 {lat['p99_ms']:.1f} ms** | p99 < 25 ms "
        f"{_mark(lat['p99_ms'] < 25)} |",
        f"| raw `COPY` of the same rows ({b['copy_rows']:,} × {b['copy_avg_row_bytes']:.0f} B) "
        f"into a twin of the event table, logged / UNLOGGED | {b['copy_logged_rows_per_s']:,.0f}"
        f" / {b['copy_unlogged_rows_per_s']:,.0f} rows/s | floor |",
        f"| one INSERT + commit per event | {b['insert_commit_rows_per_s']:,.0f} rows/s | "
        "reference |",
        f"| our ingest ÷ logged `COPY` | **{t['accepted_per_s'] / b['copy_logged_rows_per_s']:.2f}"
        f"** ({t['accepted_per_s'] / b['copy_unlogged_rows_per_s']:.2f} of UNLOGGED) | |",
        "",
        "CPU in cores (of "
        + m["nproc"]
        + "), saturating load: "
        + ", ".join(f"{k} {v}" for k, v in t.get("cores_used", {}).items())
        + "; sustained load: "
        + ", ".join(f"{k} {v}" for k, v in s.get("cores_used", {}).items())
        + ".",
    ]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    text = DOCS.read_text()
    if DOCS_BEGIN in text and DOCS_END in text:
        head, rest = text.split(DOCS_BEGIN, 1)
        _, tail = rest.split(DOCS_END, 1)
        DOCS.write_text(f"{head}{DOCS_BEGIN}\n{block}\n{DOCS_END}{tail}")
    else:
        DOCS.write_text(f"{text.rstrip()}\n\n## Events\n\n{DOCS_BEGIN}\n{block}\n{DOCS_END}\n")


# ---- main ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--duration", type=float, default=60, help="throughput phase, seconds")
    p.add_argument("--clients", type=int, default=8, help="connections in the throughput phase")
    p.add_argument("--batch", type=int, default=100, help="events per envelope")
    p.add_argument("--students", type=int, default=1000)
    p.add_argument("--web-workers", type=int, default=2)
    # gunicorn's default worker class, as in the README's production command: one request at
    # a time per process, no GIL hand-offs between request threads.
    p.add_argument("--web-worker-class", default="sync", choices=["sync", "gthread"])
    p.add_argument("--web-threads", type=int, default=4, help="gthread only")
    p.add_argument("--worker-concurrency", type=int, default=2, help="ingest queue (one per lane)")
    p.add_argument("--drain-timeout", type=float, default=600)
    p.add_argument("--sustained-rate", type=float, default=5500, help="events/s, paced (keeps up?)")
    p.add_argument("--sustained-duration", type=float, default=60)
    p.add_argument("--freshness-rate", type=float, default=1000, help="events/s")
    p.add_argument("--freshness-duration", type=float, default=30)
    p.add_argument("--latency-rate", type=float, default=200, help="requests/s")
    p.add_argument("--latency-duration", type=float, default=20)
    p.add_argument("--copy-rows", type=int, default=100_000)
    p.add_argument("--insert-rows", type=int, default=3000)
    p.add_argument("--baseline-repeats", type=int, default=3)
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["throughput", "sustained", "freshness", "latency"],
    )
    p.add_argument("--profile", action="store_true", help="py-spy the throughput phase")
    p.add_argument(
        "--write-docs", action="store_true", help="replace the figures block of docs/benchmarks.md"
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    env = configure_environment(args)
    recreate_database(os.environ["DATABASE_URL"])
    flush_broker(os.environ["REDIS_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    client, students, probes = seed(n_students=args.students)
    from django.db import connection

    connection.close()  # the seed is committed; measurements use their own connection
    log(
        f"seeded {len(students)} students + {len(probes)} probe students, client {client.client_id}"
    )
    db = Db(os.environ["DATABASE_URL"])
    port = free_port()
    procs = Processes(env=env, args=args, port=port)
    results: dict[str, Any] = {"machine": machine(db)}
    try:
        procs.start()
        token = obtain_token(
            port=port, client_id=client.client_id, client_secret=client.client_secret
        )
        ctx = {
            "db": db,
            "port": port,
            "token": token,
            "students": students,
            "probes": probes,
            "client": client,
            "procs": procs,
        }
        warm_up(ctx, args)
        if "throughput" not in args.skip:
            results["throughput"] = phase_throughput(ctx, args)
            results["baselines"] = phase_baselines(ctx, args)
        if "sustained" not in args.skip:
            settle(db, args, "sustained")
            results["sustained"] = phase_sustained(ctx, args)
        if "freshness" not in args.skip:
            settle(db, args, "freshness")
            results["freshness"] = phase_freshness(ctx, args)
        if "latency" not in args.skip:
            settle(db, args, "latency")
            results["latency"] = phase_latency(ctx, args)
    finally:
        procs.stop()
    (LOGS / "results.json").write_text(json.dumps(results, indent=2, default=str))
    if not args.skip:
        block = markdown(results, args)
        print("\n" + block)
        if args.write_docs:
            write_docs(block)
            log(f"figures written to {DOCS.relative_to(ROOT)}")
    log(f"results: {(LOGS / 'results.json').relative_to(ROOT)}; logs in {LOGS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
