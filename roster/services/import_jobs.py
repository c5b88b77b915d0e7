"""Import jobs: queue an uploaded OneRoster CSV package and run its import in a worker."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, BinaryIO, cast

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from roster.models import ImportJob, ImportJobStatus

__all__ = [
    "import_job_create",
    "import_job_progress",
    "import_job_requeue_stale",
    "import_job_run",
]

logger = logging.getLogger(__name__)

NOT_A_ZIP = "Upload a .zip OneRoster CSV package"
PROGRESS_TTL = 60 * 60 * 6


def _progress_key(job_pk: int) -> str:
    return f"roster:import-job:{job_pk}:progress"


def import_job_progress(*, job: ImportJob) -> dict[str, Any]:
    """The latest progress snapshot: the cache while the worker runs (the import's own
    transaction hides database writes until it commits), else what was stored on the row."""
    live = cache.get(_progress_key(job.pk))
    if isinstance(live, dict) and not job.is_finished:
        return live
    return job.progress or {}


@transaction.atomic
def import_job_create(
    *, package: UploadedFile, dry_run: bool, created_by: User | AnonymousUser | None
) -> ImportJob:
    """Store the uploaded package and queue its import once this transaction commits."""
    from common.exceptions import InvalidData

    name = package.name or "package.zip"
    if not name.lower().endswith(".zip"):
        raise InvalidData(NOT_A_ZIP, field="package")
    job = ImportJob(
        original_name=name[:255],
        dry_run=dry_run,
        created_by=created_by if created_by and created_by.is_authenticated else None,
    )
    job.package.save(name, package, save=False)
    job.full_clean()
    job.save()

    from roster.tasks import oneroster_import_task

    job_pk = job.pk
    transaction.on_commit(lambda: oneroster_import_task.delay(job_pk))
    return job


def _claim(job_pk: int) -> ImportJob | None:
    """Mark a queued job running; None if it is gone or another worker already took it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_pk).first()
        if job is None or job.status != ImportJobStatus.QUEUED:
            return None
        job.status = ImportJobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
        return job


def _snapshot(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Turn whatever the import reports as progress into a JSON-safe dict."""
    if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
        data: dict[str, Any] = dict(args[0])
    elif len(args) == 3 and isinstance(args[0], str) and not kwargs:
        # The CSV importer reports (file, rows done, rows in file or None while counting).
        data = {"file": args[0], "rows": args[1], "total": args[2]}
    else:
        data = dict(kwargs)
        if args:
            data["args"] = [a if isinstance(a, int | float | str) else str(a) for a in args]
    return {
        k: (v if isinstance(v, int | float | str | bool | None | list | dict) else str(v))
        for k, v in data.items()
    }


# ---------------------------------------------------------------------------------------
# Liveness. A running import holds a PostgreSQL session-level advisory lock on its job for
# as long as its worker lives: if the worker dies (SIGKILL, OOM, lost machine) PostgreSQL
# rolls the import's transaction back and releases the lock with the connection, so
# import_job_requeue_stale can tell a dead job from a slow one without guessing at timeouts.
# SQLite has no such locks, but it also has no separate worker processes (tasks run
# in-process there), so a RUNNING job there is always alive.
# ---------------------------------------------------------------------------------------
_LOCK_CLASS = 7301  # advisory-lock namespace of import jobs


def _lock(job_pk: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_CLASS, job_pk])


def _unlock(job_pk: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_pk])


def _owner_is_dead(job_pk: int) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, job_pk])
        acquired = bool(cursor.fetchone()[0])
        if acquired:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_pk])
    return acquired


def import_job_requeue_stale(*, queued_for: timedelta = timedelta(minutes=5)) -> list[int]:
    """Send again every job whose message may have been lost, so no accepted upload is lost.

    - QUEUED longer than ``queued_for``: the broker may have lost the message (Redis keeps
      nothing on disk here); sending it again is harmless because claiming is idempotent.
    - RUNNING without a live worker (its advisory lock is free): the worker died and its
      transaction was rolled back; the job goes back to QUEUED and is sent again.
    Returns the pks sent again.
    """
    from roster.tasks import oneroster_import_task

    cutoff = timezone.now() - queued_for
    again = list(
        ImportJob.objects.filter(status=ImportJobStatus.QUEUED, updated_at__lte=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in ImportJob.objects.filter(status=ImportJobStatus.RUNNING).values_list("pk", flat=True):
        if not _owner_is_dead(pk):
            continue
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=pk).first()
            if job is None or job.status != ImportJobStatus.RUNNING:
                continue
            job.status = ImportJobStatus.QUEUED
            job.started_at = None
            job.save(update_fields=["status", "started_at", "updated_at"])
            logger.warning("OneRoster import job %s lost its worker; queued again", pk)
        again.append(pk)
    for pk in again:
        oneroster_import_task.delay(pk)
    return again


def import_job_run(*, job_pk: int) -> ImportJob | None:
    """Run the import of a queued job; safe to call twice (a finished or running job is
    left alone). Returns the job, or None when there was nothing to do."""
    job = _claim(job_pk)
    if job is None:
        return None
    _lock(job.pk)
    try:
        return _run_claimed(job)
    finally:
        _unlock(job.pk)


def _run_claimed(job: ImportJob) -> ImportJob:
    from roster.services.csv_import import oneroster_csv_import

    key = _progress_key(job.pk)

    def progress(*args: Any, **kwargs: Any) -> None:
        cache.set(key, _snapshot(*args, **kwargs), PROGRESS_TTL)

    try:
        with job.package.open("rb") as handle:
            report = oneroster_csv_import(
                package=cast(BinaryIO, handle), dry_run=job.dry_run, progress=progress
            )
    except Exception as exc:  # the report must say what went wrong, whatever it was
        logger.exception("OneRoster import job %s crashed", job.pk)
        job.status = ImportJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
    else:
        job.status = ImportJobStatus.DONE
        job.report = report.as_dict()
    job.progress = cache.get(key) or job.progress
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "report", "progress", "finished_at", "updated_at"])
    cache.delete(key)
    return job
