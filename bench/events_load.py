"""HTTP load for the events benchmark: keep-alive connections on loopback, one per sending
thread, either closed-loop (as fast as the server answers) or paced (open loop, requests
scheduled at a fixed rate whatever the previous ones took).

Standard library only, so the load generator adds no dependency and its cost is easy to see.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Load", "Sample", "percentile", "run_closed_loop", "run_paced"]


@dataclass
class Sample:
    """One POST: when it was sent and answered (wall clock), its latency and outcome."""

    sent: float
    acked: float
    latency_s: float
    status: int
    accepted: int
    late_s: float = 0.0
    tag: object = None


@dataclass
class Load:
    """Everything a phase sent, with the per-request samples."""

    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    first_error_body: str = ""

    @property
    def duration_s(self) -> float:
        return max(self.ended - self.started, 1e-9)

    @property
    def accepted(self) -> int:
        return sum(s.accepted for s in self.samples if s.status == 200)

    @property
    def ok(self) -> int:
        return sum(1 for s in self.samples if s.status == 200)

    def latencies_ms(self) -> list[float]:
        return sorted(s.latency_s * 1000 for s in self.samples if s.status == 200)

    def summary(self) -> dict[str, float]:
        lat = self.latencies_ms()
        return {
            "requests": len(self.samples),
            "ok": self.ok,
            "accepted": self.accepted,
            "duration_s": self.duration_s,
            "accepted_per_s": self.accepted / self.duration_s,
            "requests_per_s": len(self.samples) / self.duration_s,
            "p50_ms": percentile(lat, 50),
            "p95_ms": percentile(lat, 95),
            "p99_ms": percentile(lat, 99),
            "max_ms": lat[-1] if lat else float("nan"),
            "mean_ms": statistics.fmean(lat) if lat else float("nan"),
        }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (NaN when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


class _Conn:
    """A keep-alive HTTP/1.1 connection that reconnects when the server closed it."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }
        self.conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            conn = self.conn
            try:
                conn.request("POST", path, body, self.headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.conn = None
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _accepted(status: int, data: bytes, n_events: int) -> int:
    if status != 200:
        return 0
    try:
        return int(json.loads(data).get("accepted", n_events))
    except (ValueError, AttributeError):
        return n_events


def _record(load: Load, lock: threading.Lock, sample: Sample, data: bytes) -> None:
    with lock:
        load.samples.append(sample)
        if sample.status != 200:
            load.errors[str(sample.status)] += 1
            if not load.first_error_body:
                load.first_error_body = data[:2000].decode(errors="replace")


def run_closed_loop(
    *,
    host: str,
    port: int,
    token: str,
    path: str,
    clients: int,
    duration_s: float,
    make_body: Callable[[int], tuple[bytes, int]],
) -> Load:
    """``clients`` threads each POST ``make_body(thread_no)`` back to back for ``duration_s``.
    ``make_body`` returns (body, number of events in it)."""
    load, lock = Load(), threading.Lock()
    deadline = time.monotonic() + duration_s

    def client(no: int) -> None:
        conn = _Conn(host, port, token)
        try:
            while time.monotonic() < deadline:
                body, n = make_body(no)
                sent, t0 = time.time(), time.perf_counter()
                try:
                    status, data = conn.post(path, body)
                except OSError as exc:
                    status, data = 599, repr(exc).encode()
                latency = time.perf_counter() - t0
                sample = Sample(sent, time.time(), latency, status, _accepted(status, data, n))
                _record(load, lock, sample, data)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    load.started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.ended = time.time()
    return load


def run_paced(
    *,
    host: str,
    port: int,
    token: str,
    path: str,
    rate_per_s: float,
    duration_s: float,
    make_body: Callable[[int], tuple[bytes, int, object]],
    senders: int = 8,
) -> Load:
    """Open loop: request k is due at start + k / rate, sent by whichever of ``senders``
    threads is free (a slow answer does not delay the schedule). ``make_body(k)`` returns
    (body, number of events, tag); the tag is kept on the sample (freshness probes)."""
    load, lock = Load(), threading.Lock()
    total = int(rate_per_s * duration_s)
    interval = 1.0 / rate_per_s
    next_k = iter(range(total))
    start = time.monotonic() + 0.2

    def sender() -> None:
        conn = _Conn(host, port, token)
        try:
            while True:
                with lock:
                    k = next(next_k, None)
                if k is None:
                    return
                body, n, tag = make_body(k)
                due = start + k * interval
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                late = max(0.0, time.monotonic() - due)
                sent, t0 = time.time(), time.perf_counter()
                try:
                    status, data = conn.post(path, body)
                except OSError as exc:
                    status, data = 599, repr(exc).encode()
                latency = time.perf_counter() - t0
                acked = time.time()
                sample = Sample(sent, acked, latency, status, _accepted(status, data, n), late, tag)
                _record(load, lock, sample, data)
        finally:
            conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    load.started = time.time() + max(0.0, start - time.monotonic())
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.ended = time.time()
    return load
