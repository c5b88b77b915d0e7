"""The QTI API in Timeback's paths and shapes (``qti-api.yaml``): assessment items, stimuli,
response processing and validation. Thin: read the request, call one service or selector,
shape the answer.

Bodies are JSON as the OpenAPI document declares (items and stimuli created from
``{format: "xml", xml, metadata}``; stimuli also from their JSON fields), or the QTI XML
itself with ``Content-Type: application/xml``.

Scopes: reads, response processing and validation need ``qti.readonly`` (or
``qti.createput``); creating and replacing ``qti.createput``; deleting ``qti.delete``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import ApplicationError
from qti.api.serializers import (
    ITEM_SORTS,
    STIMULUS_SORTS,
    ListQuerySerializer,
    ProcessResponseSerializer,
    ValidateSerializer,
    item_data,
    item_ref_data,
    section_data,
    stimulus_data,
    test_data,
    test_part_data,
)
from qti.choices import ResourceKind
from qti.models import QtiResource
from qti.selectors import (
    item_places,
    item_refs_below,
    item_response_score,
    items_resolve,
    part_get,
    part_list,
    resource_get,
    resource_page,
    section_get,
)
from qti.services.resources import (
    CHECKS_NOTE,
    document_check,
    qti_resource_create,
    qti_resource_delete,
    qti_resource_update,
    stimulus_xml_build,
)
from tenancy.oauth import CachedOAuth2Authentication
from tenancy.permissions import HasOneRosterScope
from tenancy.scopes import QTI_CREATEPUT, QTI_DELETE, QTI_READONLY

__all__ = [
    "AssessmentItemDetailView",
    "AssessmentItemListView",
    "AssessmentTestDetailView",
    "AssessmentTestListView",
    "AssessmentTestQuestionsView",
    "ProcessResponseView",
    "SectionDetailView",
    "SectionItemListView",
    "SectionListView",
    "StimulusDetailView",
    "StimulusListView",
    "TestPartDetailView",
    "TestPartListView",
    "ValidateView",
    "qti_exception_handler",
]

MSG_UNAUTHENTICATED = "Authorization: a valid bearer token is required"
MSG_INVALID = "Validation failed"
MSG_BODY_OBJECT = "body: must be a JSON object or a QTI XML document"
MSG_JSON_ITEMS = (
    "format: items are created from their QTI XML; send format 'xml' with xml "
    "(structured JSON items are not supported)"
)
MSG_VALID = "The XML is valid. Checks: {checks}. {note}"
MSG_NOT_VALID = "The XML is not valid. Checks: {checks}. {note}"
MSG_ENTITY_MISSING = "The {schema} {entity!r} was not found"
MSG_VALIDATE_XML = "xml: is required when entityId is not given"
MSG_DELETED = "Deleted"

MSG_PART_FILTER = (
    "filter: not supported on test parts and sections (use query, navigationMode, submissionMode)"
)

READ = (QTI_READONLY, QTI_CREATEPUT)
WRITE = (QTI_CREATEPUT,)
DELETE = (QTI_DELETE,)

_ERROR_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
}


def _error(status: int, message: str, issues: list[dict[str, str]]) -> dict[str, Any]:
    """Timeback's error body: ``error`` and ``details`` (all 4xx), ``message``, and
    ``code`` with ``meta.issues`` naming each field at fault."""
    return {
        "error": _ERROR_NAMES.get(status, "Error"),
        "code": str(status),
        "message": message,
        "details": message,
        "meta": {"issues": issues},
    }


def qti_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        status = 400 if exc.status_code == 422 else exc.status_code
        issue = {"field": exc.field or "body", "message": exc.message, "code": exc.code_minor}
        body = _error(status, exc.message, [issue])
        if "checks" in exc.extra:
            body["checks"] = exc.extra["checks"]
        return Response(body, status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.status_code = 401
        issue = {"field": "Authorization", "message": MSG_UNAUTHENTICATED, "code": "token"}
        response.data = _error(401, MSG_UNAUTHENTICATED, [issue])
    elif isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"body": exc.detail}
        issues = [
            {"field": str(name), "message": f"{name}: {msg}", "code": "invalid"}
            for name, messages in detail.items()
            for msg in (messages if isinstance(messages, list) else [messages])
        ]
        body = _error(400, MSG_INVALID, issues)
        body["details"] = "; ".join(i["message"] for i in issues)
        response.data = body
    else:
        message = str(getattr(exc, "detail", exc))
        field = "scope" if response.status_code == 403 else "body"
        code = getattr(exc, "default_code", "error")
        response.data = _error(
            response.status_code, message, [{"field": field, "message": message, "code": code}]
        )
    return response


class XmlBodyParser(BaseParser):
    """A QTI document sent as the body: read as ``{"format": "xml", "xml": <text>}``."""

    media_type = "application/xml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        return {"format": "xml", "xml": raw.decode("utf-8", "replace")}


class TextXmlBodyParser(XmlBodyParser):
    media_type = "text/xml"


class QtiView(APIView):
    """Bearer token with QTI scopes; Timeback's error shape; JSON or XML bodies."""

    authentication_classes = [CachedOAuth2Authentication]
    permission_classes = [HasOneRosterScope]
    parser_classes = [JSONParser, XmlBodyParser, TextXmlBodyParser]
    kind: str = ResourceKind.ITEM

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return READ
        if request.method == "DELETE":
            return DELETE
        return WRITE

    def get_exception_handler(self) -> Any:
        return qti_exception_handler

    def body(self, request: Request) -> dict[str, Any]:
        if not isinstance(request.data, dict):
            raise ApplicationError(MSG_BODY_OBJECT, field="body")
        return request.data

    def shape(self, resource: QtiResource) -> dict[str, Any]:
        if self.kind == ResourceKind.TEST:
            return test_data(resource)
        return item_data(resource) if self.kind == ResourceKind.ITEM else stimulus_data(resource)

    def document_xml(self, data: dict[str, Any], *, identifier: str | None = None) -> Any:
        """The XML a body carries: ``xml`` (format 'xml'), ``rawXml``, or for stimuli the
        document built from its JSON fields; None when the body carries none."""
        if data.get("format") == "xml" or "xml" in data:
            return data.get("xml")
        if data.get("rawXml"):
            return data["rawXml"]
        if self.kind == ResourceKind.STIMULUS and "content" in data:
            fields = dict(data)
            if identifier is not None:
                fields.setdefault("identifier", identifier)
            return stimulus_xml_build(data=fields)
        return None

    def find(self, request: Request, identifier: str) -> QtiResource:
        grant = request.grant  # type: ignore[attr-defined]
        return resource_get(
            org_ids=grant.org_ids,
            home_org_id=grant.home_org_id,
            kind=self.kind,
            identifier=identifier,
        )


