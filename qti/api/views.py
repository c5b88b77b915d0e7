"""The QTI API in Timeback's paths and shapes (``qti-api.yaml``): assessment items, stimuli,
response processing, validation, and learners' feedback on questions and lessons. Thin: read
the request, call one service or selector, shape the answer.

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
    FeedbackInputSerializer,
    ItemRefInputSerializer,
    ListQuerySerializer,
    ProcessResponseSerializer,
    ReorderInputSerializer,
    SectionInputSerializer,
    TestInputSerializer,
    TestMetadataInputSerializer,
    TestPartInputSerializer,
    ValidateBatchSerializer,
    ValidateSerializer,
    feedback_data,
    item_data,
    item_ref_data,
    section_data,
    stimulus_data,
    test_data,
    test_part_data,
    test_part_document,
)
from qti.choices import FeedbackKind, ResourceKind
from qti.models import QtiResource
from qti.selectors import (
    item_places,
    item_refs_below,
    item_refs_held,
    item_response_score,
    items_resolve,
    part_get,
    part_list,
    resource_get,
    resource_page,
    resources_visible,
    section_get,
)
from qti.selectors.feedback import feedback_get, feedback_list_for_lesson
from qti.services.feedback import qti_feedback_create, qti_feedback_delete
from qti.services.item_json import item_xml_build
from qti.services.resources import (
    CHECKS_NOTE,
    document_check,
    qti_resource_create,
    qti_resource_delete,
    qti_resource_update,
    stimulus_xml_build,
)
from qti.services.structure import (
    item_ref_add,
    item_ref_remove,
    item_refs_reorder,
    section_create,
    section_delete,
    section_update,
    test_part_create,
    test_part_delete,
    test_part_update,
    test_xml_build,
)
from tenancy.oauth import CachedOAuth2Authentication
from tenancy.permissions import HasOneRosterScope
from tenancy.scopes import QTI_CREATEPUT, QTI_DELETE, QTI_READONLY

__all__ = [
    "AssessmentItemDetailView",
    "AssessmentItemListView",
    "AssessmentItemMetadataView",
    "AssessmentTestDetailView",
    "AssessmentTestListView",
    "AssessmentTestMetadataView",
    "AssessmentTestQuestionsView",
    "FeedbackDetailView",
    "LessonFeedbackCreateView",
    "LessonFeedbackListView",
    "ProcessResponseView",
    "QuestionFeedbackCreateView",
    "SectionDetailView",
    "SectionItemDetailView",
    "SectionItemListView",
    "SectionItemOrderView",
    "SectionListView",
    "StimulusDetailView",
    "StimulusListView",
    "TestPartDetailView",
    "TestPartListView",
    "ValidateBatchView",
    "ValidateView",
    "qti_exception_handler",
]

MSG_UNAUTHENTICATED = "Authorization: a valid bearer token is required"
MSG_INVALID = "Validation failed"
MSG_BODY_OBJECT = "body: must be a JSON object or a QTI XML document"
MSG_METADATA_REQUIRED = "metadata: is required to update the metadata of a stored item"
MSG_SECTION_DELETED = "Section {identifier!r} was deleted from test part {part!r}"
MSG_VALID = "The XML is valid. Checks: {checks}. {note}"
MSG_NOT_VALID = "The XML is not valid. Checks: {checks}. {note}"
MSG_ENTITY_MISSING = "The {schema} {entity!r} was not found"
MSG_VALIDATE_XML = "xml: is required when entityId is not given"
MSG_DELETED = "Deleted"
MSG_FEEDBACK_DELETED = "Feedback deleted"
MSG_NO_SUCH_PATH = "Not found"

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
            {"field": name, "message": f"{name}: {msg}", "code": "invalid"}
            for name, msg in _flat_errors(detail, "")
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


def _flat_errors(detail: Any, prefix: str) -> list[tuple[str, str]]:
    """A serializer's errors as ``(field path, message)``: nested objects joined with dots,
    list entries by index (``qti-assessment-section[0].identifier``)."""
    if isinstance(detail, dict):
        out = []
        for name, value in detail.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            if isinstance(name, int):  # a ListField names its failing entries by index
                path = f"{prefix}[{name}]"
            elif name == "non_field_errors":
                path = prefix or "body"
            out.extend(_flat_errors(value, path))
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return [(prefix or "body", str(v)) for v in detail]
        out = []
        for index, value in enumerate(detail):
            if value:
                out.extend(_flat_errors(value, f"{prefix}[{index}]"))
        return out
    return [(prefix or "body", str(detail))]


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

    def document_xml(
        self, request: Request, data: dict[str, Any], *, current: QtiResource | None = None
    ) -> Any:
        """The XML a body carries: ``xml`` (format 'xml'); else the document built from
        Timeback's JSON fields (an item's ``interaction``, a test's ``qti-test-part``, a
        stimulus's ``content``); else ``rawXml``. None when the body carries none.
        ``current`` is the stored resource a PUT replaces (its identifier is the default)."""
        if data.get("format") == "xml" or "xml" in data:
            return data.get("xml")
        fields = dict(data)
        if current is not None:
            fields.setdefault("identifier", current.identifier)
        if (
            self.kind == ResourceKind.ITEM
            and not data.get("rawXml")
            and ("interaction" in data or data.get("format") == "json" or current is None)
        ):
            return item_xml_build(data=fields)
        if self.kind == ResourceKind.TEST and "qti-test-part" in data:
            body = TestInputSerializer(data=fields)
            body.is_valid(raise_exception=True)
            held = item_refs_held(resource=current) if current is not None else set()
            return test_xml_build(
                data=body.validated_data,
                org_id=current.org_scope_id if current else request.grant.home_org_id,  # type: ignore[attr-defined]
                held=held,
            )
        if self.kind == ResourceKind.STIMULUS and "content" in data and not data.get("rawXml"):
            return stimulus_xml_build(data=fields)
        if data.get("rawXml"):
            return data["rawXml"]
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
        xml = self.document_xml(request, data)
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
            xml=self.document_xml(request, data, current=resource),
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


# Test parts and sections are read from the test's recorded structure and edited through
# qti.services.structure, which rewrites the test's XML (the source of truth).


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
    """Below a test: the test found as ``/assessment-tests/{identifier}`` finds it."""

    kind = ResourceKind.TEST

    def part(self, request: Request, test: str, part: str) -> dict[str, Any]:
        return part_get(resource=self.find(request, test), identifier=part)

    def checked(self, serializer_class: type[Any], request: Request) -> dict[str, Any]:
        """The body, checked by an input serializer (400 naming each field at fault)."""
        serializer = serializer_class(data=self.body(request))
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _section_out(test: QtiResource, part: str, identifier: str) -> dict[str, Any]:
    """A section of a stored test in Timeback's shape (its sequence among its siblings)."""
    found = part_get(resource=test, identifier=part)
    section = section_get(part=found, identifier=identifier)
    siblings = _siblings(found, section)
    return section_data(
        section, sequence=siblings.index(section) + 1, refs=item_refs_below(section)
    )


