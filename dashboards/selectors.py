"""Who may see what on the dashboards. One ``Viewer`` per signed-in login, and queryset
functions that every dashboard page, partial and export goes through:

* a student sees only themself;
* staff (a roster user with a staff role) see the students and classes of their schools:
  the orgs of their roles and primary org, with everything below them;
* a developer sees the apps (API clients) of their organisation and below;
* a Django superuser sees everything.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q, QuerySet, Sum

from dashboards.models import DeveloperAccount
from mastery.models import (
    AppDailyRollup,
    AppEventQuality,
    MasteryFact,
    StudentAppDayRollup,
    StudentDailyRollup,
)
from mastery.progress import (
    DEFAULT_ACTIVE_MINUTES_GOAL,
    DiagnosisRow,
    Finding,
    Goals,
    Totals,
    findings_of,
    goals_of,
    school_days,
    time_saved_seconds,
)
from mastery.services.gradebook import course_sourced_id_of
from mastery.services.rollups import QUALITY_SUMS
from roster.models import Course, Enrollment, Org, User, UserRole
from tenancy.models import ApiClient
from tenancy.selectors import expand_org_subtrees

__all__ = [
    "QUALITY_FIELDS",
    "STAFF_ROLES",
    "AppCourse",
    "AppDashboard",
    "AppDay",
    "AppFilters",
    "AppStatus",
    "ClassStatus",
    "OrgOverview",
    "StudentStatus",
    "CourseProgress",
    "RecentDay",
    "StudentDashboard",
    "StudentWeek",
    "Viewer",
    "app_dashboard",
    "apps_visible",
    "org_overview",
    "orgs_visible",
    "students_status",
    "grade_label",
    "student_dashboard",
    "student_goals",
    "student_version",
    "student_week",
    "students_visible",
    "viewer_for",
]

STAFF_ROLES = frozenset(
    {
        "teacher",
        "aide",
        "counselor",
        "proctor",
        "principal",
        "administrator",
        "siteAdministrator",
        "districtAdministrator",
        "systemAdministrator",
    }
)

Kind = Literal["admin", "staff", "developer", "student", "none"]


@dataclass(frozen=True)
class Viewer:
    """What one login may see: its kind, its roster user (students, staff), the org pks of
    its schools (staff) or organisation (developers)."""

    kind: Kind
    user_id: int | None = None
    org_ids: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


def viewer_for(*, login: Any) -> Viewer:
    """The viewer of a Django login (anonymous: kind ``none``)."""
    if login is None or not login.is_authenticated:
        return Viewer(kind="none")
    if login.is_superuser:
        return Viewer(kind="admin")
    account = DeveloperAccount.objects.filter(login_id=login.pk).first()
    if account is not None:
        return Viewer(
            kind="developer", org_ids=expand_org_subtrees(root_ids={account.organisation_id})
        )
    user = User.objects.filter(login_id=login.pk, status="active").first()
    if user is None:
        return Viewer(kind="none")
    roles = set(UserRole.objects.filter(user=user).values_list("role", "org_id"))
    staff_orgs = {org for role, org in roles if role in STAFF_ROLES}
    if user.primary_role in STAFF_ROLES and user.primary_org_id:
        staff_orgs.add(user.primary_org_id)
    if staff_orgs:
        return Viewer(
            kind="staff", user_id=user.pk, org_ids=expand_org_subtrees(root_ids=staff_orgs)
        )
    return Viewer(kind="student", user_id=user.pk)


def students_visible(*, viewer: Viewer) -> QuerySet[User]:
    """The students whose dashboards ``viewer`` may open."""
    students = User.objects.filter(primary_role="student", status="active")
    if viewer.is_admin:
        return students
    if viewer.kind == "student" and viewer.user_id is not None:
        return students.filter(pk=viewer.user_id)
    if viewer.kind == "staff":
        return students.filter(org_scope_id__in=viewer.org_ids)
    return students.none()


def apps_visible(*, viewer: Viewer) -> QuerySet[ApiClient]:
    """The apps (API clients) whose developer dashboards ``viewer`` may open."""
    apps = ApiClient.objects.filter(is_active=True)
    if viewer.is_admin:
        return apps
    if viewer.kind == "developer":
        return apps.filter(organisation_id__in=viewer.org_ids)
    return apps.none()


def orgs_visible(*, viewer: Viewer) -> QuerySet[Org]:
    """The schools and districts whose staff views ``viewer`` may open."""
    orgs = Org.objects.filter(status="active")
    if viewer.is_admin:
        return orgs
    if viewer.kind == "staff":
        return orgs.filter(pk__in=viewer.org_ids)
    return orgs.none()


# ---- Student dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class StudentWeek:
    """A student's last seven days from the daily rollups (oldest first), today's figures,
    and the streak: consecutive days up to today (or yesterday, if today has none yet) with
    any XP."""

    days: list[tuple[dt.date, float]]
    spent_s: list[float]  # time spent (active + inactive + waste) per day, oldest first
    xp_today: float
    streak: int
    active_s_today: float
    inactive_s_today: float
    waste_s_today: float
    active_s_week: float
    inactive_s_week: float
    waste_s_week: float


STREAK_LOOKBACK_DAYS = 366


def student_week(*, student_id: int, today: dt.date) -> StudentWeek:
    """Read from ``StudentDailyRollup`` only (two queries), never raw events."""
    week_start = today - dt.timedelta(days=6)
    rows = {
        r.day: r
        for r in StudentDailyRollup.objects.filter(
            student_id=student_id, day__gte=week_start, day__lte=today
        )
    }
    days = [(week_start + dt.timedelta(days=i), 0.0) for i in range(7)]
    days = [(day, rows[day].xp if day in rows else 0.0) for day, _ in days]
    spent_s = [
        (r.active_seconds + r.inactive_seconds + r.waste_seconds) if (r := rows.get(day)) else 0.0
        for day, _ in days
    ]
    xp_days = set(
        StudentDailyRollup.objects.filter(
            student_id=student_id,
            day__gt=today - dt.timedelta(days=STREAK_LOOKBACK_DAYS),
            day__lte=today,
            xp__gt=0,
        ).values_list("day", flat=True)
    )
    cursor = today if today in xp_days else today - dt.timedelta(days=1)
    streak = 0
    while cursor in xp_days:
        streak += 1
        cursor -= dt.timedelta(days=1)
    now = rows.get(today)
    return StudentWeek(
        days=days,
        spent_s=spent_s,
        xp_today=now.xp if now else 0.0,
        streak=streak,
        active_s_today=now.active_seconds if now else 0.0,
        inactive_s_today=now.inactive_seconds if now else 0.0,
        waste_s_today=now.waste_seconds if now else 0.0,
        active_s_week=sum(r.active_seconds for r in rows.values()),
        inactive_s_week=sum(r.inactive_seconds for r in rows.values()),
        waste_s_week=sum(r.waste_seconds for r in rows.values()),
    )


def grade_label(grade: str) -> str:
    """Timeback's grade codes as words: -1 Pre-K, 0 (or K) Kindergarten, 13 AP."""
    text = str(grade).strip()
    named = {"-1": "Pre-K", "PK": "Pre-K", "0": "Kindergarten", "KG": "Kindergarten"}
    named |= {"K": "Kindergarten", "13": "AP"}
    if text in named:
        return named[text]
    return f"Grade {int(text)}" if text.lstrip("0").isdigit() else (text or "—")


