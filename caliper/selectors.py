"""Reads of the event store: event pages and single events inside a grant, and the status of
an ingest job derived from the processing markers of its events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from caliper.choices import JobState
from caliper.models import CaliperEvent, EventOutbox, IngestJob
from common.exceptions import NotFound
from tenancy.selectors import Grant

__all__ = [
    "EventFilters",
    "EventPage",
    "JobStatus",
    "event_get",
    "event_list",
    "event_queryset",
    "job_status",
]

EVENT_NOT_FOUND = "No event with id {external_id!r} is visible to this client"
JOB_NOT_FOUND = "No job with id {job_id!r} belongs to this client"


@dataclass(frozen=True)
class EventFilters:
    """Filters of ``GET /caliper/events``; empty strings and None mean "any".

    ``start``/``end`` bound ``eventTime`` (``start`` inclusive, ``end`` exclusive)."""

    actor_id: str = ""
    actor_email: str = ""
    sensor: str = ""
    app: str = ""
    event_type: str = ""
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class EventPage:
    events: list[CaliperEvent]
    total: int


@dataclass(frozen=True)
class JobStatus:
    """What ``GET /jobs/{id}/status`` reports. ``results`` (allocated pk, event id) is set
    once every event of the job has been processed."""

    id: str
    state: str
    results: list[tuple[int, str]] | None = None
    processed_on: datetime | None = None
    pending: int = 0
    stored: int = 0


def event_queryset(*, grant: Grant) -> QuerySet[CaliperEvent]:
    """The events a grant may read: those filed under its orgs."""
    return CaliperEvent.objects.for_orgs(grant.org_ids)


def event_list(*, grant: Grant, filters: EventFilters, limit: int, offset: int) -> EventPage:
    """One page of visible events matching ``filters``, oldest stored first (a stable order
    for offset paging while new events arrive), and the total count. Two queries."""
    qs = event_queryset(grant=grant)
    if filters.actor_id:
        qs = qs.filter(actor_iri=filters.actor_id)
    if filters.actor_email:
        qs = qs.filter(actor_email=filters.actor_email)
    if filters.sensor:
        qs = qs.filter(sensor=filters.sensor)
    if filters.app:
        qs = qs.filter(Q(app_name=filters.app) | Q(ed_app=filters.app))
    if filters.event_type:
        qs = qs.filter(event_type=filters.event_type)
    if filters.start is not None:
        qs = qs.filter(event_time__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(event_time__lt=filters.end)
    total = qs.count()
    events = (
        list(qs.select_related("api_client__application").order_by("id")[offset : offset + limit])
        if total > offset
        else []
    )
    return EventPage(events=events, total=total)


def event_get(*, grant: Grant, external_id: str) -> CaliperEvent:
    """The visible event with this Caliper id (``urn:uuid:...``), else NotFound."""
    event = (
        event_queryset(grant=grant)
        .select_related("api_client__application")
        .filter(external_id=external_id)
        .first()
    )
    if event is None:
        raise NotFound(EVENT_NOT_FOUND.format(external_id=external_id), field="id")
    return event


def job_status(*, grant: Grant, job_id: str) -> JobStatus:
    """The state of one of the grant's client's jobs, derived from its outbox rows:
    ``waiting`` (none of its events processed), ``active`` (some), ``completed`` (all, or
    the job stored no new event). Only events inside the grant are reported. Three small
    queries."""
    try:
        pk = uuid.UUID(job_id)
    except ValueError:
        raise NotFound(JOB_NOT_FOUND.format(job_id=job_id), field="id") from None
    job = IngestJob.objects.for_client(grant.api_client_id).filter(pk=pk).first()
    if job is None:
        raise NotFound(JOB_NOT_FOUND.format(job_id=job_id), field="id")
    rows = list(
        event_queryset(grant=grant)
        .filter(job_id=job.pk)
        .order_by("id")
        .values_list("id", "external_id", "lane")
    )
    queued = set(EventOutbox.objects.filter(job_id=job.pk).values_list("lane", flat=True))
    pending = sum(1 for _, _, lane in rows if lane in queued)
    if pending == 0:
        return JobStatus(
            id=str(job.pk),
            state=JobState.COMPLETED,
            results=[(pk, external_id) for pk, external_id, _ in rows],
            processed_on=job.processed_at or job.created_at,
            stored=len(rows),
        )
    state = JobState.ACTIVE if pending < len(rows) else JobState.WAITING
    return JobStatus(id=str(job.pk), state=state, pending=pending, stored=len(rows))
