"""The student dashboard's week, read from the daily rollups only."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboards.selectors import student_week
from mastery.models import StudentDailyRollup
from tests.mastery.factories import make_scene

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def _day(
    student, days_ago: int, xp: float, active: float = 0, inactive: float = 0, waste: float = 0
):
    return StudentDailyRollup.objects.create(
        student=student,
        org_scope=student.org_scope,
        day=TODAY - dt.timedelta(days=days_ago),
        xp=xp,
        active_seconds=active,
        inactive_seconds=inactive,
        waste_seconds=waste,
    )


def test_the_week_today_and_the_streak(django_assert_num_queries) -> None:
    scene = make_scene("sw")
    student, other = scene.students
    _day(student, 0, 12, active=1200, inactive=300, waste=120)
    _day(student, 1, 30, active=1800)
    _day(student, 2, 5)
    _day(student, 4, 20)  # the streak stops at day 3
    _day(student, 9, 50)  # outside the week
    _day(other, 0, 99)
    with django_assert_num_queries(2):
        week = student_week(student_id=student.pk, today=TODAY)
    assert [xp for _, xp in week.days] == [0, 0, 20, 0, 5, 30, 12]
    assert week.days[0][0] == TODAY - dt.timedelta(days=6) and week.days[-1][0] == TODAY
    assert week.xp_today == 12 and week.streak == 3
    assert (week.active_s_today, week.inactive_s_today, week.waste_s_today) == (1200, 300, 120)
    assert week.active_s_week == 3000


def test_a_streak_still_counts_before_todays_first_xp() -> None:
    scene = make_scene("sx")
    student = scene.students[0]
    _day(student, 1, 10)
    _day(student, 2, 10)
    week = student_week(student_id=student.pk, today=TODAY)
    assert week.xp_today == 0 and week.streak == 2
    assert student_week(student_id=scene.students[1].pk, today=TODAY).streak == 0