def student_goals(
    *, students: QuerySet[User] | Iterable[int]
) -> dict[int, tuple[Goals, list[Course]]]:
    """Each student's daily goals (from the courses of their active student enrollments)
    and those courses. Two queries, whatever the number of students (the courses are read
    once; students sharing a set of courses share its goals)."""
    who = (
        Q(user__in=students.values("pk"))
        if isinstance(students, QuerySet)
        else Q(user_id__in=list(students))
    )
    pairs = (
        Enrollment.objects.filter(who, role="student", status="active")
        .values_list("user_id", "klass__course_id")
        .distinct()
        .order_by()
    )
    by_student: dict[int, set[int]] = defaultdict(set)
    for user_id, course_id in pairs:
        by_student[user_id].add(course_id)
    wanted = set().union(*by_student.values()) if by_student else set()
    courses = {
        c.pk: c
        for c in Course.objects.filter(pk__in=wanted).only(
            "sourced_id", "title", "grades", "subjects", "metadata"
        )
    }
    memo: dict[frozenset[int], Goals] = {}
    out: dict[int, tuple[Goals, list[Course]]] = {}
    for student, course_ids in by_student.items():
        key = frozenset(course_ids)
        if key not in memo:
            memo[key] = goals_of(course_metadata=[courses[c].metadata for c in key if c in courses])
        out[student] = (memo[key], [courses[c] for c in sorted(course_ids) if c in courses])
    return out


