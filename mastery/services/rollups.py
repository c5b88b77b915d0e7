"""Rollups for dashboards: per student per day and per app per day (with the app's event
quality), maintained in the processing transaction of each batch.

Every column is a sum (or a count) over events and outcomes, so a batch adds what it changed:
``RollupDeltas`` collects, from the batch's event rows and from the outcomes the batch
rescored (new minus stored), the amounts to add per key, and ``rollup_deltas_apply`` adds
them with one upsert per table. The batch leaves the outbox in the same transaction, so each
event counts exactly once, whatever crashes: a rolled-back batch added nothing and is simply
processed again (resumable and idempotent). Distinct students per app-day are kept as rows
(``AppStudentDay``): a student first seen adds one.

``rollups_rebuild`` recomputes rows from scratch (the facts and the event store) with the
processing lanes held; the tests check that it agrees with what the batches maintained.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from caliper.models import CaliperEvent
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    AppEventQuality,
    AppStudentDay,
    RollupFill,
    StudentDailyRollup,
    TimeFact,
)
from mastery.rules import (
    ACCURACY_EPSILON,
    ACTIVITY_EVENT_TYPES,
    MASTERY_GATE,
    TIME_SPENT_EVENT_TYPES,
    XP_FLOOR,
)
from mastery.services.bulk import bulk_upsert, bulk_upsert_rows, is_postgresql
from mastery.services.facts import day_bounds, time_facts_recompute
from mastery.services.locks import lanes_hold
from mastery.services.outcomes import json_param
from roster.models import User

__all__ = [
    "OUTCOME_FINDING_CONDITIONS",
    "QUALITY_SUMS",
    "AppDayKey",
    "RollupDeltas",
    "StudentDayKey",
    "rollup_deltas_apply",
    "rollups_rebuild",
    "student_rollups_recompute",
]

StudentDayKey = tuple[int, dt.date]
AppDayKey = tuple[int, dt.date]

# The findings of mastery.rules as conditions on ActivityOutcome columns, so event quality is
# counted by the database. tests/mastery/test_processing.py checks that they select exactly
# the outcomes whose ``findings`` list holds the code.
OUTCOME_FINDING_CONDITIONS: dict[str, Q] = {
    "xp_above_active": Q(xp_inflation__gt=ACCURACY_EPSILON),
    "xp_below_80": Q(xp_reported__gt=0, accuracy__lt=XP_FLOOR - ACCURACY_EPSILON),
    "mastery_below_90": Q(mastered_units_claimed__gt=0)
    & (Q(accuracy__isnull=True) | Q(accuracy__lt=MASTERY_GATE - ACCURACY_EPSILON)),
    "no_time_spent": Q(active_minutes__lte=0),
}

_SECONDS = ("active", "inactive", "waste", "unknown", "anti_pattern")


def _r(value: Any) -> float:
    # Sums of floats depend on the order the database adds them in; a fixed precision keeps
    # a recomputed row identical to the one it replaces.
    return round(float(value or 0.0), 6) + 0.0


# ---------------------------------------------------------------------------------------
# Student × day
# ---------------------------------------------------------------------------------------


def student_rollups_recompute(
    *, keys: Collection[StudentDayKey], org_scopes: Mapping[int, int]
) -> int:
    """Recompute the ``StudentDailyRollup`` rows ``keys`` from the student's outcomes and time
    facts of each day. One ``INSERT … SELECT … ON CONFLICT`` on PostgreSQL; elsewhere two
    aggregate queries and one upsert. Returns rows written."""
    if not keys:
        return 0
    wanted = set(keys)
    if is_postgresql():
        return _student_rollups_sql(wanted)
    students = {student for student, _ in wanted}
    days = {day for _, day in wanted}
    first, last = min(days), max(days)
    totals: dict[StudentDayKey, dict[str, Any]] = {key: {} for key in wanted}
    for row in (
        ActivityOutcome.objects.filter(student_id__in=students, day__gte=first, day__lte=last)
        .values("student_id", "day")
        .annotate(
            xp=Sum("xp_awarded"),
            activities_completed=Count("id"),
            total_questions=Sum("total_questions"),
            correct_questions=Sum("correct_questions"),
            mastered_units=Sum("mastered_units"),
        )
        .order_by()
    ):
        _merge(totals, dict(row))
    for time_row in (
        TimeFact.objects.filter(student_id__in=students, day__gte=first, day__lte=last)
        .values("student_id", "day")
        .annotate(**{f"{name}_seconds": Sum(f"{name}_seconds") for name in _SECONDS})
        .order_by()
    ):
        _merge(totals, dict(time_row))
    rows = [
        StudentDailyRollup(
            student_id=student,
            org_scope_id=org_scopes[student],
            day=day,
            xp=_r(t.get("xp")),
            activities_completed=int(t.get("activities_completed") or 0),
            total_questions=int(t.get("total_questions") or 0),
            correct_questions=int(t.get("correct_questions") or 0),
            mastered_units=int(t.get("mastered_units") or 0),
            **{f"{name}_seconds": _r(t.get(f"{name}_seconds")) for name in _SECONDS},
        )
        for (student, day), t in sorted(totals.items())
    ]
    bulk_upsert(
        rows,
        unique_fields=["student", "day"],
        update_fields=[
            "org_scope",
            "xp",
            "activities_completed",
            "total_questions",
            "correct_questions",
            "mastered_units",
            *(f"{name}_seconds" for name in _SECONDS),
            "updated_at",
        ],
    )
    return len(rows)


_STUDENT_COUNTS = ("activities_completed", "total_questions", "correct_questions", "mastered_units")


def _student_rollups_sql(wanted: set[StudentDayKey]) -> int:
    seconds = [f"{name}_seconds" for name in _SECONDS]
    columns = ["xp", *_STUDENT_COUNTS, *seconds]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in ["org_scope_id", *columns, "updated_at"])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH k AS MATERIALIZED (SELECT DISTINCT (k->>0)::bigint AS student_id, "
            "(k->>1)::date AS day FROM jsonb_array_elements(%s::jsonb) k), "
            "o AS (SELECT o.student_id, o.day, sum(o.xp_awarded) AS xp, "
            "count(*) AS activities_completed, sum(o.total_questions) AS total_questions, "
            "sum(o.correct_questions) AS correct_questions, "
            "sum(o.mastered_units) AS mastered_units "
            "FROM mastery_activityoutcome o JOIN k ON o.student_id = k.student_id "
            "AND o.day = k.day GROUP BY 1, 2), "
            "t AS (SELECT t.student_id, t.day, "
            + ", ".join(f"sum(t.{c}) AS {c}" for c in seconds)
            + " FROM mastery_timefact t JOIN k ON t.student_id = k.student_id "
            "AND t.day = k.day GROUP BY 1, 2) "
            "INSERT INTO mastery_studentdailyrollup (student_id, org_scope_id, day, "
            f"{', '.join(columns)}, created_at, updated_at) "
            "SELECT k.student_id, u.org_scope_id, k.day, "
            # Rounded to 6 decimals as _r does: a recompute writes the row it replaces.
            "round(coalesce(o.xp, 0)::numeric, 6)::float8, "
            + ", ".join(f"coalesce(o.{c}, 0)" for c in _STUDENT_COUNTS)
            + ", "
            + ", ".join(f"round(coalesce(t.{c}, 0)::numeric, 6)::float8" for c in seconds)
            + ", %s, %s FROM k JOIN roster_user u ON u.id = k.student_id "
            "LEFT JOIN o ON o.student_id = k.student_id AND o.day = k.day "
            "LEFT JOIN t ON t.student_id = k.student_id AND t.day = k.day "
            # Key order: two lanes never lock shared rows in opposite orders.
            "ORDER BY k.student_id, k.day "
            f"ON CONFLICT (student_id, day) DO UPDATE SET {updates}",
            [json_param(sorted(wanted)), now, now],
        )
        return int(cursor.rowcount)


def _merge(totals: dict[StudentDayKey, dict[str, Any]], row: dict[str, Any]) -> None:
    key = (row.pop("student_id"), row.pop("day"))
    if key in totals:
        totals[key].update(row)


# ---------------------------------------------------------------------------------------
# Deltas: what one batch adds
# ---------------------------------------------------------------------------------------

# Column order of the delta vectors (and of the upserts below).
_STUDENT_SUMS = (
    "xp",
    "activities_completed",
    "total_questions",
    "correct_questions",
    "mastered_units",
    *(f"{name}_seconds" for name in _SECONDS),
)
_APP_SUMS = (
    "students",
    "activities_completed",
    "xp",
    "total_questions",
    "correct_questions",
    "mastered_units",
    "active_seconds",
    "inactive_seconds",
    "waste_seconds",
)
# The counts of AppEventQuality (what the developer dashboard lists as event quality).
QUALITY_SUMS = (
    "events",
    "timeback_events",
    "completions",
    "unattributed",
    "missing_fields",
    *OUTCOME_FINDING_CONDITIONS,
)
_S = {name: i for i, name in enumerate(_STUDENT_SUMS)}
_A = {name: i for i, name in enumerate(_APP_SUMS)}
_Q = {name: i for i, name in enumerate(QUALITY_SUMS)}
_TIMEBACK_TYPES = frozenset(ACTIVITY_EVENT_TYPES + TIME_SPENT_EVENT_TYPES)
_ACTIVITY_TYPES = frozenset(ACTIVITY_EVENT_TYPES)
_TIME_TYPES = frozenset(TIME_SPENT_EVENT_TYPES)


class BatchEvent(Protocol):
    """What the rollups need of one event of a batch."""

    @property
    def api_client_id(self) -> int: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def is_timeback(self) -> bool: ...
    @property
    def event_type(self) -> str: ...
    @property
    def day(self) -> dt.date: ...  # UTC
    @property
    def missing_fields(self) -> bool: ...
    @property
    def active_seconds(self) -> float | None: ...
    @property
    def inactive_seconds(self) -> float | None: ...
    @property
    def waste_seconds(self) -> float | None: ...
    @property
    def unknown_seconds(self) -> float | None: ...
    @property
    def anti_pattern_seconds(self) -> float | None: ...


class OutcomeValues(Protocol):
    """What the rollups need of an outcome (``mastery.services.outcomes.OutcomeRow``)."""

    @property
    def student_id(self) -> int: ...
    @property
    def api_client_id(self) -> int: ...
    @property
    def day(self) -> dt.date: ...
    @property
    def xp_awarded(self) -> float: ...
    @property
    def total_questions(self) -> int | None: ...
    @property
    def correct_questions(self) -> int | None: ...
    @property
    def mastered_units(self) -> int: ...
    @property
    def findings(self) -> list[str]: ...


@dataclass
class RollupDeltas:
    """The amounts a batch adds to the rollups, per key, and the (client, day, student)
    triples it saw (each adds one student to its app-day the first time only)."""

    student: dict[StudentDayKey, list[float]] = field(default_factory=dict)
    app: dict[AppDayKey, list[float]] = field(default_factory=dict)
    quality: dict[AppDayKey, list[int]] = field(default_factory=dict)
    app_students: set[tuple[int, dt.date, int]] = field(default_factory=set)

    def events_add(self, rows: Iterable[BatchEvent]) -> None:
        """Count the batch's events: event quality of every event, distinct students, and
        the time of the Timeback TimeSpentEvents of known students."""
        for r in rows:
            day = r.day
            key = (r.api_client_id, day)
            q = self.quality.get(key)
            if q is None:
                q = self.quality[key] = [0] * len(QUALITY_SUMS)
                self.app_row(key)  # every app-day with events has a rollup row, if all zero
            q[_Q["events"]] += 1
            timeback_type = r.event_type in _TIMEBACK_TYPES
            if r.is_timeback:
                q[_Q["timeback_events"]] += 1
                if r.event_type in _ACTIVITY_TYPES:
                    q[_Q["completions"]] += 1
            if r.user_id is None:
                q[_Q["unattributed"]] += 1
            else:
                self.app_students.add((r.api_client_id, day, r.user_id))
            # Recommended fields absent, or a Timeback event type that failed the profile.
            if r.missing_fields or (timeback_type and not r.is_timeback):
                q[_Q["missing_fields"]] += 1
            if r.is_timeback and r.user_id is not None and r.event_type in _TIME_TYPES:
                seconds = [float(getattr(r, f"{name}_seconds") or 0.0) for name in _SECONDS]
                student = self._student(r.user_id, day)
                for offset, value in enumerate(seconds):
                    student[_S["active_seconds"] + offset] += value
                app = self.app_row(key)
                app[_A["active_seconds"]] += seconds[0]
                app[_A["inactive_seconds"]] += seconds[1]
                app[_A["waste_seconds"]] += seconds[2]

    def outcome_replace(self, before: OutcomeValues | None, after: OutcomeValues) -> None:
        """An outcome rewritten by the batch: add ``after`` and take ``before`` (the stored
        row it replaces, None for a new completion) away."""
        if before is not None:
            self._outcome(before, -1)
        self._outcome(after, 1)

    def _outcome(self, o: OutcomeValues, sign: int) -> None:
        student = self._student(o.student_id, o.day)
        app = self.app_row((o.api_client_id, o.day))
        amounts = (
            ("xp", o.xp_awarded),
            ("activities_completed", 1),
            ("total_questions", o.total_questions or 0),
            ("correct_questions", o.correct_questions or 0),
            ("mastered_units", o.mastered_units),
        )
        for name, value in amounts:
            student[_S[name]] += sign * value
            app[_A[name]] += sign * value
        key = (o.api_client_id, o.day)
        q = self.quality.get(key)
        if q is None:
            q = self.quality[key] = [0] * len(QUALITY_SUMS)
        for code in OUTCOME_FINDING_CONDITIONS:
            if code in o.findings:
                q[_Q[code]] += sign

    def _student(self, student: int, day: dt.date) -> list[float]:
        key = (student, day)
        row = self.student.get(key)
        if row is None:
            row = self.student[key] = [0.0] * len(_STUDENT_SUMS)
        return row

    def app_row(self, key: AppDayKey) -> list[float]:
        """The amounts to add to the app-day ``key`` (zeros at first)."""
        row = self.app.get(key)
        if row is None:
            row = self.app[key] = [0.0] * len(_APP_SUMS)
        return row


def rollup_deltas_apply(*, deltas: RollupDeltas, org_scopes: Mapping[int, int]) -> None:
    """Add ``deltas`` to the rollup rows (created at zero when missing). ``org_scopes`` maps
    student pk → org_scope pk. The app-day rows are shared by the lanes: they are written
    last (each lane's transaction holds them only until its commit) and in key order."""
    student_rows = [
        (student, day, org_scopes[student], *_typed(StudentDailyRollup, _STUDENT_SUMS, values))
        for (student, day), values in sorted(deltas.student.items())
    ]
    bulk_upsert_rows(
        StudentDailyRollup,
        fields=("student_id", "day", "org_scope_id", *_STUDENT_SUMS),
        rows=student_rows,
        unique_fields=("student", "day"),
        increment_fields=_STUDENT_SUMS,
        update_fields=("org_scope", "updated_at"),
    )
    for client, day, count in _students_first_seen(deltas.app_students):
        row = deltas.app_row((client, day))
        row[_A["students"]] += count
    bulk_upsert_rows(
        AppDailyRollup,
        fields=("api_client_id", "day", *_APP_SUMS),
        rows=[
            (*key, *_typed(AppDailyRollup, _APP_SUMS, values))
            for key, values in sorted(deltas.app.items())
        ],
        unique_fields=("api_client", "day"),
        increment_fields=_APP_SUMS,
        update_fields=("updated_at",),
    )
    bulk_upsert_rows(
        AppEventQuality,
        fields=("api_client_id", "day", *QUALITY_SUMS),
        rows=[(*key, *values) for key, values in sorted(deltas.quality.items())],
        unique_fields=("api_client", "day"),
        increment_fields=QUALITY_SUMS,
        update_fields=("updated_at",),
    )


def _typed(model: type[Any], names: Iterable[str], values: list[float]) -> list[float | int]:
    """Counts as integers, sums rounded as every stored sum."""
    return [
        _r(value)
        if model._meta.get_field(name).get_internal_type() == "FloatField"
        else int(round(value))
        for name, value in zip(names, values, strict=True)
    ]


def _students_first_seen(
    triples: set[tuple[int, dt.date, int]],
) -> list[tuple[int, dt.date, int]]:
    """Record (client, day, student) triples; return per app-day how many were new."""
    if not triples:
        return []
    ordered = sorted(triples)
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH t AS (SELECT (t->>0)::bigint AS api_client_id, (t->>1)::date AS day, "
                "(t->>2)::bigint AS student_id FROM jsonb_array_elements(%s::jsonb) t), "
                "added AS (INSERT INTO mastery_appstudentday (api_client_id, day, student_id) "
                "SELECT * FROM t ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING "
                "RETURNING api_client_id, day) "
                "SELECT api_client_id, day, count(*) FROM added GROUP BY 1, 2 ORDER BY 1, 2",
                [json_param(ordered)],
            )
            return [(client, day, int(n)) for client, day, n in cursor.fetchall()]
    seen = set(
        AppStudentDay.objects.filter(
            api_client_id__in={t[0] for t in ordered},
            day__in={t[1] for t in ordered},
            student_id__in={t[2] for t in ordered},
        ).values_list("api_client_id", "day", "student_id")
    )
    new = [t for t in ordered if t not in seen]
    AppStudentDay.objects.bulk_create(
        [AppStudentDay(api_client_id=c, day=d, student_id=s) for c, d, s in new]
    )
    counts: dict[AppDayKey, int] = defaultdict(int)
    for client, day, _ in new:
        counts[(client, day)] += 1
    return [(client, day, n) for (client, day), n in sorted(counts.items())]


# ---------------------------------------------------------------------------------------
# Rebuild from scratch
# ---------------------------------------------------------------------------------------


def rollups_rebuild(*, days: Collection[dt.date] | None = None) -> int:
    """Recompute, from the event store and the outcomes, the time facts, the student and
    app rollups, the event quality and the app-day students of ``days`` (UTC; default every
    day with events), replacing what the batches maintained. For repairs (say a rule fixed
    in a migration) and for the tests. Holds every processing lane for the duration (on
    PostgreSQL), so no batch adds to a row while it is recomputed. Returns the app-days
    rebuilt."""
    with transaction.atomic():
        # Every lane, including any beyond the setting that still holds events.
        lanes = CaliperEvent.objects.aggregate(top=Max("lane"))["top"] or 0
        lanes_hold(lanes=max(settings.CALIPER_PROCESSING_LANES, lanes + 1))
        events = CaliperEvent.objects.all()
        if days is not None:
            if not days:
                return 0
            start, end = day_bounds(days)
            events = events.filter(event_time__gte=start, event_time__lt=end)
        processed = events.processed()
        # Time facts of every (student, client, app, subject, day) with TimeSpentEvents.
        timed = (
            processed.filter(
                is_timeback=True, user__isnull=False, event_type__in=TIME_SPENT_EVENT_TYPES
            )
            .annotate(day=TruncDate("event_time", tzinfo=dt.UTC))
            .values_list("user_id", "api_client_id", "app_name", "subject", "day")
            .distinct()
        )
        time_keys = set(timed.order_by())
        users = {key[0] for key in time_keys}
        student_days = {(key[0], key[4]) for key in time_keys}
        outcome_days = ActivityOutcome.objects.all()
        if days is not None:
            outcome_days = outcome_days.filter(day__in=list(days))
        student_days |= set(outcome_days.values_list("student_id", "day").distinct().order_by())
        users |= {student for student, _ in student_days}
        org_scopes = dict(User.objects.filter(pk__in=users).values_list("pk", "org_scope_id"))
        time_facts_recompute(keys=time_keys, org_scopes=org_scopes)
        student_rollups_recompute(keys=student_days, org_scopes=org_scopes)
        app_days = set(
            processed.annotate(day=TruncDate("event_time", tzinfo=dt.UTC))
            .values_list("api_client_id", "day")
            .distinct()
            .order_by()
        )
        for client, day in sorted(app_days):
            rollup, quality = _app_day(client, day)
            AppStudentDay.objects.filter(api_client_id=client, day=day).delete()
            start, end = day_bounds([day])
            AppStudentDay.objects.bulk_create(
                [
                    AppStudentDay(api_client_id=client, day=day, student_id=student)
                    for student in processed.filter(
                        api_client_id=client,
                        event_time__gte=start,
                        event_time__lt=end,
                        user__isnull=False,
                    )
                    .values_list("user_id", flat=True)
                    .distinct()
                    .order_by()
                ],
                batch_size=2000,
            )
            bulk_upsert(
                [rollup],
                unique_fields=["api_client", "day"],
                update_fields=[*_APP_SUMS, "updated_at"],
            )
            bulk_upsert(
                [quality],
                unique_fields=["api_client", "day"],
                update_fields=[*QUALITY_SUMS, "updated_at"],
            )
        # The per student × app × course buckets of these days are stale now: dropping their
        # markers (one statement) has the next fill rewrite them from the rebuilt sources.
        RollupFill.objects.filter(day__in={day for _, day in app_days}).delete()
        return len(app_days)


def _app_day(client: int, day: dt.date) -> tuple[AppDailyRollup, AppEventQuality]:
    """The rollup and the event quality of one app-day, from its processed events, outcomes
    and time facts. Three aggregate queries."""
    start, end = day_bounds([day])
    timeback_types = ACTIVITY_EVENT_TYPES + TIME_SPENT_EVENT_TYPES
    events = (
        CaliperEvent.objects.processed()
        .filter(api_client_id=client, event_time__gte=start, event_time__lt=end)
        .aggregate(
            events=Count("id"),
            timeback_events=Count("id", filter=Q(is_timeback=True)),
            completions=Count(
                "id", filter=Q(is_timeback=True, event_type__in=ACTIVITY_EVENT_TYPES)
            ),
            unattributed=Count("id", filter=Q(user__isnull=True)),
            # Recommended fields absent, or a Timeback event type that failed the profile shape.
            missing_fields=Count(
                "id",
                filter=~Q(missing_fields=[]) | Q(event_type__in=timeback_types, is_timeback=False),
            ),
            students=Count("user_id", distinct=True),
        )
    )
    outcomes = ActivityOutcome.objects.filter(api_client_id=client, day=day).aggregate(
        activities_completed=Count("id"),
        xp=Sum("xp_awarded"),
        total_questions=Sum("total_questions"),
        correct_questions=Sum("correct_questions"),
        mastered_units=Sum("mastered_units"),
        **{
            code: Count("id", filter=condition)
            for code, condition in OUTCOME_FINDING_CONDITIONS.items()
        },
    )
    time = TimeFact.objects.filter(api_client_id=client, day=day).aggregate(
        active=Sum("active_seconds"),
        inactive=Sum("inactive_seconds"),
        waste=Sum("waste_seconds"),
    )
    rollup = AppDailyRollup(
        api_client_id=client,
        day=day,
        students=int(events["students"] or 0),
        activities_completed=int(outcomes["activities_completed"] or 0),
        xp=_r(outcomes["xp"]),
        total_questions=int(outcomes["total_questions"] or 0),
        correct_questions=int(outcomes["correct_questions"] or 0),
        mastered_units=int(outcomes["mastered_units"] or 0),
        active_seconds=_r(time["active"]),
        inactive_seconds=_r(time["inactive"]),
        waste_seconds=_r(time["waste"]),
    )
    quality = AppEventQuality(
        api_client_id=client,
        day=day,
        events=int(events["events"]),
        timeback_events=int(events["timeback_events"]),
        completions=int(events["completions"]),
        unattributed=int(events["unattributed"]),
        missing_fields=int(events["missing_fields"]),
        **{code: int(outcomes[code]) for code in OUTCOME_FINDING_CONDITIONS},
    )
    return rollup, quality
