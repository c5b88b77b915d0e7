"""Demo learning activity: Timeback Caliper events for a sample of the demo district's
students, sent as the demo app through the real ingest path, so that the dashboards have
something real to show.

What is simulated
-----------------
Each sampled student has a learner profile, drawn once from ``PROFILES``: most are on track
(85–95% accuracy, little waste, their daily XP goal met), and the others give the staff
diagnosis its cases: much of the time wasted, work too easy (≥ 98%), work too hard (< 70%),
lots completed but nothing mastered (always 80–89%), few minutes. Over the window the student
works through the lessons of each enrolled course in course order (the component resources
of the demo course structure), subject after subject in school hours (16:00–23:00 UTC, the
district's 8:00–15:00 Pacific), for about their course's ``goals.dailyXp`` in active minutes
(1 XP = 1 focused minute) on school days, rarely at weekends.

A lesson attempt is worked in one or more sittings, each a ``TimeSpentEvent`` (active,
inactive and waste seconds) on the lesson; when its active minutes reach the lesson's base
XP, an ``ActivityEvent`` completes it with ``xpEarned`` (the base XP, 0 below the 80% XP
floor), questions, ``masteredUnits`` (1 at ≥ 90%) and the attempt number. Under 80% the lesson
is taken again (moved on after three attempts); after the last lesson the student moves up to
the next grade's course of the subject, or reviews their course from the start.

Idempotence
-----------
A day is the unit: the days of the window that already hold demo lesson events of the demo
client are simulated (the learners' progress carries over) but not sent again, and the days
not seeded yet (a run on a later date: the window moved on) are sent whole. Event ids are
UUID5s of (seed, student, day, index) and the bodies a function of the arguments, and ingest
stores an id once, so even a resent day adds nothing. The simulation starts at the window's
first day: a later run's new day continues that run's simulation, not the first run's (its
attempt numbers may restart). A unit test is taken in one sitting; the events of a day
that would run past its end, or (the current day) past now, are squeezed into the part of
the day that is over, so no event lands in the future.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from caliper.models import CaliperEvent
from caliper.services.ingest import events_ingest
from common.exceptions import InvalidData, NotFound
from mastery.services import learning_events_process, learning_lanes_pending
from mastery.services.cohorts import student_app_days_fill
from roster.models import ComponentResource, Course, Enrollment, User
from roster.services.demo import DEMO_CLIENT_ID, DEMO_SENSOR, RESOURCE_XP
from tenancy.models import ApiClient
from tenancy.scopes import EVENTS_CREATE
from tenancy.selectors import Grant, api_client_grant

__all__ = [
    "DEMO_APP_NAME",
    "PROFILES",
    "DemoActivitySummary",
    "LearnerProfile",
    "demo_activity_seed",
]

DEMO_APP_NAME = "Timeback Demo"
# The platform the events name users, courses and lessons on. Fixed rather than
# PUBLIC_BASE_URL, so the bodies (and the course IRIs the facts are keyed by) stay the same
# wherever the demo runs; ingest and the dashboards read only the sourcedId at the end.
DEMO_PLATFORM = "https://timeback.local"
_ONEROSTER = f"{DEMO_PLATFORM}/ims/oneroster/rostering/v1p2"
_CALIPER_CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
ENVELOPE_MAX_EVENTS = 1000

MSG_NO_CLIENT = (
    "client_id: the demo API client '{client_id}' does not exist or is inactive; "
    "run `manage.py seed_demo` first"
)
MSG_NO_STUDENTS = "students: the demo client's district has no students; run seed_demo first"
MSG_DAYS = "days: must be at least 1"

# Questions per completion of a lesson of each kind (a video ends with a short check).
QUESTIONS = {"video": 5, "qti": 12, "test": 20}
XP_FLOOR = 0.80
MASTERY_GATE = 0.90
MAX_ATTEMPTS = 3  # the lesson plan moves a student on after this many attempts
SITTING_MIN_SECONDS = 60
# Start of each subject's block (UTC hour, minute) on a school day, in period order.
SUBJECT_BLOCKS: dict[str, tuple[int, int]] = {
    "Math": (16, 0),
    "Reading": (17, 10),
    "Language": (18, 20),
    "Science": (20, 0),
    "Social Studies": (21, 10),
}
WEEKEND_BLOCK = (18, 0)
WEEKEND_SHARE = 0.15  # of students who do some work on a Saturday or Sunday
ABSENCE_SHARE = 0.04  # of school days a student does not log in


@dataclass(frozen=True)
class LearnerProfile:
    """How a kind of learner works: active minutes per day as a share of the daily XP goal,
    the student's mean accuracy (drawn once from ``accuracy``) and its spread per completion,
    the correct-answer band it never leaves (``ceiling``: stays under the mastery gate), and
    the inactive and waste shares of the time spent."""

    name: str
    weight: float
    minutes: tuple[float, float]
    accuracy: tuple[float, float]
    spread: float
    waste: tuple[float, float]
    inactive: tuple[float, float]
    floor: float | None = None
    ceiling: float | None = None


PROFILES: tuple[LearnerProfile, ...] = (
    # Most students: 85–95% accuracy, little waste, the daily goal met.
    LearnerProfile(
        "on track",
        weight=0.55,
        minutes=(0.95, 1.15),
        accuracy=(0.87, 0.93),
        spread=0.05,
        waste=(0.02, 0.07),
        inactive=(0.05, 0.12),
    ),
    # Motivation: a third or more of the time spent is waste.
    LearnerProfile(
        "high waste",
        weight=0.12,
        minutes=(0.75, 1.0),
        accuracy=(0.85, 0.92),
        spread=0.05,
        waste=(0.32, 0.45),
        inactive=(0.08, 0.15),
    ),
    # Placement: too easy (≥ 98%).
    LearnerProfile(
        "too easy",
        weight=0.10,
        minutes=(0.8, 1.0),
        accuracy=(0.995, 1.0),
        spread=0.01,
        waste=(0.01, 0.04),
        inactive=(0.03, 0.08),
    ),
    # Placement: too hard (< 70%); no XP under the 80% floor, lessons taken again.
    LearnerProfile(
        "too hard",
        weight=0.10,
        minutes=(0.9, 1.2),
        accuracy=(0.56, 0.64),
        spread=0.08,
        waste=(0.03, 0.10),
        inactive=(0.10, 0.18),
    ),
    # Curriculum: completes lesson after lesson at 80–89%, never reaches the mastery gate.
    LearnerProfile(
        "no growth",
        weight=0.08,
        minutes=(0.9, 1.1),
        accuracy=(0.82, 0.87),
        spread=0.03,
        waste=(0.03, 0.08),
        inactive=(0.05, 0.12),
        floor=XP_FLOOR,
        ceiling=MASTERY_GATE,
    ),
    # Motivation: a few minutes a day.
    LearnerProfile(
        "few minutes",
        weight=0.05,
        minutes=(0.25, 0.45),
        accuracy=(0.84, 0.92),
        spread=0.05,
        waste=(0.05, 0.15),
        inactive=(0.15, 0.25),
    ),
)
# The demo student login: a steady learner who never falls under the XP floor.
DEMO_STUDENT_PROFILE = LearnerProfile(
    "on track",
    weight=0.0,
    minutes=(1.0, 1.1),
    accuracy=(0.9, 0.92),
    spread=0.04,
    waste=(0.02, 0.05),
    inactive=(0.05, 0.1),
    floor=XP_FLOOR,
)


@dataclass(frozen=True)
class DemoActivitySummary:
    """What a run did: the students and days simulated; the days seeded by this run and
    those seeded before (skipped); the events of the days seeded, how many ingest stored as
    new, in how many envelopes; the events processed and rollup buckets filled after the
    ingest (0 when the pipeline already ran in-process); the demo student login's sourcedId
    and the number of students of each learner profile."""

    students: int
    days: int
    days_seeded: int
    days_skipped: int
    events: int
    new: int
    envelopes: int
    processed: int
    buckets_filled: int
    demo_student: str
    profiles: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The demo district as the simulation sees it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lesson:
    sourced_id: str  # the component resource
    name: str
    kind: str  # video | qti | test
    xp: float

    @property
    def object_iri(self) -> str:
        # The activity context: the demo app's page of the lesson, under its sensor.
        return f"{DEMO_SENSOR}/lessons/{self.sourced_id}"


@dataclass(frozen=True)
class _Course:
    sourced_id: str
    title: str
    subject: str
    grade: str
    goal_xp: float
    lessons: tuple[_Lesson, ...]


@dataclass(frozen=True)
class _Student:
    sourced_id: str
    email: str
    name: str
    courses: tuple[_Course, ...]


@dataclass
class _Progress:
    """Where a student is in one subject: the course, the lesson, its attempt, and the
    active seconds the attempt still needs."""

    course: _Course
    index: int
    attempt: int = 1
    need_s: float = 0.0
    mastered: set[str] = field(default_factory=set)

    @property
    def lesson(self) -> _Lesson:
        return self.course.lessons[self.index]


class _World:
    """The demo courses by (subject, grade), to move a student up a grade."""

    def __init__(self, courses: Sequence[_Course]) -> None:
        self.by_level = {(c.subject, c.grade): c for c in courses}

    def next_course(self, course: _Course) -> _Course | None:
        if not course.grade.lstrip("-").isdigit():
            return None
        return self.by_level.get((course.subject, str(int(course.grade) + 1)))


def _demo_grant() -> Grant:
    api_client = (
        ApiClient.objects.filter(application__client_id=DEMO_CLIENT_ID, is_active=True)
        .only("application_id")
        .first()
    )
    grant = (
        api_client_grant(api_client=api_client, scopes=[EVENTS_CREATE])
        if api_client is not None
        else None
    )
    if grant is None:
        raise NotFound(MSG_NO_CLIENT.format(client_id=DEMO_CLIENT_ID), field="client_id")
    return grant


def _courses(*, org_ids: frozenset[int]) -> dict[int, _Course]:
    """The courses of the grant's orgs that have lessons, by pk, lessons in course order."""
    rows = (
        ComponentResource.objects.filter(
            course_component__course__org_scope_id__in=org_ids, status="active"
        )
        .select_related("course_component__parent", "resource")
        .only(
            "sourced_id",
            "sort_order",
            "lesson_type",
            "course_component__course_id",
            "course_component__sort_order",
            "course_component__parent__sort_order",
            "resource__title",
            "resource__metadata",
        )
    )
    lessons: dict[int, list[tuple[tuple[float, int, float, float], _Lesson]]] = defaultdict(list)
    for cr in rows:
        component = cr.course_component
        unit = component.parent or component
        is_test = component.parent is None
        metadata = cr.resource.metadata if isinstance(cr.resource.metadata, dict) else {}
        if is_test or cr.lesson_type == "unit-test" or metadata.get("subType") == "qti-test":
            kind = "test"
        else:
            kind = "video" if metadata.get("type") == "video" else "qti"
        xp = metadata.get("xp")
        lesson = _Lesson(
            sourced_id=cr.sourced_id,
            name=cr.resource.title,
            kind=kind,
            xp=float(xp) if isinstance(xp, int | float) and xp > 0 else RESOURCE_XP[kind],
        )
        order = (unit.sort_order, int(is_test), component.sort_order, cr.sort_order)
        lessons[component.course_id].append((order, lesson))
    courses: dict[int, _Course] = {}
    for course in Course.objects.filter(pk__in=list(lessons)).only(
        "sourced_id", "title", "subjects", "grades", "metadata"
    ):
        subjects = course.subjects if isinstance(course.subjects, list) else []
        grades = course.grades if isinstance(course.grades, list) else []
        goals = course.metadata.get("goals") if isinstance(course.metadata, dict) else None
        goal = goals.get("dailyXp") if isinstance(goals, dict) else None
        courses[course.pk] = _Course(
            sourced_id=course.sourced_id,
            title=course.title,
            subject=str(subjects[0]) if subjects else "Other",
            grade=str(grades[0]) if grades else "",
            goal_xp=float(goal) if isinstance(goal, int | float) and goal > 0 else 15.0,
            lessons=tuple(lesson for _, lesson in sorted(lessons[course.pk])),
        )
    return courses


