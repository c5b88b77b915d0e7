"""CASE tasks: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from case.services.alignment import standards_evidence_refresh_locked


@shared_task(acks_late=True, name="case.tasks.standards_evidence_refresh_task")
def standards_evidence_refresh_task() -> int:
    """Periodic: refresh the alignment index and the per-student evidence per standard."""
    return standards_evidence_refresh_locked()
