"""Adaptive and templated official items, attempt by attempt, and the feedback each shows.

Each scripted sequence follows the item's own response processing; the comments quote the
rule that produces the asserted outcome.
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import pytest

from qti.processing import ItemResult, ItemScorer, ItemState
from qti.processing.values import value_to_json
from tests.conftest import SHARED

ITEMS = SHARED / "fixtures" / "qti" / "items_v3"
needs_shared = pytest.mark.skipif(not ITEMS.exists(), reason="official fixtures live in ../shared")
pytestmark = [pytest.mark.official, needs_shared]


def _scorer(name: str) -> ItemScorer:
    return ItemScorer.from_xml((ITEMS / name).read_bytes())


def _attempts(
    scorer: ItemScorer, responses: list[dict[str, object]], *, seed: int = 3
) -> list[ItemResult]:
    """Score each attempt in turn, carrying the session state from one to the next."""
    state: ItemState = scorer.new_state(seed=seed)
    results = []
    for response in responses:
        result = scorer.score(response, state=state)
        results.append(result)
        state = result.state
    return results


def _shown(result: ItemResult, *kinds: str) -> list[str]:
    return [f.identifier for f in result.feedback if not kinds or f.kind in kinds]


# -- Example03: feedback block with a solution --------------------------------------------------


def test_example03_solution_correct_first_attempt_scores_two_of_ten() -> None:
    # The item's response processing sets SCORE to 2 for a correct answer (equal-rounded to 3
    # decimal places against 7.389) whatever SCORE's normal-maximum (10) says, so 2.0 is what
    # the item itself awards: not an engine bug. max_score reports the declared 10.
    (result,) = _attempts(_scorer("Example03-feedbackBlock-solution.xml"), [{"RESPONSE": 7.389}])
    assert result.outcome("SCORE") == 2.0
    assert result.max_score == 10.0
    assert result.state.completion_status == "completed"
    assert result.outcome("FEEDBACK") == ["CORRECT"]
    assert _shown(result) == ["CORRECT"]  # ASKSOLUTION set to NULL hides the solution button


def test_example03_solution_wrong_then_right() -> None:
    wrong, right = _attempts(
        _scorer("Example03-feedbackBlock-solution.xml"), [{"RESPONSE": 7.0}, {"RESPONSE": 7.3889}]
    )
    assert (wrong.outcome("SCORE"), _shown(wrong)) == (0.0, ["INCORRECT"])
    assert wrong.state.completion_status == "completed"
    assert (right.outcome("SCORE"), _shown(right)) == (2.0, ["CORRECT"])
    assert right.state.num_attempts == 2


def test_example03_seen_solution_zeroes_the_score() -> None:
    asked, answered = _attempts(
        _scorer("Example03-feedbackBlock-solution.xml"),
        [{"SOLREQUEST": True}, {"RESPONSE": 7.389}],
    )
    # SOLREQUEST: FEEDBACK = {SOLUTION}, seenSolution = true, completed, ASKSOLUTION = NULL
    assert _shown(asked) == ["SOLUTION"]
    assert asked.outcome("seenSolution") is True
    assert asked.state.completion_status == "completed"
    # then a correct answer: CORRECT plus SEEN-SOLUTION, and SCORE forced to 0.0
    assert _shown(answered) == ["CORRECT", "SEEN-SOLUTION"]
    assert answered.outcome("SCORE") == 0.0


def test_example03_empty_submission_leaves_the_item_open() -> None:
    (result,) = _attempts(_scorer("Example03-feedbackBlock-solution.xml"), [{}])
    # RESPONSE is NULL: SCORE 0 and nothing sets completionStatus, which an attempt made
    # "unknown"; the solution button (ASKSOLUTION = asksolution) is still shown.
    assert result.outcome("SCORE") == 0.0
    assert result.state.completion_status == "unknown"
    assert _shown(result) == ["asksolution"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_example03_random_correct_answer_comes_from_the_template(seed: int) -> None:
    scorer = _scorer("Example03-feedbackBlock-solution-random.xml")
    state = scorer.new_state(seed=seed)
    ia = state.template_values["iA"].value
    assert 1 <= ia <= 4
    answer = state.template_values["fR"].value  # exp(iA) rounded to 3 decimal places
    good = scorer.score({"RESPONSE": answer}, state=state)
    bad = scorer.score({"RESPONSE": answer + 1}, state=state)
    assert (good.outcome("SCORE"), _shown(good)) == (2.0, ["CORRECT"])
    assert (bad.outcome("SCORE"), _shown(bad)) == (0.0, ["INCORRECT"])


# -- Example04: template blocks, hints and three tries --------------------------------------------


def test_example04_correct_answer_from_the_template_scores_ten() -> None:
    scorer = _scorer("Example04-feedbackBlock-templateBlock.xml")
    state = scorer.new_state(seed=3)
    values = {k: v.to_python() for k, v in state.template_values.items()}
    assert values["iA"] != values["iB"]  # the template constraint
    scalene = values["iA"] != 90
    assert values["tSol"] == ("SolScalene" if scalene else "SolRightAngle")
    answer = values["fAns"]
    good = scorer.score({"RESPONSE1": answer}, state=state)
    assert good.outcome("SCORE") == 10.0 == good.max_score
    assert good.state.completion_status == "unknown"  # only the 4th try or the solution ends it
    assert _shown(good, "inline") == ["Correct"]
    assert _shown(good, "template-block") == [values["tSol"]]
    assert _shown(good, "template-inline") == [values["tSoli"]]
    assert _shown(good, "block") == ["asksolution"]
    # two significant figures only: Partial, 5.0
    partial = scorer.score({"RESPONSE1": float(f"{answer:.2g}") + 0.3}, state=state)
    assert (partial.outcome("SCORE"), _shown(partial, "inline")) == (5.0, ["Partial"])
    wrong = scorer.score({"RESPONSE1": answer * 2}, state=state)
    assert (wrong.outcome("SCORE"), _shown(wrong, "inline")) == (0.0, ["Incorrect"])


def test_example04_fourth_wrong_attempt_shows_the_solution() -> None:
    results = _attempts(
        _scorer("Example04-feedbackBlock-templateBlock.xml"), [{"RESPONSE1": 1.0}] * 4
    )
    for early in results[:3]:
        assert early.outcome("FEEDBACK") == ["Incorrect"]
        assert early.state.completion_status == "unknown"
    last = results[3]
    # numAttempts > 3: FEEDBACK = {THREETRIES, SOLUTION} (identifiers trimmed), completed
    assert last.outcome("FEEDBACK") == ["THREETRIES", "SOLUTION"]
    assert _shown(last, "block") == ["THREETRIES", "SOLUTION"]
    assert last.state.completion_status == "completed"
    assert last.outcome("SCORE") == 0.0


def test_example04_solution_request_then_answer() -> None:
    scorer = _scorer("Example04-feedbackBlock-templateBlock.xml")
    answer = scorer.new_state(seed=3).template_values["fAns"].value
    partial, asked, answered = _attempts(
        scorer,
        [{"RESPONSE1": float(f"{answer:.2g}") + 0.3}, {"SOLREQUEST": True}, {"RESPONSE1": answer}],
    )
    assert partial.outcome("SCORE") == 5.0
    assert asked.outcome("SCORE") == 5.0  # the solution request leaves SCORE alone
    assert _shown(asked, "block") == ["SOLUTION"]
    assert asked.state.completion_status == "completed"
    assert answered.outcome("SCORE") == 0.0  # seenSolution zeroes it
    assert "SEEN-SOLUTION" in answered.outcome("FEEDBACK")


# -- Example05: choice of input type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "right", "half", "wrong"),
    [
        ("OPTION1", {"RESPONSE21": "OPTION210"}, None, {"RESPONSE21": "OPTION211"}),
        (
            "OPTION2",
            {"RESPONSE22": "OPTION221", "RESPONSE23": "OPTION231", "RESPONSE24": "OPTION241"},
            {"RESPONSE22": "OPTION221", "RESPONSE23": "OPTION230", "RESPONSE24": "OPTION240"},
            {"RESPONSE22": "OPTION220"},
        ),
        (
            "OPTION3",
            {"RESPONSE25": "cooks", "RESPONSE26": "spoil", "RESPONSE27": "broth"},
            {"RESPONSE25": "cooks", "RESPONSE26": "ruin", "RESPONSE27": "soup"},
            {"RESPONSE25": "chefs"},
        ),
    ],
)
def test_example05_two_parts(
    option: str, right: dict[str, str], half: dict[str, str] | None, wrong: dict[str, str]
) -> None:
    scorer = _scorer("Example05-feedbackBlock-adaptive.xml")
    part = option.lower()
    expected = [(right, 10.0, "CORRECT"), (wrong, 0.0, "INCORRECT")]
    if half is not None:
        expected.append((half, 5.0, "PARTIAL"))
    for response, score, feedback in expected:
        first, second = _attempts(scorer, [{"RESPONSE1": option}, response])
        # part 1: BODY = {part2, optionN}; nothing sets completionStatus yet
        assert first.outcome("BODY") == ["part2", part]
        assert _shown(first) == ["part2", part]
        assert first.outcome("SCORE") == 0.0
        assert first.state.completion_status == "unknown"
        # part 2 scores the chosen interaction and completes the item
        assert second.outcome("SCORE") == score
        assert _shown(second) == ["part2", part, feedback]
        assert second.state.completion_status == "completed"


# -- adaptive.xml / adaptive_template.xml: the Monty Hall problem ----------------------------------


def test_adaptive_monty_hall_switching_wins() -> None:
    (first,) = _attempts(_scorer("adaptive.xml"), [{"DOOR": "DoorA"}])
    # first pick: a goat is revealed behind one of the other doors (random, seeded)
    revealed = first.outcome("REVEALED")
    assert revealed in ("DoorB", "DoorC")
    assert first.outcome("STORY") == "tempter"
    assert first.outcome("GOATS") == [revealed]
    assert first.outcome("SCORE") is None
    assert first.state.completion_status == "incomplete"
    assert "tempter" in _shown(first, "block")
    other = "DoorC" if revealed == "DoorB" else "DoorB"
    second, third = _attempts(
        _scorer("adaptive.xml"),
        [{"DOOR": "DoorA"}, {"DOOR": other}, {"RESPONSE": "switchStrategy"}],
    )[1:]
    # switching to the unopened door: SCORE 1, the prize, and the strategy question
    assert second.outcome("SCORE") == 1.0
    assert second.outcome("STORY") == "prize"
    assert _shown(second, "block") == ["prize", "poser"]
    assert second.state.completion_status == "incomplete"
    # the right strategy adds 2 and shows its modal feedback
    assert third.outcome("SCORE") == 3.0
    assert _shown(third, "modal") == ["switchStrategy"]
    assert third.state.completion_status == "completed"


def test_adaptive_monty_hall_sticking_and_wrong_strategy() -> None:
    results = _attempts(
        _scorer("adaptive.xml"),
        [{"DOOR": "DoorA"}, {"DOOR": "DoorA"}, {"RESPONSE": "stickStrategy"}],
    )
    # re-choosing the first door: SCORE 0, a goat; the wrong strategy adds nothing
    assert results[1].outcome("SCORE") == 0.0
    assert results[1].outcome("STORY") == "goat"
    assert results[2].outcome("SCORE") == 0.0
    assert _shown(results[2], "modal") == ["stickStrategy"]
    assert results[2].state.completion_status == "completed"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_adaptive_template_monty_hall(seed: int) -> None:
    scorer = _scorer("adaptive_template.xml")
    state = scorer.new_state(seed=seed)
    prize = state.template_values["PRIZEDOOR"].value
    first = scorer.score({"DOOR": "DoorA"}, state=state)
    revealed = first.outcome("REVEALED")
    # the host never opens the chosen door nor the prize door
    assert revealed not in ("DoorA", prize)
    switch = next(d for d in ("DoorB", "DoorC") if d != revealed)
    second = scorer.score({"DOOR": switch}, state=first.state)
    assert second.outcome("SCORE") == 1.0  # switching scores 1 whatever is behind the door
    assert second.outcome("STORY") == ("prize" if switch == prize else "goat")
    third = scorer.score({"RESPONSE": "switchStrategy"}, state=second.state)
    assert third.outcome("SCORE") == 3.0
    assert third.state.completion_status == "completed"
    assert _shown(third, "modal") == ["switchStrategy"]


def test_adaptive_template_values_are_reproducible() -> None:
    scorer = _scorer("adaptive_template.xml")
    doors = [scorer.new_state(seed=s).template_values["PRIZEDOOR"].value for s in range(12)]
    assert doors == [scorer.new_state(seed=s).template_values["PRIZEDOOR"].value for s in range(12)]
    assert set(doors) == {"DoorA", "DoorB", "DoorC"}


# -- mc_calc3, mc_calc5, mc_stat2: cloned items ----------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_mc_calc3_correct_choice_from_the_template(seed: int) -> None:
    scorer = _scorer("mc_calc3.xml")
    state = scorer.new_state(seed=seed)
    i = state.template_values["i"].value
    correct = state.correct["RESPONSE0"].value
    assert correct == f"SOLUTION0_0_{i - 1}"
    good = scorer.score({"RESPONSE0": correct}, state=state)
    wrong_id = "SOLUTION0_0_0" if i != 1 else "SOLUTION0_0_1"
    bad = scorer.score({"RESPONSE0": wrong_id}, state=state)
    assert (good.outcome("SCORE"), _shown(good)) == (2.0, ["FEEDBACK0"])
    assert (bad.outcome("SCORE"), _shown(bad)) == (0.0, ["DEFAULT_FEEDBACK"])
    assert good.correct is True and bad.correct is False


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mc_calc5_constraints_and_scores(seed: int) -> None:
    scorer = _scorer("mc_calc5.xml")
    state = scorer.new_state(seed=seed)
    v = {k: x.value for k, x in state.template_values.items()}
    # the three template constraints hold
    assert gcd(v["a"], v["b"]) == 1 and v["a"] < v["b"] and v["p"] % v["b"] == 0
    assert v["Choix1"] == -(v["b"] * v["c"])
    good = scorer.score({"REPONSE0": ["Item1"]}, state=state)
    assert (good.outcome("SCORE0"), _shown(good)) == (4.0, ["FEEDBACK1"])
    for choice, feedback in (
        ("Item0", "FEEDBACK0"),
        ("Item2", "FEEDBACK2"),
        ("Item3", "FEEDBACK3"),
    ):
        bad = scorer.score({"REPONSE0": [choice]}, state=state)
        assert (bad.outcome("SCORE0"), _shown(bad)) == (0.0, [feedback])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_mc_stat2_solutions_from_the_template(seed: int) -> None:
    scorer = _scorer("mc_stat2.xml")
    state = scorer.new_state(seed=seed)
    t = state.template_values["t"].to_python()
    assert len(t) == state.template_values["n"].value
    correct = {k: value_to_json(v) for k, v in state.correct.items()}
    assert correct["RESPONSE0"] == min(t) and correct["RESPONSE1"] == max(t)
    assert correct["RESPONSE2"] == round(sum(t) / len(t) * 100) / 100
    good = scorer.score(correct, state=state)
    assert (good.outcome("SCORE"), _shown(good)) == (8.0, ["FEEDBACK0"])
    half = scorer.score({**correct, "RESPONSE2": correct["RESPONSE2"] + 1}, state=state)
    assert half.outcome("SCORE") == 4.0
    bad = scorer.score({"RESPONSE0": correct["RESPONSE0"] + 1}, state=state)
    assert (bad.outcome("SCORE"), _shown(bad)) == (0.0, ["DEFAULT_FEEDBACK"])


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("Example03-feedbackBlock-solution-random.xml", "iA"),
        ("Example04-feedbackBlock-templateBlock.xml", "ia"),
        ("mc_calc3.xml", "i"),
        ("mc_calc5.xml", "a"),
        ("mc_stat2.xml", "t"),
        ("template.xml", None),
    ],
)
def test_same_seed_same_clone_and_seeds_differ(name: str, variable: str | None) -> None:
    scorer = _scorer(name)

    def values(seed: int) -> dict[str, object]:
        return {k: v.to_python() for k, v in scorer.new_state(seed=seed).template_values.items()}

    assert values(11) == values(11)
    variants = {repr(values(seed)) for seed in range(8)}
    assert len(variants) > 1
    if variable is not None:
        assert len({repr(values(seed)[variable]) for seed in range(8)}) > 1


# -- feedback: modal and inline -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "right", "wrong"),
    [
        ("Example01-modalFeedback.xml", "modal", ["correct"], ["incorrect"]),
        ("Example02-feedbackInline.xml", "inline", ["true"], ["false"]),
    ],
)
def test_feedback_shown_for_right_and_wrong(
    name: str, kind: str, right: list[str], wrong: list[str]
) -> None:
    scorer = _scorer(name)
    good = scorer.score({"RESPONSE": "true"})
    bad = scorer.score({"RESPONSE": "false"})
    assert _shown(good, kind) == right
    assert _shown(bad, kind) == wrong


def test_items_dir_is_the_shared_one() -> None:
    assert isinstance(ITEMS, Path) and (ITEMS / "adaptive.xml").exists()
