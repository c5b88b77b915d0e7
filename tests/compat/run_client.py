"""Drive a running Timeback server with the official Python client (timeback-core).

Runs inside a Python >= 3.12 virtualenv that has ``timeback-core`` installed (see
``scripts/compat_venv.sh``); it imports nothing from this project. It lists, gets, creates and
updates users, orgs, courses, classes, enrollments, line items and results, checks what comes
back, and exits non-zero with one line per failed check (plus the HTTP exchange behind it).

    .venv-compat/bin/python tests/compat/run_client.py --base-url http://127.0.0.1:8000 \\
        --client-id ID --client-secret SECRET --district DISTRICT_SOURCED_ID --term TERM_ID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
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
    parser.add_argument("--prefix", default="", help="sourcedId prefix of created rows")
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
