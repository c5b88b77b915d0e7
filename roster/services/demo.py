"""A deterministic demo district: schools, people, classes, course structure and grades.

Everything is derived from a seeded ``random.Random``: every run produces the same
sourcedIds, names and numbers. Rows that already exist are left untouched, so a second run
changes nothing. Rows are written with ``bulk_create`` (a whole district takes seconds).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from roster.models import (
    AcademicSession,
    AssessmentLineItem,
    AssessmentResult,
    Category,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    LineItem,
    Org,
    Resource,
    Result,
    User,
    UserRole,
)
from tenancy.models import ApiClient, ApiClientSensor
from tenancy.scopes import EVENTS_CREATE, EVENTS_READONLY, ONEROSTER_SCOPES, scope_uri
from tenancy.selectors import api_client_changed
from tenancy.services import api_client_create

__all__ = [
    "DEMO_ADMIN_PASSWORD",
    "DEMO_ADMIN_USERNAME",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_DISTRICT_ID",
    "DEMO_SENSOR",
    "DemoCredentials",
    "DemoSummary",
    "course_goals",
    "course_lessons",
    "course_metrics",
    "demo_credentials_ensure",
    "demo_district_seed",
]

# Demo-only credentials: fixed so that docs and scripts can use them. Never use in production.
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "timeback-demo"
DEMO_CLIENT_ID = "timeback-demo-client"
DEMO_CLIENT_SECRET = "timeback-demo-secret-do-not-use-in-production"
DEMO_CLIENT_NAME = "Demo district client"
# The demo client also sends Caliper events, as the demo learning app registered to it.
DEMO_SENSOR = "https://demo-app.timeback.local"
DEMO_CALIPER_SCOPES = (EVENTS_CREATE, EVENTS_READONLY)

DEMO_DISTRICT_ID = "demo-district"
SOURCE_SYSTEM = "demo"
SCHOOL_YEAR = "2026"

SUBJECTS: tuple[tuple[str, str, str], ...] = (
    # (title, code used in sourcedIds, SCED subject code)
    ("Math", "math", "02"),
    ("Reading", "reading", "01"),
    ("Language", "language", "01"),
    ("Science", "science", "03"),
    ("Social Studies", "social", "04"),
)
# Grades in Timeback's vocabulary ("-1" Pre-K, "0" K, "1".."12", "13" AP): the official
# client only parses these, and they are valid OneRoster grade strings too.
GRADE_NAMES = {
    "0": "Kindergarten",
    "1": "Grade 1",
    "2": "Grade 2",
    "3": "Grade 3",
    "4": "Grade 4",
    "5": "Grade 5",
    "6": "Grade 6",
    "7": "Grade 7",
    "8": "Grade 8",
}
ELEMENTARY_GRADES = ("0", "1", "2", "3", "4", "5")
MIDDLE_GRADES = ("6", "7", "8")
SCHOOLS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # (sourcedId, name, identifier, grades)
    ("demo-school-oak", "Oak Hill Elementary", "OHE", ELEMENTARY_GRADES),
    ("demo-school-pine", "Pine Ridge Elementary", "PRE", ELEMENTARY_GRADES),
    ("demo-school-cedar", "Cedar Creek Middle School", "CCM", MIDDLE_GRADES),
)
STUDENTS_PER_ELEMENTARY_GRADE = 34  # per school: 2 schools x 6 grades x 34 = 408
STUDENTS_PER_MIDDLE_GRADE = 64  # 3 grades x 64 = 192, in three sections per subject
MIDDLE_SECTIONS = 3
MIDDLE_TEACHERS_PER_SUBJECT = MIDDLE_SECTIONS  # one per section

GIVEN_NAMES = (
    "Ava", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sophia", "Elijah", "Isabella", "Lucas",
    "Mia", "Levi", "Amelia", "Ezra", "Harper", "Asher", "Evelyn", "James", "Luna", "Leo",
    "Camila", "Aiden", "Sofia", "Kai", "Aaliyah", "Hiro", "Priya", "Omar", "Zoe", "Diego",
    "Nora", "Wei", "Fatima", "Ethan", "Maya", "Samuel", "Layla", "Jonah", "Chloe", "Arjun",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Nguyen", "Patel", "Kim", "Okafor", "Cohen",
)  # fmt: skip
UNIT_TITLES = ("Foundations", "Building Skills", "Putting It Together")
# Each unit: these lessons (one resource each, in order), then the unit test placed on the unit.
LESSON_KINDS = ("video", "qti")
# Base XP of a resource (Timeback's ``resource.metadata.xp``): 1 XP = 1 focused minute.
RESOURCE_XP = {"video": 5, "qti": 10, "test": 50}

# Timeback's course goals (``metadata.goals``) per subject code. A student's day is the sum
# over their courses: 90 XP, about 90 minutes of focused learning, the core subjects first.
# (dailyXp, dailyLessons, dailyActiveMinutes, dailyMasteredUnits); dailyAccuracy is 80 for all.
SUBJECT_GOALS: dict[str, tuple[int, int, int, int]] = {
    "math": (25, 2, 25, 1),
    "reading": (25, 2, 25, 1),
    "language": (15, 1, 15, 1),
    "science": (15, 1, 15, 1),
    "social": (10, 1, 10, 1),
}
DAILY_ACCURACY_GOAL = 80

_M = TypeVar("_M", bound=models.Model)


@dataclass
class DemoSummary:
    """What the seed wrote: rows per model and how many of them were new this run."""

    district: str = DEMO_DISTRICT_ID
    totals: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def updated_total(self) -> int:
        return sum(self.updated.values())


@dataclass(frozen=True)
class DemoLesson:
    """One lesson of a demo course (a component resource), in course order: ``topic`` is the
    lesson's place in its unit, None for the unit test (placed on the unit itself)."""

    unit: int
    topic: int | None
    kind: str  # video | qti | test

    @property
    def xp(self) -> int:
        return RESOURCE_XP[self.kind]

    @property
    def title(self) -> str:
        return f"Lesson {self.unit}.{self.topic}" if self.topic else f"Unit {self.unit} test"