@dataclass(frozen=True)
class CourseProgress:
    """Mastery in one course: units mastered of the course's total, and its level."""

    course_iri: str
    title: str
    subject: str
    level: str
    mastered: int
    attempted: int
    total: int | None

    @property
    def percent(self) -> float | None:
        return min(100.0, 100 * self.mastered / self.total) if self.total else None


@dataclass(frozen=True)
class RecentDay:
    """One app and course on one day (the recent-activity list)."""

    day: dt.date
    app: str
    course: str
    completions: int
    xp: float
    accuracy: float | None
    active_minutes: float


@dataclass(frozen=True)
class StudentDashboard:
    student: User
    week: StudentWeek
    goals: Goals
    time_saved_today_s: float
    time_saved_week_s: float
    subjects: list[tuple[str, list[CourseProgress]]]
    recent: list[RecentDay]
    version: str

    @property
    def goal_share(self) -> float | None:
        return min(1.0, self.week.xp_today / self.goals.xp) if self.goals.xp else None


def course_total_units(course: Course) -> int | None:
    """The course's lessons from its Timeback metrics (``metrics.totalLessons``)."""
    metrics = course.metadata.get("metrics") if isinstance(course.metadata, dict) else None
    total = metrics.get("totalLessons") if isinstance(metrics, dict) else None
    return int(total) if isinstance(total, int | float) and total > 0 else None


def student_version(*, student_id: int) -> str:
    """Changes whenever the student's rollups do: the newest daily rollup change and the
    newest per-app row (rows are rewritten when their bucket is filled). Two small reads."""
    daily = StudentDailyRollup.objects.filter(student_id=student_id).aggregate(
        at=Max("updated_at")
    )["at"]
    per_app = StudentAppDayRollup.objects.filter(student_id=student_id).aggregate(top=Max("id"))[
        "top"
    ]
    return f"{daily.timestamp() if daily else 0:.6f}-{per_app or 0}"


RECENT_ROWS = 8


