"""Every field of an event replaced by a value of the wrong JSON kind (a list, an object, a
number, a boolean, null): the envelope is refused with a 4xx naming a field, or accepted if
the field is optional and its value harmless, and never crashes the ingest (no 500)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from caliper.models import CaliperEvent
from caliper.services import events_ingest
from caliper.services.ingest import CaliperRejected
from tests.caliper.factories import (
    activity_event,
    envelope,
    make_caliper_client,
    new_id,
    time_spent_event,
    timeback_user,
    view_event,
)
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

WRONG_KINDS: tuple[Any, ...] = ([], ["x"], {}, {"a": 1}, 7, 2.5, True, None, "")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key and index path inside ``value``."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield (*prefix, i)
            yield from _paths(child, (*prefix, i))


def _replaced(event: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(event)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def test_no_wrong_kind_of_value_crashes_the_ingest() -> None:
    tenant = make_tenant("h")
    client = make_caliper_client(tenant.district)
    user = timeback_user(tenant.student)
    originals = [activity_event(user), time_spent_event(user), view_event()]
    tried = accepted = 0
    for original in originals:
        for path in _paths(original):
            for value in WRONG_KINDS:
                event = _replaced(original, path, value)
                if path != ("id",):
                    event["id"] = new_id()  # each variant a new event, not a conflicting resend
                tried += 1
                for dry_run in (True, False):
                    try:
                        events_ingest(grant=client.grant, payload=envelope(event), dry_run=dry_run)
                    except CaliperRejected as exc:
                        assert 400 <= exc.status_code < 500, (path, value)
                        assert exc.problems and all(p.field for p in exc.problems), (path, value)
                    else:
                        accepted += not dry_run
    assert tried > 300
    assert CaliperEvent.objects.count() == accepted
