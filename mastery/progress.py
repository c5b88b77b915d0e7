"""The rules the dashboards apply to rolled-up figures: daily goals, time saved, the staff
flags and the diagnosis. Pure Python (no database), table-driven, one test per row in
``tests/mastery/test_progress.py``.

Daily goals
-----------
A course's Timeback metadata carries its daily goals (``goals``: ``dailyXp``,
``dailyLessons``, ``dailyActiveMinutes``, ``dailyAccuracy``, ``dailyMasteredUnits``). A
student's goal for the day is the sum over the courses they are enrolled in (accuracy: the
highest asked). A goal a course does not state is not counted; a student none of whose
courses states a goal has none (the pages say so instead of inventing one).

Time saved
----------
Timeback's rule: a traditional school day is 7 hours (6 in class, 1 of homework). A student
who meets the day's XP goal saved the 7 hours minus the time they needed (everything they
spent at the screen that day: active, inactive and waste), never below zero. A day whose goal
was not met (or with no goal) saves nothing.

Flags and diagnosis (staff view)
--------------------------------
Over a window of days, per student (and per student per app):

==========================  ================================================  ===========
finding                     condition                                        diagnosis
==========================  ================================================  ===========
``low_minutes``             active minutes per school day below half the      motivation
                            daily active-minutes goal (25 if none is set)
``high_waste``              waste ≥ 20% of the time spent                     motivation
``accuracy_too_high``       ≥ 98% accuracy over ≥ 20 questions                placement
``accuracy_too_low``        < 70% accuracy over ≥ 20 questions                placement
``no_growth``               ≥ 5 activities completed, no unit mastered        curriculum
==========================  ================================================  ===========

A student is *below goal* when their XP over the window is under the daily XP goal times the
school days (Monday to Friday) in it, and *off the mastery band* when their accuracy (over at
least 20 questions) is outside 80–95%: below, XP is withheld; above, the work is too easy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "BAND_HIGH",
    "BAND_LOW",
    "DEFAULT_ACTIVE_MINUTES_GOAL",
    "DIAGNOSIS_TABLE",
    "TRADITIONAL_DAY_SECONDS",
    "Diagnosis",
    "DiagnosisRow",
    "Finding",
    "Goals",
    "Totals",
    "findings_of",
    "goals_of",
    "school_days",
    "time_saved_seconds",
]

TRADITIONAL_DAY_SECONDS = 7 * 3600
DEFAULT_ACTIVE_MINUTES_GOAL = 25.0
WASTE_HIGH = 0.20
ACCURACY_TOO_HIGH = 0.98
ACCURACY_TOO_LOW = 0.70
MIN_QUESTIONS = 20
NO_GROWTH_COMPLETIONS = 5
BAND_LOW = 0.80
BAND_HIGH = 0.95


class Diagnosis(StrEnum):
    MOTIVATION = "motivation"
    PLACEMENT = "placement"
    CURRICULUM = "curriculum"


class Finding(StrEnum):
    LOW_MINUTES = "low_minutes"
    HIGH_WASTE = "high_waste"
    ACCURACY_TOO_HIGH = "accuracy_too_high"
    ACCURACY_TOO_LOW = "accuracy_too_low"
    NO_GROWTH = "no_growth"


@dataclass(frozen=True)
class DiagnosisRow:
    finding: Finding
    diagnosis: Diagnosis
    explanation: str


DIAGNOSIS_TABLE: tuple[DiagnosisRow, ...] = (
    DiagnosisRow(Finding.LOW_MINUTES, Diagnosis.MOTIVATION, "few active minutes"),
    DiagnosisRow(Finding.HIGH_WASTE, Diagnosis.MOTIVATION, "much of the time is waste"),
    DiagnosisRow(Finding.ACCURACY_TOO_HIGH, Diagnosis.PLACEMENT, "accuracy too high: too easy"),
    DiagnosisRow(Finding.ACCURACY_TOO_LOW, Diagnosis.PLACEMENT, "accuracy too low: too hard"),
    DiagnosisRow(Finding.NO_GROWTH, Diagnosis.CURRICULUM, "content completed, nothing mastered"),
)
DIAGNOSIS_OF = {row.finding: row for row in DIAGNOSIS_TABLE}


@dataclass(frozen=True)
class Goals:
    """A student's daily goals (None: no course states it)."""

    xp: float | None = None
    lessons: float | None = None
    active_minutes: float | None = None
    accuracy: float | None = None  # percent
    mastered_units: float | None = None


