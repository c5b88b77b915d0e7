"""The fast path of Timeback validation (``timeback_event_valid``) against the reporting walk
(``timeback_event_validate``): the fast path may say "not sure" (False) for a valid event,
never "valid" for an invalid one, and ``envelope_validate`` answers exactly what the walk
alone answers."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from caliper.validation import envelope_validate
from caliper.validation import timeback as timeback_module
from caliper.validation.problems import Collector
from caliper.validation.timeback import timeback_event_valid, timeback_event_validate
from tests.caliper.factories import (
    activity_event,
    envelope,
    time_spent_event,
    timeback_user,
)

# Values that break one rule or another wherever they land.
ODD_VALUES: list[Any] = [
    None,
    "",
    "not an iri",
    "https://ok.example.org/x",
    "urn:uuid:00000000-0000-4000-8000-000000000000",
    "2025-03-01T09:59:00.000Z",
    "2025-02-30T09:59:00.000Z",
    "student",
    "Math",
    "Completed",
    "SpentTime",
    "TimebackProfile",
    "TimebackUser",
    "a@b.org",
    0,
    1,
    -1,
    3.5,
    86_401,
    float("nan"),
    True,
    [],
    {},
    {"name": "n"},
    {"name": 3},
    [{"type": "active", "value": 1}],
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key/index path inside ``value`` (containers included)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _mutate(event: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    paths = list(_paths(mutated))
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        path = rnd.choice(paths)
        holder: Any = mutated
        try:
            for step in path[:-1]:
                holder = holder[step]
            last = path[-1]
            action = rnd.random()
            if action < 0.2 and isinstance(holder, dict):
                del holder[last]
            elif action < 0.3 and isinstance(holder, dict):
                holder[rnd.choice(("extra", "extensions", "name", "role", "subType"))] = rnd.choice(
                    ODD_VALUES
                )
            elif action < 0.35 and isinstance(holder, list):
                holder.append(copy.deepcopy(holder[last]))
            else:
                holder[last] = copy.deepcopy(rnd.choice(ODD_VALUES))
        except (KeyError, IndexError, TypeError):
            continue
    return mutated


def _walk(event: dict[str, Any]) -> list[Any]:
    col = Collector()
    timeback_event_validate(event, 0, "data[0]", col)
    return col.problems


def _events() -> list[dict[str, Any]]:
    actor = timeback_user(sid="s-1", email="s1@example.org")
    full_actor = {**actor, "name": "Ann", "role": "student", "extensions": {"k": 1}}
    return [
        activity_event(actor),
        activity_event(full_actor, xp=-2.5, mastered=None),
        activity_event(actor, total=None, correct=None),
        time_spent_event(actor),
        time_spent_event(full_actor, waste=None, active=0.5),
        {**time_spent_event(actor), "type": "TimebackTimeSpentEvent"},
        {**activity_event(actor), "type": "TimebackActivityEvent"},
    ]


def test_valid_events_take_the_fast_path() -> None:
    for event in _events():
        assert _walk(event) == []
        assert timeback_event_valid(event)


@pytest.mark.parametrize("seed", range(8))
def test_fast_path_never_accepts_what_the_walk_refuses(seed: int) -> None:
    rnd = random.Random(seed)
    accepted = refused = 0
    for _ in range(400):
        event = _mutate(rnd.choice(_events()), rnd)
        if event.get("type") not in timeback_module.TIMEBACK_ACTIVITY_TYPES + (
            "TimeSpentEvent",
            "TimebackTimeSpentEvent",
        ):
            continue
        try:
            problems = _walk(event)
        except TypeError:
            continue  # unhashable values the walk itself cannot look up
        if timeback_event_valid(event):
            assert problems == [], event
            accepted += 1
        else:
            refused += 1
    assert accepted and refused  # both branches were exercised


def test_envelope_answers_are_those_of_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(42)
    items = [_mutate(rnd.choice(_events()), rnd) for _ in range(60)] + _events()
    for item in items:
        payload = envelope(item)
        try:
            fast = envelope_validate(payload=payload)
        except TypeError:
            continue
        with monkeypatch.context() as patch:
            patch.setattr(timeback_module, "timeback_event_valid", lambda event: False)
            assert envelope_validate(payload=payload) == fast