class TestPartListView(_StructureView):
    """``GET /assessment-tests/{assessmentTestIdentifier}/test-parts``; ``POST`` adds one."""

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

    def post(self, request: Request, assessmentTestIdentifier: str) -> Response:  # noqa: N803
        data = self.checked(TestPartInputSerializer, request)
        test = test_part_create(test=self.find(request, assessmentTestIdentifier), data=data)
        return Response(test_part_document(test, data["identifier"]), status=201)


class TestPartDetailView(_StructureView):
    """``GET``, ``PUT`` (modes and sections), ``DELETE
    /assessment-tests/{assessmentTestIdentifier}/test-parts/{identifier}``."""

    def get(self, request: Request, assessmentTestIdentifier: str, identifier: str) -> Response:  # noqa: N803
        return Response(test_part_data(self.part(request, assessmentTestIdentifier, identifier)))

    def put(self, request: Request, assessmentTestIdentifier: str, identifier: str) -> Response:  # noqa: N803
        body = self.body(request)
        body.setdefault("identifier", identifier)
        serializer = TestPartInputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        test = test_part_update(
            test=self.find(request, assessmentTestIdentifier),
            identifier=identifier,
            data=serializer.validated_data,
        )
        return Response(test_part_document(test, identifier))

    def delete(self, request: Request, assessmentTestIdentifier: str, identifier: str) -> Response:  # noqa: N803
        test_part_delete(test=self.find(request, assessmentTestIdentifier), identifier=identifier)
        return Response(status=204)


class SectionListView(_StructureView):
    """``GET .../test-parts/{testPartIdentifier}/sections``: the part's top-level sections;
    ``POST`` adds one."""

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
    ) -> Response:
        part = self.part(request, assessmentTestIdentifier, testPartIdentifier)
        return _page_of(request, test_part_data(part)["qti-assessment-section"])

    def post(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
    ) -> Response:
        data = self.checked(SectionInputSerializer, request)
        test = section_create(
            test=self.find(request, assessmentTestIdentifier), part=testPartIdentifier, data=data
        )
        return Response(_section_out(test, testPartIdentifier, data["identifier"]), status=201)