class _ListView(QtiView):
    sorts: tuple[str, ...] = ITEM_SORTS

    def get(self, request: Request) -> Response:
        query = ListQuerySerializer(data=request.query_params, sorts=self.sorts)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = resource_page(
            org_ids=request.grant.org_ids,  # type: ignore[attr-defined]
            kind=self.kind,
            page=params["page"],
            limit=params["limit"],
            sort=params["sort"],
            order=params["order"],
            query=params["query"],
            filter_expression=params["filter"],
        )
        return Response(
            {
                "items": [self.shape(r) for r in page.rows],
                "total": page.total,
                "page": page.page,
                "pages": page.pages,
                "limit": page.limit,
                "sort": page.sort,
                "order": page.order,
            }
        )

    def post(self, request: Request) -> Response:
        data = self.body(request)
        xml = self.document_xml(data)
        if xml is None and self.kind == ResourceKind.ITEM and data.get("format") != "xml":
            raise ApplicationError(MSG_JSON_ITEMS, field="format")
        resource = qti_resource_create(
            org_id=request.grant.home_org_id,  # type: ignore[attr-defined]
            kind=self.kind,
            xml=xml,
            metadata=data.get("metadata"),
        )
        return Response(self.shape(resource), status=201)


class _DetailView(QtiView):
    def get(self, request: Request, identifier: str) -> Response:
        return Response(self.shape(self.find(request, identifier)))

    def put(self, request: Request, identifier: str) -> Response:
        data = self.body(request)
        resource = self.find(request, identifier)
        updated = qti_resource_update(
            resource=resource,
            xml=self.document_xml(data, identifier=identifier),
            metadata=data.get("metadata"),
        )
        return Response(self.shape(updated))

    def delete(self, request: Request, identifier: str) -> Response:
        qti_resource_delete(resource=self.find(request, identifier))
        return Response(status=204)