def student_dashboard(*, student: User, today: dt.date) -> StudentDashboard:
    """Everything the student page shows, from rollups and mastery facts only (no raw
    event): eight queries."""
    week = student_week(student_id=student.pk, today=today)
    goals, enrolled = student_goals(students=[student.pk]).get(student.pk, (Goals(), []))
    by_sid = {c.sourced_id: c for c in enrolled}
    facts = list(
        MasteryFact.objects.filter(student_id=student.pk)
        .values("course_iri")
        .annotate(
            title=Max("course_name"),
            subject=Max("subject"),
            mastered=Count("id", filter=Q(mastered=True)),
            attempted=Count("id"),
        )
        .order_by("course_iri")
    )
    missing = {course_sourced_id_of(f["course_iri"]) for f in facts} - set(by_sid) - {""}
    if missing:
        by_sid |= {c.sourced_id: c for c in Course.objects.filter(sourced_id__in=missing)}
    progress: list[CourseProgress] = []
    seen: set[str] = set()
    for f in facts:
        course = by_sid.get(course_sourced_id_of(f["course_iri"]))
        if course is not None:
            seen.add(course.sourced_id)
        progress.append(_course_progress(course, f))
    for sid, course in by_sid.items():
        if sid not in seen and course in enrolled:
            progress.append(_course_progress(course, None))
    subjects: dict[str, list[CourseProgress]] = defaultdict(list)
    for item in sorted(progress, key=lambda p: (p.subject, p.title)):
        subjects[item.subject or "Other"].append(item)
    recent = [
        RecentDay(
            day=r["day"],
            app=r["api_client__name"],
            course=r["course_name"] or "—",
            completions=r["completions"],
            xp=r["xp"],
            accuracy=r["correct_questions"] / r["total_questions"]
            if r["total_questions"]
            else None,
            active_minutes=r["active_seconds"] / 60,
        )
        for r in StudentAppDayRollup.objects.filter(student_id=student.pk, day__lte=today)
        .order_by("-day", "-xp", "course_name")
        .values(
            "day",
            "api_client__name",
            "course_name",
            "completions",
            "xp",
            "total_questions",
            "correct_questions",
            "active_seconds",
        )[:RECENT_ROWS]
    ]
    saved = [
        time_saved_seconds(xp=xp, goal_xp=goals.xp, spent_seconds=spent)
        for (_, xp), spent in zip(week.days, week.spent_s, strict=True)
    ]
    return StudentDashboard(
        student=student,
        week=week,
        goals=goals,
        time_saved_today_s=saved[-1],
        time_saved_week_s=sum(saved),
        subjects=sorted(subjects.items()),
        recent=recent,
        version=student_version(student_id=student.pk),
    )


def _course_progress(course: Course | None, fact: Mapping[str, Any] | None) -> CourseProgress:
    grades = course.grades if course is not None and isinstance(course.grades, list) else []
    subjects = course.subjects if course is not None and isinstance(course.subjects, list) else []
    return CourseProgress(
        course_iri=fact["course_iri"] if fact else "",
        title=(course.title if course is not None else (fact or {}).get("title")) or "—",
        subject=(fact or {}).get("subject") or (subjects[0] if subjects else ""),
        level=grade_label(str(grades[-1])) if grades else "—",
        mastered=(fact or {}).get("mastered", 0),
        attempted=(fact or {}).get("attempted", 0),
        total=course_total_units(course) if course is not None else None,
    )


# ---- Developer dashboard -----------------------------------------------------------------

ACCURACY_BINS = [0, 50, 60, 70, 80, 90, 95, 100]  # percent; the last bin holds 100
MASTERY_MINUTE_BINS = [0, 5, 10, 15, 20, 30, 45, 60, 90, 120]  # the last bin is open


@dataclass(frozen=True)
class AppFilters:
    """The developer dashboard's filters (a closed day range; course and grade optional)."""

    start: dt.date
    end: dt.date
    course_iri: str = ""
    grade: str = ""


@dataclass(frozen=True)
class AppDay:
    day: dt.date
    students: int
    events: int
    completions: int
    xp: float
    active_s: float
    inactive_s: float
    waste_s: float


@dataclass(frozen=True)
class AppCourse:
    course_iri: str
    title: str
    students: int
    completions: int
    assessed: int
    units_mastered: int
    students_mastering: int
    total_units: int | None

    @property
    def completion(self) -> float | None:
        """Units mastered per student reached, as a share of the course's units."""
        if not self.total_units or not self.students:
            return None
        return min(1.0, self.units_mastered / self.students / self.total_units)


