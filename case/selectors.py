"""Reads of the CASE app."""

from __future__ import annotations

from case.models import CaseDocument

__all__ = ["document_get"]


def document_get(*, identifier: str) -> CaseDocument | None:
    return CaseDocument.objects.filter(identifier=identifier).first()
