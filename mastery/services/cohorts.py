"""The per student × app × course × day rollup (``StudentAppDayRollup``), filled a whole
(app, day) bucket at a time.

A bucket is stale when its sources changed after its fill marker (``RollupFill``): the
app-day rollup and event-quality rows, which every processed batch touches. Filling deletes
the bucket's rows and writes them again from the bucket's activity outcomes and processed
events, and moves the marker, in one transaction: resumable (a crash leaves the old bucket
and the old marker, so the bucket is still stale and is filled again) and idempotent
(filling a bucket twice writes the same rows). Dashboards read only filled buckets.

``student_app_days_fill`` runs after each processing run (debounced) and every minute from
beat, which resumes it after a lost message or a dead worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from caliper.models import CaliperEvent
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    AppEventQuality,
    RollupFill,
    StudentAppDayRollup,
)
from mastery.rules import TIME_SPENT_EVENT_TYPES
from mastery.services.facts import day_bounds
from roster.models import User

__all__ = [
    "Bucket",
    "student_app_day_bucket_fill",
    "student_app_days_fill",
    "student_app_days_fill_enqueue",
    "student_app_days_stale",
]

Bucket = tuple[int, dt.date]

logger = logging.getLogger(__name__)

_FILL_LOCK = "mastery:student-app-days-fill"
_FILL_LOCK_SECONDS = 300
_FILL_QUEUED = "mastery:student-app-days-fill-queued"


def student_app_days_fill_enqueue() -> None:
    """Queue a fill ``DASHBOARD_FILL_DEBOUNCE_S`` from now, unless one is queued already
    (the processing runs meanwhile share it). Never raises: beat fills every minute anyway."""
    from mastery.tasks import student_app_days_fill_task

    delay = settings.DASHBOARD_FILL_DEBOUNCE_S
    try:
        if delay > 0 and not cache.add(_FILL_QUEUED, "1", timeout=delay * 4):
            return
        student_app_days_fill_task.apply_async(countdown=delay or None, retry=False)
    except Exception:  # a broker or cache failure: the sources are safe, beat catches up
        logger.exception("Could not queue the student × app × day rollup fill")


def student_app_days_fill_started() -> None:
    """The queued fill is running: later processing runs need a new one."""
    cache.delete(_FILL_QUEUED)


def student_app_days_stale(*, limit: int | None = None) -> list[Bucket]:
    """The (app, day) buckets whose sources changed after their fill (or were never filled),
    oldest change first. Compared in Python: the sources' stamps are written by raw upserts
    as well as by the ORM, and SQLite compares its stored text, not the instants."""
    filled = dict(
        ((c, d), at)
        for c, d, at in RollupFill.objects.values_list("api_client_id", "day", "source_updated_at")
    )
    changed: dict[Bucket, dt.datetime] = {}
    for model in (AppDailyRollup, AppEventQuality):
        for api_client_id, day, updated_at in model.objects.values_list(
            "api_client_id", "day", "updated_at"
        ):
            key = (api_client_id, day)
            marker = filled.get(key)
            if marker is None or updated_at > marker:
                changed[key] = max(updated_at, changed.get(key, updated_at))
    ordered = sorted(changed, key=lambda key: (changed[key], key))
    return ordered[:limit] if limit is not None else ordered


def student_app_days_fill(*, limit: int = 500) -> int:
    """Fill up to ``limit`` stale buckets, one transaction each; returns how many. One fill
    at a time (a cache lock): a second caller returns 0 at once."""
    if not cache.add(_FILL_LOCK, "1", timeout=_FILL_LOCK_SECONDS):
        return 0
    try:
        buckets = student_app_days_stale(limit=limit)
        for api_client_id, day in buckets:
            student_app_day_bucket_fill(api_client_id=api_client_id, day=day)
        return len(buckets)
    finally:
        cache.delete(_FILL_LOCK)


@transaction.atomic
def student_app_day_bucket_fill(*, api_client_id: int, day: dt.date) -> int:
    """Rewrite one bucket from its sources and move its marker; returns the rows written."""
    # What the rows will reflect: read before the sources, so a batch committed meanwhile
    # leaves the bucket stale (filled again) rather than marked as covering it.
    source_updated_at = _source_updated_at(api_client_id=api_client_id, day=day)
    rows = _bucket_rows(api_client_id=api_client_id, day=day)
    StudentAppDayRollup.objects.filter(api_client_id=api_client_id, day=day).delete()
    StudentAppDayRollup.objects.bulk_create(rows, batch_size=1000)
    now = timezone.now()
    RollupFill.objects.update_or_create(
        api_client_id=api_client_id,
        day=day,
        defaults={"source_updated_at": source_updated_at or now, "filled_at": now},
    )
    return len(rows)


def _source_updated_at(*, api_client_id: int, day: dt.date) -> dt.datetime | None:
    stamps = [
        model.objects.filter(api_client_id=api_client_id, day=day)
        .values_list("updated_at", flat=True)
        .first()
        for model in (AppDailyRollup, AppEventQuality)
    ]
    present = [stamp for stamp in stamps if stamp is not None]
    return max(present) if present else None


def _bucket_rows(*, api_client_id: int, day: dt.date) -> list[StudentAppDayRollup]:
    sums: dict[tuple[int, str], dict[str, Any]] = {}

    def row(student_id: int, course_iri: str) -> dict[str, Any]:
        return sums.setdefault((student_id, course_iri), {"course_name": "", "subject": ""})

    outcomes = ActivityOutcome.objects.filter(api_client_id=api_client_id, day=day)
    for r in outcomes.values("student_id", "course_iri").annotate(
        completions=Count("id"),
        assessed=Count("accuracy"),
        xp=Coalesce(Sum("xp_awarded"), 0.0),
        total_questions=Coalesce(Sum("total_questions"), 0),
        correct_questions=Coalesce(Sum("correct_questions"), 0),
        course_name_=Max("course_name"),
        subject_=Max("subject"),
    ):
        target = row(r["student_id"], r["course_iri"])
        target.update(
            {k: r[k] for k in ("completions", "assessed", "xp")},
            total_questions=r["total_questions"],
            correct_questions=r["correct_questions"],
            course_name=r["course_name_"] or "",
            subject=r["subject_"] or "",
        )
    for student_id, course_iri, units, minutes in _first_masteries(outcomes):
        target = row(student_id, course_iri)
        target["units_mastered"] = target.get("units_mastered", 0) + units
        target["mastery_minutes"] = target.get("mastery_minutes", 0.0) + minutes

    start, end = day_bounds([day])
    time_spent = Q(is_timeback=True, event_type__in=TIME_SPENT_EVENT_TYPES)
    events = CaliperEvent.objects.processed().filter(
        api_client_id=api_client_id,
        event_time__gte=start,
        event_time__lt=end,
        user__isnull=False,
    )
    for e in events.values("user_id", "course_iri").annotate(
        events=Count("id"),
        active_seconds=Coalesce(Sum("active_seconds", filter=time_spent), 0.0),
        inactive_seconds=Coalesce(Sum("inactive_seconds", filter=time_spent), 0.0),
        waste_seconds=Coalesce(Sum("waste_seconds", filter=time_spent), 0.0),
        course_name_=Max("course_name"),
        subject_=Max("subject"),
    ):
        target = row(e["user_id"], e["course_iri"])
        target.update(
            events=e["events"],
            active_seconds=e["active_seconds"],
            inactive_seconds=e["inactive_seconds"],
            waste_seconds=e["waste_seconds"],
            course_name=target["course_name"] or e["course_name_"] or "",
            subject=target["subject"] or e["subject_"] or "",
        )

    people = _students(student_ids={student_id for student_id, _ in sums})
    rows = []
    for (student_id, course_iri), values in sorted(sums.items()):
        if student_id not in people:
            continue
        org_scope_id, school_id, grade = people[student_id]
        rows.append(
            StudentAppDayRollup(
                api_client_id=api_client_id,
                day=day,
                student_id=student_id,
                org_scope_id=org_scope_id,
                school_id=school_id,
                grade=grade,
                course_iri=course_iri,
                **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in values.items()},
            )
        )
    return rows


def _first_masteries(outcomes: Any) -> list[tuple[int, str, int, float]]:
    """(student, course, units, minutes) for each completion of the bucket that first
    mastered its activity: accepted mastery claims, no earlier completion of the same
    activity by the student with one. Minutes: the active time the student's time-spent
    events on that activity report up to the mastering completion (attempts before it
    count)."""
    earlier = ActivityOutcome.objects.filter(
        student_id=OuterRef("student_id"), activity_iri=OuterRef("activity_iri")
    ).filter(
        Q(occurred_at__lt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), id__lt=OuterRef("id"))
    )
    spent = (
        CaliperEvent.objects.processed()
        .filter(
            user_id=OuterRef("student_id"),
            object_iri=OuterRef("activity_iri"),
            is_timeback=True,
            event_type__in=TIME_SPENT_EVENT_TYPES,
            event_time__lte=OuterRef("occurred_at"),
        )
        .values("user_id")
        .annotate(total=Sum("active_seconds"))
        .values("total")
    )
    firsts = (
        outcomes.filter(mastered_units__gt=0)
        .exclude(Exists(earlier.filter(mastered_units__gt=0)))
        .annotate(seconds=Coalesce(Subquery(spent), 0.0))
        .values_list("student_id", "course_iri", "mastered_units", "seconds")
    )
    return [(s, c, int(u), float(sec) / 60.0) for s, c, u, sec in firsts]


def _students(*, student_ids: Collection[int]) -> dict[int, tuple[int, int | None, str]]:
    """org scope, school (primary org) and grade (first listed) of each student."""
    out: dict[int, tuple[int, int | None, str]] = {}
    for pk, org_scope_id, school_id, grades in User.objects.filter(pk__in=student_ids).values_list(
        "pk", "org_scope_id", "primary_org_id", "grades"
    ):
        grade = str(grades[0])[:8] if isinstance(grades, list) and grades else ""
        out[pk] = (org_scope_id, school_id, grade)
    return out