@dataclass(frozen=True)
class AppDashboard:
    filters: AppFilters
    days: list[AppDay]
    courses: list[AppCourse]
    students_reached: int
    accuracy_histogram: list[tuple[str, int]]
    mastery_minutes_histogram: list[tuple[str, int]]
    quality: dict[str, int]
    course_options: list[tuple[str, str]]
    grade_options: list[str]

    def total(self, name: str) -> float:
        return sum(getattr(day, name) for day in self.days)

    @property
    def completions(self) -> int:
        return int(self.total("completions"))

    @property
    def events(self) -> int:
        return int(self.total("events"))

    @property
    def xp_per_active_minute(self) -> float | None:
        minutes = self.total("active_s") / 60
        return self.total("xp") / minutes if minutes else None

    @property
    def waste_percent(self) -> float | None:
        spent = self.total("active_s") + self.total("inactive_s") + self.total("waste_s")
        return 100 * self.total("waste_s") / spent if spent else None


QUALITY_FIELDS = QUALITY_SUMS


def _bin_labels(edges: list[int], unit: str, open_end: bool) -> list[str]:
    labels = [f"{lo}–{hi}{unit}" for lo, hi in itertools.pairwise(edges)]
    if open_end:
        labels.append(f"{edges[-1]}{unit}+")
    return labels


def _histogram(
    values: Iterable[float], edges: list[int], unit: str, *, open_end: bool
) -> list[tuple[str, int]]:
    """Counts of ``values`` in [edges[i], edges[i+1]) (the closed last bin holds its upper
    edge; with ``open_end`` a last bin holds everything from the last edge up)."""
    labels = _bin_labels(edges, unit, open_end)
    counts = [0] * len(labels)
    for value in values:
        index = bisect.bisect_right(edges, value) - 1
        index = max(0, min(index, len(labels) - 1))
        counts[index] += 1
    return list(zip(labels, counts, strict=True))


def app_dashboard(*, app: ApiClient, filters: AppFilters) -> AppDashboard:
    """The developer dashboard of ``app``: four queries, one pass over the app's
    ``StudentAppDayRollup`` rows of the range.

    That pass groups by (student, course, grade), a few rows per student, and everything
    per student and per course, the filter options and the filters themselves are worked
    out from it. Days come from the app-day rollup and event quality (one row per day) when
    no course or grade is chosen, else from the filtered rows grouped by day."""
    ranged = StudentAppDayRollup.objects.filter(
        api_client_id=app.pk, day__gte=filters.start, day__lte=filters.end
    )
    groups = list(
        ranged.values("student_id", "course_iri", "grade")
        .annotate(
            title=Max("course_name"),
            completions_=Sum("completions"),
            assessed_=Sum("assessed"),
            total=Sum("total_questions"),
            correct=Sum("correct_questions"),
            units=Sum("units_mastered"),
            minutes=Sum("mastery_minutes"),
        )
        .order_by()
    )
    titles: dict[str, str] = {}
    for g in groups:
        titles[g["course_iri"]] = max(titles.get(g["course_iri"], ""), g["title"] or "")
    course_options = sorted(
        ((iri, title or iri or "(no course)") for iri, title in titles.items()),
        key=lambda option: (option[1], option[0]),
    )
    grade_options = sorted({g["grade"] for g in groups if g["grade"]}, key=lambda g: (len(g), g))
    chosen = [
        g
        for g in groups
        if (not filters.course_iri or g["course_iri"] == filters.course_iri)
        and (not filters.grade or g["grade"] == filters.grade)
    ]
    per_student: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    per_course: dict[str, dict[str, Any]] = {}
    for g in chosen:
        figures = per_student[g["student_id"]]
        figures[0] += g["total"] or 0
        figures[1] += g["correct"] or 0
        figures[2] += g["units"] or 0
        figures[3] += g["minutes"] or 0.0
        tally = per_course.setdefault(
            g["course_iri"],
            {"students": set(), "mastering": set(), "completions": 0, "assessed": 0, "units": 0},
        )
        tally["students"].add(g["student_id"])
        if g["units"]:
            tally["mastering"].add(g["student_id"])
        tally["completions"] += g["completions_"] or 0
        tally["assessed"] += g["assessed_"] or 0
        tally["units"] += g["units"] or 0
    accuracy = _histogram(
        (100 * correct / total for total, correct, _, _ in per_student.values() if total),
        ACCURACY_BINS,
        "%",
        open_end=False,
    )
    mastery_minutes = _histogram(
        (minutes / units for _, _, units, minutes in per_student.values() if units),
        MASTERY_MINUTE_BINS,
        " min",
        open_end=True,
    )
    known = {
        c.sourced_id: c
        for c in Course.objects.filter(
            sourced_id__in=[course_sourced_id_of(iri) for iri in per_course]
        ).only("sourced_id", "title", "metadata")
    }
    courses = []
    for iri in sorted(per_course):
        tally = per_course[iri]
        course = known.get(course_sourced_id_of(iri))
        courses.append(
            AppCourse(
                course_iri=iri,
                title=titles.get(iri) or (course.title if course else "") or "(no course)",
                students=len(tally["students"]),
                completions=tally["completions"],
                assessed=tally["assessed"],
                units_mastered=tally["units"],
                students_mastering=len(tally["mastering"]),
                total_units=course_total_units(course) if course else None,
            )
        )
    quality_days = list(
        AppEventQuality.objects.filter(
            api_client_id=app.pk, day__gte=filters.start, day__lte=filters.end
        ).values("day", *QUALITY_FIELDS)
    )
    quality = {name: sum(q[name] for q in quality_days) for name in QUALITY_FIELDS}
    if filters.course_iri or filters.grade:
        days = _days_filtered(ranged, filters)
    else:
        days = _days_of_app(
            app=app, filters=filters, events={q["day"]: q["events"] for q in quality_days}
        )
    return AppDashboard(
        filters=filters,
        days=days,
        courses=courses,
        students_reached=len(per_student),
        accuracy_histogram=accuracy,
        mastery_minutes_histogram=mastery_minutes,
        quality=quality,
        course_options=course_options,
        grade_options=grade_options,
    )