def course_lessons() -> list[DemoLesson]:
    """The lessons every demo course has, in course order (units, then lessons, the unit
    test last): the structure the seed writes and the demo activity works through."""
    lessons: list[DemoLesson] = []
    for u in range(1, len(UNIT_TITLES) + 1):
        lessons += [DemoLesson(u, t, kind) for t, kind in enumerate(LESSON_KINDS, start=1)]
        lessons.append(DemoLesson(u, None, "test"))
    return lessons


def course_goals(*, subject_code: str) -> dict[str, int]:
    """Timeback's daily goals of a demo course of ``subject_code``."""
    xp, lessons, minutes, mastered = SUBJECT_GOALS[subject_code]
    return {
        "dailyXp": xp,
        "dailyLessons": lessons,
        "dailyActiveMinutes": minutes,
        "dailyAccuracy": DAILY_ACCURACY_GOAL,
        "dailyMasteredUnits": mastered,
    }


def course_metrics() -> dict[str, int]:
    """Timeback's course metrics of a demo course: the XP and lessons its structure holds."""
    lessons = course_lessons()
    return {
        "totalXp": sum(lesson.xp for lesson in lessons),
        "totalLessons": len(lessons),
        "totalGrades": 1,
    }


@dataclass(frozen=True)
class DemoCredentials:
    admin_username: str
    admin_password: str
    admin_created: bool
    client_id: str
    client_secret: str
    client_created: bool


