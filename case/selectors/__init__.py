"""Reads of the CASE app: one module per use (``frameworks`` for the API's lists and
objects, ``tree`` for the staff browser, ``alignment`` for what content teaches which
standard), and the lookups they share here."""

from __future__ import annotations

from case.models import CaseDocument

__all__ = ["document_get"]


def document_get(*, identifier: str) -> CaseDocument | None:
    return CaseDocument.objects.filter(identifier=identifier).first()
