"""Caliper endpoint and event-store reads, in Timeback's paths and shapes. Thin: read the
request, call one service or selector, shape the answer.

The POST views parse the body themselves (no DRF parser): the size limit must be enforced
before anything is parsed, the content type answers 415 as the Caliper spec says, and a
malformed body answers a 400 naming ``body`` in the Caliper error shape.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from caliper.api.serializers import (
    EventListQuerySerializer,
    StoredEventSerializer,
    error_body,
    job_status_data,
    pagination_data,
)
from caliper.selectors import event_get, event_list, job_status
from caliper.services import CaliperRejected, events_ingest
from caliper.validation import CALIPER_CONTEXT, Problem
from common.exceptions import ApplicationError
from tenancy.oauth import CachedOAuth2Authentication
from tenancy.permissions import HasOneRosterScope
from tenancy.scopes import CALIPER_ADMIN, EVENTS_CREATE, EVENTS_READONLY

__all__ = [
    "CaliperEventView",
    "CaliperEventsView",
    "CaliperEventDetailView",
    "CaliperValidateView",
    "JobStatusView",
    "caliper_exception_handler",
]

MSG_ACCEPTED = "{accepted} events accepted, {duplicates} already stored, {entities} entities"
MSG_VALID = "The envelope is valid"
MSG_LISTED = "Events retrieved"
MSG_MEDIA_TYPE = "Content-Type: must be application/json, got {got!r}"
MSG_TOO_LARGE = "body: {size} bytes exceed the limit of {limit} bytes per envelope"
MSG_MALFORMED = "body: is not a JSON document ({reason})"
MSG_UNAUTHENTICATED = "Authorization: a valid bearer token is required"
MSG_FORBIDDEN = "The request was refused"
MSG_INVALID_QUERY = "The query parameters are invalid"

RULE_MEDIA_TYPE = "media-type"
RULE_MAX_BYTES = "max-bytes"
RULE_JSON = "json"
RULE_TOKEN = "token"
RULE_SCOPE = "scope"
RULE_NOT_FOUND = "not-found"
RULE_INVALID = "invalid"

WRITE_SCOPES = (EVENTS_CREATE, CALIPER_ADMIN)
READ_SCOPES = (EVENTS_CREATE, EVENTS_READONLY, CALIPER_ADMIN)


def caliper_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal of the Caliper API in one shape: status "error", a message and the list
    of ``{index, field, rule, message}``."""
    if isinstance(exc, CaliperRejected):
        return Response(error_body(message=exc.message, problems=exc.problems), exc.status_code)
    if isinstance(exc, ApplicationError):
        rule = RULE_NOT_FOUND if exc.status_code == 404 else exc.code_minor
        problem = Problem(None, exc.field or "body", rule, exc.message, exc.status_code)
        return Response(error_body(message=exc.message, problems=[problem]), exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.status_code = 401
        problems = [Problem(None, "Authorization", RULE_TOKEN, MSG_UNAUTHENTICATED, 401)]
        message = MSG_UNAUTHENTICATED
    elif isinstance(exc, drf_exceptions.PermissionDenied):
        message = str(exc.detail)
        problems = [Problem(None, "scope", RULE_SCOPE, message, 403)]
    elif isinstance(exc, drf_exceptions.ValidationError):
        message = MSG_INVALID_QUERY
        detail = exc.detail if isinstance(exc.detail, dict) else {"body": exc.detail}
        problems = [
            Problem(None, str(name), RULE_INVALID, f"{name}: {msg}", 400)
            for name, messages in detail.items()
            for msg in (messages if isinstance(messages, list) else [messages])
        ]
    else:
        message = str(getattr(exc, "detail", exc))
        problems = [Problem(None, "body", RULE_INVALID, message, response.status_code)]
    response.data = error_body(message=message, problems=problems)
    return response


class UnparsedBody(BaseParser):
    """Accepts any media type and reads nothing: token authentication looks at form data
    (``request.POST``), which must neither consume the stream nor refuse a JSON body before
    ``CaliperView.envelope`` applies the Caliper rules (415, 413, 400) to it."""

    media_type = "*/*"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> QueryDict:
        return QueryDict()


class _NotJson(ValueError):
    """A token Python's JSON reader accepts but JSON does not."""


def _constant_refuse(name: str) -> object:
    # NaN, Infinity and -Infinity: not JSON, and not storable as JSON either.
    raise _NotJson(f"{name} is not a JSON value")


class CaliperView(APIView):
    """Shared plumbing: bearer token with Caliper scopes, Caliper error shape, raw body."""

    # Apps post events all day with the same token: validate it once a minute, not per POST.
    authentication_classes = [CachedOAuth2Authentication]
    permission_classes = [HasOneRosterScope]
    parser_classes = [UnparsedBody]
    read_scopes: tuple[str, ...] = READ_SCOPES
    write_scopes: tuple[str, ...] = WRITE_SCOPES

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.read_scopes
        return self.write_scopes

    def get_exception_handler(self) -> Any:
        return caliper_exception_handler

    def envelope(self, request: Request) -> object:
        """The parsed JSON body, after the media-type and size checks (415, 413, 400)."""
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            message = MSG_MEDIA_TYPE.format(got=content_type)
            raise CaliperRejected(
                message,
                problems=[Problem(None, "Content-Type", RULE_MEDIA_TYPE, message, 415)],
                status_code=415,
            )
        limit = settings.CALIPER_MAX_ENVELOPE_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        size = int(declared) if declared.isdigit() else 0
        raw = b""
        if size <= limit:
            raw = request._request.read(limit + 1)
            size = len(raw)
        if size > limit:
            message = MSG_TOO_LARGE.format(size=size, limit=limit)
            raise CaliperRejected(
                message,
                problems=[Problem(None, "body", RULE_MAX_BYTES, message, 413)],
                status_code=413,
            )
        try:
            return json.loads(raw, parse_constant=_constant_refuse)
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, json.JSONDecodeError):
                reason = exc.msg
            elif isinstance(exc, _NotJson):
                reason = str(exc)
            else:
                reason = type(exc).__name__
            message = MSG_MALFORMED.format(reason=reason)
            raise CaliperRejected(
                message, problems=[Problem(None, "body", RULE_JSON, message)], status_code=400
            ) from None


