"""Roster tasks: thin wrappers that take pks and call one service."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from roster.services.import_jobs import import_job_requeue_stale, import_job_run

__all__ = ["import_jobs_requeue_stale_task", "oneroster_import_task"]


@shared_task(acks_late=True, name="roster.tasks.oneroster_import_task")
def oneroster_import_task(upload_pk: int) -> str:
    """Import the OneRoster CSV package of ImportJob ``upload_pk`` (no-op if already run)."""
    job = import_job_run(job_pk=upload_pk)
    return "skipped" if job is None else job.status


@shared_task(name="roster.tasks.import_jobs_requeue_stale_task")
def import_jobs_requeue_stale_task() -> list[int]:
    """Periodic: send again the import jobs whose message or worker was lost."""
    # Two overlapping runs would only send a message twice (harmless), but a lock keeps the
    # log honest and the database quiet.
    if not cache.add("lock:roster:import-jobs-requeue", "1", timeout=55):
        return []
    try:
        return import_job_requeue_stale()
    finally:
        cache.delete("lock:roster:import-jobs-requeue")