def _days_of_app(
    *, app: ApiClient, filters: AppFilters, events: Mapping[dt.date, int]
) -> list[AppDay]:
    """The app's days from its app-day rollup (students counted once per day) and the
    events its quality rows counted."""
    return [
        AppDay(
            day=r.day,
            students=r.students,
            events=events.get(r.day, 0),
            completions=r.activities_completed,
            xp=r.xp,
            active_s=r.active_seconds,
            inactive_s=r.inactive_seconds,
            waste_s=r.waste_seconds,
        )
        for r in AppDailyRollup.objects.filter(
            api_client_id=app.pk, day__gte=filters.start, day__lte=filters.end
        ).order_by("day")
    ]


def _days_filtered(ranged: QuerySet[StudentAppDayRollup], filters: AppFilters) -> list[AppDay]:
    rows = ranged
    if filters.course_iri:
        rows = rows.filter(course_iri=filters.course_iri)
    if filters.grade:
        rows = rows.filter(grade=filters.grade)
    return [
        AppDay(
            day=r["day"],
            students=r["students"],
            events=r["events_"] or 0,
            completions=r["completions_"] or 0,
            xp=r["xp_"] or 0.0,
            active_s=r["active"] or 0.0,
            inactive_s=r["inactive"] or 0.0,
            waste_s=r["waste"] or 0.0,
        )
        for r in rows.values("day")
        .annotate(
            students=Count("student_id", distinct=True),
            events_=Sum("events"),
            completions_=Sum("completions"),
            xp_=Sum("xp"),
            active=Sum("active_seconds"),
            inactive=Sum("inactive_seconds"),
            waste=Sum("waste_seconds"),
        )
        .order_by("day")
    ]


# ---- Staff view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AppStatus:
    """One student in one app over the window, with what the figures suggest."""

    app: str
    totals: Totals
    findings: list[DiagnosisRow]


