"""Fields shared by the roster models."""

from __future__ import annotations

from django.db import models

__all__ = ["org_scope_field"]


def org_scope_field() -> models.ForeignKey:  # type: ignore[type-arg]
    """The org whose subtree the row belongs to; the tenancy filter reads only this column
    (see docs/architecture.md and roster/services/scope.py)."""
    return models.ForeignKey(
        "roster.Org", on_delete=models.PROTECT, related_name="+", db_index=True
    )
