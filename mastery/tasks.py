"""Mastery tasks: thin wrappers, each calling one service. All are safe to run twice (a
batch's facts and its leaving the outbox commit together), acknowledged late, and retried a
bounded number of times on database errors (a deadlock victim, a dropped connection)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import task_postrun, task_prerun
from django.db import OperationalError, close_old_connections

from mastery.services import learning_events_sweep, learning_lane_drain
from mastery.services.cohorts import student_app_days_fill, student_app_days_fill_started

__all__ = [
    "learning_events_process_task",
    "learning_events_sweep_task",
    "student_app_days_fill_task",
]


@shared_task(
    bind=True,
    acks_late=True,
    name="mastery.tasks.learning_events_process_task",
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def learning_events_process_task(self: Any, lane: int) -> int:
    """Process the pending events of ``lane`` (no-op if another worker is draining it)."""
    return learning_lane_drain(lane=lane, message_id=self.request.id)


@shared_task(acks_late=True, name="mastery.tasks.learning_events_sweep_task")
def learning_events_sweep_task() -> list[int]:
    """Periodic: queue the lanes with pending events."""
    return learning_events_sweep()


@shared_task(acks_late=True, name="mastery.tasks.student_app_days_fill_task")
def student_app_days_fill_task() -> int:
    """Fill the stale buckets of the per student × app × course × day rollup."""
    student_app_days_fill_started()
    return student_app_days_fill()


@task_prerun.connect
@task_postrun.connect
def _db_connections_tidy(sender: Any = None, **_: Any) -> None:
    """Around each task run by a worker, as Django does around each request: close the
    connections that broke or outlived CONN_MAX_AGE, keep the others (CELERY_DB_REUSE_MAX
    stops the worker closing them all, which cost a new PostgreSQL backend per task). Not
    for a task run eagerly: it runs inside its caller's connection and transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    close_old_connections()
