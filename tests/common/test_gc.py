"""The server processes' collector settings (common/gc.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from common.gc import gc_tune_server_process


@pytest.fixture
def gc_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("gc_restored")
def test_freezes_start_up_and_raises_the_young_threshold(settings) -> None:
    settings.GC_GEN0_THRESHOLD = 12_345
    _, gen1, gen2 = gc.get_threshold()

    assert gc_tune_server_process() is True

    assert gc.get_threshold() == (12_345, gen1, gen2)
    assert gc.get_freeze_count() > 1000  # the modules, classes and settings loaded so far


@pytest.mark.usefixtures("gc_restored")
def test_zero_leaves_the_interpreter_defaults(settings) -> None:
    settings.GC_GEN0_THRESHOLD = 0
    before = gc.get_threshold()

    assert gc_tune_server_process() is False

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_wsgi_module_and_celery_pool_processes_apply_it() -> None:
    # Under the test settings (GC_GEN0_THRESHOLD = 0) importing them changes nothing.
    import timeback.celery as celery_app
    import timeback.wsgi as wsgi

    assert wsgi.gc_tune_server_process is gc_tune_server_process
    receivers = [r[1]() for r in celery_app.worker_process_init.receivers]
    assert celery_app._worker_gc_tune in receivers