def _students(
    *, grant: Grant, courses: dict[int, _Course], count: int, seed: int
) -> tuple[list[_Student], str]:
    """A deterministic sample of ``count`` students of the grant's orgs, always holding the
    demo student login (first), with their courses; also returns that student's sourcedId."""
    rows = list(
        User.objects.filter(primary_role="student", status="active", org_scope_id__in=grant.org_ids)
        .exclude(email="")
        .order_by("sourced_id")
        .values_list("pk", "sourced_id", "email", "given_name", "family_name")
    )
    if not rows:
        raise NotFound(MSG_NO_STUDENTS, field="students")
    # The demo student login is the first student by sourcedId (dashboards'
    # demo_logins_ensure picks it so); when that one is not the demo client's to speak for,
    # the district's first student stands in.
    login = (
        User.objects.filter(primary_role="student")
        .order_by("sourced_id")
        .values_list("sourced_id", flat=True)
        .first()
    )
    first = next((r for r in rows if r[1] == login), rows[0])
    # Then the students of the demo staff login's classes (its teacher is the first teacher
    # by sourcedId), so that the staff view shows a class at work; then a random sample.
    teacher_classes = Enrollment.objects.filter(
        role="teacher",
        user_id=User.objects.filter(primary_role="teacher").order_by("sourced_id").values("pk")[:1],
    ).values("klass_id")
    classmates = set(
        Enrollment.objects.filter(role="student", klass_id__in=teacher_classes).values_list(
            "user_id", flat=True
        )
    )
    taught = [r for r in rows if r is not first and r[0] in classmates][: max(0, count - 1)]
    rest = [r for r in rows if r is not first and r[0] not in classmates]
    wanted = max(0, min(count - 1 - len(taught), len(rest)))
    picked = [first, *taught, *random.Random(seed).sample(rest, wanted)]
    pks = [r[0] for r in picked]
    enrolled: dict[int, list[int]] = defaultdict(list)
    for user_id, course_id in (
        Enrollment.objects.filter(user_id__in=pks, role="student", status="active")
        .order_by("user_id", "klass__course_id")
        .values_list("user_id", "klass__course_id")
        .distinct()
    ):
        enrolled[user_id].append(course_id)
    students = [
        _Student(
            sourced_id=sid,
            email=email,
            name=f"{given} {family}".strip(),
            courses=tuple(
                sorted(
                    (courses[c] for c in enrolled[pk] if c in courses),
                    key=lambda c: (_block(c.subject), c.subject, c.sourced_id),
                )
            ),
        )
        for pk, sid, email, given, family in picked
    ]
    return students, first[1]


