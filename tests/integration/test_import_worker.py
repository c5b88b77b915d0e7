"""OneRoster imports through a real Celery worker on Redis: they run, and an accepted upload
is never lost when the broker loses its message or the worker dies mid-import."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile

from roster.models import ImportJob, ImportJobStatus, Org, User
from roster.services.import_jobs import import_job_create, import_job_requeue_stale
from tests.integration.conftest import Worker
from tests.roster.csvpkg import make_package
from tests.roster.test_csv_import import district_files

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _upload(n_students: int = 3) -> SimpleUploadedFile:
    data = make_package(district_files("it", n_students=n_students)).getvalue()
    return SimpleUploadedFile("district.zip", data, content_type="application/zip")


def _wait_for(job_pk: int, statuses: set[str], timeout: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_pk)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_pk} still {job.status} after {timeout}s")


def test_upload_is_imported_by_a_real_worker(worker_factory: Callable[[], Worker]) -> None:
    worker_factory().start()
    job = import_job_create(package=_upload(), dry_run=False, created_by=None)
    job = _wait_for(job.pk, {ImportJobStatus.DONE, ImportJobStatus.FAILED})
    assert job.status == ImportJobStatus.DONE, job.error
    assert job.report["ok"] is True
    assert Org.objects.filter(sourced_id__startswith="it-").exists()
    assert User.objects.filter(sourced_id__startswith="it-").count() >= 3


def test_upload_survives_the_broker_losing_its_message(
    real_broker: str, worker_factory: Callable[[], Worker]
) -> None:
    job = import_job_create(package=_upload(), dry_run=False, created_by=None)
    broker = redis.Redis.from_url(real_broker)
    assert broker.dbsize() > 0  # the message is on the queue ...
    broker.flushdb()  # ... and the broker loses it (Redis here keeps nothing on disk)

    worker_factory().start()
    time.sleep(1)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.QUEUED

    assert import_job_requeue_stale(queued_for=timedelta(0)) == [job.pk]
    job = _wait_for(job.pk, {ImportJobStatus.DONE, ImportJobStatus.FAILED})
    assert job.status == ImportJobStatus.DONE, job.error
    assert User.objects.filter(sourced_id__startswith="it-").count() >= 3


def test_upload_survives_its_worker_dying_mid_import(
    worker_factory: Callable[[], Worker],
) -> None:
    n_students = 30_000
    first = worker_factory()
    first.start()
    job = import_job_create(package=_upload(n_students), dry_run=False, created_by=None)
    _wait_for(job.pk, {ImportJobStatus.RUNNING})
    time.sleep(0.5)  # well inside the import
    first.kill()  # SIGKILL: no cleanup, no ack
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.RUNNING
    # The dead worker's transaction was rolled back: nothing half-imported is visible.
    assert User.objects.filter(sourced_id__startswith="it-").count() == 0

    time.sleep(0.5)  # PostgreSQL notices the closed connection and frees its lock
    assert import_job_requeue_stale() == [job.pk]
    worker_factory().start()
    job = _wait_for(job.pk, {ImportJobStatus.DONE, ImportJobStatus.FAILED}, timeout=300)
    assert job.status == ImportJobStatus.DONE, job.error
    students = User.objects.filter(sourced_id__startswith="it-", primary_role="student")
    assert students.count() == n_students