# --------------------------------------------------------------------------------------------
# Writing helpers: create what is missing, keep what exists, return sourcedId → pk
# --------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, summary: DemoSummary) -> None:
        self.summary = summary

    def ensure(self, model: type[_M], rows: Sequence[_M]) -> dict[str, int]:
        """bulk_create the rows whose sourcedId is new; sourcedId → pk of all of them."""
        ids = [r.sourced_id for r in rows]  # type: ignore[attr-defined]
        existing = dict(
            model._default_manager.filter(sourced_id__in=ids).values_list("sourced_id", "pk")
        )
        new = [r for r in rows if r.sourced_id not in existing]  # type: ignore[attr-defined]
        for row in new:
            row.source_system = SOURCE_SYSTEM  # type: ignore[attr-defined]
        model._default_manager.bulk_create(new, batch_size=500)
        name = model.__name__
        self.summary.created[name] = self.summary.created.get(name, 0) + len(new)
        self.summary.totals[name] = self.summary.totals.get(name, 0) + len(rows)
        if new:
            existing = dict(
                model._default_manager.filter(sourced_id__in=ids).values_list("sourced_id", "pk")
            )
        return existing

    def link(self, through: type[models.Model], rows: Iterable[models.Model]) -> None:
        """Many-to-many rows (and user roles): their unique constraints make reruns no-ops."""
        rows = list(rows)
        before = through._default_manager.count()
        through._default_manager.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        name = through.__name__
        self.summary.created[name] = (
            self.summary.created.get(name, 0) + through._default_manager.count() - before
        )
        self.summary.totals[name] = self.summary.totals.get(name, 0) + len(rows)


def _course_metadata_complete(rows: Sequence[Course], summary: DemoSummary) -> None:
    """Give demo courses seeded before the course goals and metrics existed the ``goals`` and
    ``metrics`` of ``rows`` (their planned versions). Keys a course has are kept as they are,
    so a second run, or a course edited since, changes nothing."""
    planned = {row.sourced_id: row.metadata for row in rows}
    stale = []
    now = timezone.now()
    for course in Course.objects.filter(sourced_id__in=list(planned)).only(
        "pk", "sourced_id", "metadata"
    ):
        current = course.metadata if isinstance(course.metadata, dict) else {}
        missing = {
            key: planned[course.sourced_id][key]
            for key in ("goals", "metrics")
            if key not in current
        }
        if missing:
            course.metadata = {**current, **missing}
            # A bulk writer stamps dateLastModified itself, so delta syncs see the change.
            course.date_last_modified = now
            stale.append(course)
    Course.objects.bulk_update(stale, ["metadata", "date_last_modified"], batch_size=500)
    if stale:
        summary.updated["Course"] = summary.updated.get("Course", 0) + len(stale)


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 15, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# The seed
# --------------------------------------------------------------------------------------------