def _block(subject: str) -> tuple[int, int]:
    return SUBJECT_BLOCKS.get(subject, (22, 0))


# --------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------


class _Learner:
    """One student over the window: their profile, their place in each subject, and the
    events of each day."""

    def __init__(
        self, student: _Student, profile: LearnerProfile, rng: random.Random, world: _World
    ) -> None:
        self.student = student
        self.profile = profile
        self.rng = rng
        self.world = world
        self.pace = rng.uniform(*profile.minutes)
        self.accuracy = rng.uniform(*profile.accuracy)
        self.waste = rng.uniform(*profile.waste)
        self.inactive = rng.uniform(*profile.inactive)
        self.progress = [
            _Progress(course=c, index=rng.randrange(min(4, len(c.lessons))))
            for c in student.courses
            if c.lessons
        ]
        for p in self.progress:
            p.need_s = self._need(p.lesson)

    def _need(self, lesson: _Lesson) -> float:
        """Active seconds an attempt takes: its base XP in minutes, and a little more."""
        return round(lesson.xp * 60 * self.rng.uniform(1.0, 1.15))

    def day(self, *, day: dt.date, seed: int, always: bool) -> list[dict[str, Any]]:
        """The events of ``day`` (``always``: the student works whatever the day, and stays
        on until the lessons completed claim the day's XP goal)."""
        rng = self.rng
        weekend = day.weekday() >= 5
        working = always or (
            rng.random() < WEEKEND_SHARE if weekend else rng.random() >= ABSENCE_SHARE
        )
        if not working:
            return []
        events: list[dict[str, Any]] = []
        subjects = self.progress
        if weekend and not always:
            subjects = rng.sample(subjects, min(len(subjects), rng.choice((1, 2))))
        clock = _at(day, *WEEKEND_BLOCK)
        for progress in subjects:
            if not weekend or always:
                clock = max(clock, _at(day, *_block(progress.course.subject)))
            clock += dt.timedelta(seconds=rng.randint(0, 600))
            share = rng.uniform(0.4, 0.6) if weekend and not always else rng.uniform(0.8, 1.2)
            budget = progress.course.goal_xp * 60 * self.pace * share
            clock = self._work(progress, budget, clock, events)
        if always and subjects:
            # The demo student login meets the day's goal: they stay on, finishing the
            # lesson closest to done, until the XP claimed reaches it.
            goal = sum(p.course.goal_xp for p in subjects)
            for _ in range(10):
                if _xp_claimed(events) >= goal:
                    break
                closest = min(subjects, key=lambda p: p.need_s)
                clock = self._work(closest, 0.0, clock, events, finish=True)
        for n, event in enumerate(events):
            key = f"{DEMO_SENSOR}/demo-activity/{seed}/{self.student.sourced_id}/{day}/{n}"
            event["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
            event["generated"]["id"] = f"{DEMO_SENSOR}/metrics/{event['id'][9:]}"
        return events

    def _work(
        self,
        progress: _Progress,
        budget: float,
        clock: dt.datetime,
        events: list[dict[str, Any]],
        *,
        finish: bool = False,
    ) -> dt.datetime:
        """Spend ``budget`` active seconds on the subject from ``clock``: sittings, and a
        completion whenever an attempt has had its minutes. Returns the clock after."""
        completed = False
        first = True
        while True:
            if finish and not completed:
                active = float(round(progress.need_s))  # stays on until the lesson is done
            elif budget < SITTING_MIN_SECONDS:
                break
            elif progress.lesson.kind == "test":
                # A unit test is taken whole, in one sitting, at the start of the subject's
                # block, more likely the more time the student meant to spend; reached later
                # (or put off), it waits for the next day.
                if not first or self.rng.random() >= 2 * budget / progress.need_s:
                    break
                active = float(round(progress.need_s))
            else:
                active = float(round(min(progress.need_s, budget)))
            first = False
            inactive = float(round(active * self.inactive * self.rng.uniform(0.7, 1.3)))
            share = min(0.9, self.waste * self.rng.uniform(0.7, 1.3))
            waste = float(round((active + inactive) * share / (1 - share)))
            clock += dt.timedelta(seconds=active + inactive + waste)
            events.append(self._time_spent(progress, clock, active, inactive, waste))
            budget -= active
            progress.need_s -= active
            if progress.need_s <= 0:
                clock += dt.timedelta(seconds=1)
                events.append(self._complete(progress, clock))
                completed = True
            clock += dt.timedelta(seconds=self.rng.randint(20, 120))
        return clock

    def _complete(self, progress: _Progress, clock: dt.datetime) -> dict[str, Any]:
        lesson = progress.lesson
        total = QUESTIONS[lesson.kind]
        p = self.profile
        accuracy = min(1.0, max(0.2, self.rng.gauss(self.accuracy, p.spread)))
        correct = round(accuracy * total)
        if p.floor is not None:
            correct = max(correct, math.ceil(p.floor * total - 1e-9))
        if p.ceiling is not None:
            correct = min(correct, math.ceil(p.ceiling * total - 1e-9) - 1)
        share = correct / total
        passed = share >= XP_FLOOR - 1e-9
        mastered = share >= MASTERY_GATE - 1e-9
        if mastered:
            progress.mastered.add(lesson.sourced_id)
        event = self._event(
            "ActivityEvent",
            "Completed",
            progress,
            clock,
            {
                "type": "TimebackActivityMetricsCollection",
                "attempt": progress.attempt,
                "items": [
                    # A well-behaved app claims no XP under the 80% floor.
                    {"type": "xpEarned", "value": lesson.xp if passed else 0},
                    {"type": "totalQuestions", "value": total},
                    {"type": "correctQuestions", "value": correct},
                    {"type": "masteredUnits", "value": 1 if mastered else 0},
                ],
                "extensions": {
                    "pctCompleteApp": round(
                        100 * len(progress.mastered) / len(progress.course.lessons)
                    )
                },
            },
        )
        if passed or progress.attempt >= MAX_ATTEMPTS:
            self._advance(progress)
        else:
            progress.attempt += 1
        progress.need_s = self._need(progress.lesson)
        return event

    def _advance(self, progress: _Progress) -> None:
        progress.attempt = 1
        if progress.index + 1 < len(progress.course.lessons):
            progress.index += 1
            return
        following = self.world.next_course(progress.course)
        if following is not None and following.lessons:
            progress.course, progress.index = following, 0
            progress.mastered = set()
        else:
            # The last grade: review the course from the start (later attempts).
            progress.index = 0
            progress.attempt = 2

    def _time_spent(
        self,
        progress: _Progress,
        clock: dt.datetime,
        active: float,
        inactive: float,
        waste: float,
    ) -> dict[str, Any]:
        items: list[dict[str, Any]] = [
            {"type": "active", "value": active},
            {"type": "inactive", "value": inactive},
        ]
        if waste:
            items.append({"type": "waste", "value": waste})
        return self._event(
            "TimeSpentEvent",
            "SpentTime",
            progress,
            clock,
            {"type": "TimebackTimeSpentMetricsCollection", "items": items},
        )

    def _event(
        self,
        kind: str,
        action: str,
        progress: _Progress,
        clock: dt.datetime,
        generated: dict[str, Any],
    ) -> dict[str, Any]:
        student, course, lesson = self.student, progress.course, progress.lesson
        return {
            "@context": _CALIPER_CONTEXT,
            "id": "",  # set once the day's events are known (their index)
            "type": kind,
            "profile": "TimebackProfile",
            "action": action,
            "eventTime": clock,  # made a string once the day is known (see _times_fix)
            "actor": {
                "id": f"{_ONEROSTER}/users/{student.sourced_id}",
                "type": "TimebackUser",
                "email": student.email,
                "name": student.name,
                "role": "student",
            },
            "object": {
                "id": lesson.object_iri,
                "type": "TimebackActivityContext",
                "subject": course.subject,
                "app": {"name": DEMO_APP_NAME, "id": DEMO_SENSOR},
                "course": {"id": f"{_ONEROSTER}/courses/{course.sourced_id}", "name": course.title},
                "activity": {
                    "id": f"{_ONEROSTER}/courses/component-resources/{lesson.sourced_id}",
                    "name": lesson.name,
                },
            },
            "generated": {"id": "", **generated},
            "edApp": DEMO_SENSOR,
        }


def _xp_claimed(events: list[dict[str, Any]]) -> float:
    return sum(
        item["value"]
        for e in events
        if e["type"] == "ActivityEvent"
        for item in e["generated"]["items"]
        if item["type"] == "xpEarned"
    )


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def _times_fix(events: list[dict[str, Any]], *, day: dt.date, now: dt.datetime) -> None:
    """Write the events' times as Caliper strings. When the last one falls after the day
    (a long afternoon) or after ``now`` (the current day), all are squeezed, in order, into
    the part of the day that is over: an event never lands on another day or in the future."""
    if not events:
        return
    midnight = _at(day, 0, 0)
    latest: dt.datetime = max(e["eventTime"] for e in events)
    cutoff = midnight + dt.timedelta(days=1, seconds=-1)
    if day <= now.date():  # (a day after the current one is seeded as a whole day)
        cutoff = min(cutoff, now - dt.timedelta(minutes=1))
    squeeze = latest > cutoff
    span = (latest - midnight).total_seconds() or 1.0
    room = max(0.0, (cutoff - midnight).total_seconds())
    for event in events:
        moment: dt.datetime = event["eventTime"]
        if squeeze:
            moment = midnight + dt.timedelta(
                seconds=int((moment - midnight).total_seconds() * room / span)
            )
        event["eventTime"] = _iso(moment)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _chunks(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _days_seeded(*, grant: Grant, first: dt.date, last: dt.date) -> set[dt.date]:
    """The UTC days from ``first`` to ``last`` that hold demo lesson events of the client."""
    moments = CaliperEvent.objects.filter(
        api_client_id=grant.api_client_id,
        object_iri__startswith=f"{DEMO_SENSOR}/lessons/",
        event_time__gte=_at(first, 0, 0),
        event_time__lt=_at(last + dt.timedelta(days=1), 0, 0),
    ).datetimes("event_time", "day", tzinfo=dt.UTC)
    return {moment.date() for moment in moments}


def _pipeline_finish(*, deadline_s: float = 120.0) -> tuple[int, int]:
    """Process every pending event, then fill the stale per student × app × day buckets.
    With eager Celery ingest has done both already; with a worker running, whichever of us
    takes a lane first processes it (a lane held by the worker returns 0, and is waited for
    until ``deadline_s``). Returns (events processed, buckets filled)."""
    processed = 0
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        lanes = learning_lanes_pending()
        if not lanes:
            break
        done = sum(learning_events_process(lane=lane) for lane in lanes)
        processed += done
        if not done:
            time.sleep(0.2)  # a worker holds the lanes: let it finish
    return processed, student_app_days_fill()


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------


def demo_activity_seed(
    *, today: dt.date, days: int = 14, students: int = 60, seed: int = 2026
) -> DemoActivitySummary:
    """Send the demo app's learning events of ``students`` sampled demo students (always
    including the demo student login, who works ``today``) for the ``days`` days ending
    ``today``, through ``events_ingest`` as the demo API client, in envelopes of at most
    ``ENVELOPE_MAX_EVENTS``; then make sure they are processed and the per student × app ×
    day rollup is filled. A day that holds demo events already is not sent again. Not
    atomic: each envelope is committed by ingest, so a run stopped midway keeps the days it
    sent and the next run sends the others."""
    if days < 1:
        raise InvalidData(MSG_DAYS, field="days")
    grant = _demo_grant()
    courses = _courses(org_ids=grant.org_ids)
    sample, demo_student = _students(grant=grant, courses=courses, count=students, seed=seed)
    world = _World(list(courses.values()))
    profiles: dict[str, int] = defaultdict(int)
    learners = []
    for student in sample:
        rng = random.Random(f"{seed}:{student.sourced_id}")
        if student.sourced_id == demo_student:
            profile = DEMO_STUDENT_PROFILE
        else:
            profile = rng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
        profiles[profile.name] += 1
        learners.append(_Learner(student, profile, rng, world))

    size = min(ENVELOPE_MAX_EVENTS, settings.CALIPER_MAX_EVENTS_PER_ENVELOPE)
    now = timezone.now()
    first = today - dt.timedelta(days=days - 1)
    seeded = _days_seeded(grant=grant, first=first, last=today)
    total = new = envelopes = 0
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        events: list[dict[str, Any]] = []
        for learner in learners:
            always = day == today and learner.student.sourced_id == demo_student
            # Every day is simulated (the learners' progress carries over); only the days
            # not seeded yet are sent.
            events += learner.day(day=day, seed=seed, always=always)
        if day in seeded:
            continue
        _times_fix(events, day=day, now=now)
        total += len(events)
        for chunk in _chunks(events, size):
            result = events_ingest(
                grant=grant,
                payload={
                    "sensor": DEMO_SENSOR,
                    "sendTime": _iso(timezone.now()),
                    "dataVersion": _CALIPER_CONTEXT,
                    "data": list(chunk),
                },
            )
            envelopes += 1
            new += result.accepted
    processed, filled = _pipeline_finish()
    return DemoActivitySummary(
        students=len(sample),
        days=days,
        days_seeded=days - len(seeded),
        days_skipped=len(seeded),
        events=total,
        new=new,
        envelopes=envelopes,
        processed=processed,
        buckets_filled=filled,
        demo_student=demo_student,
        profiles=dict(sorted(profiles.items())),
    )