class SectionDetailView(_StructureView):
    """``GET``, ``PUT``, ``DELETE .../test-parts/{testPartIdentifier}/sections/{identifier}``
    (a subsection too)."""

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        test = self.find(request, assessmentTestIdentifier)
        return Response(_section_out(test, testPartIdentifier, identifier))

    def put(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        body = self.body(request)
        body.setdefault("identifier", identifier)
        serializer = SectionInputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        test = section_update(
            test=self.find(request, assessmentTestIdentifier),
            part=testPartIdentifier,
            identifier=identifier,
            data=serializer.validated_data,
        )
        return Response(_section_out(test, testPartIdentifier, identifier))

    def delete(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        section_delete(
            test=self.find(request, assessmentTestIdentifier),
            part=testPartIdentifier,
            identifier=identifier,
        )
        message = MSG_SECTION_DELETED.format(identifier=identifier, part=testPartIdentifier)
        return Response({"message": message})


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


class SectionItemListView(_StructureView):
    """``GET .../sections/{identifier}/items``: the section's item references (subsections'
    included), paged like the other lists; ``POST`` adds a reference to a stored item."""

    def get(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        test = self.find(request, assessmentTestIdentifier)
        section = _section_out(test, testPartIdentifier, identifier)
        return _page_of(request, section["qti-assessment-item-ref"], title_key="href")

    def post(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        ref = self.checked(ItemRefInputSerializer, request)
        test = item_ref_add(
            test=self.find(request, assessmentTestIdentifier),
            part=testPartIdentifier,
            section=identifier,
            ref=ref,
        )
        return Response(_section_out(test, testPartIdentifier, identifier), status=201)


class SectionItemDetailView(_StructureView):
    """``DELETE .../sections/{identifier}/items/{itemIdentifier}``: the reference leaves the
    section (the item stays)."""

    def delete(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
        itemIdentifier: str,  # noqa: N803
    ) -> Response:
        item_ref_remove(
            test=self.find(request, assessmentTestIdentifier),
            part=testPartIdentifier,
            section=identifier,
            item=itemIdentifier,
        )
        return Response(status=204)


class SectionItemOrderView(_StructureView):
    """``PUT .../sections/{identifier}/items/order``: ``{items: [{identifier, sequence?}]}``
    names each of the section's references once, in their new order."""

    def put(
        self,
        request: Request,
        assessmentTestIdentifier: str,  # noqa: N803
        testPartIdentifier: str,  # noqa: N803
        identifier: str,
    ) -> Response:
        body = self.checked(ReorderInputSerializer, request)
        test = item_refs_reorder(
            test=self.find(request, assessmentTestIdentifier),
            part=testPartIdentifier,
            section=identifier,
            refs=body["items"],
        )
        return Response(_section_out(test, testPartIdentifier, identifier))


class AssessmentTestMetadataView(QtiView):
    """``PUT /assessment-tests/{identifier}/metadata``: ``{metadata}`` replaces the test's
    metadata; its document is untouched."""

    kind = ResourceKind.TEST

    def put(self, request: Request, identifier: str) -> Response:
        body = TestMetadataInputSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        test = qti_resource_update(
            resource=self.find(request, identifier),
            metadata=body.validated_data["metadata"] or {},
        )
        return Response(test_data(test))


class AssessmentItemMetadataView(QtiView):
    """``POST /assessment-items/metadata``: an item body (JSON or XML form, as for ``POST
    /assessment-items``). When the client's organisation already holds an item of that
    identifier, only its ``metadata`` is replaced; otherwise the item is created. 201 with the
    item either way."""

    kind = ResourceKind.ITEM

    def post(self, request: Request) -> Response:
        data = self.body(request)
        grant = request.grant  # type: ignore[attr-defined]
        identifier = data.get("identifier")
        existing = None
        if isinstance(identifier, str) and identifier:
            existing = (
                resources_visible(org_ids=[grant.home_org_id], kind=self.kind)
                .filter(identifier=identifier)
                .first()
            )
        if existing is not None:
            if "metadata" not in data:
                raise ApplicationError(MSG_METADATA_REQUIRED, field="metadata")
            item = qti_resource_update(resource=existing, metadata=data["metadata"] or {})
        else:
            item = qti_resource_create(
                org_id=grant.home_org_id,
                kind=self.kind,
                xml=self.document_xml(request, data),
                metadata=data.get("metadata"),
            )
        return Response(item_data(item), status=201)


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


def _stored_xml(request: Request, kind: str, identifier: str) -> str | None:
    grant = request.grant  # type: ignore[attr-defined]
    try:
        return resource_get(
            org_ids=grant.org_ids, home_org_id=grant.home_org_id, kind=kind, identifier=identifier
        ).xml
    except ApplicationError:
        return None


def _validation(xml: str, kind: str, entity_id: str) -> dict[str, Any]:
    check = document_check(xml=xml, kind=kind)
    template = MSG_VALID if check.ok else MSG_NOT_VALID
    return {
        "success": "true" if check.ok else "false",
        "entityId": entity_id or check.identifier,
        "xmlContent": xml,
        "validationErrors": check.problems,
        "message": template.format(checks="; ".join(check.checks), note=CHECKS_NOTE),
        "checks": check.checks,
    }


def _schema_kind(schema: str) -> str:
    return {"item": ResourceKind.ITEM, "test": ResourceKind.TEST}.get(schema, ResourceKind.STIMULUS)


def _entity_missing(schema: str, entity_id: str) -> dict[str, Any]:
    return {
        "success": False,
        "entityId": entity_id,
        "error": "Entity not found",
        "message": MSG_ENTITY_MISSING.format(schema=schema, entity=entity_id),
    }


class ValidateView(QtiView):
    """``POST /validate``: an item, test or stimulus document (sent as ``xml`` or stored as
    ``entityId``) checked like an imported one; the answer names the checks that ran."""

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return READ  # validation stores nothing

    def post(self, request: Request) -> Response:
        body = ValidateSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        schema = body.validated_data["schema"]
        kind = _schema_kind(schema)
        entity_id = body.validated_data.get("entityId") or ""
        if entity_id:
            xml = _stored_xml(request, kind, entity_id)
            if xml is None:
                return Response(_entity_missing(schema, entity_id), status=404)
        else:
            xml = body.validated_data.get("xml") or ""
            if not xml.strip():
                raise ApplicationError(MSG_VALIDATE_XML, field="xml")
        return Response(_validation(xml, kind, entity_id))


class ValidateBatchView(QtiView):
    """``POST /validate/batch``: ``{schema, xml: [...], entityIds: [...]}`` → ``{results}``,
    one result per document sent (in order) then per stored entity named (in order). A named
    entity the client cannot see is a 404 naming it, as for ``/validate``."""

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        return READ  # validation stores nothing

    def post(self, request: Request) -> Response:
        body = ValidateBatchSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        schema = body.validated_data["schema"]
        kind = _schema_kind(schema)
        results = [_validation(xml, kind, "") for xml in body.validated_data["xml"]]
        for entity_id in body.validated_data["entityIds"]:
            xml = _stored_xml(request, kind, entity_id)
            if xml is None:
                return Response(_entity_missing(schema, entity_id), status=404)
            results.append(_validation(xml, kind, entity_id))
        return Response({"results": results})


# Learner feedback on questions and lessons. Bodies are JSON only (no QTI document here).


class _FeedbackView(QtiView):
    parser_classes = [JSONParser]


class _FeedbackCreateView(_FeedbackView):
    feedback_kind: str = FeedbackKind.LESSON

    def post(self, request: Request) -> Response:
        body = FeedbackInputSerializer(data=self.body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        grant = request.grant  # type: ignore[attr-defined]
        row = qti_feedback_create(
            org_id=grant.home_org_id,
            api_client_id=grant.api_client_id,
            kind=self.feedback_kind,
            lesson_id=data["lessonId"],
            user_id=data["userId"],
            feedback=data["feedback"],
            question_id=data["questionId"] or "",
            human_approved=data["humanApproved"],
        )
        return Response(feedback_data(row), status=201)


class QuestionFeedbackCreateView(_FeedbackCreateView):
    """``POST /question``: a learner's feedback on a question of a lesson."""

    feedback_kind = FeedbackKind.QUESTION


class LessonFeedbackCreateView(_FeedbackCreateView):
    """``POST /lesson``: a learner's feedback on a lesson."""

    feedback_kind = FeedbackKind.LESSON


class LessonFeedbackListView(_FeedbackView):
    """``GET /lesson/{lessonId}``: the feedback on the lesson and its questions that the
    client may see (its granted organisations), oldest first; an empty list when none."""

    def get(self, request: Request, lessonId: str) -> Response:  # noqa: N803
        rows = feedback_list_for_lesson(
            org_ids=request.grant.org_ids,  # type: ignore[attr-defined]
            lesson_id=lessonId,
        )
        return Response([feedback_data(row) for row in rows])


class FeedbackDetailView(_FeedbackView):
    """``DELETE /{id}``: delete one feedback the client may see (404 otherwise).

    The path is one segment at the site root, so any other method is answered 404 (as an
    unknown path would be), before authentication: this route claims no path but its
    DELETE."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method != "DELETE":
            raise drf_exceptions.NotFound(MSG_NO_SUCH_PATH)
        super().initial(request, *args, **kwargs)

    def delete(self, request: Request, id: str) -> Response:  # noqa: A002
        row = feedback_get(org_ids=request.grant.org_ids, public_id=id)  # type: ignore[attr-defined]
        qti_feedback_delete(feedback=row)
        return Response({"message": MSG_FEEDBACK_DELETED})
