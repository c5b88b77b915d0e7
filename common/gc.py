"""Garbage-collector settings for the long-lived server processes (web and Celery workers).

CPython's cyclic collector runs a young collection every 700 net allocations of container
objects and, every so often, a full one that walks every object the process holds. A web or
pipeline worker holds about 100k objects after start-up (Django, the apps, the libraries),
and walking them takes 40–60 ms of CPU here. Under a load of 100-event envelopes, the
objects of the requests in flight survive the frequent young collections, are promoted, and
trigger a full collection every two seconds or so: 100–300 ms each under load, while every
thread of the process waits (measured in docs/benchmarks.md: 5–7 s of collection pauses per
web worker over a minute of load; about 0.1 s with the settings below).

So, once the application is loaded:

* ``gc.freeze()`` moves everything start-up created into the permanent generation: a full
  collection no longer walks it (it is never garbage: modules, classes, settings);
* the young generation is collected every ``GC_GEN0_THRESHOLD`` allocations (setting,
  default 2,000) instead of 700: fewer of the objects of requests in flight are promoted
  before reference counting frees them. Larger thresholds promote fewer still, but each
  young collection then also frees the cyclic garbage of more requests (Django's and DRF's
  request objects refer to each other, ~90 objects per request) in one pause: at 20,000,
  10–50 ms pauses under single-event POSTs.

Cyclic garbage is still collected, a little later. ``GC_GEN0_THRESHOLD=0`` leaves the
interpreter's defaults.
"""

from __future__ import annotations

import gc

from django.conf import settings

__all__ = ["gc_tune_server_process"]


def gc_tune_server_process() -> bool:
    """Freeze what start-up created and collect the young generation less often (see the
    module's docstring). Call once in each server process, after the application is loaded.
    Returns whether anything was changed."""
    gen0 = int(getattr(settings, "GC_GEN0_THRESHOLD", 0))
    if gen0 <= 0:
        return False
    gc.collect()  # start-up's own garbage first, so that none of it is frozen
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, gen2)
    return True
