"""Running work in threads released at the same moment, for the PostgreSQL lock tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def together(works: list[Callable[[], Any]]) -> list[Any]:
    """Run each of ``works`` in its own thread, released at once; results or exceptions."""
    gate = threading.Barrier(len(works))
    out: list[Any] = [None] * len(works)

    def run(index: int) -> None:
        gate.wait()
        try:
            out[index] = works[index]()
        except Exception as exc:  # noqa: BLE001 - the test reads what each thread got
            out[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out
