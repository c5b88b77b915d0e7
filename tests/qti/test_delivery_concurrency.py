"""Two tabs of one attempt at the same moment, on PostgreSQL (SQLite serialises writers by
itself): the attempt's row lock lets one submission in, the other sees its result; two
starts make one attempt."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from common.exceptions import Conflict
from qti.models import ItemSession, TestAttempt
from qti.services.delivery import attempt_start, item_submit
from qti.services.resources import qti_resource_create
from roster.models import Org, User
from tests.qti.concurrency import together
from tests.qti.delivery_fixtures import assessment_test, choice_item, part, ref, section

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene() -> tuple[Any, User]:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    org = Org.objects.create(sourced_id="cc-school", name="School", type="school")
    student = User.objects.create(
        sourced_id="cc-student", given_name="A", family_name="B", org_scope=org
    )
    qti_resource_create(org_id=org.pk, kind="item", xml=choice_item("Q1"))
    qti_resource_create(org_id=org.pk, kind="item", xml=choice_item("Q2"))
    body = part("P1", section("S1", ref("Q1") + ref("Q2")), navigation="nonlinear")
    test = qti_resource_create(org_id=org.pk, kind="test", xml=assessment_test(body))
    return test, student


def test_two_starts_make_one_attempt(scene: tuple[Any, User]) -> None:
    test, student = scene
    got = together([lambda: attempt_start(test=test, student=student).pk] * 4)
    assert all(isinstance(x, int) for x in got), got
    assert len(set(got)) == 1 and TestAttempt.objects.count() == 1


def test_one_of_two_simultaneous_submissions_counts(scene: tuple[Any, User]) -> None:
    test, student = scene
    attempt = attempt_start(test=test, student=student)

    def submit() -> int:
        return item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}).pk

    got = together([submit, submit])
    winners = [x for x in got if isinstance(x, int)]
    losers = [x for x in got if isinstance(x, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, got
    session = ItemSession.objects.get(attempt=attempt, position=0)
    assert session.num_attempts == 1 and session.score == 1.0
