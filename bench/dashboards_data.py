"""Data of the dashboards benchmark: a district's roster (ORM bulk writes, a few thousand rows)
and the rollups of ``--events`` Caliper events over ``--days`` days (set-based SQL on
PostgreSQL: ``INSERT … SELECT`` over ``generate_series``, never a row at a time).

How "N events' worth" becomes rows: the load works like the pipeline's result, not its input.
Students are active on most school days and a few weekend days; an active student-day works
in one to four of the student's four courses, each through one app: one
``StudentAppDayRollup`` row per (student, app, course, day). Those rows' ``events`` add up to
exactly N (each row's share is drawn at random, then cumulative rounding makes the total
exact); about half of the events are completions (Timeback events come in pairs: a
``TimeSpentEvent`` and the ``ActivityEvent`` completing the activity). Every other table is
derived from those rows, the way the pipeline derives it: ``StudentDailyRollup`` per
(student, day), ``AppDailyRollup``/``AppEventQuality``/``RollupFill`` per (app, day),
``AppStudentDay`` per (app, day, student), ``MasteryFact`` per (student, course, unit), with
as many units mastered as the rows' ``units_mastered`` add up to.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COURSE_BASE", "SUBJECTS", "Scale", "World", "rollups_load", "roster_seed"]

COURSE_BASE = "https://timeback.example.org/ims/oneroster/rostering/v1p2/courses"
UNIT_BASE = "https://bench-apps.example.org/units"
GRADES = ("03", "04", "05", "06", "07", "08")
# subject: (daily XP and active-minutes goal of its courses, apps teaching it)
SUBJECTS: dict[str, tuple[int, int]] = {
    "math": (25, 3),
    "reading": (25, 3),
    "language": (15, 2),
    "science": (15, 2),
}
SECTIONS = 2  # classes per course per school
TEACHERS_PER_SCHOOL = 12
UNITS_PER_COURSE = 40
STAFF_PASSWORD = "bench-dashboards-staff-1"
DEVELOPER = ("bench-developer", "bench-dashboards-developer-1")

GIVEN = ("Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea")
FAMILY = ("Smith", "Khan", "Nguyen", "Ito", "Rossi", "Novak", "Silva", "Kim", "Meyer", "Costa")


@dataclass(frozen=True)
class Scale:
    students: int = 5_000
    schools: int = 5
    days: int = 180
    events: int = 10_000_000
    seed: int = 42


@dataclass(frozen=True)
class Student:
    pk: int
    sourced_id: str
    login_id: int
    school: str


@dataclass
class World:
    """What the page requests need: sourcedIds, pks and logins (auth user pks)."""

    district: str
    schools: list[str]
    students: list[Student]
    staff_login_by_school: dict[str, int]
    district_admin_login: int
    developer_login: int
    apps: list[int]
    # app pk -> [(course IRI, grade)] of the courses it teaches
    app_courses: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def _course_sid(subject: str, grade: str) -> str:
    return f"bench-crs-{subject}-g{grade}"


def _app_name(subject: str, k: int) -> str:
    return f"Bench {subject.title()} {k + 1}"


# ---- roster ----------------------------------------------------------------------------------


def roster_seed(*, scale: Scale) -> World:
    """One district, its schools, 24 courses (4 subjects × grades 3–8) with Timeback goals and
    metrics in their metadata, two classes per course and school, students (four enrollments
    each: their grade's course of every subject), a teacher login per school, a district
    administrator, ten apps (API clients of a vendor org granted the district) and a
    developer login of the vendor."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from dashboards.services import developer_account_create, login_password_set
    from roster.models import AcademicSession, Class, Course, Enrollment, Org, User, UserRole
    from tenancy.services import api_client_create

    rnd = random.Random(scale.seed)
    district = Org.objects.create(
        sourced_id="bench-dist", name="Bench District", type="district", identifier="BD"
    )
    vendor = Org.objects.create(
        sourced_id="bench-vendor", name="Bench Learning Apps", type="department", identifier="BV"
    )
    schools = Org.objects.bulk_create(
        [
            Org(
                sourced_id=f"bench-sch-{s}",
                name=f"Bench School {s + 1}",
                type="school",
                identifier=f"BS{s}",
                parent=district,
            )
            for s in range(scale.schools)
        ]
    )
    year = AcademicSession.objects.create(
        sourced_id="bench-y",
        title="Bench year",
        type="schoolYear",
        start_date=dt.date(2000, 8, 1),
        end_date=dt.date(2100, 6, 30),
        school_year="2026",
        org=district,
        org_scope=district,
    )
    courses: dict[tuple[str, str], Course] = {}
    for subject, (goal, _) in SUBJECTS.items():
        for grade in GRADES:
            courses[subject, grade] = Course(
                sourced_id=_course_sid(subject, grade),
                title=f"{subject.title()} G{int(grade)}",
                course_code=f"{subject[:3].upper()}{grade}",
                school_year=year,
                grades=[grade],
                subjects=[subject],
                org=district,
                org_scope=district,
                metadata={
                    "goals": {
                        "dailyXp": goal,
                        "dailyActiveMinutes": goal,
                        "dailyLessons": 2,
                        "dailyAccuracy": 80,
                        "dailyMasteredUnits": 1,
                    },
                    "metrics": {"totalLessons": UNITS_PER_COURSE},
                },
            )
    Course.objects.bulk_create(courses.values())
    classes: dict[tuple[int, str, str, int], Class] = {}
    for s, school in enumerate(schools):
        for (subject, grade), course in courses.items():
            for section in range(SECTIONS):
                classes[s, subject, grade, section] = Class(
                    sourced_id=f"bench-cls-{s}-{subject}-{grade}-{section}",
                    title=f"{course.title} · {chr(65 + section)} ({school.name})",
                    class_type="scheduled",
                    course=course,
                    school=school,
                    grades=[grade],
                    subjects=[subject],
                    org_scope=school,
                )
    Class.objects.bulk_create(classes.values())

    # Students: school s, grade by index; names repeat (as in a real district).
    student_rows = []
    for i in range(scale.students):
        s = i % scale.schools
        grade = GRADES[(i // scale.schools) % len(GRADES)]
        sid = f"bench-stu-{i:05d}"
        student_rows.append(
            User(
                sourced_id=sid,
                username=sid,
                given_name=rnd.choice(GIVEN),
                family_name=rnd.choice(FAMILY),
                email=f"{sid}@bench.example.org",
                primary_org=schools[s],
                primary_role="student",
                org_scope=schools[s],
                grades=[grade],
            )
        )
    students = User.objects.bulk_create(student_rows, batch_size=2000)
    staff = User.objects.bulk_create(
        [
            User(
                sourced_id=f"bench-tea-{s}-{t:02d}",
                username=f"bench-tea-{s}-{t:02d}",
                given_name=rnd.choice(GIVEN),
                family_name=rnd.choice(FAMILY),
                email=f"bench-tea-{s}-{t:02d}@bench.example.org",
                primary_org=school,
                primary_role="teacher",
                org_scope=school,
            )
            for s, school in enumerate(schools)
            for t in range(TEACHERS_PER_SCHOOL)
        ]
    )
    admin = User.objects.create(
        sourced_id="bench-dist-admin",
        username="bench-dist-admin",
        given_name="Dana",
        family_name="Admin",
        email="bench-dist-admin@bench.example.org",
        primary_org=district,
        primary_role="districtAdministrator",
        org_scope=district,
    )
    roles = [
        UserRole(user=u, role_type="primary", role=u.primary_role, org=u.primary_org)
        for u in [*students, *staff, admin]
    ]
    UserRole.objects.bulk_create(roles, batch_size=5000)

    enrollments = []
    for i, u in enumerate(students):
        s = i % scale.schools
        grade = u.grades[0]
        for subject in SUBJECTS:
            klass = classes[s, subject, grade, (i // (scale.schools * len(GRADES))) % SECTIONS]
            enrollments.append(
                Enrollment(
                    sourced_id=f"bench-enr-{u.sourced_id}-{subject}",
                    user=u,
                    klass=klass,
                    school=schools[s],
                    role="student",
                    primary=False,
                    org_scope=schools[s],
                )
            )
    class_list = list(classes.values())
    for t, teacher in enumerate(staff):
        school_classes = [c for c in class_list if c.school_id == teacher.primary_org_id]
        per = len(school_classes) // TEACHERS_PER_SCHOOL
        for klass in school_classes[(t % TEACHERS_PER_SCHOOL) * per :][:per]:
            enrollments.append(
                Enrollment(
                    sourced_id=f"bench-enr-{teacher.sourced_id}-{klass.sourced_id}",
                    user=teacher,
                    klass=klass,
                    school=klass.school,
                    role="teacher",
                    primary=True,
                    org_scope=klass.school,
                )
            )
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)

    # Student logins: one auth user each (unusable password; the bench signs in with
    # force_login), linked by username in one statement.
    login_model = get_user_model()
    login_model._default_manager.bulk_create(
        [login_model(username=u.sourced_id, password="!") for u in students], batch_size=5000
    )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE roster_user u SET login_id = a.id FROM auth_user a "
            "WHERE a.username = u.sourced_id AND u.primary_role = 'student'"
        )
        cur.execute("SELECT sourced_id, id, login_id FROM roster_user WHERE login_id IS NOT NULL")
        logins = {sid: (pk, login_id) for sid, pk, login_id in cur.fetchall()}

    staff_login_by_school: dict[str, int] = {}
    for teacher in staff:
        school_sid = next(s.sourced_id for s in schools if s.pk == teacher.primary_org_id)
        if school_sid not in staff_login_by_school:
            login_password_set(user=teacher, password=STAFF_PASSWORD, check=False)
            assert teacher.login is not None
            staff_login_by_school[school_sid] = teacher.login.pk
    login_password_set(user=admin, password=STAFF_PASSWORD, check=False)
    assert admin.login is not None

    apps: list[int] = []
    app_courses: dict[int, list[tuple[str, str]]] = {}
    for subject, (_, n_apps) in SUBJECTS.items():
        for k in range(n_apps):
            created = api_client_create(
                name=_app_name(subject, k),
                org_sourced_id=vendor.sourced_id,
                scopes=["event.create"],
                environment="production",
                granted_org_sourced_ids=[district.sourced_id],
                sensors=[f"https://bench-{subject}-{k + 1}.example.org"],
            )
            apps.append(created.api_client.pk)
            app_courses[created.api_client.pk] = [
                (f"{COURSE_BASE}/{_course_sid(subject, g)}", g) for g in GRADES
            ]
    account = developer_account_create(
        username=DEVELOPER[0], password=DEVELOPER[1], organisation=vendor
    )
    school_of = {s.pk: s.sourced_id for s in schools}
    return World(
        district=district.sourced_id,
        schools=[s.sourced_id for s in schools],
        students=[
            Student(
                pk=logins[u.sourced_id][0],
                sourced_id=u.sourced_id,
                login_id=logins[u.sourced_id][1],
                school=school_of[u.primary_org_id or 0],
            )
            for u in students
        ],
        staff_login_by_school=staff_login_by_school,
        district_admin_login=admin.login.pk,
        developer_login=account.login_id,
        apps=apps,
        app_courses=app_courses,
    )


# ---- rollups ---------------------------------------------------------------------------------


def _student_traits(world: World, rnd: random.Random) -> Iterator[tuple[Any, ...]]:
    """(student, school, grade, accuracy, waste share, chance of a school day being active):
    most students in the 80–95% mastery band with little waste; a tenth too low, a tenth too
    high, some with high waste, so that the staff page has flags to show."""
    from roster.models import Org, User

    schools = dict(Org.objects.filter(sourced_id__in=world.schools).values_list("sourced_id", "pk"))
    grades = dict(User.objects.filter(primary_role="student").values_list("pk", "grades"))
    for s in world.students:
        band = rnd.random()
        accuracy = (
            rnd.uniform(0.55, 0.72)
            if band < 0.1
            else rnd.uniform(0.97, 1.0)
            if band < 0.2
            else rnd.uniform(0.8, 0.95)
        )
        waste = rnd.uniform(0.3, 0.5) if rnd.random() < 0.15 else rnd.uniform(0.02, 0.12)
        yield (s.pk, schools[s.school], grades[s.pk][0], accuracy, waste, rnd.uniform(0.6, 0.95))


def _student_courses(world: World, rnd: random.Random) -> Iterator[tuple[Any, ...]]:
    """(student, slot 0–3, app, course IRI, course name, subject): each student takes their
    grade's course of every subject, through one of that subject's apps."""
    from roster.models import User
    from tenancy.models import ApiClient

    names = dict(ApiClient.objects.filter(pk__in=world.apps).values_list("name", "pk"))
    grades = dict(User.objects.filter(primary_role="student").values_list("pk", "grades"))
    for s in world.students:
        grade = grades[s.pk][0]
        for slot, (subject, (_, n_apps)) in enumerate(SUBJECTS.items()):
            app = names[_app_name(subject, rnd.randrange(n_apps))]
            sid = _course_sid(subject, grade)
            yield (
                s.pk,
                slot,
                app,
                f"{COURSE_BASE}/{sid}",
                f"{subject.title()} G{int(grade)}",
                subject,
            )


def _copy(cur: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY ``rows`` (read in full beforehand: the connection can run no other query while a
    COPY is open)."""
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


# The per-row figures, drawn once per row (a, x, y, z, qpa, spa) in the inner query.
_SAD_INSERT = """
INSERT INTO mastery_studentappdayrollup (
    created_at, api_client_id, day, student_id, org_scope_id, school_id, grade, course_iri,
    course_name, subject, events, completions, assessed, xp, total_questions, correct_questions,
    units_mastered, mastery_minutes, active_seconds, inactive_seconds, waste_seconds)
SELECT %(at)s, api_client_id, day, student_id, school_id, school_id, grade, course_iri,
       course_name, subject, events, completions, assessed,
       round((active / 60 * CASE WHEN a >= 0.8 THEN 0.8 + x * 0.4 ELSE 0.3 + x * 0.3 END)
             ::numeric, 1)::float8,
       assessed * qpa, round(assessed * qpa * a)::int,
       units, units * (10 + x * 40), active, active * (0.05 + y * 0.2), active * waste * (0.5 + y)
FROM (
    SELECT r.*, completions * 9 / 10 AS assessed, completions * spa AS active,
           CASE WHEN completions > 0 AND a >= 0.8 AND z < 0.2 THEN 1
                WHEN completions > 0 AND a < 0.8 AND z < 0.03 THEN 1 ELSE 0 END AS units
    FROM (
        SELECT r.*, r.events / 2 AS completions,
               least(1.0, greatest(0.2, r.acc + (random() - 0.5) * 0.08)) AS a,
               random() AS x, random() AS y, random() AS z,
               4 + floor(random() * 7)::int AS qpa, 240 + random() * 360 AS spa
        FROM bench_sad r
    ) r
) r
ORDER BY day, api_client_id, student_id, course_iri
"""

_DAILY_INSERT = """
INSERT INTO mastery_studentdailyrollup (
    created_at, student_id, org_scope_id, day, xp, activities_completed, total_questions,
    correct_questions, mastered_units, active_seconds, inactive_seconds, waste_seconds,
    unknown_seconds, anti_pattern_seconds, updated_at)
SELECT %(at)s, student_id, min(org_scope_id), day, sum(xp), sum(completions),
       sum(total_questions), sum(correct_questions), sum(units_mastered), sum(active_seconds),
       sum(inactive_seconds), sum(waste_seconds), 0, 0, %(at)s
FROM mastery_studentappdayrollup
GROUP BY day, student_id
ORDER BY day, student_id
"""

_APP_DAILY_INSERT = """
INSERT INTO mastery_appdailyrollup (
    created_at, api_client_id, day, students, activities_completed, xp, total_questions,
    correct_questions, mastered_units, active_seconds, inactive_seconds, waste_seconds,
    updated_at)
SELECT %(at)s, api_client_id, day, count(DISTINCT student_id), sum(completions), sum(xp),
       sum(total_questions), sum(correct_questions), sum(units_mastered), sum(active_seconds),
       sum(inactive_seconds), sum(waste_seconds), %(at)s
FROM mastery_studentappdayrollup
GROUP BY day, api_client_id
ORDER BY day, api_client_id
"""

# Findings in plausible shares of the app-day's events (the page only sums them).
_QUALITY_INSERT = """
INSERT INTO mastery_appeventquality (
    created_at, api_client_id, day, events, timeback_events, completions, unattributed,
    xp_above_active, xp_below_80, mastery_below_90, no_time_spent, missing_fields, updated_at)
SELECT %(at)s, api_client_id, day, sum(events), sum(events), sum(completions),
       sum(events) / 1000, count(*) FILTER (WHERE xp > active_seconds / 60),
       coalesce(sum(completions) FILTER (WHERE correct_questions < 0.8 * total_questions), 0),
       count(*) FILTER (WHERE units_mastered > 0 AND correct_questions < 0.9 * total_questions),
       sum(completions) / 200, sum(events) / 500, %(at)s
FROM mastery_studentappdayrollup
GROUP BY day, api_client_id
ORDER BY day, api_client_id
"""

_APP_STUDENT_DAY_INSERT = """
INSERT INTO mastery_appstudentday (api_client_id, day, student_id)
SELECT DISTINCT api_client_id, day, student_id FROM mastery_studentappdayrollup
ORDER BY day, api_client_id, student_id
"""

_FILL_INSERT = """
INSERT INTO mastery_rollupfill (api_client_id, day, source_updated_at, filled_at)
SELECT api_client_id, day, %(at)s, %(at)s FROM mastery_appdailyrollup ORDER BY day, api_client_id
"""

# Units 1..m of a student's course mastered (m: the units its rows first mastered), a few
# more attempted; mastered on spread-out days up to the last active one.
_MASTERY_INSERT = """
INSERT INTO mastery_masteryfact (
    created_at, student_id, org_scope_id, course_iri, course_name, subject, unit_iri,
    unit_name, attempts, best_accuracy, latest_accuracy, mastered, mastered_units, mastered_at,
    updated_at)
SELECT %(at)s, g.student_id, g.org_scope_id, g.course_iri, g.course_name, g.subject,
       %(unit_base)s || '/' || g.sid || '/unit-' || lpad(u::text, 2, '0'),
       'Unit ' || u, 1 + floor(random() * 3)::int,
       CASE WHEN u <= g.m THEN 0.9 + random() * 0.1 ELSE g.acc * (0.8 + random() * 0.2) END,
       CASE WHEN u <= g.m THEN 0.85 + random() * 0.15 ELSE g.acc * (0.7 + random() * 0.3) END,
       u <= g.m, (u <= g.m)::int,
       CASE WHEN u <= g.m
            THEN (g.last_day - (g.m - u) * 3)::timestamp AT TIME ZONE 'UTC' + interval '15 hours'
       END,
       %(at)s
FROM (
    SELECT student_id, min(org_scope_id) AS org_scope_id, course_iri,
           regexp_replace(course_iri, '^.*/', '') AS sid, max(course_name) AS course_name,
           max(subject) AS subject, least(%(units)s, sum(units_mastered))::int AS m,
           max(day) AS last_day,
           coalesce(sum(correct_questions)::float8 / nullif(sum(total_questions), 0), 0.5) AS acc
    FROM mastery_studentappdayrollup
    GROUP BY student_id, course_iri
) g
CROSS JOIN LATERAL generate_series(1, least(%(units)s, g.m + 1 + (g.student_id %% 5)::int)) u
ORDER BY g.student_id, g.course_iri, u
"""


def rollups_load(*, world: World, scale: Scale, today: dt.date, log: Any) -> dict[str, Any]:
    """Every rollup table the pages read, for ``scale.days`` days up to ``today``; returns
    the row counts and the seconds each step took."""
    import time

    from django.db import connection, transaction
    from django.utils import timezone

    rnd = random.Random(scale.seed + 1)
    at = timezone.now()
    first = today - dt.timedelta(days=scale.days - 1)
    params: dict[str, Any] = {
        "at": at,
        "first": first,
        "today": today,
        "events": scale.events,
        "units": UNITS_PER_COURSE,
        "unit_base": UNIT_BASE,
        # setseed() wants a value in [-1, 1]
        "seed": (scale.seed % 1000) / 1000,
    }
    seconds: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        t0 = time.monotonic()
        cur.execute(sql, params)
        seconds[name] = round(time.monotonic() - t0, 1)
        log(f"  {name}: {seconds[name]:.1f} s")

    with transaction.atomic(), connection.cursor() as cur:
        # Foreign keys checked at the end of each statement rather than all at commit (a
        # deferred queue of ~8M checks), as the roster import does for bulk loads.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(
            "CREATE TEMP TABLE bench_student (student_id bigint PRIMARY KEY, school_id bigint,"
            " grade text, acc float8, waste float8, p_active float8) ON COMMIT DROP"
        )
        cur.execute(
            "CREATE TEMP TABLE bench_course (student_id bigint, slot int, api_client_id bigint,"
            " course_iri text, course_name text, subject text) ON COMMIT DROP"
        )
        _copy(
            cur,
            "bench_student",
            "student_id, school_id, grade, acc, waste, p_active",
            list(_student_traits(world, rnd)),
        )
        _copy(
            cur,
            "bench_course",
            "student_id, slot, api_client_id, course_iri, course_name, subject",
            list(_student_courses(world, rnd)),
        )
        cur.execute("SELECT setseed(%(seed)s)", params)
        # Active student-days: a school day with the student's own chance, a weekend day
        # with 10%.
        step(
            "active student-days",
            """
            CREATE TEMP TABLE bench_day ON COMMIT DROP AS
            SELECT s.student_id, d::date AS day
            FROM bench_student s
            CROSS JOIN generate_series(%(first)s::date, %(today)s::date, interval '1 day') d
            WHERE random() < CASE WHEN extract(isodow FROM d) < 6 THEN s.p_active ELSE 0.1 END
            """,
        )
        # The courses worked on that day: one always (rotating), each other with 40%.
        step(
            "student × course days",
            """
            CREATE TEMP TABLE bench_row ON COMMIT DROP AS
            SELECT d.student_id, d.day, c.api_client_id, c.course_iri, c.course_name,
                   c.subject, s.school_id, s.grade, s.acc, s.waste,
                   round((0.3 + random() * 1.4)::numeric, 4) AS w
            FROM bench_day d
            JOIN bench_student s USING (student_id)
            JOIN bench_course c USING (student_id)
            WHERE c.slot = (d.day - DATE '2000-01-03' + d.student_id) %% 4 OR random() < 0.4
            """,
        )
        # Each row's share of the events by cumulative rounding: floor(cum·N/W) minus
        # floor((cum−w)·N/W) telescopes to exactly N over all rows (numeric sums are exact).
        step(
            "events per row",
            """
            CREATE TEMP TABLE bench_sad ON COMMIT DROP AS
            SELECT r.student_id, r.day, r.api_client_id, r.course_iri, r.course_name,
                   r.subject, r.school_id, r.grade, r.acc, r.waste,
                   (floor(r.cw * %(events)s / r.tw)
                    - floor((r.cw - r.w) * %(events)s / r.tw))::int AS events
            FROM (
                SELECT b.*, sum(w) OVER (ORDER BY day, api_client_id, student_id, course_iri
                                         ROWS UNBOUNDED PRECEDING) AS cw,
                       sum(w) OVER () AS tw
                FROM bench_row b
            ) r
            """,
        )
        step("StudentAppDayRollup", _SAD_INSERT)
        step("StudentDailyRollup", _DAILY_INSERT)
        step("AppDailyRollup", _APP_DAILY_INSERT)
        step("AppEventQuality", _QUALITY_INSERT)
        step("AppStudentDay", _APP_STUDENT_DAY_INSERT)
        step("RollupFill", _FILL_INSERT)
        step("MasteryFact", _MASTERY_INSERT)
        committing = time.monotonic()
    seconds["commit"] = round(time.monotonic() - committing, 1)
    log(f"  commit: {seconds['commit']:.1f} s")

    # Outside the transaction: VACUUM cannot run inside one. It also sets the visibility
    # map (index-only scans), as autovacuum would have on tables filled over months.
    t0 = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    seconds["VACUUM (ANALYZE)"] = round(time.monotonic() - t0, 1)
    log(f"  VACUUM (ANALYZE): {seconds['VACUUM (ANALYZE)']:.1f} s")

    counts: dict[str, int] = {}
    tables = {
        "StudentAppDayRollup": "mastery_studentappdayrollup",
        "StudentDailyRollup": "mastery_studentdailyrollup",
        "AppDailyRollup": "mastery_appdailyrollup",
        "AppEventQuality": "mastery_appeventquality",
        "AppStudentDay": "mastery_appstudentday",
        "RollupFill": "mastery_rollupfill",
        "MasteryFact": "mastery_masteryfact",
    }
    with connection.cursor() as cur:
        for name, table in tables.items():
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[name] = int(cur.fetchone()[0])
        cur.execute(
            "SELECT sum(events), sum(completions), count(*) FILTER (WHERE events = 0)"
            " FROM mastery_studentappdayrollup"
        )
        events, completions, empty = cur.fetchone()
        cur.execute("SELECT count(*) FROM mastery_masteryfact WHERE mastered")
        mastered = int(cur.fetchone()[0])
        # What one developer page reads: an app's rows over its default 30 days and over
        # the whole range.
        cur.execute(
            "SELECT count(*) FILTER (WHERE day > %s) / count(DISTINCT api_client_id),"
            " count(*) / count(DISTINCT api_client_id) FROM mastery_studentappdayrollup",
            [today - dt.timedelta(days=30)],
        )
        per_app_30d, per_app_all = (int(x) for x in cur.fetchone())
        cur.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c"
            " WHERE c.relname = ANY(%s) AND c.relkind = 'r'",
            [list(tables.values())],
        )
        size = cur.fetchone()[0]
    return {
        "counts": counts,
        "events": int(events),
        "completions": int(completions),
        "rows_without_events": int(empty),
        "units_mastered": mastered,
        "rows_per_app_30d": per_app_30d,
        "rows_per_app_all": per_app_all,
        "size": size,
        "seconds": seconds,
        "first_day": first.isoformat(),
        "today": today.isoformat(),
    }