class AssessmentItemListView(_ListView):
    """``GET /assessment-items`` (search, filter, sort, page); ``POST`` creates one."""

    kind = ResourceKind.ITEM
    sorts = ITEM_SORTS


class AssessmentItemDetailView(_DetailView):
    """``GET``, ``PUT``, ``DELETE /assessment-items/{identifier}``."""

    kind = ResourceKind.ITEM


class StimulusListView(_ListView):
    """``GET /stimuli``; ``POST`` creates one (XML, or Timeback's JSON fields)."""

    kind = ResourceKind.STIMULUS
    sorts = STIMULUS_SORTS


class StimulusDetailView(_DetailView):
    """``GET``, ``PUT``, ``DELETE /stimuli/{identifier}``."""

    kind = ResourceKind.STIMULUS


class AssessmentTestListView(_ListView):
    """``GET /assessment-tests`` (search, filter, sort, page); ``POST`` creates one from its
    XML."""

    kind = ResourceKind.TEST
    sorts = STIMULUS_SORTS


class AssessmentTestDetailView(_DetailView):
    """``GET``, ``PUT``, ``DELETE /assessment-tests/{identifier}``."""

    kind = ResourceKind.TEST


class AssessmentTestQuestionsView(QtiView):
    """``GET /assessment-tests/{identifier}/questions``: each item reference with the stored
    item it resolves to in the test's org. References that resolve to no stored item are
    listed under ``unresolved`` (Timeback's shape has no place for a question without its
    item)."""

    kind = ResourceKind.TEST

    def get(self, request: Request, identifier: str) -> Response:
        test = self.find(request, identifier)
        places = item_places(resource=test)
        items = items_resolve(resource=test, places=places)
        questions, unresolved = [], []
        for index, place in enumerate(places):
            reference = {
                **item_ref_data(place.ref),
                "testPart": place.test_part,
                "section": place.section,
            }
            if index in items:
                questions.append({"reference": reference, "question": item_data(items[index])})
            else:
                unresolved.append(reference)
        return Response(
            {
                "assessmentTest": test.identifier,
                "title": test.title,
                "totalQuestions": len(questions),
                "questions": questions,
                "unresolved": unresolved,
            }
        )


# Test parts and sections are read from the test's recorded structure; they are edited by
# replacing the test's XML (PUT /assessment-tests/{identifier}).


def _page_of(request: Request, rows: list[dict[str, Any]], *, title_key: str = "title") -> Response:
    """A page of in-memory rows (parts or sections) in the list shape of the other lists:
    ``query`` searches identifier and title, ``sort`` by title or identifier (``createdAt``
    and ``updatedAt`` are those of the test: document order)."""
    query = ListQuerySerializer(data=request.query_params, sorts=STIMULUS_SORTS)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    if params["filter"]:
        raise ApplicationError(MSG_PART_FILTER, field="filter")
    needle = params["query"].lower()
    if needle:
        rows = [
            r
            for r in rows
            if needle in str(r.get("identifier", "")).lower()
            or needle in str(r.get(title_key, "")).lower()
        ]
    sort, order = params["sort"], params["order"]
    if sort in ("title", "identifier"):
        rows = sorted(rows, key=lambda r: str(r.get(sort, "")).lower())
    if order == "desc":
        rows = rows[::-1]
    limit, page = params["limit"], params["page"]
    total = len(rows)
    start = (page - 1) * limit
    return Response(
        {
            "items": rows[start : start + limit],
            "total": total,
            "page": page,
            "pages": (total + limit - 1) // limit,
            "limit": limit,
            "sort": sort,
            "order": order,
        }
    )


class _StructureView(QtiView):
    """Reads below a test: the test found as ``/assessment-tests/{identifier}`` finds it."""

    kind = ResourceKind.TEST

    def part(self, request: Request, test: str, part: str) -> dict[str, Any]:
        return part_get(resource=self.find(request, test), identifier=part)


class TestPartListView(_StructureView):
    """``GET /assessment-tests/{assessmentTestIdentifier}/test-parts``."""

    def get(self, request: Request, assessmentTestIdentifier: str) -> Response:  # noqa: N803
        parts = [
            test_part_data(p)
            for p in part_list(resource=self.find(request, assessmentTestIdentifier))
        ]
        for name in ("navigationMode", "submissionMode"):
            wanted = request.query_params.get(name)
            if wanted:
                parts = [p for p in parts if p[name] == wanted]
        return _page_of(request, parts, title_key="identifier")


