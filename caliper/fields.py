"""Model fields of the event store."""

from __future__ import annotations

from typing import Any

from django.db import models

__all__ = ["JsonTextField"]


class JsonTextField(models.JSONField):
    """A JSON value stored as PostgreSQL ``json`` (its text, validated) instead of ``jsonb``.

    For write-mostly documents that are read back whole and never queried inside: ``json``
    costs the insert a syntax check where ``jsonb`` parses and rebuilds the document, which
    made up a sixth of the database's work per stored Caliper event. Elsewhere (SQLite) it is
    a plain ``JSONField``. No key lookups or containment queries on it."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # psycopg loads ``json`` columns itself (Django only takes over ``jsonb``).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)
