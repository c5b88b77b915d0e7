"""Mastery tasks and queueing: after-commit enqueue, broker failures, coalescing, the
sweeper and the beat schedule. Celery runs eagerly here; the real worker and Redis are
exercised in tests/integration/test_event_worker_crash.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerError

from caliper.models import CaliperEvent, EventOutbox
from mastery import tasks
from mastery.models import ActivityOutcome, AppDailyRollup
from mastery.services import (
    learning_events_enqueue,
    learning_events_sweep,
    learning_lanes_pending,
    processing,
)
from tests.mastery.factories import Scene, caliper_event, make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(db: None) -> Scene:
    return make_scene()


@pytest.fixture(autouse=True)
def _breaker_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with the send circuit breaker closed (it is per process)."""
    monkeypatch.setattr(processing, "_breaker_open_until", 0.0)


def _sent(lane: int) -> dict[str, Any]:
    """The options of an ingest-path send of ``lane``."""
    return {
        "args": (lane,),
        "retry": False,
        "countdown": settings.CALIPER_PROCESSING_DEBOUNCE_S,
        "task_id": mock.ANY,
    }


def _activity(scene: Scene) -> int:
    s = scene.student
    caliper_event(client=scene.api_client, user=s, kind="time", active=600)
    caliper_event(client=scene.api_client, user=s, xp=5, total=4, correct=4)
    return s.pk % settings.CALIPER_PROCESSING_LANES


def test_enqueue_after_commit_processes_the_lane_and_its_rollups(
    scene: Scene, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    lane = _activity(scene)
    with django_capture_on_commit_callbacks(execute=True):
        learning_events_enqueue(lanes=[lane, lane])
        assert not ActivityOutcome.objects.exists()  # nothing before the commit
    assert ActivityOutcome.objects.get().xp_awarded == 6.25
    assert not CaliperEvent.objects.pending().exists()
    assert AppDailyRollup.objects.get().xp == 6.25  # in the batch's transaction


def test_a_broker_error_is_logged_not_raised(
    scene: Scene, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    lane = _activity(scene)
    with (
        mock.patch.object(
            tasks.learning_events_process_task, "apply_async", side_effect=BrokerError("down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    assert "sweeper will pick it up" in caplog.text
    assert learning_lanes_pending() == [lane]
    # For a few seconds after a failure, sends are skipped (no request waits on a dead broker).
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    send.assert_not_called()
    # The failed send did not leave the lane marked as queued: once the breaker closes, the
    # next enqueue sends.
    processing._breaker_open_until = 0.0
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    send.assert_called_once_with(**_sent(lane))


def test_the_sweeper_sends_even_while_the_breaker_is_open(scene: Scene) -> None:
    lane = _activity(scene)
    processing._breaker_open_until = float("inf")
    with mock.patch.object(tasks.learning_events_process_task, "apply_async") as send:
        assert learning_events_sweep() == [lane]
    send.assert_called_once_with(args=(lane,), retry=False, task_id=mock.ANY)


def test_broker_sends_fail_fast() -> None:
    # A dead broker must not hold an ingest request: no connection retry when publishing
    # and a short connect timeout (kombu's defaults wait about 6 s per send).
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["max_retries"] == 0
    assert options["socket_connect_timeout"] <= 1
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 1


def test_enqueues_are_coalesced_until_the_task_starts(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(tasks.learning_events_process_task, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            learning_events_enqueue(lanes=[0, 1])
        with django_capture_on_commit_callbacks(execute=True):
            learning_events_enqueue(lanes=[0, 1])
        assert send.call_count == 2
        lane0_message = send.call_args_list[0].kwargs["task_id"]
    # The task clears its flag as it starts.
    tasks.learning_events_process_task.apply(args=(0,), task_id=lane0_message)
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[0, 1])
    send.assert_called_once_with(**_sent(0))


def _queued_flag(lane: int) -> Any:
    return cache.get(f"mastery:lane-queued:{lane}")


def test_only_the_flagged_message_clears_the_flag(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    # A message sent without the flag (the sweeper's), a redelivery or a direct run leave
    # the flag to the queued message that set it: otherwise each of them would be replaced
    # by the next request's send, and under a steady load the extra messages would never
    # die out (each sweep added one more per lane).
    lane = _activity(scene)
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    flagged = send.call_args.kwargs["task_id"]
    assert _queued_flag(lane) == flagged

    with mock.patch.object(tasks.learning_events_process_task, "apply_async") as send:
        learning_events_sweep()
    swept = send.call_args.kwargs["task_id"]
    assert swept != flagged
    assert tasks.learning_events_process_task.apply(args=(lane,), task_id=swept).get() == 2
    tasks.learning_events_process_task.run(lane)  # a direct call: no message
    assert _queued_flag(lane) == flagged
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    send.assert_not_called()  # the flagged message is still queued: it takes them

    tasks.learning_events_process_task.apply(args=(lane,), task_id=flagged)
    assert _queued_flag(lane) is None
    with (
        mock.patch.object(tasks.learning_events_process_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        learning_events_enqueue(lanes=[lane])
    send.assert_called_once_with(**_sent(lane))


def test_the_process_task_returns_the_events_processed(scene: Scene) -> None:
    lane = _activity(scene)
    assert tasks.learning_events_process_task.run(lane) == 2
    assert tasks.learning_events_process_task.run(lane) == 0


def test_the_sweeper_resends_lanes_with_pending_events(scene: Scene) -> None:
    lane = _activity(scene)
    cache.set(f"mastery:lane-queued:{lane}", "1")  # believed queued, but the message is lost
    with mock.patch.object(tasks.learning_events_process_task, "apply_async") as send:
        assert tasks.learning_events_sweep_task.run() == [lane]
    send.assert_called_once_with(args=(lane,), retry=False, task_id=mock.ANY)


def test_the_sweeper_finds_lanes_beyond_the_setting(scene: Scene) -> None:
    event = caliper_event(client=scene.api_client, user=scene.student, kind="time", active=5)
    CaliperEvent.objects.filter(pk=event.pk).update(lane=7)  # lanes were lowered since
    EventOutbox.objects.filter(job_id=event.job_id).update(lane=7)
    assert learning_lanes_pending() == [7]


def test_sweeps_do_not_overlap(scene: Scene) -> None:
    _activity(scene)
    cache.add("lock:mastery:sweep", "1")
    with mock.patch.object(tasks.learning_events_process_task, "apply_async") as send:
        assert learning_events_sweep() == []
    send.assert_not_called()


def test_routes_and_the_beat_schedule() -> None:
    routes = settings.CELERY_TASK_ROUTES
    assert routes["mastery.tasks.learning_events_process_task"] == {"queue": "ingest"}
    assert "mastery.tasks.rollups_refresh_task" not in routes
    sweep = settings.CELERY_BEAT_SCHEDULE["mastery-learning-events-sweep"]
    assert sweep["task"] == "mastery.tasks.learning_events_sweep_task"
    assert 5 <= float(sweep["schedule"]) <= 10  # type: ignore[arg-type]
    for task in (tasks.learning_events_process_task,):
        assert task.acks_late
        assert task.max_retries == 3
