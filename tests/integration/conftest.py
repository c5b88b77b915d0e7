"""A real Celery worker on the real Redis broker, against the test database.

These tests run where PostgreSQL and Redis are configured (DATABASE_URL is PostgreSQL and
REDIS_URL is set, as in CI); elsewhere they skip with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from timeback.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _require_services() -> str:
    # Locally these tests skip without the services; on CI a skip would hide a broken setup.
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing("REDIS_URL is not set: no broker for a real worker")
    if connection.vendor != "postgresql":
        missing("a worker process needs a shared database: set DATABASE_URL to PostgreSQL")
    return redis_url


class Worker:
    """One `celery worker` process; start(), kill() (SIGKILL, as a crash), stop()."""

    def __init__(self, *, redis_url: str, name: str) -> None:
        db = settings.DATABASES["default"]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "timeback.settings.local",
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                f"{db['NAME']}"
            ),
            "REDIS_URL": redis_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            # Small batches: a crash test's backlog then spans several, and the worker can
            # be killed inside one after another has committed.
            "CALIPER_PROCESSING_BATCH_SIZE": "300",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = ROOT / f".pytest_cache/worker-{name}.log"
        self.log.unlink(missing_ok=True)

    def start(self) -> None:
        self.log.parent.mkdir(exist_ok=True)
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "timeback",
                "worker",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                "ingest,default",
                "--loglevel",
                "INFO",
                "-n",
                f"itest-{self.log.stem}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("celery worker did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _reset_producer_pool() -> None:
    """Drop pooled broker connections so the next send uses the current broker_url."""
    # This is what Celery itself does after a fork: forget the pools; they are rebuilt on
    # next use. (Closing them is not possible: kombu keeps producer pools in a global
    # registry and would hand the closed one back.)
    celery_app._after_fork()


@pytest.fixture
def real_broker(transactional_db: None) -> Iterator[str]:
    """Send tasks to Redis instead of running them in-process, for the test's duration."""
    # A Redis database of its own, emptied first, so no leftover message of another run
    # is consumed and none of ours is left behind.
    redis_url = _require_services().rsplit("/", 1)[0] + "/15"
    redis.Redis.from_url(redis_url).flushdb()
    old = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
    }
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    _reset_producer_pool()
    yield redis_url
    celery_app.conf.update(**old)
    _reset_producer_pool()
    redis.Redis.from_url(redis_url).flushdb()


@pytest.fixture
def worker_factory(real_broker: str) -> Iterator[Callable[[], Worker]]:
    workers: list[Worker] = []

    def make() -> Worker:
        worker = Worker(redis_url=real_broker, name=f"w{len(workers)}-{uuid.uuid4().hex[:6]}")
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()
