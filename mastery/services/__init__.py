"""Writes of the mastery app: the learning pipeline and the rollups.

Public entry points (other apps use only these): ``learning_events_enqueue`` (called by
ingest after commit), ``learning_events_process`` and ``rollups_refresh`` (called by the
tasks, and by tests and benchmarks directly).
"""

from mastery.services.processing import (
    learning_events_enqueue,
    learning_events_process,
    learning_events_sweep,
    learning_lane_drain,
    learning_lanes_pending,
    rollups_drain,
)
from mastery.services.rollups import rollups_refresh

__all__ = [
    "learning_events_enqueue",
    "learning_events_process",
    "learning_events_sweep",
    "learning_lane_drain",
    "learning_lanes_pending",
    "rollups_drain",
    "rollups_refresh",
]
