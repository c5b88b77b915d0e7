"""Import jobs: queue an uploaded OneRoster CSV package and run its import in a worker."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from roster.models import ImportJob, ImportJobStatus

__all__ = [
    "import_job_create",
    "import_job_progress",
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
    *, package: UploadedFile, dry_run: bool, created_by: AbstractBaseUser | None
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
    else:
        data = dict(kwargs)
        if args:
            data["args"] = [a if isinstance(a, int | float | str) else str(a) for a in args]
    return {
        k: (v if isinstance(v, int | float | str | bool | None | list | dict) else str(v))
        for k, v in data.items()
    }


def import_job_run(*, job_pk: int) -> ImportJob | None:
    """Run the import of a queued job; safe to call twice (a finished or running job is
    left alone). Returns the job, or None when there was nothing to do."""
    from roster.services.csv_import import oneroster_csv_import

    job = _claim(job_pk)
    if job is None:
        return None
    key = _progress_key(job.pk)

    def progress(*args: Any, **kwargs: Any) -> None:
        cache.set(key, _snapshot(*args, **kwargs), PROGRESS_TTL)

    try:
        with job.package.open("rb") as handle:
            report = oneroster_csv_import(package=handle, dry_run=job.dry_run, progress=progress)
    except Exception as exc:  # the report must say what went wrong, whatever it was
        logger.exception("OneRoster import job %s crashed", job.pk)
        job.status = ImportJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"
    else:
        job.status = ImportJobStatus.DONE
        job.report = report.as_dict()
    job.progress = cache.get(key) or job.progress
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "error", "report", "progress", "finished_at", "updated_at"]
    )
    cache.delete(key)
    return job
