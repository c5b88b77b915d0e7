"""A student takes the demo test in a real browser: the warm-up part (nonlinear, submitted
whole) by clicking choices and moving between its questions, then the practice part (linear,
item by item, two attempts with feedback) by typing and ordering with the keyboard-usable
selects, and reads the score; the gradebook holds the results.

A screenshot of each step lands in ``SHOTS`` (``qti-delivery-*.png``)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from qti.models import TestAttempt
from qti.services.demo import qti_demo_seed
from roster.models import AssessmentResult, Org, User
from tests.browser.conftest import SHOTS, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"qti-delivery-{name}.png"), full_page=True)


def answer_warm_up(page: Any) -> None:
    """Answer whichever warm-up question is shown (their order is shuffled per attempt)."""
    if page.get_by_text("What is one half of 8?").count():
        page.get_by_label("4", exact=True).check()
    else:
        page.get_by_label("2/4").check()
        page.get_by_label("5/10").check()


def test_a_student_takes_the_demo_test(page: Any, live_server: Any) -> None:
    district = Org.objects.create(sourced_id="bd-district", name="District", type="district")
    school = Org.objects.create(
        sourced_id="bd-school", name="School", type="school", parent=district
    )
    student = User.objects.create(
        sourced_id="bd-student",
        given_name="Mia",
        family_name="R",
        primary_role="student",
        primary_org=school,
        org_scope=school,
    )
    qti_demo_seed(org_id=district.pk)
    sign_in_as(page, live_server, student, "mia")

    page.goto(f"{live_server.url}/qti/tests/")
    page.get_by_role("button", name="Start or resume Fractions check").click()
    expect(page.get_by_text("Test part warm-up")).to_be_visible()
    shot(page, "warm-up")
    answer_warm_up(page)
    page.get_by_role("button", name="Question 2").click()  # saves, then moves
    answer_warm_up(page)
    page.get_by_role("button", name="Question 1").click()
    expect(page.get_by_role("button", name="Question 2, answered")).to_be_visible()
    page.get_by_role("button", name="Submit this part").click()

    expect(page.get_by_text("Test part practice · Practice")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text("Time left for test part practice")
    field = page.locator("input[name=RESPONSE]")
    field.fill("4")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_text("Not quite: split 20 into 4 equal groups.")).to_be_visible()
    expect(page.locator("#attempt-feedback")).to_contain_text("Attempts used: 1 of 2")
    shot(page, "feedback")
    page.locator("input[name=RESPONSE]").fill("5")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_text("Right: 20 ÷ 4 = 5.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit answer")).to_have_count(0)
    page.get_by_role("button", name="Next (no going back)").click()

    expect(page.get_by_text("Put the fractions in order, smallest first.")).to_be_visible()
    for position, label in ((1, "1/4"), (2, "1/2"), (3, "3/4")):
        page.get_by_label(f"Position {position}").select_option(label=label)
    shot(page, "order")
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator("#attempt-feedback")).to_contain_text("Your last answer is correct.")
    page.get_by_role("button", name="Next (no going back)").click()

    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.locator("#attempt-score")).to_have_text("4.0")
    shot(page, "finished")
    attempt = TestAttempt.objects.get(student=student)
    assert attempt.status == "completed"
    # The test and its four items, in the gradebook.
    assert AssessmentResult.objects.filter(student=student).count() == 5
