"""Reads of the learning facts, in the units Timeback's analytics speak.

What the read APIs (EduBridge analytics, XP ledger, insights) promise, and where each number
comes from:

- **Activity metrics** (``xpEarned``, ``totalQuestions``, ``correctQuestions``,
  ``masteredUnits``) come from ``ActivityOutcome`` rows: one per processed completion, with
  the XP the rules awarded (not the XP the app claimed) and the mastered units the 90% gate
  accepted. ``xpEarned`` therefore equals the sum of the student's XP ledger entries of those
  completions.
- **Time metrics** come from processed ``TimeSpentEvent`` rows, bucketed by the local day of
  their ``eventTime`` in the requested timezone. When the timezone is UTC and the range is
  whole UTC days, the pre-aggregated ``TimeFact`` rows (student × app × subject × UTC day) give
  the same sums from far fewer rows, and are read instead. Only processed events count on both
  paths, so the two agree, and time and XP describe the same set of events.
- Every selector here runs a fixed number of queries (grouped in the database), however many
  events lie in the range.

The student is always resolved through ``User.objects.for_orgs(grant org ids)``: a student
outside the caller's grant is "not found", never "forbidden", so ids do not leak.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from caliper.models import CaliperEvent
from common.exceptions import ApplicationError, NotFound
from mastery.models import ActivityOutcome, MasteryFact, TimeFact, XpLedgerEntry
from roster.models import Course, Enrollment, User

__all__ = [
    "ACTIVITY_EVENT_TYPES",
    "TIME_SPENT_EVENT_TYPES",
    "UTC",
    "DailyFacts",
    "DateRange",
    "GradeMastery",
    "Metrics",
    "TimeSummary",
    "XpPage",
    "course_iri_matches",
    "course_sourced_id",
    "daily_facts_get",
    "date_range_parse",
    "enrollment_get",
    "grade_rank",
    "highest_grade_mastered_get",
    "student_get",
    "time_summary_get",
    "timezone_parse",
    "week_range",
    "weekly_fact_rows",
    "xp_entries_page",
]

UTC = dt.UTC

# The spellings of the two Timeback profile events (the spec text and the schema disagree).
ACTIVITY_EVENT_TYPES = ("ActivityEvent", "TimebackActivityEvent")
TIME_SPENT_EVENT_TYPES = ("TimeSpentEvent", "TimebackTimeSpentEvent")

STUDENT_REQUIRED = "Provide studentId or email"
STUDENT_NOT_FOUND = "No student {ident!r} is visible to this client"
ENROLLMENT_NOT_FOUND = "No enrollment {ident!r} is visible to this client"
TIMEZONE_INVALID = "timezone must be an IANA timezone name (e.g. America/New_York), got {value!r}"
DATE_INVALID = "{field} must be an ISO 8601 date (YYYY-MM-DD) or date-time, got {value!r}"
DATE_REQUIRED = "{field} is required"
RANGE_REVERSED = "endDate must not be before startDate"

_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# End of a day as Timeback's clients send it (23:59:59.999): the day is wholly included.
_END_OF_DAY = dt.time(23, 59, 59, 999000)


# ---- parameters ------------------------------------------------------------------------------


def timezone_parse(*, value: str | None) -> dt.tzinfo:
    """The IANA zone named by ``value``; UTC when absent. ApplicationError (400) naming
    ``timezone`` when the name is unknown."""
    if not value:
        return UTC
    if value.upper() in {"UTC", "Z", "ETC/UTC"}:
        return UTC
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApplicationError(TIMEZONE_INVALID.format(value=value), field="timezone") from exc


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of instants (either end may be open)."""

    start: dt.datetime | None
    end: dt.datetime | None


