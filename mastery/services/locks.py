"""The PostgreSQL advisory locks of the learning pipeline (transaction-scoped)."""

from __future__ import annotations

from django.db import connection

__all__ = ["LANE_LOCK_CLASS", "lane_lock_try", "lanes_hold"]

LANE_LOCK_CLASS = 7311  # advisory-lock namespace of the processing lanes


def lane_lock_try(*, lane: int) -> bool:
    """Take ``lane`` for the current transaction, or return False if a worker holds it.
    Always True off PostgreSQL (SQLite: one process, tasks run in it one at a time)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LANE_LOCK_CLASS, lane])
        return bool(cursor.fetchone()[0])


def lanes_hold(*, lanes: int) -> None:
    """Wait for and take lanes ``0 .. lanes - 1`` for the current transaction, in order."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for lane in range(lanes):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LANE_LOCK_CLASS, lane])