@transaction.atomic
def demo_district_seed(*, seed: int = 2026) -> DemoSummary:
    """Create (or complete) the demo district; rows that already exist are not touched."""
    rng = random.Random(seed)
    summary = DemoSummary()
    w = _Writer(summary)

    # -- Orgs ---------------------------------------------------------------------------------
    w.ensure(
        Org,
        [
            Org(
                sourced_id=DEMO_DISTRICT_ID,
                name="Maple Valley School District",
                type="district",
                identifier="MVSD",
            )
        ],
    )
    district = Org.objects.get(sourced_id=DEMO_DISTRICT_ID)
    w.ensure(
        Org,
        [
            Org(
                sourced_id=sid,
                name=name,
                type="school",
                identifier=ident,
                parent=district,
                metadata={"grades": list(grades)},
            )
            for sid, name, ident, grades in SCHOOLS
        ],
    )
    schools = {o.sourced_id: o for o in Org.objects.filter(sourced_id__in=[s[0] for s in SCHOOLS])}

    # -- Academic sessions --------------------------------------------------------------------
    def session(
        sid: str, title: str, kind: str, start: dt.date, end: dt.date, parent: Any
    ) -> AcademicSession:
        return AcademicSession(
            sourced_id=sid,
            title=title,
            type=kind,
            start_date=start,
            end_date=end,
            parent_id=parent,
            school_year=SCHOOL_YEAR,
            org=district,
            org_scope=district,
        )

    year_map = w.ensure(
        AcademicSession,
        [
            session(
                "demo-sy-2026",
                "School Year 2025-2026",
                "schoolYear",
                _d(2025, 8, 18),
                _d(2026, 6, 5),
                None,
            )
        ],
    )
    year_pk = year_map["demo-sy-2026"]
    halves = (
        ("fall", "Fall", _d(2025, 8, 18), _d(2025, 12, 19)),
        ("spring", "Spring", _d(2026, 1, 6), _d(2026, 6, 5)),
    )
    sem_map = w.ensure(
        AcademicSession,
        [
            session(f"demo-sem-{k}-2026", f"{t} Semester 2025-2026", "semester", s, e, year_pk)
            for k, t, s, e in halves
        ],
    )
    term_map = w.ensure(
        AcademicSession,
        [
            session(f"demo-term-{k}-2026", f"{t} Term 2025-2026", "term", s, e, year_pk)
            for k, t, s, e in halves
        ],
    )
    quarters = (
        ("q1", "fall", _d(2025, 8, 18), _d(2025, 10, 17)),
        ("q2", "fall", _d(2025, 10, 20), _d(2025, 12, 19)),
        ("q3", "spring", _d(2026, 1, 6), _d(2026, 3, 13)),
        ("q4", "spring", _d(2026, 3, 16), _d(2026, 6, 5)),
    )
    gp_map = w.ensure(
        AcademicSession,
        [
            session(
                f"demo-gp-{q}-2026",
                f"Quarter {q[1]} 2025-2026",
                "gradingPeriod",
                s,
                e,
                term_map[f"demo-term-{half}-2026"],
            )
            for q, half, s, e in quarters
        ],
    )
    del sem_map  # semesters are listed for completeness; classes run in terms
    term_pks = list(term_map.values())

    # -- Courses and the Timeback course structure -------------------------------------------
    all_grades = ELEMENTARY_GRADES + MIDDLE_GRADES
    course_rows = []
    for grade in all_grades:
        for title, code, sced in SUBJECTS:
            course_rows.append(
                Course(
                    sourced_id=f"demo-course-{code}-{grade.lower()}",
                    title=f"{title} {GRADE_NAMES[grade]}",
                    course_code=f"{code.upper()}-{grade}",
                    school_year_id=year_pk,
                    grades=[grade],
                    subjects=[title],
                    subject_codes=[sced],
                    org=district,
                    org_scope=district,
                    metadata={
                        "publishStatus": "published",
                        "primaryApp": "timeback-demo",
                        "goals": course_goals(subject_code=code),
                        "metrics": course_metrics(),
                    },
                )
            )
    course_map = w.ensure(Course, course_rows)
    _course_metadata_complete(course_rows, summary)

    resource_rows: list[Resource] = []
    unit_rows: list[CourseComponent] = []
    topic_rows: list[CourseComponent] = []
    placements: list[tuple[str, str, str, float, str]] = []  # component, resource, title, ...
    for grade in all_grades:
        for title, code, _sced in SUBJECTS:
            course_sid = f"demo-course-{code}-{grade.lower()}"
            previous_unit = None
            for u, unit_title in enumerate(UNIT_TITLES, start=1):
                unit_sid = f"{course_sid}-u{u}"
                unit_rows.append(
                    CourseComponent(
                        sourced_id=unit_sid,
                        course_id=course_map[course_sid],
                        title=f"Unit {u}: {unit_title}",
                        sort_order=u,
                        prerequisites=[previous_unit] if previous_unit else [],
                        prerequisite_criteria="ALL" if previous_unit else "",
                        org_scope=district,
                    )
                )
                previous_unit = unit_sid
                for lesson in (lesson for lesson in course_lessons() if lesson.unit == u):
                    t = lesson.topic
                    if t is None:
                        test_sid = f"demo-res-{code}-{grade.lower()}-u{u}-test"
                        resource_rows.append(
                            _resource(test_sid, "test", title, grade, lesson.title, rng, district)
                        )
                        placements.append((unit_sid, test_sid, lesson.title, 99, "unit-test"))
                        continue
                    topic_sid = f"{unit_sid}-l{t}"
                    topic_rows.append(
                        CourseComponent(
                            sourced_id=topic_sid,
                            course_id=course_map[course_sid],
                            title=lesson.title,
                            sort_order=t,
                            org_scope=district,
                        )
                    )
                    res_sid = f"demo-res-{code}-{grade.lower()}-u{u}-l{t}"
                    resource_rows.append(
                        _resource(res_sid, lesson.kind, title, grade, lesson.title, rng, district)
                    )
                    placements.append((topic_sid, res_sid, lesson.title, t, "lesson"))
    resource_map = w.ensure(Resource, resource_rows)
    unit_map = w.ensure(CourseComponent, unit_rows)
    for row in topic_rows:
        unit_sid = row.sourced_id.rsplit("-", 1)[0]
        row.parent_id = unit_map[unit_sid]
    topic_map = w.ensure(CourseComponent, topic_rows)
    component_map = {**unit_map, **topic_map}
    cr_map = w.ensure(
        ComponentResource,
        [
            ComponentResource(
                sourced_id=f"demo-cr-{res_sid.removeprefix('demo-res-')}",
                course_component_id=component_map[comp_sid],
                resource_id=resource_map[res_sid],
                title=title,
                sort_order=order,
                lesson_type=lesson_type,
                org_scope=district,
            )
            for comp_sid, res_sid, title, order, lesson_type in placements
        ],
    )

    # -- People ------------------------------------------------------------------------------
    users: list[User] = []
    roles: list[tuple[str, str, str]] = []  # (user sid, role, org sid)
    student_grade: dict[str, tuple[str, str]] = {}  # user sid → (school sid, grade)

    def person(sid: str, role: str, school: Org, grades: Sequence[str] = ()) -> User:
        given = rng.choice(GIVEN_NAMES)
        family = rng.choice(FAMILY_NAMES)
        handle = f"{given}.{family}.{sid.rsplit('-', 1)[-1]}".lower()
        roles.append((sid, role, school.sourced_id))
        return User(
            sourced_id=sid,
            username=handle,
            user_master_identifier=sid.upper(),
            identifier=sid.rsplit("-", 1)[-1],
            given_name=given,
            family_name=family,
            email=f"{handle}@demo.maplevalley.example",
            grades=list(grades),
            primary_role=role,
            primary_org=school,
            org_scope=school,
            user_ids=[{"type": "districtId", "identifier": sid.upper()}],
        )

    n = 0
    for school_sid, _name, _ident, grades in SCHOOLS:
        per_grade = (
            STUDENTS_PER_MIDDLE_GRADE if grades == MIDDLE_GRADES else STUDENTS_PER_ELEMENTARY_GRADE
        )
        for grade in grades:
            for _ in range(per_grade):
                n += 1
                sid = f"demo-stu-{n:04d}"
                users.append(person(sid, "student", schools[school_sid], [grade]))
                student_grade[sid] = (school_sid, grade)
    teachers: dict[tuple[str, str, str], list[str]] = {}  # (school, grade, subject) → sids
    t = 0
    for school_sid, _name, _ident, grades in SCHOOLS:
        if grades == ELEMENTARY_GRADES:
            for grade in grades:  # a homeroom teacher teaches every subject of one grade
                t += 1
                sid = f"demo-tch-{t:03d}"
                users.append(person(sid, "teacher", schools[school_sid], [grade]))
                for _title, code, _ in SUBJECTS:
                    teachers.setdefault((school_sid, grade, code), []).append(sid)
            t += 1  # and one reading/language specialist co-teaches across the school
            sid = f"demo-tch-{t:03d}"
            users.append(person(sid, "teacher", schools[school_sid], grades))
            for grade in grades:
                for code in ("reading", "language"):
                    teachers[(school_sid, grade, code)].append(sid)
        else:
            for _title, code, _ in SUBJECTS:
                for section in range(1, MIDDLE_TEACHERS_PER_SUBJECT + 1):
                    t += 1
                    sid = f"demo-tch-{t:03d}"
                    users.append(person(sid, "teacher", schools[school_sid], grades))
                    for grade in grades:
                        teachers.setdefault((school_sid, grade, f"{code}-s{section}"), []).append(
                            sid
                        )
    # No principals: "principal" is a OneRoster role that Timeback's role vocabulary (and so
    # its official client) does not know; school staff manage the platform through logins.
    guardian_of: dict[str, str] = {}
    for g, sid in enumerate(list(student_grade)[::4], start=1):
        gsid = f"demo-grd-{g:03d}"
        school = schools[student_grade[sid][0]]
        users.append(person(gsid, "guardian", school))
        guardian_of[gsid] = sid
    user_map = w.ensure(User, users)
    org_pks = {sid: o.pk for sid, o in schools.items()}
    w.link(
        UserRole,
        [
            UserRole(user_id=user_map[u], role=r, org_id=org_pks[o], role_type="primary")
            for u, r, o in roles
        ],
    )
    agents = User.agents.through
    w.link(
        agents,
        [
            agents(from_user_id=user_map[s], to_user_id=user_map[gsid])
            for gsid, s in guardian_of.items()
        ]
        + [
            agents(from_user_id=user_map[gsid], to_user_id=user_map[s])
            for gsid, s in guardian_of.items()
        ],
    )
    demo_rows = []
    for i, (sid, (school_sid, grade)) in enumerate(student_grade.items()):
        if i % 3:
            continue
        age = 5 + all_grades.index(grade)
        demo_rows.append(
            Demographics(
                sourced_id=sid,
                user_id=user_map[sid],
                birth_date=_d(2020 - age, rng.randint(1, 12), rng.randint(1, 28)),
                sex=rng.choice(("female", "male")),
                hispanic_or_latino_ethnicity=rng.random() < 0.25,
                white=rng.random() < 0.5,
                asian=rng.random() < 0.1,
                black_or_african_american=rng.random() < 0.15,
                country_of_birth_code="US",
                state_of_birth_abbreviation="OR",
                org_scope=schools[school_sid],
            )
        )
    w.ensure(Demographics, demo_rows)

    # -- Classes and enrollments --------------------------------------------------------------
    class_rows = []
    class_students: dict[str, list[str]] = {}
    class_teachers: dict[str, list[str]] = {}
    for school_sid, _name, ident, grades in SCHOOLS:
        sections = MIDDLE_SECTIONS if grades == MIDDLE_GRADES else 1
        for grade in grades:
            roster = [
                s for s, (sc, gr) in student_grade.items() if sc == school_sid and gr == grade
            ]
            for title, code, sced in SUBJECTS:
                for section in range(1, sections + 1):
                    suffix = f"-s{section}" if sections > 1 else ""
                    csid = f"demo-class-{ident.lower()}-{code}-{grade.lower()}{suffix}"
                    class_rows.append(
                        Class(
                            sourced_id=csid,
                            title=f"{title} {GRADE_NAMES[grade]}"
                            + (f" (Section {section})" if sections > 1 else ""),
                            class_code=f"{ident}-{code.upper()}-{grade}{suffix.upper()}",
                            class_type="scheduled",
                            location=f"Room {100 + all_grades.index(grade) * 10 + section}",
                            grades=[grade],
                            subjects=[title],
                            subject_codes=[sced],
                            periods=[str(1 + [s[1] for s in SUBJECTS].index(code))],
                            course_id=course_map[f"demo-course-{code}-{grade.lower()}"],
                            school=schools[school_sid],
                            org_scope=schools[school_sid],
                        )
                    )
                    class_students[csid] = roster[section - 1 :: sections]
                    key = (school_sid, grade, f"{code}{suffix}")
                    class_teachers[csid] = teachers[key]
    class_map = w.ensure(Class, class_rows)
    terms = Class.terms.through
    w.link(
        terms,
        [terms(class_id=pk, academicsession_id=tp) for pk in class_map.values() for tp in term_pks],
    )
    school_of_class = {c.sourced_id: c.school for c in class_rows}
    enrollment_rows = []
    for csid, students in class_students.items():
        school = school_of_class[csid]
        for i, tsid in enumerate(class_teachers[csid]):
            enrollment_rows.append(
                Enrollment(
                    sourced_id=f"demo-enr-{csid.removeprefix('demo-class-')}-{tsid}",
                    user_id=user_map[tsid],
                    klass_id=class_map[csid],
                    school=school,
                    role="teacher",
                    primary=i == 0,
                    begin_date=_d(2025, 8, 18),
                    end_date=_d(2026, 6, 5),
                    org_scope=school,
                )
            )
        for ssid in students:
            enrollment_rows.append(
                Enrollment(
                    sourced_id=f"demo-enr-{csid.removeprefix('demo-class-')}-{ssid}",
                    user_id=user_map[ssid],
                    klass_id=class_map[csid],
                    school=school,
                    role="student",
                    begin_date=_d(2025, 8, 18),
                    end_date=_d(2026, 6, 5),
                    org_scope=school,
                )
            )
    w.ensure(Enrollment, enrollment_rows)

    # -- Gradebook -----------------------------------------------------------------------------
    categories = (
        ("homework", "Homework", 0.2),
        ("quizzes", "Quizzes", 0.3),
        ("tests", "Tests", 0.5),
    )
    cat_map = w.ensure(
        Category,
        [
            Category(sourced_id=f"demo-cat-{k}", title=t, weight=wt, org_scope=district)
            for k, t, wt in categories
        ],
    )
    line_items = []
    for c in class_rows:
        for kind, label, _wt in categories:
            due = _d(2025, 9, 12) if kind == "homework" else _d(2025, 10, 3)
            if kind == "tests":
                due = _d(2025, 10, 15)
            line_items.append(
                LineItem(
                    sourced_id=f"demo-li-{c.sourced_id.removeprefix('demo-class-')}-{kind}",
                    title=f"{label.removesuffix('s')} 1",
                    description=f"{label} for {c.title}",
                    assign_date=_at(due - dt.timedelta(days=7)),
                    due_date=_at(due),
                    klass_id=class_map[c.sourced_id],
                    school=c.school,
                    category_id=cat_map[f"demo-cat-{kind}"],
                    grading_period_id=gp_map["demo-gp-q1-2026"],
                    academic_session_id=term_map["demo-term-fall-2026"],
                    result_value_min=0,
                    result_value_max=100,
                    org_scope=c.school,
                )
            )
    li_map = w.ensure(LineItem, line_items)
    results = []
    for c in class_rows:
        if "-math-" not in c.sourced_id:
            continue  # a few results: the math homework of every class
        li_sid = f"demo-li-{c.sourced_id.removeprefix('demo-class-')}-homework"
        for ssid in class_students[c.sourced_id]:
            score = float(rng.randint(55, 100))
            results.append(
                Result(
                    sourced_id=f"demo-res-{li_sid.removeprefix('demo-li-')}-{ssid}",
                    line_item_id=li_map[li_sid],
                    student_id=user_map[ssid],
                    klass_id=class_map[c.sourced_id],
                    score=score,
                    score_status="fully graded",
                    score_date=_d(2025, 9, 15),
                    comment="Great work!" if score >= 95 else "",
                    org_scope=c.school,
                )
            )
    w.ensure(Result, results)

    # -- Assessments (Timeback: XP and accuracy in metadata) ------------------------------------
    alis = []
    for grade in all_grades:
        course_sid = f"demo-course-math-{grade.lower()}"
        unit_sid = f"{course_sid}-u1"
        alis.append(
            AssessmentLineItem(
                sourced_id=f"demo-ali-math-{grade.lower()}-u1-test",
                title=f"Math {GRADE_NAMES[grade]}: Unit 1 test",
                course_id=course_map[course_sid],
                component_id=component_map[unit_sid],
                component_resource_id=cr_map[f"demo-cr-math-{grade.lower()}-u1-test"],
                result_value_min=0,
                result_value_max=100,
                org_scope=district,
                metadata={"type": "unit-test", "subject": "Math", "grades": [grade], "xp": 50},
            )
        )
    ali_map = w.ensure(AssessmentLineItem, alis)
    assessment_results = []
    for ssid, (_school, grade) in student_grade.items():
        if int(ssid.rsplit("-", 1)[-1]) % 5:
            continue
        total = 20
        correct = rng.randint(10, total)
        accuracy = round(correct / total * 100, 1)
        ali_sid = f"demo-ali-math-{grade.lower()}-u1-test"
        assessment_results.append(
            AssessmentResult(
                sourced_id=f"demo-ares-math-{grade.lower()}-u1-{ssid}",
                assessment_line_item_id=ali_map[ali_sid],
                student_id=user_map[ssid],
                score=accuracy,
                score_date=_d(2025, 10, 1),
                score_status="fully graded",
                org_scope=district,
                metadata={
                    "xp": 50 if accuracy >= 80 else round(50 * accuracy / 100),
                    "accuracy": accuracy,
                    "totalQuestions": total,
                    "correctQuestions": correct,
                    "masteredUnits": 1 if accuracy >= 80 else 0,
                },
            )
        )
    w.ensure(AssessmentResult, assessment_results)
    return summary


