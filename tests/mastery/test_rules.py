"""The learning rules, one test per row (mastery/rules.py; docs/learning-rules.md)."""

from __future__ import annotations

import pytest

from mastery.choices import Finding
from mastery.rules import (
    MASTERY_GATE,
    MULTIPLIER_TABLE,
    XP_FLOOR,
    AccuracyBand,
    AttemptKind,
    Completion,
    accuracy_band,
    accuracy_of,
    activity_evaluate,
    completion_evaluate,
    multiplier_for,
)


def done(
    *,
    attempt: int = 1,
    xp: float | None = 10,
    total: int | None = 10,
    correct: int | None = 10,
    mastered: int = 0,
    missing: tuple[str, ...] = (),
) -> Completion:
    return Completion(
        attempt=attempt,
        xp_reported=xp,
        total_questions=total,
        correct_questions=correct,
        mastered_units_claimed=mastered,
        missing_fields=missing,
    )


# ---- the multiplier table, row by row ---------------------------------------------------


def test_the_thresholds() -> None:
    assert XP_FLOOR == 0.80
    assert MASTERY_GATE == 0.90


def test_first_attempt_at_100_percent_earns_1_25() -> None:
    result = completion_evaluate(completion=done(attempt=1, correct=10), cap_minutes=60)
    assert result.multiplier == 1.25
    assert result.xp_awarded == 12.5


@pytest.mark.parametrize("correct", [8, 9])  # 80% and 90%: the 80–99% band
def test_first_attempt_at_80_to_99_percent_earns_1_0(correct: int) -> None:
    result = completion_evaluate(completion=done(attempt=1, correct=correct), cap_minutes=60)
    assert result.multiplier == 1.0
    assert result.xp_awarded == 10


def test_first_attempt_at_99_percent_is_still_the_80_to_99_band() -> None:
    result = completion_evaluate(completion=done(attempt=1, total=100, correct=99), cap_minutes=60)
    assert result.multiplier == 1.0


def test_later_attempt_at_100_percent_earns_1_0() -> None:
    result = completion_evaluate(completion=done(attempt=2, correct=10), cap_minutes=60)
    assert result.multiplier == 1.0
    assert result.xp_awarded == 10


@pytest.mark.parametrize("attempt", [2, 3, 7])
def test_later_attempt_at_80_to_99_percent_earns_0_5(attempt: int) -> None:
    result = completion_evaluate(completion=done(attempt=attempt, correct=8), cap_minutes=60)
    assert result.multiplier == 0.5
    assert result.xp_awarded == 5


@pytest.mark.parametrize("attempt", [1, 2])
def test_below_80_percent_earns_nothing_on_any_attempt(attempt: int) -> None:
    result = completion_evaluate(completion=done(attempt=attempt, correct=7), cap_minutes=60)
    assert result.multiplier == 0
    assert result.xp_awarded == 0
    assert Finding.XP_BELOW_80 in result.findings


def test_the_xp_floor_is_inclusive_at_80_percent() -> None:
    at = completion_evaluate(completion=done(total=5, correct=4), cap_minutes=60)
    below = completion_evaluate(completion=done(total=100, correct=79), cap_minutes=60)
    assert at.xp_awarded == 10 and Finding.XP_BELOW_80 not in at.findings
    assert below.xp_awarded == 0 and Finding.XP_BELOW_80 in below.findings


def test_the_table_covers_every_attempt_and_band_once() -> None:
    keys = [(row.attempt, row.band) for row in MULTIPLIER_TABLE]
    assert len(keys) == len(set(keys)) == len(AttemptKind) * len(AccuracyBand)
    for row in MULTIPLIER_TABLE:
        accuracy = {
            AccuracyBand.PERFECT: 1.0,
            AccuracyBand.PASSING: 0.85,
            AccuracyBand.BELOW_FLOOR: 0.5,
            AccuracyBand.NOT_ASSESSED: None,
        }[row.band]
        attempt = 1 if row.attempt is AttemptKind.FIRST else 2
        assert multiplier_for(accuracy=accuracy, attempt=attempt) == row.multiplier


# ---- accuracy absent ---------------------------------------------------------------------


@pytest.mark.parametrize(("total", "correct"), [(None, None), (0, 0), (None, 3)])
def test_no_questions_means_not_assessed(total: int | None, correct: int | None) -> None:
    assert accuracy_of(total_questions=total, correct_questions=correct) is None
    assert accuracy_band(None) is AccuracyBand.NOT_ASSESSED


def test_not_assessed_first_attempt_earns_1_0_and_later_0_5() -> None:
    first = completion_evaluate(completion=done(total=None, correct=None), cap_minutes=60)
    later = completion_evaluate(
        completion=done(attempt=2, total=None, correct=None), cap_minutes=60
    )
    assert (first.multiplier, first.xp_awarded) == (1.0, 10)
    assert (later.multiplier, later.xp_awarded) == (0.5, 5)
    assert first.accuracy is None
    assert Finding.XP_BELOW_80 not in first.findings


