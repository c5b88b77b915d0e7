"""Read APIs in Timeback's shapes: EduBridge analytics, the XP ledger, insights.

Thin views: parse parameters → selector → serializer. Every route needs a bearer token holding
``events.readonly`` or ``caliper.admin`` (OneRoster's ``admin`` does not imply them). A student
or enrollment outside the client's grant answers 404. Errors use Timeback's body
``{"status": "error", "message", "errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import ApplicationError
from mastery import selectors
from mastery.api.serializers import (
    XpEntriesParams,
    daily_facts_render,
    grade_mastery_render,
    instant_render,
    time_summary_render,
    weekly_fact_render,
    xp_entry_render,
)
from tenancy.permissions import HasOneRosterScope
from tenancy.scopes import CALIPER_ADMIN, EVENTS_READONLY

__all__ = [
    "ActivityFactsView",
    "EnrollmentFactsView",
    "HighestGradeMasteredView",
    "InsightsView",
    "WeeklyFactsView",
    "XpEntriesView",
    "timeback_exception_handler",
]

READ_SCOPES = (EVENTS_READONLY, CALIPER_ADMIN)
TOKEN_REQUIRED = "A valid bearer token is required"
ACTIVITY_OK = "Activity facts retrieved"
WEEKLY_OK = "Weekly facts retrieved"
ENROLLMENT_OK = "Enrollment facts retrieved"


# ---- errors and permissions ------------------------------------------------------------------


def _error_body(message: str, errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "errors": [{"field": f, "message": m} for f, m in errors],
    }


def _drf_pairs(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(detail, dict):
        out: list[tuple[str, str]] = []
        for key, value in detail.items():
            out += _drf_pairs(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        return [pair for value in detail for pair in _drf_pairs(value, prefix)]
    return [(prefix or "query", str(detail))]


def timeback_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map errors to Timeback's error body (400 naming the field, 401, 403, 404)."""
    if isinstance(exc, ApplicationError):
        field = exc.field or "query"
        return Response(_error_body(exc.message, [(field, exc.message)]), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        pairs = [("query", message) for message in exc.messages]
        return Response(_error_body("; ".join(m for _, m in pairs), pairs), status=400)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        pairs = _drf_pairs(exc.detail)
        message = "; ".join(f"{f}: {m}" for f, m in pairs) or "Invalid parameters"
    elif isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.status_code = 401
        pairs, message = [("Authorization", TOKEN_REQUIRED)], TOKEN_REQUIRED
    else:
        message = str(getattr(exc, "detail", exc))
        pairs = [("scope" if response.status_code == 403 else "path", message)]
    response.data = _error_body(message, pairs)
    return response


class TimebackReadView(APIView):
    """Shared plumbing of the read routes: scopes, Timeback's error body."""

    # The shared scope check: a valid token of an active client holding one of
    # ``required_scopes``; ``allows`` keeps scope families apart (OneRoster's admin does not
    # imply these). It stores the grant on ``request.grant``.
    permission_classes = [HasOneRosterScope]

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return READ_SCOPES

    def get_exception_handler(self) -> Any:
        return timeback_exception_handler

    @staticmethod
    def org_ids(request: Request) -> frozenset[int]:
        return request.grant.org_ids  # type: ignore[attr-defined, no-any-return]


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


# ---- EduBridge analytics ---------------------------------------------------------------------


class ActivityFactsView(TimebackReadView):
    """GET /edubridge/analytics/activity?studentId|email&startDate&endDate&timezone"""

    def get(self, request: Request) -> Response:
        tz = selectors.timezone_parse(value=_param(request, "timezone"))
        rng = selectors.date_range_parse(
            start=_param(request, "startDate"), end=_param(request, "endDate"), tz=tz
        )
        student = selectors.student_get(
            org_ids=self.org_ids(request),
            sourced_id=_param(request, "studentId"),
            email=_param(request, "email"),
        )
        facts = selectors.daily_facts_get(student_id=student.pk, rng=rng, tz=tz)
        return Response(
            {
                "message": ACTIVITY_OK,
                "startDate": instant_render(rng.start),
                "endDate": instant_render(rng.end),
                **daily_facts_render(facts),
            }
        )


class WeeklyFactsView(TimebackReadView):
    """GET /edubridge/analytics/facts/weekly?studentId|email&weekDate&timezone"""

    def get(self, request: Request) -> Response:
        tz = selectors.timezone_parse(value=_param(request, "timezone"))
        _, rng = selectors.week_range(week_date=_param(request, "weekDate") or "", tz=tz)
        student = selectors.student_get(
            org_ids=self.org_ids(request),
            sourced_id=_param(request, "studentId"),
            email=_param(request, "email"),
        )
        rows = selectors.weekly_fact_rows(student=student, rng=rng)
        return Response(
            {
                "message": WEEKLY_OK,
                "startDate": instant_render(rng.start),
                "endDate": instant_render(rng.end),
                "facts": [weekly_fact_render(row, student=student, tz=tz) for row in rows],
            }
        )


class EnrollmentFactsView(TimebackReadView):
    """GET /edubridge/analytics/enrollment/{enrollmentId}?startDate&endDate&timezone: the
    facts of the enrollment's student for the enrollment's course."""

    def get(self, request: Request, enrollment_id: str) -> Response:
        tz = selectors.timezone_parse(value=_param(request, "timezone"))
        rng = selectors.date_range_parse(
            start=_param(request, "startDate"),
            end=_param(request, "endDate"),
            tz=tz,
            required=False,
        )
        enrollment = selectors.enrollment_get(
            org_ids=self.org_ids(request), sourced_id=enrollment_id
        )
        facts = selectors.daily_facts_get(
            student_id=enrollment.user_id,
            rng=rng,
            tz=tz,
            course_sourced_id=enrollment.klass.course.sourced_id,
        )
        return Response(
            {
                "message": ENROLLMENT_OK,
                "enrollmentId": enrollment.sourced_id,
                "startDate": instant_render(rng.start),
                "endDate": instant_render(rng.end),
                **daily_facts_render(facts),
            }
        )


class HighestGradeMasteredView(TimebackReadView):
    """GET /edubridge/analytics/highestGradeMastered/{studentId}/{subject}"""

    def get(self, request: Request, student_id: str, subject: str) -> Response:
        student = selectors.student_get(org_ids=self.org_ids(request), sourced_id=student_id)
        grades = selectors.highest_grade_mastered_get(student=student, subject=subject)
        return Response(
            {
                "studentId": student.sourced_id,
                "subject": subject,
                "grades": grade_mastery_render(grades),
            }
        )


# ---- XP ledger and insights ---------------------------------------------------------------------


class XpEntriesView(TimebackReadView):
    """GET /xp/1.0/users/{userId}/entries?applicationId&startDate&endDate&offset&limit"""

    def get(self, request: Request, user_id: str) -> Response:
        params = XpEntriesParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rng = selectors.date_range_parse(
            start=data.get("startDate") or None,
            end=data.get("endDate") or None,
            tz=selectors.UTC,
            required=False,
        )
        student = selectors.student_get(org_ids=self.org_ids(request), sourced_id=user_id)
        page = selectors.xp_entries_page(
            student_id=student.pk,
            application_id=data.get("applicationId") or None,
            rng=rng,
            offset=data["offset"],
            limit=data["limit"],
        )
        return Response(
            {
                "entries": [xp_entry_render(entry) for entry in page.entries],
                "offset": page.offset,
                "limit": page.limit,
                "total": page.total,
            }
        )


class InsightsView(TimebackReadView):
    """GET /insights/1.0/users/{userId}: the student's time summary, overall and per subject."""

    def get(self, request: Request, user_id: str) -> Response:
        student = selectors.student_get(org_ids=self.org_ids(request), sourced_id=user_id)
        overall, per_subject = selectors.time_summary_get(student_id=student.pk)
        return Response(
            {
                "userId": student.sourced_id,
                "insights": [time_summary_render(overall)],
                "bySubject": [
                    time_summary_render(summary, subject=subject)
                    for subject, summary in per_subject.items()
                ],
            }
        )
