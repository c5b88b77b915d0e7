"""The learning rules: how a completed activity turns into XP, mastery and findings.

One table-driven module, pure Python (no database), so every row of the rules has a test
(``tests/mastery/test_rules.py``) and the pipeline (``mastery.services``) only feeds it rows.

The rules
---------
- **1 XP = 1 minute of focused learning.** An activity (the Caliper event object id, shared
  by its ``TimeSpentEvent``\\ s and its ``ActivityEvent``\\ s) has a budget of *active minutes*:
  the sum of the ``active`` seconds of all its TimeSpentEvents, divided by 60. The budget is
  allotted to the activity's completions in attempt order: each completion may use what the
  earlier ones left (its *cap*), and uses ``base`` minutes of it.
- **Base XP** = ``min(reported xpEarned, cap)``. What the app reported above the cap is
  recorded as *XP inflation* (finding ``xp_above_active``); it is never awarded.
- **Absent xpEarned**: the base is computed from active time alone, ``base = cap`` (every
  active minute left for the completion is one XP), and then the accuracy and attempt
  multiplier applies as for reported XP:  ``xp = cap × multiplier(accuracy, attempt)``.
  Nothing is inflated, since nothing was claimed.
- **Multiplier** (``MULTIPLIER_TABLE``), by attempt and accuracy band:

  ============  ============  ==========
  attempt       accuracy      multiplier
  ============  ============  ==========
  first         100%          1.25
  first         80–99%        1.0
  later (≥ 2)   100%          1.0
  later (≥ 2)   80–99%        0.5
  any           below 80%     0   (the XP floor: no XP below 80% accuracy)
  first         not assessed  1.0
  later (≥ 2)   not assessed  0.5
  ============  ============  ==========

  Awarded XP = ``round(base × multiplier, 2)``.
- **Accuracy absent** (no ``totalQuestions``, or zero questions): the activity was not
  assessed (a video, a reading). It is neither failed nor perfect, so it takes the 80–99%
  row: no bonus, and the same 0.5× on repeats that stops farming a video by replaying it.
  It can never prove mastery: a mastery claim without questions is refused
  (``mastery_below_90``).
- **Deductions**: a negative ``xpEarned`` is the app taking XP back (anti-gaming). It passes
  through as reported, unmultiplied (multiplier 1.0), uncapped, and uses no active minutes.
- **Mastery gate**: claimed ``masteredUnits`` count only at ≥ 90% accuracy; below (or
  unassessed) they are refused and recorded (``mastery_below_90``).
- **Findings** (``mastery.choices.Finding``) of one completion: ``xp_above_active`` (reported XP
  above the cap), ``xp_below_80`` (positive XP reported below 80% accuracy),
  ``mastery_below_90`` (mastery claimed below 90%), ``no_time_spent`` (no active minute left
  for the completion: its activity has no time spent, or earlier attempts used it up),
  ``missing_fields`` (the event lacked recommended fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mastery.choices import Finding

__all__ = [
    "ACCURACY_EPSILON",
    "ACTIVITY_EVENT_TYPES",
    "TIME_SPENT_EVENT_TYPES",
    "MASTERY_GATE",
    "MULTIPLIER_TABLE",
    "XP_DECIMALS",
    "XP_FLOOR",
    "AccuracyBand",
    "AttemptKind",
    "Completion",
    "CompletionResult",
    "MultiplierRow",
    "accuracy_band",
    "accuracy_of",
    "activity_evaluate",
    "completion_evaluate",
    "multiplier_for",
]

# The event types of the Timeback profile (the spec text and its schema spell them both ways).
ACTIVITY_EVENT_TYPES = ("ActivityEvent", "TimebackActivityEvent")
TIME_SPENT_EVENT_TYPES = ("TimeSpentEvent", "TimebackTimeSpentEvent")

XP_FLOOR = 0.80
MASTERY_GATE = 0.90
XP_DECIMALS = 2
# correct/total is exact for the fractions that matter (8/10, 9/10), but a tolerance keeps a
# float such as 0.7999999999 (from a stored, rounded accuracy) on the right side of a gate.
ACCURACY_EPSILON = 1e-9


class AttemptKind(StrEnum):
    FIRST = "first"
    LATER = "later"


class AccuracyBand(StrEnum):
    PERFECT = "100%"
    PASSING = "80-99%"
    BELOW_FLOOR = "below 80%"
    NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class MultiplierRow:
    """One row of the multiplier table."""

    attempt: AttemptKind
    band: AccuracyBand
    multiplier: float


MULTIPLIER_TABLE: tuple[MultiplierRow, ...] = (
    MultiplierRow(AttemptKind.FIRST, AccuracyBand.PERFECT, 1.25),
    MultiplierRow(AttemptKind.FIRST, AccuracyBand.PASSING, 1.0),
    MultiplierRow(AttemptKind.LATER, AccuracyBand.PERFECT, 1.0),
    MultiplierRow(AttemptKind.LATER, AccuracyBand.PASSING, 0.5),
    MultiplierRow(AttemptKind.FIRST, AccuracyBand.BELOW_FLOOR, 0.0),
    MultiplierRow(AttemptKind.LATER, AccuracyBand.BELOW_FLOOR, 0.0),
    # Not assessed: treated as the 80–99% band (see the module docstring).
    MultiplierRow(AttemptKind.FIRST, AccuracyBand.NOT_ASSESSED, 1.0),
    MultiplierRow(AttemptKind.LATER, AccuracyBand.NOT_ASSESSED, 0.5),
)
_MULTIPLIERS = {(row.attempt, row.band): row.multiplier for row in MULTIPLIER_TABLE}


def accuracy_of(*, total_questions: int | None, correct_questions: int | None) -> float | None:
    """correct / total in 0..1, or None when the completion was not assessed (no questions)."""
    if not total_questions or total_questions <= 0 or correct_questions is None:
        return None
    return min(1.0, max(0.0, correct_questions / total_questions))


def accuracy_band(accuracy: float | None) -> AccuracyBand:
    """The band of the multiplier table that ``accuracy`` (0..1 or None) falls in."""
    if accuracy is None:
        return AccuracyBand.NOT_ASSESSED
    if accuracy >= 1.0 - ACCURACY_EPSILON:
        return AccuracyBand.PERFECT
    if accuracy >= XP_FLOOR - ACCURACY_EPSILON:
        return AccuracyBand.PASSING
    return AccuracyBand.BELOW_FLOOR


def multiplier_for(*, accuracy: float | None, attempt: int) -> float:
    """The XP multiplier of a completion: the table row of its attempt and accuracy band."""
    kind = AttemptKind.FIRST if attempt <= 1 else AttemptKind.LATER
    return _MULTIPLIERS[(kind, accuracy_band(accuracy))]


@dataclass(frozen=True)
class Completion:
    """What the rules need of one completion (an ActivityEvent)."""

    attempt: int
    xp_reported: float | None
    total_questions: int | None
    correct_questions: int | None
    mastered_units_claimed: int = 0
    missing_fields: Sequence[str] = ()


@dataclass(frozen=True)
class CompletionResult:
    """What the rules award one completion."""

    accuracy: float | None
    cap_minutes: float  # active minutes left for it when its turn came
    used_minutes: float  # active minutes it used (its positive base XP)
    xp_base: float
    multiplier: float
    xp_awarded: float
    xp_inflation: float
    mastered_units: int
    findings: list[str] = field(default_factory=list)


def completion_evaluate(*, completion: Completion, cap_minutes: float) -> CompletionResult:
    """Apply the rules to one completion with ``cap_minutes`` active minutes left for it."""
    cap = _round(max(0.0, cap_minutes))
    accuracy = accuracy_of(
        total_questions=completion.total_questions,
        correct_questions=completion.correct_questions,
    )
    reported = completion.xp_reported
    inflation = 0.0
    if reported is not None and reported < 0:
        # A deduction: passed through as reported, uncapped and unmultiplied.
        base, multiplier, used = reported, 1.0, 0.0
    else:
        multiplier = multiplier_for(accuracy=accuracy, attempt=completion.attempt)
        if reported is None:
            base = cap  # 1 XP per active minute left for this completion
        else:
            base = min(reported, cap)
            inflation = max(0.0, reported - cap)
        used = base
    awarded = round(base * multiplier, XP_DECIMALS) + 0.0  # + 0.0: no "-0.0"

    claimed = max(0, completion.mastered_units_claimed or 0)
    gate_met = accuracy is not None and accuracy >= MASTERY_GATE - ACCURACY_EPSILON
    mastered = claimed if gate_met else 0

    findings: list[str] = []
    if inflation > ACCURACY_EPSILON:
        findings.append(Finding.XP_ABOVE_ACTIVE)
    if (
        reported is not None
        and reported > 0
        and accuracy_band(accuracy) is AccuracyBand.BELOW_FLOOR
    ):
        findings.append(Finding.XP_BELOW_80)
    if claimed > 0 and not gate_met:
        findings.append(Finding.MASTERY_BELOW_90)
    if cap <= 0:
        findings.append(Finding.NO_TIME_SPENT)
    if completion.missing_fields:
        findings.append(Finding.MISSING_FIELDS)
    return CompletionResult(
        accuracy=accuracy,
        cap_minutes=_round(cap),
        used_minutes=_round(used),
        xp_base=_round(base),
        multiplier=multiplier,
        xp_awarded=awarded,
        xp_inflation=_round(inflation),
        mastered_units=mastered,
        findings=[str(f) for f in findings],
    )


def activity_evaluate(
    *, completions: Sequence[Completion], active_seconds: float
) -> list[CompletionResult]:
    """Apply the rules to every completion of one activity, given in attempt order, sharing
    the activity's ``active_seconds`` as their budget of minutes. Returns one result per
    completion, in the same order."""
    remaining = max(0.0, active_seconds) / 60.0
    results = []
    for completion in completions:
        result = completion_evaluate(completion=completion, cap_minutes=remaining)
        remaining = _round(max(0.0, remaining - result.used_minutes))
        results.append(result)
    return results


def _round(value: float) -> float:
    # Facts are compared across recomputes: a fixed precision keeps them byte-identical
    # whatever order the floating-point work was done in.
    return round(value, 6) + 0.0