def _resource(
    sid: str, kind: str, subject: str, grade: str, title: str, rng: random.Random, org: Org
) -> Resource:
    slug = sid.removeprefix("demo-res-")
    if kind == "video":
        metadata: dict[str, Any] = {
            "type": "video",
            "format": "mp4",
            "duration": rng.randint(180, 720),
            "url": f"https://media.demo.maplevalley.example/{slug}.mp4",
            "xp": RESOURCE_XP["video"],
        }
    else:
        metadata = {
            "type": "qti",
            "subType": "qti-test" if kind == "test" else "qti-stimulus",
            "questionType": "choice",
            "url": f"https://qti.demo.maplevalley.example/assessment-tests/{slug}",
            "xp": RESOURCE_XP[kind],
        }
    metadata.update(
        {"subject": subject, "grades": [grade], "language": "en-US", "lessonType": kind}
    )
    return Resource(
        sourced_id=sid,
        title=f"{subject} {GRADE_NAMES[grade]}: {title}",
        roles=["primary"],
        importance="primary",
        vendor_resource_id=slug,
        vendor_id="timeback-demo",
        application_id="timeback-demo",
        org_scope=org,
        metadata=metadata,
    )


# --------------------------------------------------------------------------------------------
# Demo credentials
# --------------------------------------------------------------------------------------------


