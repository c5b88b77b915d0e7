"""Alignment over the API (Timeback's extensions of CASE, v1p1 only): what content teaches a
standard, what standards an object covers, and students' evidence per standard.

Content and evidence are read within the client's granted org subtrees; evidence is student
learning data, so it takes the analytics scope (``events.readonly``) besides
``case.readonly``."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from case.api.serializers import item_data
from case.api.views import CaseView, _missing
from case.choices import AlignedKind
from case.models import CaseItem, StandardEvidence
from case.selectors.alignment import (
    CONTENT_KINDS,
    aligned_object_find,
    content_for_standard,
    evidence_for_standard,
    evidence_of_student,
    standards_of_object,
)
from case.selectors.frameworks import item_find
from common.exceptions import ApplicationError
from roster.models import User
from tenancy.scopes import CASE_READONLY, EVENTS_READONLY

__all__ = ["ItemAlignmentsView", "ItemEvidenceView", "ObjectStandardsView", "StudentEvidenceView"]

MSG_KIND = "type: one of {kinds}"
MSG_SOURCED_ID = "sourcedId: required"


def _evidence(row: StandardEvidence, item: CaseItem | None) -> dict[str, Any]:
    return {
        "source": row.source,
        "identifier": row.objective,
        "humanCodingScheme": item.human_coding_scheme if item is not None else None,
        "results": row.results,
        "accuracy": round(row.accuracy, 4),
        "recentAccuracy": round(row.recent_accuracy, 4),
        "mastered": row.mastered,
        "firstAt": row.first_at.isoformat(),
        "lastAt": row.last_at.isoformat(),
    }


class _AlignmentView(CaseView):
    def org_ids(self, request: Request) -> frozenset[int]:
        return request.grant.org_ids  # type: ignore[attr-defined,no-any-return]

    def item(self, identifier: str) -> CaseItem:
        item = item_find(identifier=identifier)
        if item is None:
            raise _missing("CFItem", identifier)
        return item


class ItemAlignmentsView(_AlignmentView):
    """``GET /CFItems/{id}/alignments``: the content aligned to the standard."""

    def get(self, request: Request, identifier: str) -> Response:
        item = self.item(identifier)
        kinds = request.query_params.get("type")
        wanted = CONTENT_KINDS if not kinds else tuple(kinds.split(","))
        unknown = [k for k in wanted if k not in CONTENT_KINDS]
        if unknown:
            raise ApplicationError(MSG_KIND.format(kinds=", ".join(CONTENT_KINDS)), field="type")
        found = content_for_standard(
            identifier=item.identifier, org_ids=self.org_ids(request), kinds=wanted
        )
        return Response(
            {
                "CFItem": item_data(item, dialect=self.dialect),
                "alignments": [
                    {"type": o.kind, "sourcedId": o.identifier, "title": o.title} for o in found
                ],
            }
        )


class ObjectStandardsView(_AlignmentView):
    """``GET /alignments?type=…&sourcedId=…``: the standards an object covers."""

    def get(self, request: Request) -> Response:
        kind = request.query_params.get("type", "")
        if kind not in CONTENT_KINDS:
            raise ApplicationError(MSG_KIND.format(kinds=", ".join(CONTENT_KINDS)), field="type")
        identifier = request.query_params.get("sourcedId", "")
        if not identifier:
            raise ApplicationError(MSG_SOURCED_ID, field="sourcedId")
        obj = aligned_object_find(kind=kind, identifier=identifier, org_ids=self.org_ids(request))
        if obj is None:
            raise _missing(AlignedKind(kind).label, identifier)
        refs = standards_of_object(kind=kind, obj=obj)
        return Response(
            {
                "type": kind,
                "sourcedId": identifier,
                "learningObjectives": [
                    {
                        "source": r.source,
                        "identifier": r.identifier,
                        "CFItem": item_data(r.item, dialect=self.dialect) if r.item else None,
                    }
                    for r in refs
                ],
            }
        )


class _EvidenceView(_AlignmentView):
    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return (CASE_READONLY,)

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not request.grant.allows(EVENTS_READONLY):  # type: ignore[attr-defined]
            self.permission_denied(request, message=f"scope {EVENTS_READONLY} is required")


class StudentEvidenceView(_EvidenceView):
    """``GET /students/{sourcedId}/evidence``: a student's evidence per standard."""

    def get(self, request: Request, identifier: str) -> Response:
        student = User.objects.filter(
            sourced_id=identifier, org_scope_id__in=self.org_ids(request)
        ).first()
        if student is None:
            raise _missing("student", identifier)
        rows = evidence_of_student(student_id=student.pk)
        return Response(
            {"sourcedId": identifier, "evidence": [_evidence(r, item) for r, item in rows]}
        )


class ItemEvidenceView(_EvidenceView):
    """``GET /CFItems/{id}/evidence``: every student's evidence on the standard."""

    def get(self, request: Request, identifier: str) -> Response:
        item = self.item(identifier)
        rows = evidence_for_standard(identifier=item.identifier, org_ids=self.org_ids(request))
        return Response(
            {
                "CFItem": item_data(item, dialect=self.dialect),
                "evidence": [{"student": r.student.sourced_id, **_evidence(r, item)} for r in rows],
            }
        )
