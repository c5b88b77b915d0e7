"""Columns of one validated event: the Caliper ones every event has, and the Timeback-profile
ones (ActivityEvent / TimeSpentEvent) the learning pipeline works from.

Pure functions over a parsed event that ``caliper.validation`` already accepted: they read,
they never refuse, except for a Timeback time metric whose items add up to more than a day
(each item is checked by the validator, their sum only here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from caliper.validation import (
    TIMEBACK_ACTIVITY_TYPES,
    TIMEBACK_TIME_SPENT_TYPES,
    entity_id,
)

__all__ = [
    "MAX_SECONDS_PER_METRIC",
    "TIME_COLUMNS",
    "TimebackColumns",
    "datetime_parse",
    "text_clip",
    "timeback_columns",
]

MAX_SECONDS_PER_METRIC = 86_400

# Time metric type → column (seconds, summed over the items of that type).
TIME_COLUMNS: dict[str, str] = {
    "active": "active_seconds",
    "inactive": "inactive_seconds",
    "waste": "waste_seconds",
    "unknown": "unknown_seconds",
    "anti-pattern": "anti_pattern_seconds",
}
_ACTIVITY_METRICS: dict[str, str] = {
    "xpEarned": "xp_earned",
    "totalQuestions": "total_questions",
    "correctQuestions": "correct_questions",
    "masteredUnits": "mastered_units",
}
_TIMEBACK_TYPES = frozenset(TIMEBACK_ACTIVITY_TYPES + TIMEBACK_TIME_SPENT_TYPES)


@dataclass(slots=True)
class TimebackColumns:
    """The Timeback-profile columns of one event (all empty for other events).

    ``over_limit`` names a time metric whose items sum to more than ``MAX_SECONDS_PER_METRIC``.
    """

    is_timeback: bool = False
    subject: str = ""
    app_name: str = ""
    course_iri: str = ""
    course_name: str = ""
    activity_name: str = ""
    attempt: int | None = None
    xp_earned: float | None = None
    total_questions: int | None = None
    correct_questions: int | None = None
    mastered_units: int | None = None
    active_seconds: float | None = None
    inactive_seconds: float | None = None
    waste_seconds: float | None = None
    unknown_seconds: float | None = None
    anti_pattern_seconds: float | None = None
    missing_fields: list[str] | None = None
    over_limit: str = ""


def text_clip(value: object, limit: int) -> str:
    """``value`` when it is a string (cut to ``limit`` characters), else ""."""
    if type(value) is not str:
        return ""
    return value if len(value) <= limit else value[:limit]


def datetime_parse(value: str) -> datetime:
    """An aware UTC datetime from a validated RFC 3339 string (``Z`` or an offset)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # the validator requires an offset; be safe anyway
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _is_number(value: object) -> TypeGuard[int | float]:
    return type(value) is int or type(value) is float


def _name(value: object, limit: int = 255) -> str:
    return text_clip(value.get("name"), limit) if isinstance(value, dict) else ""


def timeback_columns(event: dict[str, Any]) -> TimebackColumns:
    """The Timeback columns of ``event``; ``is_timeback`` is False for other event types."""
    event_type = event.get("type")
    if event_type not in _TIMEBACK_TYPES:
        return TimebackColumns()
    out = TimebackColumns(is_timeback=True)
    missing: list[str] = []
    context = event.get("object")
    if isinstance(context, dict):
        out.subject = text_clip(context.get("subject"), 64)
        out.app_name = _name(context.get("app"))
        course = context.get("course")
        if course is None:
            missing.append("course")
        else:
            out.course_iri = text_clip(entity_id(course), 2048)
            out.course_name = _name(course)
        activity = context.get("activity")
        if activity is None:
            missing.append("activity")
        else:
            out.activity_name = _name(activity)
    generated = event.get("generated")
    items: list[Any] = []
    if isinstance(generated, dict):
        attempt = generated.get("attempt")
        if isinstance(attempt, int | float) and not isinstance(attempt, bool) and attempt >= 1:
            out.attempt = int(attempt)
        raw = generated.get("items")
        if isinstance(raw, list):
            items = raw
    if event_type in TIMEBACK_ACTIVITY_TYPES:
        for item in items:
            if not isinstance(item, dict):
                continue
            column = _ACTIVITY_METRICS.get(item.get("type"))  # type: ignore[arg-type]
            value = item.get("value")
            if column is None or not _is_number(value):
                continue
            if column == "xp_earned":
                out.xp_earned = float(value)
            else:
                setattr(out, column, int(value))
        if out.total_questions is None:
            missing.append("totalQuestions")
        if out.xp_earned is None:
            missing.append("xpEarned")
    else:
        sums: dict[str, float] = {}
        for item in items:
            if not isinstance(item, dict):
                continue
            column = TIME_COLUMNS.get(item.get("type"))  # type: ignore[arg-type]
            value = item.get("value")
            if column is None or not _is_number(value):
                continue
            sums[column] = sums.get(column, 0.0) + float(value)
        for column, total in sums.items():
            if total > MAX_SECONDS_PER_METRIC and not out.over_limit:
                out.over_limit = column
            setattr(out, column, total)
    out.missing_fields = missing
    return out
