"""Shapes of the Caliper API: the StoredEvent and job-status outputs Timeback's clients read,
the list query parameters, and the error body every refusal uses."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from rest_framework import serializers

from caliper.models import CaliperEvent
from caliper.selectors import EventFilters, JobStatus
from caliper.validation import Problem

__all__ = [
    "EventListQuerySerializer",
    "StoredEventSerializer",
    "error_body",
    "job_status_data",
    "pagination_data",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
BAD_DATE = "must be a date (YYYY-MM-DD) or an ISO 8601 date-time"

# Caliper properties of an event echoed back from the stored payload, in StoredEvent order.
_PAYLOAD_KEYS = (
    "actor",
    "object",
    "generated",
    "target",
    "referrer",
    "edApp",
    "group",
    "membership",
    "session",
    "federatedSession",
    "extensions",
)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StoredEventSerializer(serializers.BaseSerializer):  # type: ignore[type-arg]
    """A stored event as Timeback returns it: the internal ``id``, the Caliper id as
    ``externalId``, the envelope's ``sensor``/``sendTime`` and the event's own properties.

    Written by hand rather than with fields: a page holds up to 1,000 events."""

    def to_representation(self, instance: CaliperEvent) -> dict[str, Any]:
        payload = instance.payload if isinstance(instance.payload, dict) else {}
        out: dict[str, Any] = {
            "id": instance.pk,
            "externalId": instance.external_id,
            "sensor": instance.sensor,
            "type": instance.event_type,
            "profile": instance.profile or None,
            "action": instance.action,
            "eventTime": payload.get("eventTime") or _iso(instance.event_time),
            "sendTime": _iso(instance.send_time),
            "created_at": _iso(instance.created_at),
            # Stored events are immutable: a resend never rewrites a row.
            "updated_at": _iso(instance.created_at),
            "deleted_at": None,
        }
        for key in _PAYLOAD_KEYS:
            out[key] = payload.get(key)
        out["clientAppId"] = instance.api_client.application.client_id
        return out


def _datetime_param(value: str, *, end: bool) -> datetime:
    """A bound from ``YYYY-MM-DD`` (a whole day: an end date includes its day) or a date-time
    (naive means UTC)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            bound = datetime.combine(day, time.min, tzinfo=UTC)
            return bound + timedelta(days=1) if end else bound
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise serializers.ValidationError(BAD_DATE) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


class EventListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Query parameters of ``GET /caliper/events``."""

    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    offset = serializers.IntegerField(min_value=0, default=0)
    sensor = serializers.CharField(required=False, default="", trim_whitespace=True)
    startDate = serializers.CharField(required=False, default="")
    endDate = serializers.CharField(required=False, default="")
    actorId = serializers.CharField(required=False, default="")
    actor = serializers.CharField(required=False, default="")
    actorEmail = serializers.CharField(required=False, default="")
    eventType = serializers.CharField(required=False, default="")
    app = serializers.CharField(required=False, default="")

    def validate_startDate(self, value: str) -> datetime | None:
        return _datetime_param(value, end=False) if value else None

    def validate_endDate(self, value: str) -> datetime | None:
        return _datetime_param(value, end=True) if value else None

    def filters(self) -> EventFilters:
        data = self.validated_data
        return EventFilters(
            actor_id=data["actorId"] or data["actor"],
            actor_email=data["actorEmail"],
            sensor=data["sensor"],
            app=data["app"],
            event_type=data["eventType"],
            start=data["startDate"] or None,
            end=data["endDate"] or None,
        )


def pagination_data(*, total: int, limit: int, offset: int) -> dict[str, int]:
    return {
        "total": total,
        "totalPages": math.ceil(total / limit) if total else 0,
        "currentPage": offset // limit + 1,
        "limit": limit,
    }


def job_status_data(status: JobStatus) -> dict[str, Any]:
    """The job as Timeback's job API reports it (``returnValue`` once completed)."""
    return {
        "id": status.id,
        "state": status.state,
        "returnValue": (
            {
                "status": "success",
                "results": [
                    {"allocatedId": str(pk), "externalId": external_id}
                    for pk, external_id in status.results
                ],
            }
            if status.results is not None
            else None
        ),
        "processedOn": _iso(status.processed_on),
    }


def error_body(*, message: str, problems: Iterable[Problem]) -> dict[str, Any]:
    """``{"status": "error", "message", "errors": [{index, field, rule, message}]}``."""
    return {
        "status": "error",
        "message": message,
        "errors": [
            {"index": p.index, "field": p.field, "rule": p.rule, "message": p.message}
            for p in problems
        ],
    }
