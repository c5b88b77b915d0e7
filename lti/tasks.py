"""LTI tasks: thin wrappers, each calling one service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from lti.services.housekeeping import lti_housekeeping

__all__ = ["lti_housekeeping_task"]


@shared_task(acks_late=True, name="lti.tasks.lti_housekeeping_task")
def lti_housekeeping_task() -> dict[str, int]:
    """Periodic: delete used nonces, old launches and spent registration tokens."""
    return lti_housekeeping()