class CaliperEventView(CaliperView):
    """``POST /caliper/event`` stores an envelope; ``GET`` answers the endpoint config."""

    def get(self, request: Request) -> Response:
        return Response(
            {
                "caliperSupportedVersions": [CALIPER_CONTEXT],
                "caliperMaximumPayloadSize": settings.CALIPER_MAX_ENVELOPE_BYTES // 1024,
            }
        )

    def post(self, request: Request) -> Response:
        payload = self.envelope(request)
        result = events_ingest(grant=request.grant, payload=payload)  # type: ignore[attr-defined]
        return Response(
            {
                "status": "success",
                "message": MSG_ACCEPTED.format(
                    accepted=result.accepted,
                    duplicates=result.duplicates,
                    entities=result.entities,
                ),
                "jobId": str(result.job_id),
                "accepted": result.accepted,
                "duplicates": result.duplicates,
            }
        )


class CaliperValidateView(CaliperView):
    """``POST /caliper/event/validate``: every check of ``POST /caliper/event``, nothing
    stored."""

    def post(self, request: Request) -> Response:
        payload = self.envelope(request)
        events_ingest(grant=request.grant, payload=payload, dry_run=True)  # type: ignore[attr-defined]
        return Response({"status": "success", "message": MSG_VALID})


class CaliperEventsView(CaliperView):
    """``GET /caliper/events``: a page of the events visible to the token."""

    def get(self, request: Request) -> Response:
        query = EventListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        page = event_list(
            grant=request.grant,  # type: ignore[attr-defined]
            filters=query.filters(),
            limit=limit,
            offset=offset,
        )
        return Response(
            {
                "status": "success",
                "message": MSG_LISTED,
                "events": StoredEventSerializer(page.events, many=True).data,
                "pagination": pagination_data(total=page.total, limit=limit, offset=offset),
            }
        )


class CaliperEventDetailView(CaliperView):
    """``GET /caliper/events/{externalId}``."""

    def get(self, request: Request, external_id: str) -> Response:
        event = event_get(grant=request.grant, external_id=external_id)  # type: ignore[attr-defined]
        return Response({"status": "success", "event": StoredEventSerializer(event).data})


class JobStatusView(CaliperView):
    """``GET /jobs/{id}/status``: the processing state of an accepted envelope."""

    def get(self, request: Request, job_id: str) -> Response:
        status = job_status(grant=request.grant, job_id=job_id)  # type: ignore[attr-defined]
        return Response(job_status_data(status))