@dataclass(frozen=True)
class StudentStatus:
    """One student over the window: figures, flags, and the diagnosis overall and per app."""

    pk: int
    sourced_id: str
    name: str
    grade: str
    goals: Goals
    totals: Totals
    below_goal: bool
    findings: list[DiagnosisRow]
    apps: list[AppStatus]

    @property
    def high_waste(self) -> bool:
        return any(f.finding == Finding.HIGH_WASTE for f in self.findings)

    @property
    def inactive(self) -> bool:
        """Nothing at all in the window: not started (or away), shown apart from the
        students whose figures point at a cause."""
        return not self.totals.spent_seconds and not self.totals.completions

    @property
    def off_band(self) -> bool:
        return self.totals.off_band

    @property
    def flagged(self) -> bool:
        return self.below_goal or self.high_waste or self.off_band or bool(self.findings)

    @property
    def diagnoses(self) -> list[str]:
        seen = {f.diagnosis.value for f in self.findings}
        for app in self.apps:
            seen |= {f.diagnosis.value for f in app.findings}
        return sorted(seen)


@dataclass(frozen=True)
class ClassStatus:
    sourced_id: str
    title: str
    students: int
    below_goal: int
    high_waste: int
    off_band: int


@dataclass(frozen=True)
class OrgOverview:
    org: Org
    start: dt.date
    end: dt.date
    school_days: int
    students: list[StudentStatus]
    classes: list[ClassStatus]
    page: Page[StudentStatus]

    def count(self, flag: str) -> int:
        return sum(1 for s in self.students if getattr(s, flag))

    @property
    def below_goal(self) -> int:
        return self.count("below_goal")

    @property
    def inactive(self) -> int:
        return self.count("inactive")

    @property
    def high_waste(self) -> int:
        return self.count("high_waste")

    @property
    def off_band(self) -> int:
        return self.count("off_band")


_TOTAL_SUMS = {
    "xp": Sum("xp"),
    "completions": Sum("activities_completed"),
    "total_questions": Sum("total_questions"),
    "correct_questions": Sum("correct_questions"),
    "mastered_units": Sum("mastered_units"),
    "active_seconds": Sum("active_seconds"),
    "inactive_seconds": Sum("inactive_seconds"),
    "waste_seconds": Sum("waste_seconds"),
}
_APP_SUMS = _TOTAL_SUMS | {
    "completions": Sum("completions"),
    "mastered_units": Sum("units_mastered"),
}


def _totals(row: Mapping[str, Any]) -> Totals:
    return Totals(**{name: row[name] or 0 for name in _TOTAL_SUMS})


def students_status(
    *, students: QuerySet[User], start: dt.date, end: dt.date, with_apps: bool = True
) -> list[StudentStatus]:
    """The window's figures, flags and diagnosis of each of ``students``, from the daily
    and per-app rollups: five queries whatever their number. The students are read first
    and the other queries take their pks as a list: the planner then knows how many there
    are (a nested visibility subquery, on tables not yet analysed, was planned as one row
    and cost minutes)."""
    people = list(students.values_list("pk", "sourced_id", "given_name", "family_name", "grades"))
    ids = [p[0] for p in people]
    days = school_days(start=start, end=end)
    daily = {
        r["student_id"]: _totals(r)
        for r in StudentDailyRollup.objects.filter(student_id__in=ids, day__gte=start, day__lte=end)
        .values("student_id")
        .annotate(**_TOTAL_SUMS)
        .order_by()
    }
    goals = student_goals(students=ids)
    per_app = _apps_status(student_ids=ids, start=start, end=end) if with_apps else {}
    out = []
    for pk, sourced_id, given, family, grades in people:
        totals = daily.get(pk, Totals())
        goal, _ = goals.get(pk, (Goals(), []))
        out.append(
            StudentStatus(
                pk=pk,
                sourced_id=sourced_id,
                name=f"{given} {family}".strip(),
                grade=str(grades[0]) if isinstance(grades, list) and grades else "",
                goals=goal,
                totals=totals,
                below_goal=totals.below_goal(goal_xp=goal.xp, days=days),
                findings=findings_of(
                    totals=totals,
                    days=days,
                    active_minutes_goal=goal.active_minutes or DEFAULT_ACTIVE_MINUTES_GOAL,
                ),
                apps=per_app.get(pk, []),
            )
        )
    return out


