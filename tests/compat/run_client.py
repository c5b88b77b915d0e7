"""Drive a running Timeback server with the official Python client (timeback-core).

Runs inside a Python >= 3.12 virtualenv that has ``timeback-core`` installed (see
``scripts/compat_venv.sh``); it imports nothing from this project. It lists, gets, creates and
updates users, orgs, courses, classes, enrollments, line items and results, checks what comes
back. Then its Caliper client sends ``send_time_spent`` and ``send_activity`` events for the
rostered student, and its EduBridge client reads the derived facts back (activity, weekly
facts, enrollment facts, highest grade mastered); the XP ledger and insights are read over
plain HTTP. Its QTI client creates, reads, lists, updates and deletes an item (JSON and XML), a
stimulus and a test, edits the test's parts, sections and item references, scores a response,
validates documents, and submits learners' feedback on a lesson and a question (listed and
deleted over plain HTTP). Its CASE client uploads the framework of ``--case-package``, lists
and gets its documents and items, gets an association, the package and its groups, and
updates and upserts packages. It exits non-zero with one line per failed check (plus the HTTP
exchange behind it).

    .venv-compat/bin/python tests/compat/run_client.py --base-url http://127.0.0.1:8000 \\
        --client-id ID --client-secret SECRET --district DISTRICT_SOURCED_ID --term TERM_ID \\
        --sensor SENSOR_IRI [--case-package PACKAGE.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from timeback_caliper import (
    ActivityCompletedInput,
    TimebackActivity,
    TimebackActivityContext,
    TimebackActivityMetric,
    TimebackApp,
    TimebackCourse,
    TimebackUser,
    TimeSpentInput,
    TimeSpentMetric,
)
from timeback_common import NotFoundError
from timeback_core import TimebackClient

# ---- the HTTP exchanges, so that a failure can say what was sent and what came back ----------

_exchanges: list[dict[str, Any]] = []
_original_send = httpx.AsyncClient.send


async def _recording_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> Any:
    response = await _original_send(self, request, **kwargs)
    await response.aread()
    _exchanges.append(
        {
            "request": f"{request.method} {request.url}",
            "sent": request.content.decode("utf-8", "replace")[:1500],
            "status": response.status_code,
            "headers": {
                k: v
                for k, v in response.headers.items()
                if k.lower() in {"link", "x-total-count", "content-type", "location"}
            },
            "got": response.text[:1500],
        }
    )
    return response


httpx.AsyncClient.send = _recording_send  # type: ignore[method-assign]


class Check:
    """Runs named steps; a failing step is recorded with its last HTTP exchange."""

    def __init__(self, verbose: bool) -> None:
        self.failures: list[str] = []
        self.passed = 0
        self.verbose = verbose

    async def step(self, name: str, body: Callable[[], Awaitable[None]]) -> bool:
        start = len(_exchanges)
        try:
            await body()
        except Exception as exc:  # every failure is reported, whatever raised it
            exchanges = _exchanges[start:]
            detail = [f"FAIL {name}: {type(exc).__name__}: {exc}"]
            for ex in exchanges[-2:]:
                detail.append(f"    {ex['request']} -> {ex['status']} {ex['headers']}")
                if ex["sent"]:
                    detail.append(f"      sent: {ex['sent']}")
                detail.append(f"      got:  {ex['got']}")
            if self.verbose:
                detail.append(traceback.format_exc())
            self.failures.append("\n".join(detail))
            print(detail[0], flush=True)
            return False
        self.passed += 1
        print(f"ok   {name}", flush=True)
        return True


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def ref_id(ref: Any) -> str | None:
    return None if ref is None else ref.sourced_id


async def run(args: argparse.Namespace) -> int:
    check = Check(args.verbose)
    p = args.prefix or f"compat-{int(time.time())}"
    # The client always sends grades as numbers (it normalises "03"/"K" to 3/0).
    grades: dict[str, Any] = {} if args.no_grades else {"grades": [3]}
    school_id = f"{p}-school"
    course_id = f"{p}-course"
    class_id = f"{p}-class"
    student_id = f"{p}-student"
    teacher_id = f"{p}-teacher"
    enr_student_id = f"{p}-enr-student"
    enr_teacher_id = f"{p}-enr-teacher"
    category_id = f"{p}-category"
    line_item_id = f"{p}-lineitem"
    result_id = f"{p}-result"

    client = TimebackClient(
        base_url=args.base_url,
        auth_url=f"{args.base_url.rstrip('/')}/oauth2/token",
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    o = client.oneroster

    # ---- orgs -----------------------------------------------------------------------------
    async def orgs_list() -> None:
        page = await o.orgs.list(limit=100)
        ids = [org.sourced_id for org in page.data]
        expect(args.district in ids, f"district {args.district!r} not in orgs list {ids[:10]}")

    async def orgs_get() -> None:
        org = await o.orgs.get(args.district)
        expect(org.sourced_id == args.district, f"got {org.sourced_id!r}")
        expect(org.type == "district", f"type {org.type!r}")

    async def terms_list_and_get() -> None:
        page = await o.terms.list(limit=100)
        ids = [t.sourced_id for t in page.data]
        expect(args.term in ids, f"term {args.term!r} not in /terms {ids[:10]}")
        term = await o.terms.get(args.term)
        expect(term.sourced_id == args.term, f"got {term.sourced_id!r}")

    async def orgs_create() -> None:
        created = await o.orgs.create(
            {
                "sourcedId": school_id,
                "status": "active",
                "name": "Compat School",
                "type": "school",
                "identifier": "CS1",
                "parent": {"sourcedId": args.district},
            }
        )
        pair = created.sourced_id_pairs
        expect(
            pair.supplied_sourced_id == school_id and pair.allocated_sourced_id == school_id,
            f"sourcedIdPairs {pair!r}",
        )
        org = await o.orgs.get(school_id)
        expect(org.name == "Compat School", f"name {org.name!r}")
        expect(ref_id(org.parent) == args.district, f"parent {org.parent!r}")

    async def orgs_update() -> None:
        await o.orgs.update(
            school_id,
            {
                "sourcedId": school_id,
                "status": "active",
                "name": "Compat School (renamed)",
                "type": "school",
                "identifier": "CS1",
                "parent": {"sourcedId": args.district},
            },
        )
        org = await o.orgs.get(school_id)
        expect(org.name == "Compat School (renamed)", f"name after update {org.name!r}")

    # ---- courses --------------------------------------------------------------------------
    async def courses_create() -> None:
        created = await o.courses.create(
            {
                "sourcedId": course_id,
                "status": "active",
                "title": "Compat Math 3",
                "courseCode": "CMATH3",
                "org": {"sourcedId": school_id},
                **grades,
                "subjects": ["Math"],
            }
        )
        expect(created.sourced_id_pairs.allocated_sourced_id == course_id, "sourcedIdPairs")
        course = await o.courses.get(course_id)
        expect(course.title == "Compat Math 3", f"title {course.title!r}")
        expect(ref_id(course.org) == school_id, f"org {course.org!r}")
        if grades:
            expect(course.grades == [3], f"grades {course.grades!r}")
        expect(course.subjects == ["Math"], f"subjects {course.subjects!r}")

    async def courses_update() -> None:
        await o.courses.update(
            course_id,
            {
                "sourcedId": course_id,
                "status": "active",
                "title": "Compat Math Grade 3",
                "courseCode": "CMATH3",
                "org": {"sourcedId": school_id},
                **grades,
                "subjects": ["Math"],
            },
        )
        course = await o.courses.get(course_id)
        expect(course.title == "Compat Math Grade 3", f"title after update {course.title!r}")

    async def courses_list() -> None:
        page = await o.courses.list(where={"courseCode": "CMATH3"})
        expect([c.sourced_id for c in page.data] == [course_id], f"filtered {page.data!r}")

    # ---- classes --------------------------------------------------------------------------
    async def classes_create() -> None:
        created = await o.classes.create(
            {
                "sourcedId": class_id,
                "status": "active",
                "title": "Compat Math 3 - A",
                "classCode": "CMATH3-A",
                "classType": "scheduled",
                "location": "Room 3",
                **grades,
                "subjects": ["Math"],
                "periods": ["1"],
                "course": {"sourcedId": course_id},
                "org": {"sourcedId": school_id},
                "terms": [{"sourcedId": args.term}],
            }
        )
        expect(created.sourced_id_pairs.allocated_sourced_id == class_id, "sourcedIdPairs")
        klass = await o.classes.get(class_id)
        expect(klass.title == "Compat Math 3 - A", f"title {klass.title!r}")
        expect(ref_id(klass.course) == course_id, f"course {klass.course!r}")
        expect(ref_id(klass.school) == school_id, f"school {klass.school!r}")
        expect([t.sourced_id for t in klass.terms or []] == [args.term], f"terms {klass.terms!r}")
        if grades:
            expect(klass.grades == [3], f"grades {klass.grades!r}")

    async def classes_update() -> None:
        await o.classes.update(
            class_id,
            {
                "sourcedId": class_id,
                "status": "active",
                "title": "Compat Math 3 - Section A",
                "classCode": "CMATH3-A",
                "classType": "scheduled",
                "course": {"sourcedId": course_id},
                "org": {"sourcedId": school_id},
                "terms": [{"sourcedId": args.term}],
            },
        )
        klass = await o.classes.get(class_id)
        expect(klass.title == "Compat Math 3 - Section A", f"title after update {klass.title!r}")

    # ---- users ----------------------------------------------------------------------------
    def user_body(sid: str, given: str, role: str, **extra: Any) -> dict[str, Any]:
        return {
            "sourcedId": sid,
            "status": "active",
            "enabledUser": True,
            "givenName": given,
            "familyName": "Compat",
            "email": f"{sid}@example.org",
            "username": sid,
            "roles": [{"roleType": "primary", "role": role, "org": {"sourcedId": school_id}}],
            **extra,
        }

    async def users_create() -> None:
        for sid, given, role, extra in (
            (student_id, "Stu", "student", grades),
            (teacher_id, "Tea", "teacher", {}),
        ):
            created = await o.users.create(user_body(sid, given, role, **extra))
            expect(created.sourced_id_pairs.allocated_sourced_id == sid, "sourcedIdPairs")
        user = await o.users.get(student_id)
        expect(user.given_name == "Stu" and user.family_name == "Compat", f"names {user!r}")
        expect(user.enabled_user is True, f"enabledUser {user.enabled_user!r}")
        expect(user.email == f"{student_id}@example.org", f"email {user.email!r}")
        roles = [(r.role_type, r.role, ref_id(r.org)) for r in user.roles or []]
        expect(roles == [("primary", "student", school_id)], f"roles {roles!r}")
        if grades:
            expect(user.grades == [3], f"grades {user.grades!r}")

    async def users_update() -> None:
        await o.users.update(
            student_id,
            user_body(
                student_id,
                "Stu",
                "student",
                familyName="Updated",
                **({"grades": [4]} if grades else {}),
            ),
        )
        user = await o.users.get(student_id)
        expect(user.family_name == "Updated", f"familyName after update {user.family_name!r}")
        if grades:
            expect(user.grades == [4], f"grades after update {user.grades!r}")

    async def users_list() -> None:
        page = await o.users.list(where={"email": f"{teacher_id}@example.org"})
        expect([u.sourced_id for u in page.data] == [teacher_id], f"filtered {page.data!r}")
        students = await o.students.list(where={"familyName": "Updated"}, limit=100)
        expect(student_id in [s.sourced_id for s in students.data], "student not in /students")

    async def users_pagination() -> None:
        first = await o.users.list(limit=1)
        expect(len(first.data) == 1, f"limit=1 returned {len(first.data)} users")
        expect(first.has_more, "limit=1 page does not say there are more users")
        everyone = await o.users.list_all(limit=2, max_items=5000)
        ids = [u.sourced_id for u in everyone]
        expect(len(ids) == len(set(ids)), "pages overlap (duplicate sourcedIds)")
        expect({student_id, teacher_id} <= set(ids), "created users missing from list_all")
        if first.total is not None:
            expect(first.total == len(ids), f"X-Total-Count {first.total} != {len(ids)} listed")

    async def users_not_found() -> None:
        try:
            await o.users.get(f"{p}-does-not-exist")
        except NotFoundError:
            return
        raise AssertionError("GET of an unknown user did not raise NotFoundError")

    # ---- enrollments ----------------------------------------------------------------------
    async def enrollments_create() -> None:
        for sid, user, role, primary in (
            (enr_student_id, student_id, "student", "false"),
            (enr_teacher_id, teacher_id, "teacher", "true"),
        ):
            created = await o.enrollments.create(
                {
                    "sourcedId": sid,
                    "status": "active",
                    "user": {"sourcedId": user},
                    "class": {"sourcedId": class_id},
                    "school": {"sourcedId": school_id},
                    "role": role,
                    "primary": primary,
                }
            )
            expect(created.sourced_id_pairs.allocated_sourced_id == sid, "sourcedIdPairs")
        enrollment = await o.enrollments.get(enr_teacher_id)
        expect(ref_id(enrollment.user) == teacher_id, f"user {enrollment.user!r}")
        expect(ref_id(enrollment.class_) == class_id, f"class {enrollment.class_!r}")
        expect(enrollment.role == "teacher", f"role {enrollment.role!r}")
        expect(enrollment.primary is True, f"primary {enrollment.primary!r}")

    async def enrollments_update() -> None:
        await o.enrollments.update(
            enr_student_id,
            {
                "sourcedId": enr_student_id,
                "status": "active",
                "user": {"sourcedId": student_id},
                "class": {"sourcedId": class_id},
                "school": {"sourcedId": school_id},
                "role": "student",
                "primary": "false",
                "beginDate": "2025-09-01",
            },
        )
        enrollment = await o.enrollments.get(enr_student_id)
        expect(
            (enrollment.begin_date or "").startswith("2025-09-01"),
            f"beginDate {enrollment.begin_date!r}",
        )

    async def enrollments_list() -> None:
        page = await o.enrollments.list(where={"class.sourcedId": class_id})
        ids = sorted(e.sourced_id for e in page.data)
        expect(ids == sorted([enr_student_id, enr_teacher_id]), f"filtered {ids!r}")
        students = await o.classes(class_id).students()
        expect([s.sourced_id for s in students] == [student_id], f"class students {students!r}")

    # ---- gradebook --------------------------------------------------------------------------
    async def category_create() -> None:
        created = await o.categories.create(
            {"sourcedId": category_id, "status": "active", "title": "Homework", "weight": 0.3}
        )
        expect(created.sourced_id_pairs.allocated_sourced_id == category_id, "sourcedIdPairs")

    def line_item_body(title: str) -> dict[str, Any]:
        return {
            "sourcedId": line_item_id,
            "status": "active",
            "title": title,
            "description": "Chapter 1",
            "class": {"sourcedId": class_id},
            "school": {"sourcedId": school_id},
            "category": {"sourcedId": category_id},
            "assignDate": "2025-09-01T00:00:00Z",
            "dueDate": "2025-09-08T00:00:00Z",
            "resultValueMin": 0,
            "resultValueMax": 100,
        }

    async def line_items_create() -> None:
        created = await o.line_items.create(line_item_body("Homework 1"))
        expect(created.sourced_id_pairs.allocated_sourced_id == line_item_id, "sourcedIdPairs")
        item = await o.line_items.get(line_item_id)
        expect(item.title == "Homework 1", f"title {item.title!r}")
        expect(ref_id(item.class_) == class_id, f"class {item.class_!r}")
        expect(ref_id(item.category) == category_id, f"category {item.category!r}")
        expect(item.result_value_max == 100, f"resultValueMax {item.result_value_max!r}")

    async def line_items_update() -> None:
        item = await o.line_items.update(line_item_id, line_item_body("Homework 1 (revised)"))
        expect(item.title == "Homework 1 (revised)", f"PUT returned title {item.title!r}")
        again = await o.line_items.get(line_item_id)
        expect(again.title == "Homework 1 (revised)", f"title after update {again.title!r}")

    async def line_items_list() -> None:
        page = await o.line_items.list(where={"class.sourcedId": class_id})
        expect([i.sourced_id for i in page.data] == [line_item_id], f"filtered {page.data!r}")

    def result_body(score: float) -> dict[str, Any]:
        return {
            "sourcedId": result_id,
            "status": "active",
            "lineItem": {"sourcedId": line_item_id},
            "student": {"sourcedId": student_id},
            "class": {"sourcedId": class_id},
            "scoreDate": "2025-09-09",
            "scoreStatus": "fully graded",
            "score": score,
            "comment": "Well done",
        }

    async def results_create() -> None:
        created = await o.results.create(result_body(88))
        expect(created.sourced_id_pairs.allocated_sourced_id == result_id, "sourcedIdPairs")
        result = await o.results.get(result_id)
        expect(result.score == 88, f"score {result.score!r}")
        expect(result.score_status == "fully graded", f"scoreStatus {result.score_status!r}")
        expect(ref_id(result.line_item) == line_item_id, f"lineItem {result.line_item!r}")
        expect(ref_id(result.student) == student_id, f"student {result.student!r}")

    async def results_update() -> None:
        result = await o.results.update(result_id, result_body(92))
        expect(result.score == 92, f"PUT returned score {result.score!r}")
        again = await o.results.get(result_id)
        expect(again.score == 92, f"score after update {again.score!r}")

    async def results_list() -> None:
        page = await o.results.list(where={"lineItem.sourcedId": line_item_id})
        expect([r.sourced_id for r in page.data] == [result_id], f"filtered {page.data!r}")
        everything = await o.results.list_all(limit=50, max_items=100000)
        expect(result_id in [r.sourced_id for r in everything], "result missing from list_all")

    # ---- learning events: Caliper in, EduBridge analytics / XP ledger / insights out ---------
    # One activity of the student: 10 active minutes, then a perfect first attempt claiming
    # 8 XP. The rules award min(8, 10 active minutes) × 1.25 = 10 XP. The events happen at
    # 03:00 UTC on Wednesday 10 September 2025, which is still the 9th in Los Angeles.
    base = args.base_url.rstrip("/")
    event_time = "2025-09-10T03:00:00.000Z"
    utc_day, la_day = "2025-09-10", "2025-09-09"
    app_name = "Compat App"
    activity_iri = f"{args.sensor}/activities/Math/g3/{p}-fractions"
    actor = TimebackUser(
        id=f"{base}/ims/oneroster/rostering/v1p2/users/{student_id}",
        type="TimebackUser",
        email=f"{student_id}@example.org",
        role="student",
    )
    context = TimebackActivityContext(
        id=activity_iri,
        type="TimebackActivityContext",
        subject="Math",
        app=TimebackApp(name=app_name),
        course=TimebackCourse(
            id=f"{base}/ims/oneroster/rostering/v1p2/courses/{course_id}", name="CMATH3"
        ),
        activity=TimebackActivity(name="Fractions 1"),
    )
    sent: dict[str, str] = {}

    async def wait_for(job_id: str | None) -> None:
        if job_id:
            await client.caliper.jobs.wait_for_completion(job_id, timeout=30, poll_interval=0.2)

    async def caliper_send() -> None:
        spent = await client.caliper.events.send_time_spent(
            args.sensor,
            TimeSpentInput(
                id=f"urn:uuid:{uuid.uuid4()}",
                actor=actor,
                object=context,
                metrics=[
                    TimeSpentMetric(type="active", value=600),
                    TimeSpentMetric(type="inactive", value=60),
                    TimeSpentMetric(type="waste", value=30),
                ],
                event_time=event_time,
            ),
        )
        sent["activity_event"] = f"urn:uuid:{uuid.uuid4()}"
        done = await client.caliper.events.send_activity(
            args.sensor,
            ActivityCompletedInput(
                id=sent["activity_event"],
                actor=actor,
                object=context,
                metrics=[
                    TimebackActivityMetric(type="totalQuestions", value=10),
                    TimebackActivityMetric(type="correctQuestions", value=10),
                    TimebackActivityMetric(type="xpEarned", value=8),
                    TimebackActivityMetric(type="masteredUnits", value=1),
                ],
                attempt=1,
                event_time=event_time,
            ),
        )
        expect(bool(spent.job_id) and bool(done.job_id), f"job ids {spent!r} {done!r}")
        await wait_for(spent.job_id)
        await wait_for(done.job_id)

    def expect_day(metrics: Any, where: str) -> None:
        a, t = metrics.activity_metrics, metrics.time_spent_metrics
        got = (a.xp_earned, a.total_questions, a.correct_questions, a.mastered_units)
        expect(got == (10, 10, 10, 1), f"{where} activityMetrics {got!r}")
        got_t = (t.active_seconds, t.inactive_seconds, t.waste_seconds)
        expect(got_t == (600, 60, 30), f"{where} timeSpentMetrics {got_t!r}")
        expect(metrics.apps == [app_name], f"{where} apps {metrics.apps!r}")

    async def analytics_activity() -> None:
        # The pipeline may still be catching up (a real worker): poll for a few seconds.
        deadline = time.monotonic() + 15
        while True:
            activity = await client.edubridge.analytics.get_activity(
                student_id=student_id, start_date="2025-09-07", end_date="2025-09-13"
            )
            if activity.facts or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        expect(list(activity.facts) == [utc_day], f"days {list(activity.facts)!r}")
        expect_day(activity.facts[utc_day]["Math"], "facts")
        by_app = activity.facts_by_app.get(utc_day, {}).get("Math", {}).get(app_name)
        expect(by_app is not None, f"factsByApp {activity.facts_by_app!r}")
        expect_day(by_app, "factsByApp")
        by_email = await client.edubridge.analytics.get_activity(
            email=f"{student_id}@example.org", start_date=utc_day, end_date=utc_day
        )
        expect(list(by_email.facts) == [utc_day], f"by email {list(by_email.facts)!r}")

    async def analytics_activity_timezone() -> None:
        activity = await client.edubridge.analytics.get_activity(
            student_id=student_id,
            start_date="2025-09-07",
            end_date="2025-09-13",
            timezone="America/Los_Angeles",
        )
        expect(list(activity.facts) == [la_day], f"local days {list(activity.facts)!r}")
        expect_day(activity.facts[la_day]["Math"], "facts (Los Angeles)")

    async def analytics_weekly() -> None:
        facts = await client.edubridge.analytics.get_weekly_facts(
            student_id=student_id, week_date=utc_day
        )
        kinds = sorted(f.event_type or "" for f in facts)
        expect(kinds == ["ActivityEvent", "TimeSpentEvent"], f"event types {kinds!r}")
        activity = next(f for f in facts if f.event_type == "ActivityEvent")
        spent = next(f for f in facts if f.event_type == "TimeSpentEvent")
        expect(activity.xp_earned == 10, f"xpEarned {activity.xp_earned!r}")
        expect(activity.total_questions == 10, f"totalQuestions {activity.total_questions!r}")
        expect(spent.active_seconds == "600", f"activeSeconds {spent.active_seconds!r}")
        for fact in facts:
            expect(fact.user_id == student_id, f"userId {fact.user_id!r}")
            expect(fact.course_id == course_id, f"courseId {fact.course_id!r}")
            expect(fact.enrollment_id == enr_student_id, f"enrollmentId {fact.enrollment_id!r}")
            expect(fact.activity_id == activity_iri, f"activityId {fact.activity_id!r}")
            expect((fact.date, fact.day_of_week) == (utc_day, 3), f"date {fact.date!r}")

    async def analytics_enrollment() -> None:
        facts = await client.edubridge.analytics.get_enrollment_facts(
            enrollment_id=enr_student_id, start_date="2025-09-01", end_date="2025-09-30"
        )
        expect(facts.enrollment_id == enr_student_id, f"enrollmentId {facts.enrollment_id!r}")
        expect(list(facts.facts) == [utc_day], f"days {list(facts.facts)!r}")
        expect_day(facts.facts[utc_day]["Math"], "enrollment facts")

    async def analytics_highest_grade() -> None:
        mastered = await client.edubridge.analytics.get_highest_grade_mastered(student_id, "Math")
        expect(mastered.student_id == student_id, f"studentId {mastered.student_id!r}")
        overall = mastered.grades.highest_grade_overall
        if grades:
            expect(overall in ("3", "03"), f"highestGradeOverall {overall!r}")
        none = await client.edubridge.analytics.get_highest_grade_mastered(student_id, "Science")
        expect(none.grades.highest_grade_overall is None, f"Science {none.grades!r}")

    async def xp_ledger_and_insights() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            token = await http.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(args.client_id, args.client_secret),
            )
            token.raise_for_status()
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            ledger = await http.get(f"/xp/1.0/users/{student_id}/entries", headers=auth)
            expect(ledger.status_code == 200, f"XP ledger status {ledger.status_code}")
            body = ledger.json()
            expect(body["total"] == 1 and len(body["entries"]) == 1, f"XP ledger {body!r}")
            entry = body["entries"][0]
            expect(entry["value"] == 10, f"XP value {entry['value']!r}")
            expect(entry["sourceEventId"] == sent["activity_event"], f"source {entry!r}")
            expect(entry["applicationId"] == args.client_id, f"applicationId {entry!r}")
            expect(entry["userId"] == student_id, f"userId {entry!r}")
            insights = await http.get(f"/insights/1.0/users/{student_id}", headers=auth)
            expect(insights.status_code == 200, f"insights status {insights.status_code}")
            summary = insights.json()["insights"][0]
            got = (summary["activeSeconds"], summary["totalSeconds"], summary["totalXpEarned"])
            expect(got == (600, 690, 10), f"insights {summary!r}")

    # ---- QTI: items, stimuli, tests and their structure -----------------------------------
    q = client.qti
    item_id = f"{p}-item"
    xml_item_id = f"{p}-xml-item"
    third_id = f"{p}-third-item"
    stimulus_id = f"{p}-stimulus"
    test_id = f"{p}-test"

    def choice_item(identifier: str, title: str, choices: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "format": "json",
            "identifier": identifier,
            "title": title,
            "type": "choice",
            "metadata": {"subject": "Math", "grade": 3, "difficulty": "easy"},
            "interaction": {
                "type": "choice",
                "responseIdentifier": "RESPONSE",
                "shuffle": False,
                "maxChoices": 1,
                "questionStructure": {
                    "prompt": "What is 2 + 2?",
                    "choices": [{"identifier": i, "content": c} for i, c in choices],
                },
            },
            "responseDeclarations": [
                {
                    "identifier": "RESPONSE",
                    "cardinality": "single",
                    "baseType": "identifier",
                    "correctResponse": {"value": ["B"]},
                }
            ],
            "outcomeDeclarations": [
                {"identifier": "FEEDBACK", "cardinality": "single", "baseType": "identifier"}
            ],
            "responseProcessing": {
                "templateType": "match_correct",
                "responseDeclarationIdentifier": "RESPONSE",
                "outcomeIdentifier": "FEEDBACK",
                "correctResponseIdentifier": "CORRECT",
                "incorrectResponseIdentifier": "INCORRECT",
            },
        }

    xml_item = (
        '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" '
        f'identifier="{xml_item_id}" title="Capital" adaptive="false" time-dependent="false">'
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">'
        "<qti-correct-response><qti-value>Paris</qti-value></qti-correct-response>"
        "</qti-response-declaration>"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        "<qti-item-body><p>Capital of France: "
        '<qti-text-entry-interaction response-identifier="RESPONSE"/></p></qti-item-body>'
        '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/'
        'rptemplates/match_correct.xml"/></qti-assessment-item>'
    )

    async def qti_items() -> None:
        created = await q.assessment_items.create(
            choice_item(item_id, "Addition", [("A", "3"), ("B", "4")])
        )
        expect(created.identifier == item_id and created.type == "choice", f"{created!r}")
        expect("<qti-choice-interaction" in created.raw_xml, "rawXml without the interaction")
        from_xml = await q.assessment_items.create_from_xml(
            {"format": "xml", "xml": xml_item, "metadata": {"subject": "Geography"}}
        )
        expect(from_xml.type == "text-entry", f"type {from_xml.type!r}")
        await q.assessment_items.create_from_xml(
            {"format": "xml", "xml": xml_item.replace(xml_item_id, third_id)}
        )
        got = await q.assessment_items.get(item_id)
        expect(got.title == "Addition", f"title {got.title!r}")
        expect(got.metadata is not None and got.metadata.grade == 3, f"{got.metadata!r}")
        page = await q.assessment_items.list({"query": p, "limit": 50})
        ids = {i.identifier for i in page.items}
        expect({item_id, xml_item_id} <= ids, f"list {ids}")
        update = choice_item(item_id, "Addition (edited)", [("A", "3"), ("B", "4"), ("C", "5")])
        del update["format"]
        updated = await q.assessment_items.update(item_id, update)
        expect(updated.title == "Addition (edited)", f"title {updated.title!r}")
        expect('identifier="C"' in updated.raw_xml, "the new choice is not in rawXml")
        meta = await q.assessment_items.create_from_metadata(
            {
                "identifier": item_id,
                "title": "Addition (edited)",
                "type": "choice",
                "metadata": {"subject": "Math", "grade": 4},
            }
        )
        expect(meta.metadata is not None and meta.metadata.grade == 4, f"{meta.metadata!r}")

    async def qti_process_response() -> None:
        right = await q.assessment_items.process_response(item_id, {"response": "B"})
        expect(right.score == 1.0, f"score {right.score!r}")
        wrong = await q.assessment_items.process_response(item_id, {"response": "A"})
        expect(wrong.score == 0.0, f"score {wrong.score!r}")
        typed = await q.assessment_items.process_response(xml_item_id, {"response": "Paris"})
        expect(typed.score == 1.0, f"text-entry score {typed.score!r}")

    async def qti_stimuli() -> None:
        created = await q.stimuli.create(
            {"identifier": stimulus_id, "title": "Forests", "content": "<p>Trees.</p>"}
        )
        expect(created.identifier == stimulus_id, f"{created!r}")
        got = await q.stimuli.get(stimulus_id)
        expect(got.title == "Forests", f"title {got.title!r}")
        page = await q.stimuli.list({"query": p})
        expect(stimulus_id in {s.identifier for s in page.items}, "stimulus not listed")
        updated = await q.stimuli.update(
            stimulus_id, {"title": "Forests (edited)", "content": "<p>Many trees.</p>"}
        )
        expect(updated.title == "Forests (edited)", f"title {updated.title!r}")
        expect("Many trees" in updated.raw_xml, "content not replaced")
        await q.stimuli.delete(stimulus_id)
        try:
            await q.stimuli.get(stimulus_id)
        except NotFoundError:
            return
        raise AssertionError("the deleted stimulus is still found")

    def section(identifier: str, refs: list[str], sequence: int = 1) -> dict[str, Any]:
        return {
            "identifier": identifier,
            "title": f"Section {identifier}",
            "visible": True,
            "sequence": sequence,
            "qti-assessment-item-ref": [
                {"identifier": r, "href": f"/assessment-items/{r}"} for r in refs
            ],
        }

    async def qti_tests() -> None:
        created = await q.assessment_tests.create(
            {
                "identifier": test_id,
                "title": "Compat quiz",
                "qti-test-part": [
                    {
                        "identifier": f"{p}-part-1",
                        "navigationMode": "linear",
                        "submissionMode": "individual",
                        "qti-assessment-section": [section(f"{p}-sec-1", [item_id])],
                    }
                ],
                "qti-outcome-declaration": [{"identifier": "SCORE", "baseType": "float"}],
                "metadata": {"subject": "Math"},
            }
        )
        expect(created.identifier == test_id and len(created.qti_test_part) == 1, f"{created!r}")
        got = await q.assessment_tests.get(test_id)
        expect(got.title == "Compat quiz", f"title {got.title!r}")
        page = await q.assessment_tests.list({"query": p})
        expect(test_id in {t.identifier for t in page.items}, "test not listed")
        updated = await q.assessment_tests.update(
            test_id,
            {
                "title": "Compat quiz (edited)",
                "qti-test-part": [
                    {
                        "identifier": f"{p}-part-1",
                        "navigationMode": "nonlinear",
                        "submissionMode": "individual",
                        "qti-assessment-section": [section(f"{p}-sec-1", [item_id])],
                    }
                ],
            },
        )
        expect(updated.title == "Compat quiz (edited)", f"title {updated.title!r}")
        mode = updated.qti_test_part[0].navigation_mode
        expect(mode == "nonlinear", f"navigationMode {mode!r}")
        meta = await q.assessment_tests.update_metadata(test_id, {"metadata": {"grade": "3"}})
        expect(meta.metadata == {"grade": "3"}, f"metadata {meta.metadata!r}")
        questions = await q.assessment_tests.get_questions(test_id)
        expect(questions.total_questions == 1, f"totalQuestions {questions.total_questions}")

    async def qti_test_structure() -> None:
        parts = q.assessment_tests.test_parts(test_id)
        part_id = f"{p}-part-2"
        created = await parts.create(
            {
                "identifier": part_id,
                "navigationMode": "linear",
                "submissionMode": "simultaneous",
                "qti-assessment-section": [section(f"{p}-sec-2", [])],
            }
        )
        expect(created.identifier == part_id, f"{created!r}")
        listed = await parts.list()
        expect(listed.total == 2, f"test parts {listed.total}")
        got = await parts.get(part_id)
        expect(got.submission_mode == "simultaneous", f"{got.submission_mode!r}")
        updated = await parts.update(
            part_id,
            {
                "identifier": part_id,
                "navigationMode": "nonlinear",
                "submissionMode": "simultaneous",
                "qti-assessment-section": [section(f"{p}-sec-2", [])],
            },
        )
        expect(updated.navigation_mode == "nonlinear", f"{updated.navigation_mode!r}")

        sections = parts.sections(part_id)
        added = await sections.create(section(f"{p}-sec-3", [xml_item_id], sequence=2))
        expect(added.sequence == 2, f"sequence {added.sequence}")
        renamed = await sections.update(
            f"{p}-sec-3", {**section(f"{p}-sec-3", [xml_item_id], 2), "title": "Renamed"}
        )
        expect(renamed.title == "Renamed", f"title {renamed.title!r}")
        expect((await sections.list()).total == 2, "sections of the new part")
        expect((await sections.get(f"{p}-sec-2")).sequence == 1, "section sequence")

        items = sections.items(f"{p}-sec-3")
        with_two = await items.add(
            {"identifier": third_id, "href": f"/assessment-items/{third_id}"}
        )
        refs = [r.identifier for r in with_two.qti_assessment_item_ref or []]
        expect(refs == [xml_item_id, third_id], f"refs after add {refs}")
        reordered = await items.reorder(
            {
                "items": [
                    {"identifier": third_id, "href": f"/assessment-items/{third_id}"},
                    {"identifier": xml_item_id, "href": f"/assessment-items/{xml_item_id}"},
                ]
            }
        )
        refs = [r.identifier for r in reordered.qti_assessment_item_ref or []]
        expect(refs == [third_id, xml_item_id], f"refs after reorder {refs}")
        await items.remove(xml_item_id)
        after = await sections.get(f"{p}-sec-3")
        refs = [r.identifier for r in after.qti_assessment_item_ref or []]
        expect(refs == [third_id], f"refs after remove {refs}")
        await sections.delete(f"{p}-sec-3")
        expect((await sections.list()).total == 1, "section not deleted")
        await parts.delete(part_id)
        expect((await parts.list()).total == 1, "test part not deleted")
        test = await q.assessment_tests.get(test_id)
        expect(part_id not in test.raw_xml, "the deleted part is still in the test's XML")

    async def qti_validate() -> None:
        valid = await q.validate.validate({"schema": "item", "xml": xml_item})
        expect(valid.success is True, f"validate {valid!r}")
        stored = await q.validate.validate({"schema": "test", "entityId": test_id})
        expect(stored.success is True and stored.entity_id == test_id, f"{stored!r}")
        batch = await q.validate.batch(
            {"xml": [xml_item, "<qti-assessment-item"], "schema": "item", "entityIds": [item_id]}
        )
        verdicts = [r.success for r in batch.results]
        expect(verdicts == [True, False, True], f"batch {verdicts}")

    async def qti_feedback() -> None:
        lesson_id = f"{p}-lesson"
        lesson = await q.lesson.submit_lesson(
            {"lessonId": lesson_id, "userId": student_id, "feedback": "Clear and short."}
        )
        expect(lesson.type == "LESSON" and lesson.lesson_id == lesson_id, f"{lesson!r}")
        expect(lesson.question_id is None and lesson.user_id == student_id, f"{lesson!r}")
        question = await q.lesson.submit_question(
            {
                "lessonId": lesson_id,
                "questionId": item_id,
                "userId": student_id,
                "feedback": "The second choice looks like the first.",
                "humanApproved": True,
            }
        )
        expect(question.type == "QUESTION" and question.question_id == item_id, f"{question!r}")
        expect(question.human_approved is True, f"{question!r}")
        # The client's get_lesson reads one feedback, while the contract (qti-api.yaml,
        # getFeedbackByLessonId) answers a list of them; and the client has no delete. Both are
        # read over plain HTTP, as the contract declares them.
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            token = await http.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(args.client_id, args.client_secret),
            )
            token.raise_for_status()
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            listed = await http.get(f"/lesson/{lesson_id}", headers=auth)
            expect(listed.status_code == 200, f"lesson feedback status {listed.status_code}")
            rows = listed.json()
            expect([r["type"] for r in rows] == ["LESSON", "QUESTION"], f"{rows!r}")
            for row in rows:
                deleted = await http.delete(f"/{row['id']}", headers=auth)
                expect(deleted.status_code == 200, f"delete status {deleted.status_code}")
            after = await http.get(f"/lesson/{lesson_id}", headers=auth)
            expect(after.json() == [], f"feedback left after its delete: {after.json()!r}")

    async def qti_delete() -> None:
        await q.assessment_tests.delete(test_id)
        for identifier in (item_id, xml_item_id, third_id):
            await q.assessment_items.delete(identifier)
        for getter, identifier in (
            (q.assessment_tests.get, test_id),
            (q.assessment_items.get, item_id),
        ):
            try:
                await getter(identifier)
            except NotFoundError:
                continue
            raise AssertionError(f"{identifier} is still found after its delete")

    # ---- CASE ------------------------------------------------------------------------------
    # The framework of --case-package (the test's small framework: a domain under the
    # document, two standards under the domain, associations of several types). Its
    # identifiers are read from the file; a second framework for upsert renames them.
    case_package: dict[str, Any] = (
        json.loads(Path(args.case_package).read_text(encoding="utf-8")) if args.case_package else {}
    )
    cs = client.case_

    def case_ids() -> tuple[str, str, str, str, str]:
        doc = case_package["CFDocument"]["identifier"]
        root, child_a, child_b = (i["identifier"] for i in case_package["CFItems"][:3])
        return doc, root, child_a, child_b, case_package["CFAssociations"][0]["identifier"]

    async def case_upload() -> None:
        doc, *_ = case_ids()
        uploaded = await cs.packages.create(case_package)
        expect(uploaded.success and uploaded.result.success, f"{uploaded!r}")
        expect(uploaded.result.document_id == doc, f"{uploaded!r}")
        stats = uploaded.result.stats
        counts = (stats.documents, stats.items, stats.associations)
        expected = (1, len(case_package["CFItems"]), len(case_package["CFAssociations"]))
        expect(counts == expected, f"stats {counts} != {expected}")

    async def case_documents() -> None:
        doc, *_ = case_ids()
        title = case_package["CFDocument"]["title"]
        listed = await cs.documents.list({"limit": 10, "filter": f"title='{title}'"})
        found = [d for d in listed["CFDocuments"] if d.sourced_id == doc]
        expect(len(found) == 1, f"{doc} not listed: {listed!r}")
        got = (await cs.documents.get(doc))["CFDocument"]
        expect(
            got.title == title and got.creator == case_package["CFDocument"]["creator"], f"{got!r}"
        )
        expect(got.cf_package_uri.sourced_id == doc, f"package link {got.cf_package_uri!r}")
        expect(got.cf_package_uri.uri.endswith(f"/ims/case/v1p1/CFPackages/{doc}"), f"{got!r}")

    async def case_items() -> None:
        doc, root, child_a, _, _ = case_ids()
        listed = await cs.items.list({"filter": f"CFDocumentURI.sourcedId='{doc}'", "limit": 50})
        ids = [i.sourced_id for i in listed["CFItems"]]
        expected = [i["identifier"] for i in case_package["CFItems"]]
        expect(ids == expected, f"items {ids} != {expected}")
        item = (await cs.items.get(child_a))["CFItem"]
        sent = case_package["CFItems"][1]
        expect(item.full_statement == sent["fullStatement"], f"{item!r}")
        expect(item.human_coding_scheme == sent["humanCodingScheme"], f"{item!r}")
        expect(item.cf_item_type == sent["CFItemType"], f"{item!r}")
        expect(item.cf_document_uri is not None and item.cf_document_uri.sourced_id == doc, "doc")
        top = (await cs.items.get(root))["CFItem"]
        expect(top.education_level == case_package["CFItems"][0]["educationLevel"], f"{top!r}")

    async def case_association() -> None:
        doc, root, _, _, first = case_ids()
        got = (await cs.associations.get(first))["CFAssociation"]
        expect(got.association_type == "isChildOf", f"{got!r}")
        expect(got.origin_node_uri.sourced_id == root, f"origin {got.origin_node_uri!r}")
        expect(got.destination_node_uri.sourced_id == doc, f"dest {got.destination_node_uri!r}")
        try:
            await cs.associations.get(str(uuid.uuid4()))
        except NotFoundError:
            return
        raise AssertionError("an unknown association was found")

    async def case_package_and_groups() -> None:
        doc, root, child_a, child_b, _ = case_ids()
        pkg = (await cs.packages.get(doc))["CFPackage"]
        expect(pkg.sourced_id == doc and pkg.cf_document.sourced_id == doc, f"{pkg!r}")
        expect(len(pkg.cf_items or []) == len(case_package["CFItems"]), "package items")
        expect(len(pkg.cf_associations or []) == len(case_package["CFAssociations"]), "assocs")
        grouped = (await cs.packages.get_groups(doc))["CFPackageWithGroups"]
        content = grouped.structured_content or {}
        tops = [i.sourced_id for group in content.values() for i in group]
        expect(tops == [root], f"top of the tree {tops}")
        [top] = [i for group in content.values() for i in group]
        # The client types childGroups loosely: its entries are the items' JSON objects.
        below = [i["sourcedId"] for group in (top.child_groups or {}).values() for i in group]
        expect(below == [child_a, child_b], f"children of the domain {below}")

    async def case_update_and_upsert() -> None:
        doc, _, child_a, _, _ = case_ids()
        changed = json.loads(json.dumps(case_package))
        changed["CFItems"][1]["fullStatement"] = "Add and subtract fractions."
        updated = await cs.packages.update(doc, changed)
        expect(updated.success and updated.result.document_id == doc, f"{updated!r}")
        item = (await cs.items.get(child_a))["CFItem"]
        expect(item.full_statement == "Add and subtract fractions.", f"{item!r}")
        # upsert of a framework not stored yet: the update answers 404, the client creates.
        other = json.loads(json.dumps(case_package).replace(doc[:8], "c0a8ffff"))
        other_doc = other["CFDocument"]["identifier"]
        created = await cs.packages.upsert(other_doc, other)
        expect(created.success and created.result.document_id == other_doc, f"{created!r}")
        again = await cs.packages.upsert(doc, case_package)
        expect(again.success and again.result.document_id == doc, f"{again!r}")
        listed = await cs.documents.list({"limit": 100})
        ids = {d.sourced_id for d in listed["CFDocuments"]}
        expect({doc, other_doc} <= ids, f"documents {ids}")
        back = (await cs.items.get(child_a))["CFItem"]
        expect(back.full_statement == case_package["CFItems"][1]["fullStatement"], f"{back!r}")

    steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("orgs: list", orgs_list),
        ("orgs: get district", orgs_get),
        ("terms: list and get", terms_list_and_get),
        ("orgs: create school (POST)", orgs_create),
        ("orgs: update school (PUT)", orgs_update),
        ("courses: create (POST)", courses_create),
        ("courses: update (PUT)", courses_update),
        ("courses: list with filter", courses_list),
        ("classes: create (POST)", classes_create),
        ("classes: update (PUT)", classes_update),
        ("users: create student and teacher (POST)", users_create),
        ("users: update (PUT)", users_update),
        ("users: list with filter, /students", users_list),
        ("users: pagination", users_pagination),
        ("users: unknown sourcedId is NotFoundError", users_not_found),
        ("enrollments: create (POST)", enrollments_create),
        ("enrollments: update (PUT)", enrollments_update),
        ("enrollments: list with filter, /classes/{id}/students", enrollments_list),
        ("categories: create (POST)", category_create),
        ("lineItems: create (POST)", line_items_create),
        ("lineItems: update (PUT returns the line item)", line_items_update),
        ("lineItems: list with filter", line_items_list),
        ("results: create (POST)", results_create),
        ("results: update (PUT returns the result)", results_update),
        ("results: list with filter, list_all", results_list),
        ("caliper: send_time_spent and send_activity for the student", caliper_send),
        ("edubridge: get_activity (by studentId and by email)", analytics_activity),
        ("edubridge: get_activity buckets days by timezone", analytics_activity_timezone),
        ("edubridge: get_weekly_facts", analytics_weekly),
        ("edubridge: get_enrollment_facts", analytics_enrollment),
        ("edubridge: get_highest_grade_mastered", analytics_highest_grade),
        ("xp ledger and insights over HTTP", xp_ledger_and_insights),
        ("qti: items create (JSON and XML), get, list, update, create_from_metadata", qti_items),
        ("qti: process_response scores with the engine", qti_process_response),
        ("qti: stimuli create, get, list, update, delete", qti_stimuli),
        ("qti: tests create (JSON), get, list, update, update_metadata, questions", qti_tests),
        ("qti: test parts, sections and item references edited", qti_test_structure),
        ("qti: validate and validate batch", qti_validate),
        ("qti: lesson and question feedback submitted, listed and deleted", qti_feedback),
        ("qti: delete the test and the items", qti_delete),
    ]
    if case_package:
        steps += [
            ("case: packages.create uploads the framework", case_upload),
            ("case: documents list (filter) and get", case_documents),
            ("case: items list (filter) and get", case_items),
            ("case: associations get; unknown is NotFoundError", case_association),
            ("case: packages get and get_groups", case_package_and_groups),
            ("case: packages update and upsert", case_update_and_upsert),
        ]
    try:
        for name, body in steps:
            if args.only and not any(word in name for word in args.only):
                continue
            await check.step(name, body)
    finally:
        await client.close()

    print(f"\n{check.passed} passed, {len(check.failures)} failed")
    if check.failures:
        print("\n".join(["", "Failures:", *check.failures]))
        if args.dump:
            print(json.dumps(_exchanges, indent=2))
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--district", required=True, help="sourcedId of an existing district")
    parser.add_argument("--term", required=True, help="sourcedId of an existing term")
    parser.add_argument(
        "--sensor", required=True, help="Caliper sensor IRI registered to the client"
    )
    parser.add_argument("--prefix", default="", help="sourcedId prefix of created rows")
    parser.add_argument(
        "--case-package",
        default="",
        help="a CASE package (JSON) the CASE client uploads and reads back (none: no CASE)",
    )
    parser.add_argument("--only", action="append", default=[], help="run steps matching this")
    parser.add_argument(
        "--no-grades",
        action="store_true",
        help="send no grades (isolates the other checks when grades are rejected)",
    )
    parser.add_argument("--verbose", action="store_true", help="print tracebacks")
    parser.add_argument("--dump", action="store_true", help="print every HTTP exchange")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
