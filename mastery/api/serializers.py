"""Query parameters in, Timeback's JSON shapes out (EduBridge analytics, XP ledger, insights).

The output shapes are exactly what Timeback's official client parses
(``timeback_edubridge.types.analytics``):

- ``facts[day][subject]`` = ``{activityMetrics{xpEarned, totalQuestions, correctQuestions,
  masteredUnits}, timeSpentMetrics{activeSeconds, inactiveSeconds, wasteSeconds}, apps[]}``.
- ``factsByApp[day][subject][app]`` = the same object for one app (``apps`` = ``[app]``).
  Timeback's data dictionary nests day → subject → app; the client's type is a three-level
  map of the same object whose comment says app → day → subject. Both parse; we follow the
  data dictionary, so ``factsByApp`` refines ``facts`` key by key (``facts[d][s]`` is the sum
  of ``factsByApp[d][s][*]``).
- Weekly fact rows carry the seconds as strings, as Timeback does, and ``dayOfWeek`` in the
  JavaScript convention (0 = Sunday … 6 = Saturday), matching the Sunday–Saturday week.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from mastery.models import XpLedgerEntry
from mastery.selectors import (
    ACTIVITY_EVENT_TYPES,
    DailyFacts,
    GradeMastery,
    Metrics,
    TimeSummary,
)
from roster.models import User

__all__ = [
    "XP_PAGE_MAX",
    "XpEntriesParams",
    "daily_facts_render",
    "grade_mastery_render",
    "instant_render",
    "time_summary_render",
    "weekly_fact_render",
    "xp_entry_render",
]

XP_PAGE_MAX = 100
# Weekly rows name where the fact came from; all of ours come from the Caliper endpoint.
WEEKLY_SOURCE = "caliper"


class XpEntriesParams(serializers.Serializer[dict[str, Any]]):
    """``offset`` ≥ 0 and ``limit`` 1..100 (default 100) of ``GET /xp/1.0/users/{id}/entries``."""

    applicationId = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    startDate = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    endDate = serializers.CharField(required=False, allow_blank=True)  # noqa: N815
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=XP_PAGE_MAX, default=XP_PAGE_MAX
    )


# ---- helpers --------------------------------------------------------------------------------


def instant_render(value: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> str | None:
    """ISO 8601 with milliseconds; ``Z`` in UTC, the local offset otherwise."""
    if value is None:
        return None
    local = value.astimezone(tz)
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    offset = local.utcoffset()
    if not offset:
        return text + "Z"
    return text + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def _number(value: float) -> float | int:
    """Whole numbers as integers (``1800``, not ``1800.0``)."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _seconds_text(value: float | None) -> str | None:
    return None if value is None else str(_number(value))


# ---- analytics ------------------------------------------------------------------------------


def _metrics_render(metrics: Metrics) -> dict[str, Any]:
    return {
        "activityMetrics": {
            "xpEarned": _number(metrics.xp_earned),
            "totalQuestions": metrics.total_questions,
            "correctQuestions": metrics.correct_questions,
            "masteredUnits": metrics.mastered_units,
        },
        "timeSpentMetrics": {
            "activeSeconds": _number(metrics.active_seconds),
            "inactiveSeconds": _number(metrics.inactive_seconds),
            "wasteSeconds": _number(metrics.waste_seconds),
        },
        "apps": sorted(metrics.apps),
    }


def daily_facts_render(facts: DailyFacts) -> dict[str, Any]:
    """``{"facts": …, "factsByApp": …}`` (day keys ``YYYY-MM-DD``, ascending)."""
    by_subject = facts.by_subject()
    return {
        "facts": {
            day.isoformat(): {
                subject: _metrics_render(metrics) for subject, metrics in sorted(subjects.items())
            }
            for day, subjects in by_subject.items()
        },
        "factsByApp": {
            day.isoformat(): {
                subject: {app: _metrics_render(m) for app, m in sorted(apps.items())}
                for subject, apps in sorted(subjects.items())
            }
            for day, subjects in facts.by_app.items()
        },
    }


def weekly_fact_render(row: dict[str, Any], *, student: User, tz: dt.tzinfo) -> dict[str, Any]:
    """One ``WeeklyFactRecord`` from a row of ``weekly_fact_rows``."""
    local = row["event_time"].astimezone(tz)
    is_activity = row["event_type"] in ACTIVITY_EVENT_TYPES
    campus = student.primary_org
    xp = row["outcome__xp_awarded"] if is_activity else None
    return {
        "id": row["id"],
        "email": student.email,
        "date": local.date().isoformat(),
        "datetime": instant_render(row["event_time"], tz),
        "username": student.username or None,
        "userGrade": str(student.grades[0]) if student.grades else None,
        "userFamilyName": student.family_name,
        "userGivenName": student.given_name,
        "userId": student.sourced_id,
        "subject": row["subject"] or None,
        "app": row["app_name"] or None,
        "courseId": row["course_id"],
        "courseName": row["course_name"] or None,
        "campusId": campus.sourced_id if campus else None,
        "campusName": campus.name if campus else None,
        "enrollmentId": row["enrollment_id"],
        "activityId": row["object_iri"],
        "activityName": row["activity_name"] or None,
        "totalQuestions": row["total_questions"] if is_activity else None,
        "correctQuestions": row["correct_questions"] if is_activity else None,
        # The XP the rules awarded (NULL until the completion is processed), not the claim.
        "xpEarned": None if xp is None else _number(xp),
        "masteredUnits": row["outcome__mastered_units"] if is_activity else None,
        "activeSeconds": None if is_activity else _seconds_text(row["active_seconds"]),
        "inactiveSeconds": None if is_activity else _seconds_text(row["inactive_seconds"]),
        "wasteSeconds": None if is_activity else _seconds_text(row["waste_seconds"]),
        "source": WEEKLY_SOURCE,
        "alphaLevel": None,
        "generatedAt": instant_render(row["processed_at"]),
        "sendTime": instant_render(row["send_time"]),
        "sensor": row["sensor"],
        "eventType": "ActivityEvent" if is_activity else "TimeSpentEvent",
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "dayOfWeek": (local.weekday() + 1) % 7,
    }


def grade_mastery_render(grades: GradeMastery) -> dict[str, Any]:
    return {
        "ritGrade": grades.rit_grade,
        "edulasticGrade": grades.edulastic_grade,
        "placementGrade": grades.placement_grade,
        "testOutGrade": grades.test_out_grade,
        "highestGradeOverall": grades.highest_grade_overall,
    }


# ---- XP ledger and insights ---------------------------------------------------------------------


def xp_entry_render(entry: XpLedgerEntry) -> dict[str, Any]:
    return {
        "id": str(entry.pk),
        "value": _number(entry.value),
        "userId": entry.student.sourced_id,
        "applicationId": entry.api_client.application.client_id,
        "sourceEventId": entry.source_event.external_id,
        "dateGenerated": instant_render(entry.occurred_at),
        "subject": entry.subject or None,
        "courseName": entry.course_name or None,
    }


def time_summary_render(summary: TimeSummary, *, subject: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "TIME_SUMMARY"}
    if subject is not None:
        body["subject"] = subject
    body.update(
        {
            "totalSeconds": _number(summary.total_seconds),
            "activeSeconds": _number(summary.active_seconds),
            "wasteSeconds": _number(summary.waste_seconds),
            "inactiveSeconds": _number(summary.inactive_seconds),
            "wastePercentage": _number(summary.waste_percentage),
            "totalXpEarned": _number(summary.total_xp_earned),
            "factCount": summary.fact_count,
        }
    )
    return body