def _apps_status(
    *, student_ids: list[int], start: dt.date, end: dt.date
) -> dict[int, list[AppStatus]]:
    """Each student's figures and findings per app over the window (one query)."""
    days = school_days(start=start, end=end)
    per_app: dict[int, list[AppStatus]] = defaultdict(list)
    for r in (
        StudentAppDayRollup.objects.filter(student_id__in=student_ids, day__gte=start, day__lte=end)
        .values("student_id", "api_client__name")
        .annotate(**_APP_SUMS)
        .order_by("student_id", "api_client__name")
    ):
        totals = _totals(r)
        per_app[r["student_id"]].append(
            AppStatus(
                app=r["api_client__name"],
                totals=totals,
                findings=findings_of(totals=totals, days=days, active_minutes_goal=None),
            )
        )
    return per_app


ORG_PAGE_SIZE = 50


def org_overview(
    *,
    viewer: Viewer,
    org: Org,
    start: dt.date,
    end: dt.date,
    class_sourced_id: str = "",
    page: int = 1,
    per_page: int = ORG_PAGE_SIZE,
) -> OrgOverview:
    """A school's (or district's) students over the window, flagged and diagnosed, and its
    classes with their flagged counts; restricted to ``class_sourced_id`` when given. Only
    students ``viewer`` may see. Students are ordered flagged first, then the others, then
    those with no activity; ``page`` of them (``per_page``) carry their per-app diagnosis
    (the counts need only the overall figures). Seven queries."""
    subtree = expand_org_subtrees(root_ids={org.pk})
    students = students_visible(viewer=viewer).filter(primary_org_id__in=subtree)
    # Class memberships of the org's classes, read once; narrowed in Python.
    classes: dict[str, dict[str, Any]] = {}
    for sourced_id, title, user_id in (
        Enrollment.objects.filter(role="student", status="active", klass__school_id__in=subtree)
        .values_list("klass__sourced_id", "klass__title", "user_id")
        .order_by("klass__title", "klass__sourced_id")
    ):
        entry = classes.setdefault(sourced_id, {"title": title, "students": set()})
        entry["students"].add(user_id)
    if class_sourced_id:
        members = classes.get(class_sourced_id, {}).get("students", set())
        students = students.filter(pk__in=sorted(members))
    statuses = students_status(
        students=students.order_by("family_name", "given_name", "sourced_id"),
        start=start,
        end=end,
        with_apps=False,
    )
    statuses.sort(key=lambda s: (s.inactive, not s.flagged))  # stable: names within
    shown = Paginator(statuses, per_page).get_page(page)
    apps = _apps_status(student_ids=[s.pk for s in shown], start=start, end=end)
    shown.object_list = [replace(s, apps=apps.get(s.pk, [])) for s in shown]
    by_pk = {s.pk: s for s in statuses}
    class_rows = []
    for sourced_id, entry in classes.items():
        if class_sourced_id and sourced_id != class_sourced_id:
            continue
        members_status = [by_pk[u] for u in entry["students"] if u in by_pk]
        class_rows.append(
            ClassStatus(
                sourced_id=sourced_id,
                title=entry["title"],
                students=len(members_status),
                below_goal=sum(1 for s in members_status if s.below_goal),
                high_waste=sum(1 for s in members_status if s.high_waste),
                off_band=sum(1 for s in members_status if s.off_band),
            )
        )
    return OrgOverview(
        org=org,
        start=start,
        end=end,
        school_days=school_days(start=start, end=end),
        students=statuses,
        classes=class_rows,
        page=shown,
    )