def test_not_assessed_cannot_prove_mastery() -> None:
    result = completion_evaluate(
        completion=done(total=None, correct=None, mastered=1), cap_minutes=60
    )
    assert result.mastered_units == 0
    assert Finding.MASTERY_BELOW_90 in result.findings


# ---- XP = min(reported, active minutes) × multiplier; inflation ---------------------------


def test_xp_is_capped_by_active_minutes_and_the_excess_is_inflation() -> None:
    result = completion_evaluate(completion=done(xp=30, correct=9), cap_minutes=12)
    assert result.xp_base == 12
    assert result.xp_awarded == 12
    assert result.xp_inflation == 18
    assert Finding.XP_ABOVE_ACTIVE in result.findings


def test_xp_within_active_minutes_is_taken_as_reported() -> None:
    result = completion_evaluate(completion=done(xp=10, correct=9), cap_minutes=12)
    assert (result.xp_base, result.xp_awarded, result.xp_inflation) == (10, 10, 0)
    assert Finding.XP_ABOVE_ACTIVE not in result.findings


def test_the_cap_is_applied_before_the_multiplier() -> None:
    result = completion_evaluate(completion=done(xp=30, correct=10), cap_minutes=12)
    assert result.xp_awarded == 15  # min(30, 12) × 1.25


def test_no_active_time_means_no_xp_and_a_finding() -> None:
    result = completion_evaluate(completion=done(xp=10), cap_minutes=0)
    assert result.xp_awarded == 0
    assert result.xp_inflation == 10
    assert Finding.NO_TIME_SPENT in result.findings


def test_completions_share_the_activity_minutes_in_attempt_order() -> None:
    results = activity_evaluate(
        completions=[done(attempt=1, xp=20, correct=7), done(attempt=2, xp=20, correct=10)],
        active_seconds=30 * 60,
    )
    assert [r.cap_minutes for r in results] == [30, 10]
    assert [r.xp_base for r in results] == [20, 10]
    assert [r.xp_awarded for r in results] == [0, 10]
    assert results[1].xp_inflation == 10


# ---- xpEarned absent -----------------------------------------------------------------------


def test_absent_xp_is_active_minutes_times_the_multiplier() -> None:
    perfect = completion_evaluate(completion=done(xp=None, correct=10), cap_minutes=8)
    passing_later = completion_evaluate(
        completion=done(xp=None, attempt=2, correct=9), cap_minutes=8
    )
    failing = completion_evaluate(completion=done(xp=None, correct=5), cap_minutes=8)
    assert perfect.xp_awarded == 10  # 8 minutes × 1.25
    assert passing_later.xp_awarded == 4  # 8 × 0.5
    assert failing.xp_awarded == 0
    assert perfect.xp_inflation == 0
    assert Finding.XP_BELOW_80 not in failing.findings  # nothing was claimed


def test_absent_xp_uses_fractional_minutes_rounded_to_hundredths() -> None:
    [result] = activity_evaluate(completions=[done(xp=None, correct=9)], active_seconds=100)
    assert result.xp_awarded == 1.67


# ---- negative xpEarned (deductions) --------------------------------------------------------


@pytest.mark.parametrize(("attempt", "correct", "cap"), [(1, 10, 60), (2, 3, 0), (1, None, 5)])
def test_a_deduction_passes_through_unmultiplied(
    attempt: int, correct: int | None, cap: float
) -> None:
    result = completion_evaluate(
        completion=done(attempt=attempt, xp=-5, correct=correct), cap_minutes=cap
    )
    assert result.xp_awarded == -5
    assert result.multiplier == 1.0
    assert result.xp_inflation == 0
    assert result.used_minutes == 0
    assert Finding.XP_BELOW_80 not in result.findings


def test_a_deduction_leaves_the_minutes_to_the_next_attempt() -> None:
    results = activity_evaluate(
        completions=[done(attempt=1, xp=-3), done(attempt=2, xp=10, correct=10)],
        active_seconds=600,
    )
    assert [r.xp_awarded for r in results] == [-3, 10]


# ---- the mastery gate ------------------------------------------------------------------------


def test_mastery_counts_at_90_percent() -> None:
    result = completion_evaluate(completion=done(correct=9, mastered=2), cap_minutes=60)
    assert result.mastered_units == 2
    assert Finding.MASTERY_BELOW_90 not in result.findings


def test_mastery_below_90_percent_is_refused_and_recorded() -> None:
    result = completion_evaluate(completion=done(total=100, correct=89, mastered=1), cap_minutes=60)
    assert result.mastered_units == 0
    assert Finding.MASTERY_BELOW_90 in result.findings
    assert result.xp_awarded == 10  # 89% still earns XP: the two gates differ


# ---- other findings --------------------------------------------------------------------------


def test_missing_fields_are_a_finding() -> None:
    result = completion_evaluate(completion=done(missing=("course",)), cap_minutes=60)
    assert Finding.MISSING_FIELDS in result.findings


def test_an_honest_completion_has_no_findings() -> None:
    result = completion_evaluate(completion=done(xp=10, correct=10, mastered=1), cap_minutes=10)
    assert result.findings == []
