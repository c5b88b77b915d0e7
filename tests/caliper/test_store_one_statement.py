"""Outside a transaction (as in production), an envelope of a few events is stored by one
statement: the job, the events and their outbox rows together, or nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caliper.models import CaliperEvent, EventOutbox, IngestJob
from caliper.services import events_ingest
from caliper.services.ingest import CaliperRejected
from tests.caliper.factories import (
    activity_event,
    envelope,
    make_caliper_client,
    time_spent_event,
    timeback_user,
)
from tests.roster.factories import make_tenant

# Committed for real, so the ingest runs in autocommit as it does under gunicorn.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    import caliper.services.ingest as ingest

    monkeypatch.setattr(ingest, "lanes_enqueue", lambda *, lanes: None)


def test_a_few_events_take_one_statement_and_resends_are_answered() -> None:
    tenant = make_tenant("o")
    client = make_caliper_client(tenant.district)
    user = timeback_user(tenant.student)
    done, spent = activity_event(user), time_spent_event(user)
    assert connection.get_autocommit()

    with CaptureQueriesContext(connection) as ctx:
        result = events_ingest(grant=client.grant, payload=envelope(done, spent))
    writes = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH j AS (INSERT INTO")
    assert result.accepted == 2
    job = IngestJob.objects.get(pk=result.job_id)
    assert job.event_count == 2
    assert set(CaliperEvent.objects.values_list("job_id", flat=True)) == {job.pk}
    assert list(EventOutbox.objects.values_list("job_id", "lane", "events")) == [
        (job.pk, tenant.student.pk % 2, 2)
    ]
    assert CaliperEvent.objects.pending().count() == 2

    # The same events again: the unique id refuses the statement, nothing of it is kept,
    # and the second pass answers duplicates.
    again = events_ingest(grant=client.grant, payload=envelope(done, spent))
    assert (again.accepted, again.duplicates) == (0, 2)
    assert CaliperEvent.objects.count() == 2
    assert EventOutbox.objects.count() == 1

    # One new event beside a changed one (same id, other body): all or nothing, 409.
    changed = done | {"eventTime": "2025-01-01T00:00:00.000Z"}
    with pytest.raises(CaliperRejected) as refused:
        events_ingest(grant=client.grant, payload=envelope(activity_event(user), changed))
    assert refused.value.status_code == 409
    assert CaliperEvent.objects.count() == 2
    assert EventOutbox.objects.count() == 1
    assert IngestJob.objects.count() == 2  # the first job and the resend's (no events)