@transaction.atomic
def demo_credentials_ensure() -> DemoCredentials:
    """A superuser and an all-scopes API client for the demo district (fixed, demo-only
    credentials), holding every OneRoster scope plus ``event.create`` and ``events.readonly``
    with ``DEMO_SENSOR`` registered. Existing ones are kept; a demo client seeded before
    Caliper existed gains the Caliper scopes and sensor."""
    login_model = get_user_model()
    admin_created = False
    if not login_model._default_manager.filter(username=DEMO_ADMIN_USERNAME).exists():
        login_model._default_manager.create_superuser(  # type: ignore[attr-defined]
            username=DEMO_ADMIN_USERNAME,
            email="admin@demo.maplevalley.example",
            password=DEMO_ADMIN_PASSWORD,
        )
        admin_created = True
    client_created = False
    if not get_application_model().objects.filter(client_id=DEMO_CLIENT_ID).exists():
        api_client_create(
            name=DEMO_CLIENT_NAME,
            org_sourced_id=DEMO_DISTRICT_ID,
            scopes=[*ONEROSTER_SCOPES, *DEMO_CALIPER_SCOPES],
            environment="staging",
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            sensors=[DEMO_SENSOR],
        )
        client_created = True
    else:
        _demo_client_caliper_ensure()
    return DemoCredentials(
        admin_username=DEMO_ADMIN_USERNAME,
        admin_password=DEMO_ADMIN_PASSWORD,
        admin_created=admin_created,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        client_created=client_created,
    )


def _demo_client_caliper_ensure() -> None:
    """Add the Caliper scopes and the demo sensor to an existing demo client, if missing."""
    api_client = ApiClient.objects.filter(application__client_id=DEMO_CLIENT_ID).first()
    if api_client is None:
        return
    held = api_client.scopes.split()
    missing = [scope_uri(n) for n in DEMO_CALIPER_SCOPES if scope_uri(n) not in held]
    changed = False
    if missing:
        api_client.scopes = " ".join([*held, *missing])
        api_client.save(update_fields=["scopes"])
        changed = True
    _, created = ApiClientSensor.objects.get_or_create(api_client=api_client, iri=DEMO_SENSOR)
    if changed or created:
        transaction.on_commit(api_client_changed)
