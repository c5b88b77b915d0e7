"""Writes of the mastery app: the learning pipeline and the rollups.

Public entry points (other apps use only these): ``learning_events_enqueue`` (called by
ingest after commit), ``learning_events_process`` (called by the tasks, and by tests and
benchmarks directly) and ``rollups_rebuild`` (repairs; the ``rollups_rebuild`` command).
"""

from mastery.services.processing import (
    learning_events_enqueue,
    learning_events_process,
    learning_events_sweep,
    learning_lane_drain,
    learning_lanes_pending,
)
from mastery.services.rollups import rollups_rebuild

__all__ = [
    "learning_events_enqueue",
    "learning_events_process",
    "learning_events_sweep",
    "learning_lane_drain",
    "learning_lanes_pending",
    "rollups_rebuild",
]
