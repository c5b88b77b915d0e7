"""Event-store reads: tenancy of lists, single events and jobs; job state from markers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import timezone

from caliper.choices import JobState
from caliper.models import CaliperEvent, EventOutbox, IngestJob
from caliper.selectors import EventFilters, event_get, event_list, job_status
from caliper.services import events_ingest
from common.exceptions import NotFound
from tests.caliper.factories import (
    activity_event,
    envelope,
    make_caliper_client,
    time_spent_event,
    timeback_user,
    view_event,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    import caliper.services.ingest as ingest

    monkeypatch.setattr(ingest, "lanes_enqueue", lambda *, lanes: None)


@pytest.fixture
def world() -> dict[str, Any]:
    a, b = make_tenant("a"), make_tenant("b")
    client_a = make_caliper_client(a.district)
    client_b = make_caliper_client(b.district)
    job_a = events_ingest(
        grant=client_a.grant,
        payload=envelope(
            activity_event(timeback_user(a.student)), time_spent_event(timeback_user(a.student))
        ),
    ).job_id
    job_b = events_ingest(
        grant=client_b.grant, payload=envelope(activity_event(timeback_user(b.student)))
    ).job_id
    return {
        "a": a,
        "b": b,
        "client_a": client_a,
        "client_b": client_b,
        "job_a": job_a,
        "job_b": job_b,
    }


def test_list_shows_only_events_filed_in_the_grant(world) -> None:
    page = event_list(grant=world["client_a"].grant, filters=EventFilters(), limit=10, offset=0)
    assert page.total == 2
    assert {e.user_id for e in page.events} == {world["a"].student.pk}
    page_b = event_list(grant=world["client_b"].grant, filters=EventFilters(), limit=10, offset=0)
    assert [e.user_id for e in page_b.events] == [world["b"].student.pk]


def test_a_school_grant_sees_its_school_only(world) -> None:
    a = world["a"]
    school_client = make_caliper_client(a.district, grants=(a.school,))
    unattributed = events_ingest(grant=world["client_a"].grant, payload=envelope(view_event()))
    assert unattributed.accepted == 1
    page = event_list(grant=school_client.grant, filters=EventFilters(), limit=10, offset=0)
    # The district-filed (unattributed) event is outside the school's subtree.
    assert page.total == 2
    assert all(e.org_scope_id == a.school.pk for e in page.events)


def test_list_offset_beyond_total_skips_the_page_query(world, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        page = event_list(
            grant=world["client_a"].grant, filters=EventFilters(), limit=10, offset=50
        )
    assert page.total == 2 and page.events == []


def test_time_range_bounds(world) -> None:
    grant = world["client_a"].grant
    at = datetime(2025, 3, 1, 9, 59, tzinfo=UTC)
    inside = EventFilters(start=at, end=at.replace(minute=59, second=1))
    assert event_list(grant=grant, filters=inside, limit=10, offset=0).total == 2
    assert event_list(grant=grant, filters=EventFilters(end=at), limit=10, offset=0).total == 0


def test_event_get_respects_the_grant(world) -> None:
    mine = CaliperEvent.objects.filter(user=world["a"].student).first()
    theirs = CaliperEvent.objects.filter(user=world["b"].student).first()
    assert mine is not None and theirs is not None
    assert event_get(grant=world["client_a"].grant, external_id=mine.external_id) == mine
    with pytest.raises(NotFound):
        event_get(grant=world["client_a"].grant, external_id=theirs.external_id)


def test_job_status_belongs_to_its_client(world) -> None:
    assert (
        job_status(grant=world["client_a"].grant, job_id=str(world["job_a"])).state
        == JobState.WAITING
    )
    with pytest.raises(NotFound):
        job_status(grant=world["client_a"].grant, job_id=str(world["job_b"]))
    with pytest.raises(NotFound):
        job_status(grant=world["client_a"].grant, job_id="nope")


def test_job_state_follows_the_outbox(world) -> None:
    grant, job_id = world["client_a"].grant, str(world["job_a"])
    rows = list(CaliperEvent.objects.filter(job_id=world["job_a"]).order_by("id"))
    status = job_status(grant=grant, job_id=job_id)
    assert (status.state, status.results, status.pending) == (JobState.WAITING, None, 2)
    # The job's two events in two lanes, as two students' would be.
    [queued] = EventOutbox.objects.filter(job_id=world["job_a"])
    other = 1 - queued.lane
    CaliperEvent.objects.filter(pk=rows[0].pk).update(lane=other)
    EventOutbox.objects.filter(pk=queued.pk).update(events=1)
    EventOutbox.objects.create(job_id=world["job_a"], lane=other, events=1)

    EventOutbox.objects.filter(job_id=world["job_a"], lane=other).delete()
    status = job_status(grant=grant, job_id=job_id)
    assert (status.state, status.pending) == (JobState.ACTIVE, 1)
    last_done = timezone.now()
    EventOutbox.objects.filter(job_id=world["job_a"]).delete()
    IngestJob.objects.filter(pk=world["job_a"]).update(processed_at=last_done)
    status = job_status(grant=grant, job_id=job_id)
    assert status.state == JobState.COMPLETED
    assert status.results == [(r.pk, r.external_id) for r in rows]
    assert status.processed_on == last_done