_GOAL_KEYS = {
    "xp": "dailyXp",
    "lessons": "dailyLessons",
    "active_minutes": "dailyActiveMinutes",
    "mastered_units": "dailyMasteredUnits",
}


def goals_of(*, course_metadata: Iterable[Mapping[str, Any] | None]) -> Goals:
    """The daily goals of a student enrolled in courses with this metadata (one entry per
    course): sums, and the highest accuracy asked. Non-numeric and negative values are
    ignored."""
    sums: dict[str, float] = {}
    accuracy: float | None = None
    for metadata in course_metadata:
        goals = metadata.get("goals") if isinstance(metadata, Mapping) else None
        if not isinstance(goals, Mapping):
            continue
        for name, key in _GOAL_KEYS.items():
            value = _number(goals.get(key))
            if value is not None:
                sums[name] = sums.get(name, 0.0) + value
        asked = _number(goals.get("dailyAccuracy"))
        if asked is not None:
            accuracy = max(accuracy or 0.0, asked)
    return Goals(accuracy=accuracy, **{name: sums.get(name) for name in _GOAL_KEYS})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def time_saved_seconds(*, xp: float, goal_xp: float | None, spent_seconds: float) -> float:
    """Seconds saved on a day: 7 h minus the time spent, when the XP goal was met."""
    if not goal_xp or xp < goal_xp:
        return 0.0
    return max(0.0, TRADITIONAL_DAY_SECONDS - max(0.0, spent_seconds))


def school_days(*, start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days from ``start`` to ``end`` inclusive (at least 1)."""
    days = (end - start).days + 1
    return max(1, sum(1 for i in range(days) if (start + dt.timedelta(days=i)).weekday() < 5))


@dataclass(frozen=True)
class Totals:
    """Rolled-up figures of a student (or a student in one app) over a window."""

    xp: float = 0.0
    completions: int = 0
    total_questions: int = 0
    correct_questions: int = 0
    mastered_units: int = 0
    active_seconds: float = 0.0
    inactive_seconds: float = 0.0
    waste_seconds: float = 0.0

    @property
    def spent_seconds(self) -> float:
        return self.active_seconds + self.inactive_seconds + self.waste_seconds

    @property
    def accuracy(self) -> float | None:
        """Correct ÷ total questions; None below the questions needed to judge."""
        if self.total_questions < MIN_QUESTIONS:
            return None
        return self.correct_questions / self.total_questions

    @property
    def waste_share(self) -> float:
        return self.waste_seconds / self.spent_seconds if self.spent_seconds else 0.0

    def below_goal(self, *, goal_xp: float | None, days: int) -> bool:
        return bool(goal_xp) and self.xp < (goal_xp or 0.0) * days

    @property
    def off_band(self) -> bool:
        accuracy = self.accuracy
        return accuracy is not None and not (BAND_LOW <= accuracy <= BAND_HIGH)


def findings_of(
    *, totals: Totals, days: int, active_minutes_goal: float | None
) -> list[DiagnosisRow]:
    """The rows of ``DIAGNOSIS_TABLE`` that ``totals`` over ``days`` school days meet.
    ``active_minutes_goal`` None skips the minutes check (an app whose courses state no
    goal: its share of the day is unknown); a student's overall check passes their goal or
    ``DEFAULT_ACTIVE_MINUTES_GOAL``."""
    found: list[Finding] = []
    goal = active_minutes_goal
    if goal and totals.active_seconds / 60 / max(days, 1) < goal / 2:
        found.append(Finding.LOW_MINUTES)
    if totals.spent_seconds and totals.waste_share >= WASTE_HIGH:
        found.append(Finding.HIGH_WASTE)
    accuracy = totals.accuracy
    if accuracy is not None and accuracy >= ACCURACY_TOO_HIGH:
        found.append(Finding.ACCURACY_TOO_HIGH)
    if accuracy is not None and accuracy < ACCURACY_TOO_LOW:
        found.append(Finding.ACCURACY_TOO_LOW)
    if totals.completions >= NO_GROWTH_COMPLETIONS and totals.mastered_units == 0:
        found.append(Finding.NO_GROWTH)
    return [DIAGNOSIS_OF[finding] for finding in found]
