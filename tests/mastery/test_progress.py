"""One test per row of the dashboard rules (mastery.progress): goals, time saved, flags and
the diagnosis table."""

from __future__ import annotations

import datetime as dt

import pytest

from mastery.progress import (
    DIAGNOSIS_TABLE,
    Diagnosis,
    Finding,
    Goals,
    Totals,
    findings_of,
    goals_of,
    school_days,
    time_saved_seconds,
)


def test_goals_sum_over_courses_and_ignore_junk() -> None:
    goals = goals_of(
        course_metadata=[
            {"goals": {"dailyXp": 25, "dailyActiveMinutes": 20, "dailyAccuracy": 80}},
            {"goals": {"dailyXp": 15, "dailyLessons": 2, "dailyAccuracy": 90}},
            {"goals": {"dailyXp": "lots", "dailyMasteredUnits": -1, "dailyLessons": True}},
            {"goals": []},
            None,
            {},
        ]
    )
    assert goals == Goals(xp=40, lessons=2, active_minutes=20, accuracy=90, mastered_units=None)
    assert goals_of(course_metadata=[]) == Goals()


@pytest.mark.parametrize(
    ("xp", "goal", "spent", "saved"),
    [
        (80, 80, 2 * 3600, 5 * 3600),  # Timeback's example: 7 h − 2 h
        (100, 80, 3600, 6 * 3600),
        (79, 80, 3600, 0),  # goal not met
        (80, None, 3600, 0),  # no goal
        (80, 80, 9 * 3600, 0),  # never below zero
    ],
)
def test_time_saved(xp: float, goal: float | None, spent: float, saved: float) -> None:
    assert time_saved_seconds(xp=xp, goal_xp=goal, spent_seconds=spent) == saved


def test_school_days_count_weekdays() -> None:
    monday = dt.date(2026, 11, 23)
    assert school_days(start=monday, end=monday + dt.timedelta(days=6)) == 5
    assert school_days(start=monday + dt.timedelta(days=5), end=monday + dt.timedelta(days=6)) == 1


def _codes(totals: Totals, goal: float | None = 25, days: int = 5) -> set[str]:
    return {row.finding for row in findings_of(totals=totals, days=days, active_minutes_goal=goal)}


HEALTHY = {"active_seconds": 5 * 30 * 60, "total_questions": 100, "correct_questions": 88}


@pytest.mark.parametrize(
    ("finding", "totals", "goal"),
    [
        (Finding.LOW_MINUTES, Totals(**(HEALTHY | {"active_seconds": 5 * 12 * 60})), 25),
        (Finding.HIGH_WASTE, Totals(**(HEALTHY | {"waste_seconds": 5 * 30 * 60 * 0.25})), 25),
        (Finding.ACCURACY_TOO_HIGH, Totals(**(HEALTHY | {"correct_questions": 98})), 25),
        (Finding.ACCURACY_TOO_LOW, Totals(**(HEALTHY | {"correct_questions": 69})), 25),
        (Finding.NO_GROWTH, Totals(**(HEALTHY | {"completions": 5})), 25),
    ],
)
def test_each_row_of_the_diagnosis_table(finding: Finding, totals: Totals, goal: float) -> None:
    assert _codes(totals, goal) == {finding}
    row = next(r for r in DIAGNOSIS_TABLE if r.finding == finding)
    assert row.diagnosis in set(Diagnosis)


def test_healthy_figures_find_nothing_and_few_questions_judge_no_accuracy() -> None:
    assert _codes(Totals(**HEALTHY)) == set()
    few = Totals(**(HEALTHY | {"total_questions": 19, "correct_questions": 0}))
    assert few.accuracy is None and _codes(few) == set() and not few.off_band
    # No minutes goal (an app whose courses state none): minutes are not judged.
    assert _codes(Totals(), goal=None) == set()


@pytest.mark.parametrize(("correct", "off"), [(79, True), (80, False), (95, False), (96, True)])
def test_the_mastery_band(correct: int, off: bool) -> None:
    assert Totals(total_questions=100, correct_questions=correct).off_band is off


def test_below_goal() -> None:
    assert Totals(xp=199).below_goal(goal_xp=40, days=5)
    assert not Totals(xp=200).below_goal(goal_xp=40, days=5)
    assert not Totals(xp=0).below_goal(goal_xp=None, days=5)
