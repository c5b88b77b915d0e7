"""Caliper 1.2 + Timeback-profile validation: pure functions over parsed JSON, no database.

``envelope_validate(payload=...)`` returns the list of ``Problem``s of an envelope ([] means
it may be stored); ``event_kind`` tells events from entity describes; ``entity_id`` reads the
id of an embedded or thinned entity.
"""

from caliper.validation.envelope import entity_id, envelope_validate, event_kind
from caliper.validation.problems import MAX_PROBLEMS, Problem
from caliper.validation.rules import (
    CALIPER_CONTEXT,
    TIMEBACK_ACTIVITY_TYPES,
    TIMEBACK_PROFILE,
    TIMEBACK_TIME_SPENT_TYPES,
)

__all__ = [
    "CALIPER_CONTEXT",
    "MAX_PROBLEMS",
    "TIMEBACK_ACTIVITY_TYPES",
    "TIMEBACK_PROFILE",
    "TIMEBACK_TIME_SPENT_TYPES",
    "Problem",
    "entity_id",
    "envelope_validate",
    "event_kind",
]