def _instant_parse(*, value: str, field_name: str, tz: dt.tzinfo, end: bool) -> dt.datetime:
    """A bare date is the start (or the last instant) of that local day; a date-time without
    an offset is local time in ``tz``; one with an offset (or ``Z``) is taken as is."""
    text = value.strip()
    try:
        if _BARE_DATE.match(text):
            day = dt.date.fromisoformat(text)
            if end:
                return dt.datetime.combine(day, dt.time.max, tzinfo=tz)
            return dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise ApplicationError(
            DATE_INVALID.format(field=field_name, value=value), field=field_name
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def date_range_parse(
    *,
    start: str | None,
    end: str | None,
    tz: dt.tzinfo,
    required: bool = True,
) -> DateRange:
    """Parse ``startDate``/``endDate`` (400 naming the field when missing, malformed or
    reversed)."""
    if required:
        for name, value in (("startDate", start), ("endDate", end)):
            if not value:
                raise ApplicationError(DATE_REQUIRED.format(field=name), field=name)
    lower = _instant_parse(value=start, field_name="startDate", tz=tz, end=False) if start else None
    upper = _instant_parse(value=end, field_name="endDate", tz=tz, end=True) if end else None
    if lower is not None and upper is not None and upper < lower:
        raise ApplicationError(RANGE_REVERSED, field="endDate")
    return DateRange(start=lower, end=upper)


def week_range(*, week_date: str, tz: dt.tzinfo) -> tuple[dt.date, DateRange]:
    """The Sunday–Saturday week (local days in ``tz``) containing ``week_date``: its Sunday
    and the range from that Sunday's local midnight to the next Sunday's (exclusive end is
    expressed as the last microsecond before it)."""
    if not week_date:
        raise ApplicationError(DATE_REQUIRED.format(field="weekDate"), field="weekDate")
    instant = _instant_parse(value=week_date, field_name="weekDate", tz=tz, end=False)
    local_day = instant.astimezone(tz).date()
    # date.weekday(): Monday 0 … Sunday 6; days since the last Sunday:
    sunday = local_day - dt.timedelta(days=(local_day.weekday() + 1) % 7)
    start = dt.datetime.combine(sunday, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(sunday + dt.timedelta(days=6), dt.time.max, tzinfo=tz)
    return sunday, DateRange(start=start, end=end)


# ---- who ------------------------------------------------------------------------------------


def student_get(
    *, org_ids: Collection[int] | None, sourced_id: str | None = None, email: str | None = None
) -> User:
    """The user with ``sourced_id`` (else ``email``) visible in the grant; NotFound (404)
    otherwise. With both given, the sourcedId decides."""
    users = User.objects.for_orgs(org_ids).select_related("primary_org")
    if sourced_id:
        user = users.filter(sourced_id=sourced_id).first()
        ident = sourced_id
    elif email:
        # Email is Timeback's join key but not unique: the oldest row wins, deterministically.
        user = users.filter(email__iexact=email).order_by("pk").first()
        ident = email
    else:
        raise ApplicationError(STUDENT_REQUIRED, field="studentId")
    if user is None:
        raise NotFound(STUDENT_NOT_FOUND.format(ident=ident), field="studentId")
    return user


def enrollment_get(*, org_ids: Collection[int] | None, sourced_id: str) -> Enrollment:
    """The enrollment visible in the grant, with its user, class and course; else NotFound."""
    enrollment = (
        Enrollment.objects.for_orgs(org_ids)
        .select_related("user", "user__primary_org", "klass__course")
        .filter(sourced_id=sourced_id)
        .first()
    )
    if enrollment is None:
        raise NotFound(ENROLLMENT_NOT_FOUND.format(ident=sourced_id), field="enrollmentId")
    return enrollment


def course_iri_matches(*, sourced_id: str) -> Q:
    """Facts whose course IRI names the course ``sourced_id``: the bare sourcedId, a OneRoster
    course URL ending in it, or a URN ending in it. Keyed on sourcedId, never on titles."""
    return (
        Q(course_iri=sourced_id)
        | Q(course_iri__endswith=f"/{sourced_id}")
        | Q(course_iri__endswith=f":{sourced_id}")
    )


# ---- daily facts (activity and enrollment endpoints) ----------------------------------------


@dataclass
class Metrics:
    """The activity and time metrics of one bucket (a day × subject, or × app)."""

    xp_earned: float = 0.0
    total_questions: int = 0
    correct_questions: int = 0
    mastered_units: int = 0
    active_seconds: float = 0.0
    inactive_seconds: float = 0.0
    waste_seconds: float = 0.0
    apps: set[str] = field(default_factory=set)

    def add(self, other: Metrics) -> None:
        self.xp_earned += other.xp_earned
        self.total_questions += other.total_questions
        self.correct_questions += other.correct_questions
        self.mastered_units += other.mastered_units
        self.active_seconds += other.active_seconds
        self.inactive_seconds += other.inactive_seconds
        self.waste_seconds += other.waste_seconds
        self.apps |= other.apps


@dataclass
class DailyFacts:
    """``by_app[day][subject][app]`` buckets; ``by_subject()`` folds the apps together.
    Only days with activity or time have keys."""

    by_app: dict[dt.date, dict[str, dict[str, Metrics]]]

    def by_subject(self) -> dict[dt.date, dict[str, Metrics]]:
        out: dict[dt.date, dict[str, Metrics]] = {}
        for day, subjects in self.by_app.items():
            for subject, apps in subjects.items():
                total = out.setdefault(day, {}).setdefault(subject, Metrics())
                for metrics in apps.values():
                    total.add(metrics)
        return out


def _subject_key(subject: str) -> str:
    # "None" is Timeback's own subject for activities outside the subject list.
    return subject or "None"


def _bucket(
    facts: dict[dt.date, dict[str, dict[str, Metrics]]], day: dt.date, subject: str, app: str
) -> Metrics:
    metrics = (
        facts.setdefault(day, {}).setdefault(_subject_key(subject), {}).setdefault(app, Metrics())
    )
    metrics.apps.add(app)
    return metrics


def _range_filter(prefix: str, rng: DateRange) -> Q:
    q = Q()
    if rng.start is not None:
        q &= Q(**{f"{prefix}__gte": rng.start})
    if rng.end is not None:
        q &= Q(**{f"{prefix}__lte": rng.end})
    return q


def _is_utc(tz: dt.tzinfo) -> bool:
    return tz is UTC or getattr(tz, "key", "") in {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu"}


def _whole_utc_days(rng: DateRange) -> tuple[dt.date, dt.date] | None:
    """The UTC days ``rng`` covers exactly, or None when it starts or ends mid-day (or is
    open: TimeFact is only used for closed ranges)."""
    if rng.start is None or rng.end is None:
        return None
    start, end = rng.start.astimezone(UTC), rng.end.astimezone(UTC)
    if start.timetz().replace(tzinfo=None) != dt.time.min:
        return None
    if end.timetz().replace(tzinfo=None) >= _END_OF_DAY:
        return start.date(), end.date()
    return None


def _time_events(student_id: int) -> QuerySet[CaliperEvent]:
    return CaliperEvent.objects.processed().filter(
        user_id=student_id,
        is_timeback=True,
        event_type__in=TIME_SPENT_EVENT_TYPES,
    )


def daily_facts_get(
    *,
    student_id: int,
    rng: DateRange,
    tz: dt.tzinfo,
    course_sourced_id: str | None = None,
) -> DailyFacts:
    """Activity and time metrics of the student per local day × subject × app in ``rng``
    (optionally only for one course). Two queries."""
    facts: dict[dt.date, dict[str, dict[str, Metrics]]] = {}

    outcomes = ActivityOutcome.objects.filter(student_id=student_id).filter(
        _range_filter("occurred_at", rng)
    )
    if course_sourced_id is not None:
        outcomes = outcomes.filter(course_iri_matches(sourced_id=course_sourced_id))
    for row in (
        outcomes.annotate(local_day=TruncDate("occurred_at", tzinfo=tz))
        .values("local_day", "subject", "app_name")
        .annotate(
            xp=Coalesce(Sum("xp_awarded"), 0.0),
            total=Coalesce(Sum("total_questions"), 0),
            correct=Coalesce(Sum("correct_questions"), 0),
            mastered=Coalesce(Sum("mastered_units"), 0),
        )
        .order_by()
    ):
        metrics = _bucket(facts, row["local_day"], row["subject"], row["app_name"])
        metrics.xp_earned += float(row["xp"])
        metrics.total_questions += int(row["total"])
        metrics.correct_questions += int(row["correct"])
        metrics.mastered_units += int(row["mastered"])

    days = _whole_utc_days(rng) if course_sourced_id is None and _is_utc(tz) else None
    time_rows: Iterable[Any]
    if days is not None:
        # Whole UTC days: the pre-aggregated facts hold the same sums as the raw events.
        time_rows = (
            TimeFact.objects.filter(student_id=student_id, day__gte=days[0], day__lte=days[1])
            .values("subject", "app_name", local_day=F("day"))
            .annotate(
                active=Sum("active_seconds"),
                inactive=Sum("inactive_seconds"),
                waste=Sum("waste_seconds"),
            )
            .order_by()
        )
    else:
        events = _time_events(student_id).filter(_range_filter("event_time", rng))
        if course_sourced_id is not None:
            events = events.filter(course_iri_matches(sourced_id=course_sourced_id))
        time_rows = (
            events.annotate(local_day=TruncDate("event_time", tzinfo=tz))
            .values("local_day", "subject", "app_name")
            .annotate(
                active=Coalesce(Sum("active_seconds"), 0.0),
                inactive=Coalesce(Sum("inactive_seconds"), 0.0),
                waste=Coalesce(Sum("waste_seconds"), 0.0),
            )
            .order_by()
        )
    for time_row in time_rows:
        metrics = _bucket(facts, time_row["local_day"], time_row["subject"], time_row["app_name"])
        metrics.active_seconds += float(time_row["active"] or 0)
        metrics.inactive_seconds += float(time_row["inactive"] or 0)
        metrics.waste_seconds += float(time_row["waste"] or 0)

    return DailyFacts(by_app={day: facts[day] for day in sorted(facts)})


# ---- weekly facts (one row per Timeback event) ------------------------------------------------

_WEEKLY_COLUMNS = (
    "id",
    "event_type",
    "event_time",
    "send_time",
    "sensor",
    "created_at",
    "subject",
    "app_name",
    "course_iri",
    "course_name",
    "object_iri",
    "activity_name",
    "total_questions",
    "correct_questions",
    "mastered_units",
    "active_seconds",
    "inactive_seconds",
    "waste_seconds",
    "outcome__xp_awarded",
    "outcome__mastered_units",
)


def course_sourced_id(course_iri: str) -> str:
    """The sourcedId a course IRI names: the last segment of a URL or URN, else the IRI."""
    tail = re.split(r"[/:]", course_iri.rstrip("/"))[-1] if course_iri else ""
    return tail or course_iri


def weekly_fact_rows(*, student: User, rng: DateRange) -> list[dict[str, Any]]:
    """The student's Timeback events in ``rng`` (oldest first), each joined with the outcome
    the rules gave it (activity events; NULL until processed) and with the student's
    enrollment in the event's course. Two queries."""
    rows = list(
        CaliperEvent.objects.filter(
            user_id=student.pk,
            is_timeback=True,
            event_type__in=ACTIVITY_EVENT_TYPES + TIME_SPENT_EVENT_TYPES,
        )
        .filter(_range_filter("event_time", rng))
        .order_by("event_time", "id")
        # When the pipeline processed the event's envelope (NULL until it has).
        .values(*_WEEKLY_COLUMNS, processed_at=F("job__processed_at"))
    )
    if not rows:
        return rows
    wanted = {course_sourced_id(row["course_iri"]) for row in rows if row["course_iri"]}
    enrollments: dict[str, str] = {}
    if wanted:
        for enrolled_course, enrollment_id in (
            Enrollment.objects.filter(user_id=student.pk, klass__course__sourced_id__in=wanted)
            .order_by("status", "sourced_id")
            .values_list("klass__course__sourced_id", "sourced_id")
        ):
            # "active" sorts before "tobedeleted": a live enrollment wins over a retired one.
            enrollments.setdefault(enrolled_course, enrollment_id)
    for row in rows:
        course_id = course_sourced_id(row["course_iri"]) if row["course_iri"] else None
        row["course_id"] = course_id
        row["enrollment_id"] = enrollments.get(course_id) if course_id else None
    return rows


# ---- highest grade mastered ---------------------------------------------------------------------

_GRADE_WORDS = {"IT": -3, "PR": -2, "PK": -1, "TK": -1, "KG": 0, "K": 0, "PS": 14, "UG": -9}


def grade_rank(grade: object) -> int | None:
    """Order of a CEDS grade code ("PK" < "KG" < "01" … "13" < "PS"); None if unknown."""
    text = str(grade).strip().upper()
    if text.isdigit():
        return int(text)
    return _GRADE_WORDS.get(text)


@dataclass(frozen=True)
class GradeMastery:
    """Per source, the highest grade mastered (None: no evidence from that source)."""

    rit_grade: int | None = None
    edulastic_grade: str | None = None
    placement_grade: str | None = None
    test_out_grade: str | None = None
    highest_grade_overall: str | None = None


def highest_grade_mastered_get(*, student: User, subject: str) -> GradeMastery:
    """The highest grade of a course of ``subject`` the student has mastered.

    A course counts as mastered when the student has assessed units in it (facts with an
    accuracy) and every one of them reached the 90% gate (``MasteryFact.mastered``); units
    without questions neither count for nor against it. Its grade is the highest of
    ``Course.grades`` (CEDS order). Only ``highestGradeOverall`` is derived: MAP RIT, Edulastic,
    placement and test-out results are not recorded here, so those fields stay null. Two
    queries.
    """
    per_course = (
        MasteryFact.objects.filter(student_id=student.pk, subject__iexact=subject)
        .exclude(course_iri="")
        .values("course_iri")
        .annotate(
            units=Count("id", filter=Q(best_accuracy__isnull=False)),
            mastered=Count("id", filter=Q(mastered=True)),
        )
        .order_by()
    )
    mastered_ids = {
        course_sourced_id(row["course_iri"])
        for row in per_course
        if row["units"] and row["mastered"] >= row["units"]
    }
    best: tuple[int, str] | None = None
    if mastered_ids:
        for grades in Course.objects.filter(sourced_id__in=mastered_ids).values_list(
            "grades", flat=True
        ):
            for grade in grades or []:
                rank = grade_rank(grade)
                if rank is not None and (best is None or rank > best[0]):
                    best = (rank, str(grade))
    return GradeMastery(highest_grade_overall=best[1] if best else None)


# ---- XP ledger --------------------------------------------------------------------------------


@dataclass(frozen=True)
class XpPage:
    entries: list[XpLedgerEntry]
    offset: int
    limit: int
    total: int


def xp_entries_page(
    *,
    student_id: int,
    application_id: str | None,
    rng: DateRange,
    offset: int,
    limit: int,
) -> XpPage:
    """A page of the student's signed XP entries in ledger order (oldest first), optionally
    of one application (its OAuth client id). Two queries (count, page)."""
    entries = XpLedgerEntry.objects.filter(student_id=student_id).filter(
        _range_filter("occurred_at", rng)
    )
    if application_id:
        entries = entries.filter(api_client__application__client_id=application_id)
    total = entries.count()
    page = list(
        entries.select_related("api_client__application", "source_event", "student")
        .only(
            "id",
            "value",
            "subject",
            "course_name",
            "occurred_at",
            "student__sourced_id",
            "source_event__external_id",
            "api_client__application__client_id",
        )
        .order_by("occurred_at", "id")[offset : offset + limit]
    )
    return XpPage(entries=page, offset=offset, limit=limit, total=total)


# ---- insights -----------------------------------------------------------------------------------


@dataclass
class TimeSummary:
    """Time and XP totals (all time); ``total_seconds`` = active + inactive + waste."""

    active_seconds: float = 0.0
    inactive_seconds: float = 0.0
    waste_seconds: float = 0.0
    total_xp_earned: float = 0.0
    fact_count: int = 0

    @property
    def total_seconds(self) -> float:
        return self.active_seconds + self.inactive_seconds + self.waste_seconds

    @property
    def waste_percentage(self) -> float:
        """waste / (active + inactive + waste) × 100, two decimals; 0 with no time."""
        total = self.total_seconds
        return round(100 * self.waste_seconds / total, 2) if total else 0.0


def time_summary_get(*, student_id: int) -> tuple[TimeSummary, dict[str, TimeSummary]]:
    """The student's overall time summary and one per subject (sorted by subject).
    ``fact_count`` counts time facts (student × app × subject × day) plus completions. Two
    queries."""
    overall = TimeSummary()
    per_subject: dict[str, TimeSummary] = defaultdict(TimeSummary)
    for row in (
        TimeFact.objects.filter(student_id=student_id)
        .values("subject")
        .annotate(
            active=Sum("active_seconds"),
            inactive=Sum("inactive_seconds"),
            waste=Sum("waste_seconds"),
            n=Count("id"),
        )
        .order_by()
    ):
        for summary in (overall, per_subject[_subject_key(row["subject"])]):
            summary.active_seconds += float(row["active"] or 0)
            summary.inactive_seconds += float(row["inactive"] or 0)
            summary.waste_seconds += float(row["waste"] or 0)
            summary.fact_count += int(row["n"])
    for xp_row in (
        ActivityOutcome.objects.filter(student_id=student_id)
        .values("subject")
        .annotate(xp=Sum("xp_awarded"), n=Count("id"))
        .order_by()
    ):
        for summary in (overall, per_subject[_subject_key(xp_row["subject"])]):
            summary.total_xp_earned += float(xp_row["xp"] or 0)
            summary.fact_count += int(xp_row["n"])
    return overall, {key: per_subject[key] for key in sorted(per_subject)}
