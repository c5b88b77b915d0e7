"""Roster tasks: thin wrappers that take pks and call one service."""

from __future__ import annotations

from celery import shared_task

from roster.services.import_jobs import import_job_run

__all__ = ["oneroster_import_task"]


@shared_task(acks_late=True, name="roster.tasks.oneroster_import_task")
def oneroster_import_task(upload_pk: int) -> str:
    """Import the OneRoster CSV package of ImportJob ``upload_pk`` (no-op if already run)."""
    job = import_job_run(job_pk=upload_pk)
    return "skipped" if job is None else job.status