class TestPartDetailView(_StructureView):
    """``GET /assessment-tests/{assessmentTestIdentifier}/test-parts/{identifier}``."""

    def get(self, request: Request, assessmentTestIdentifier: str, identifier: str) -> Response:  # noqa: N803
        return Response(test_part_data(self.part(request, assessmentTestIdentifier, identifier)))


class SectionListView(_StructureView):
    """``GET .../test-parts/{testPartIdentifier}/sections``: the part's top-level sections."""

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
    ) -> Response:
        part = self.part(request, assessmentTestIdentifier, testPartIdentifier)
        return _page_of(request, test_part_data(part)["qti-assessment-section"])


class SectionDetailView(_StructureView):
    """``GET .../test-parts/{testPartIdentifier}/sections/{identifier}`` (a subsection too)."""

    def section(self, request: Request, test: str, part: str, identifier: str) -> dict[str, Any]:
        found = self.part(request, test, part)
        section = section_get(part=found, identifier=identifier)
        siblings = _siblings(found, section)
        return section_data(
            section, sequence=siblings.index(section) + 1, refs=item_refs_below(section)
        )

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        return Response(
            self.section(request, assessmentTestIdentifier, testPartIdentifier, identifier)
        )


def _siblings(node: dict[str, Any], target: dict[str, Any]) -> list[dict[str, Any]]:
    """The sections beside ``target`` (its parent's sections), found from ``node`` down."""
    sections = [c for c in node.get("children") or [] if c.get("type") == "qti-assessment-section"]
    if any(s is target for s in sections):
        return sections
    for child in sections:
        found = _siblings(child, target)
        if found:
            return found
    return []


class SectionItemListView(SectionDetailView):
    """``GET .../sections/{identifier}/items``: the section's item references (subsections'
    included), paged like the other lists."""

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        section = self.section(request, assessmentTestIdentifier, testPartIdentifier, identifier)
        return _page_of(request, section["qti-assessment-item-ref"], title_key="href")


class ProcessResponseView(QtiView):
    """``POST /assessment-items/{identifier}/process-response``: ``{identifier, response}``
    scored by the response-processing engine → ``{score, feedback: {identifier, value}}``."""

    kind = ResourceKind.ITEM

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return READ  # scoring stores nothing

    def post(self, request: Request, identifier: str) -> Response:
        body = ProcessResponseSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        resource = self.find(request, identifier)
        scored = item_response_score(
            resource=resource,
            identifier=body.validated_data["identifier"],
            response=body.validated_data["response"],
        )
        return Response(
            {
                "score": scored.score,
                "feedback": {
                    "identifier": scored.feedback_identifier,
                    "value": scored.feedback_value,
                },
            }
        )


class ValidateView(QtiView):
    """``POST /validate``: an item, test or stimulus document (sent as ``xml`` or stored as
    ``entityId``) checked like an imported one; the answer names the checks that ran."""

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return READ  # validation stores nothing

    def post(self, request: Request) -> Response:
        body = ValidateSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        schema = body.validated_data["schema"]
        kind = {"item": ResourceKind.ITEM, "test": ResourceKind.TEST}.get(
            schema, ResourceKind.STIMULUS
        )
        entity_id = body.validated_data.get("entityId") or ""
        if entity_id:
            grant = request.grant  # type: ignore[attr-defined]
            try:
                xml = resource_get(
                    org_ids=grant.org_ids,
                    home_org_id=grant.home_org_id,
                    kind=kind,
                    identifier=entity_id,
                ).xml
            except ApplicationError:
                message = MSG_ENTITY_MISSING.format(schema=schema, entity=entity_id)
                return Response(
                    {
                        "success": False,
                        "entityId": entity_id,
                        "error": "Entity not found",
                        "message": message,
                    },
                    status=404,
                )
        else:
            xml = body.validated_data.get("xml") or ""
            if not xml.strip():
                raise ApplicationError(MSG_VALIDATE_XML, field="xml")
        check = document_check(xml=xml, kind=kind)
        template = MSG_VALID if check.ok else MSG_NOT_VALID
        return Response(
            {
                "success": "true" if check.ok else "false",
                "entityId": entity_id or check.identifier,
                "xmlContent": xml,
                "validationErrors": check.problems,
                "message": template.format(checks="; ".join(check.checks), note=CHECKS_NOTE),
                "checks": check.checks,
            }
        )
