"""The CASE API: CASE 1.1 in Timeback's dialect under ``/ims/case/v1p1`` and the official 1.0
binding under ``/ims/case/v1p0`` (see ``case.api.serializers`` for the two). Thin: read the
request, call one selector or service, shape the answer.

Scopes: every read takes ``case.readonly`` (either spelling). Frameworks are public
standards, so a reader sees every framework whatever its organisation. Uploading and
replacing a package (``POST /CFPackages``, ``PUT /CFPackages/{id}``, v1p1 only; CASE itself
defines no write) take ``case.createput``; the framework belongs to the uploading client's
organisation, and only that organisation's clients may replace it.

Errors are the binding's ``imsx_StatusInfo``: ``imsx_codeMinor`` in v1p0 (the 1.0 schema
allows no other field), ``imsx_CodeMinor`` plus ``imsx_error_details`` in v1p1 (Timeback's
spelling). An unknown identifier answers 404 ``unknownobject``, or ``invaliduuid`` when it is
not a UUID either.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from case.api.query import fields_parse, link_header, list_params
from case.api.serializers import (
    V1P0,
    V1P1,
    Dialect,
    association_data,
    definition_data,
    document_data,
    fields_select,
    groups_data,
    item_data,
    package_data,
    rubric_data,
    upload_result,
)
from case.choices import DefinitionKind
from case.models import CaseDocument
from case.selectors.frameworks import (
    DOCUMENT_FIELDS,
    ITEM_FIELDS,
    association_find,
    definition_find,
    definition_with_children,
    document_find,
    document_list,
    framework_tree,
    item_associations,
    item_find,
    item_list,
    rubric_find,
)
from case.services.packages import ImportProblem, framework_package
from case.services.uploads import PackageUpload, framework_upload, upload_limit
from common.exceptions import ApplicationError, NotFound
from tenancy.oauth import CachedOAuth2Authentication
from tenancy.permissions import HasOneRosterScope
from tenancy.scopes import CASE_CREATEPUT, CASE_READONLY

__all__ = [
    "AssociationView",
    "DefinitionSetView",
    "DefinitionView",
    "DocumentListView",
    "DocumentView",
    "ItemAssociationsView",
    "ItemListView",
    "ItemView",
    "PackageGroupsView",
    "PackageListView",
    "PackageView",
    "RubricView",
    "case_exception_handler",
]

MSG_UNAUTHENTICATED = "Authorization: a valid bearer token is required"
MSG_UNKNOWN = "sourcedId: no {kind} {identifier!r}"
MSG_NOT_UUID = "sourcedId: {identifier!r} is not a UUID and no {kind} has it"
MSG_TOO_LARGE = "body: the package is {size} bytes, over the limit of {limit}"
MSG_UPLOAD_REFUSED = "The package was not stored: {problems}"
MSG_METHOD = "{method} is not supported on this path"
MAX_REPORTED_PROBLEMS = 50

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

_CODE_MINOR = {
    400: "invalid_selection_field",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    405: "unknownobject",
    413: "invalid_selection_field",
    415: "invalid_selection_field",
    429: "server_busy",
    500: "internal_server_error",
}


# ---- errors --------------------------------------------------------------------------------


def imsx_failure(
    *,
    dialect: Dialect,
    description: str,
    minors: list[tuple[str, str]],
    details: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The binding's ``imsx_StatusInfo`` of a failed request; ``minors`` are
    ``(field, codeMinor)`` pairs."""
    fields = [
        {"imsx_codeMinorFieldName": name, "imsx_codeMinorFieldValue": value}
        for name, value in minors
    ]
    body: dict[str, Any] = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
    }
    if dialect == V1P0:
        body["imsx_codeMinor"] = {"imsx_codeMinorField": fields}
    else:
        body["imsx_CodeMinor"] = {"imsx_codeMinorField": fields}
        if details:
            body["imsx_error_details"] = details
    return body


def case_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    view = context.get("view")
    dialect: Dialect = getattr(view, "dialect", V1P1)
    if isinstance(exc, ApplicationError):
        body = imsx_failure(
            dialect=dialect,
            description=exc.message,
            minors=[(exc.field or "sourcedId", exc.code_minor)],
        )
        return Response(body, exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        status, field, description = 401, "Authorization", MSG_UNAUTHENTICATED
    elif isinstance(exc, drf_exceptions.PermissionDenied):
        field, description = "scope", str(exc.detail)
    elif isinstance(exc, drf_exceptions.MethodNotAllowed):
        field, description = "method", MSG_METHOD.format(method=context["request"].method)
    else:
        field, description = "sourcedId", str(getattr(exc, "detail", exc))
    response.data = imsx_failure(
        dialect=dialect,
        description=description,
        minors=[(field, _CODE_MINOR.get(status, "invalid_selection_field"))],
    )
    response.status_code = status
    return response


def _missing(kind: str, identifier: str) -> NotFound:
    if _UUID.match(identifier):
        return NotFound(MSG_UNKNOWN.format(kind=kind, identifier=identifier), field="sourcedId")
    error = NotFound(MSG_NOT_UUID.format(kind=kind, identifier=identifier), field="sourcedId")
    error.code_minor = "invaliduuid"
    return error


# ---- base ----------------------------------------------------------------------------------


class CaseView(APIView):
    """Bearer token with CASE scopes; the binding's errors; answers in ``dialect``."""

    authentication_classes = [CachedOAuth2Authentication]
    permission_classes = [HasOneRosterScope]
    dialect: Dialect = V1P1

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return (CASE_READONLY,)
        return (CASE_CREATEPUT,)

    def get_exception_handler(self) -> Any:
        return case_exception_handler

    def url_for(self, collection: str, identifier: str) -> str:
        name = f"case-api:{self.dialect}-{collection.lower()}"
        return self.request.build_absolute_uri(reverse(name, kwargs={"identifier": identifier}))

    def wrap(self, key: str, data: Any) -> dict[str, Any]:
        """v1p1 wraps a single object in its class name; v1p0 answers it bare."""
        return {key: data} if self.dialect == V1P1 else data

    def document(self, identifier: str) -> CaseDocument:
        document = document_find(identifier=identifier)
        if document is None:
            raise _missing("CFDocument", identifier)
        return document


# ---- lists ---------------------------------------------------------------------------------


class _ListView(CaseView):
    """A binding list: paged, filtered, sorted, fields selected, with the paging headers."""

    key = ""
    fields: Any = ()

    def rows(self, params: Any) -> Any:
        raise NotImplementedError

    def serialize(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        params = list_params(request, self.fields)
        queryset = self.rows(params)
        total = queryset.count()
        page = queryset[params.offset : params.offset + params.limit]
        rows = [fields_select(self.serialize(obj), params.fields) for obj in page]
        headers = {
            "X-Total-Count": str(total),
            "Link": link_header(request, params=params, total=total),
        }
        return Response({self.key: rows}, headers=headers)


class DocumentListView(_ListView):
    """``GET /CFDocuments``: every framework, paged, filtered, sorted, fields selected."""

    key, fields = "CFDocuments", DOCUMENT_FIELDS

    def rows(self, params: Any) -> Any:
        return document_list(
            conditions=params.conditions,
            join=params.join,
            sort=params.sort,
            descending=params.descending,
        )

    def serialize(self, obj: Any) -> dict[str, Any]:
        return document_data(obj, dialect=self.dialect, url_for=self.url_for)


class ItemListView(_ListView):
    """``GET /CFItems`` (v1p1): every item of every framework, paged like documents."""

    key, fields = "CFItems", ITEM_FIELDS

    def rows(self, params: Any) -> Any:
        return item_list(
            conditions=params.conditions,
            join=params.join,
            sort=params.sort,
            descending=params.descending,
        )

    def serialize(self, obj: Any) -> dict[str, Any]:
        return item_data(obj, dialect=self.dialect)


# ---- single objects ------------------------------------------------------------------------


class DocumentView(CaseView):
    def get(self, request: Request, identifier: str) -> Response:
        fields = fields_parse(request.query_params.get("fields"))
        data = document_data(self.document(identifier), dialect=self.dialect, url_for=self.url_for)
        return Response(self.wrap("CFDocument", fields_select(data, fields)))


class ItemView(CaseView):
    def get(self, request: Request, identifier: str) -> Response:
        fields = fields_parse(request.query_params.get("fields"))
        item = item_find(identifier=identifier)
        if item is None:
            raise _missing("CFItem", identifier)
        data = item_data(item, dialect=self.dialect)
        return Response(self.wrap("CFItem", fields_select(data, fields)))


class ItemAssociationsView(CaseView):
    """``GET /CFItemAssociations/{id}``: the item and every association it is the origin or
    the destination of."""

    def get(self, request: Request, identifier: str) -> Response:
        item = item_find(identifier=identifier)
        if item is None:
            raise _missing("CFItem", identifier)
        associations = item_associations(item=item)
        return Response(
            {
                "CFItem": item_data(item, dialect=self.dialect),
                "CFAssociations": [
                    association_data(a, dialect=self.dialect, standalone=False)
                    for a in associations
                ],
            }
        )


class AssociationView(CaseView):
    def get(self, request: Request, identifier: str) -> Response:
        association = association_find(identifier=identifier)
        if association is None:
            raise _missing("CFAssociation", identifier)
        data = association_data(association, dialect=self.dialect, standalone=True)
        return Response(self.wrap("CFAssociation", data))


class DefinitionView(CaseView):
    """A license or an association grouping: the object itself."""

    kind: str = DefinitionKind.LICENSE
    key: str = "CFLicense"

    def get(self, request: Request, identifier: str) -> Response:
        definition = definition_find(kind=self.kind, identifier=identifier)
        if definition is None:
            raise _missing(self.key, identifier)
        return Response(self.wrap(self.key, definition_data(definition, dialect=self.dialect)))


class DefinitionSetView(CaseView):
    """An item type, concept or subject: ``{"CFItemTypes": [it, its children…]}`` (children
    by hierarchy code, as the binding answers these three)."""

    kind: str = DefinitionKind.ITEM_TYPE

    def get(self, request: Request, identifier: str) -> Response:
        found = definition_with_children(kind=self.kind, identifier=identifier)
        if found is None:
            raise _missing(self.kind.removesuffix("s"), identifier)
        return Response({self.kind: [definition_data(d, dialect=self.dialect) for d in found]})


class RubricView(CaseView):
    def get(self, request: Request, identifier: str) -> Response:
        rubric = rubric_find(identifier=identifier)
        if rubric is None:
            raise _missing("CFRubric", identifier)
        return Response(self.wrap("CFRubric", rubric_data(rubric, dialect=self.dialect)))


# ---- packages ------------------------------------------------------------------------------


class PackageBodyParser(BaseParser):
    """Any body, as bytes, read up to the upload limit (the package checker parses the JSON
    and names every problem's place: that is the input validation of uploads)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = upload_limit()
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            length = 0
        raw: bytes = b"" if stream is None or length > limit else stream.read(limit + 1)
        if length > limit or len(raw) > limit:
            size = max(length, len(raw))
            raise ApplicationError(MSG_TOO_LARGE.format(size=size, limit=limit), field="body")
        return raw


class PackageUploadMixin(CaseView):
    """Reads the package body as bytes and answers the upload."""

    parser_classes = [PackageBodyParser]

    def upload(self, request: Request, *, replaces: str | None) -> Response:
        body = request.data if isinstance(request.data, bytes) else b""
        grant = request.grant  # type: ignore[attr-defined]
        upload = framework_upload(
            body=body,
            org_id=grant.home_org_id,
            api_client_id=grant.api_client_id,
            replaces=replaces,
        )
        report = upload.report
        if report.ok:
            created = report.created
            status = 201 if created and replaces is None else 200
            return Response(upload_result(report, created=created), status=status)
        return self.refused(upload)

    def refused(self, upload: PackageUpload) -> Response:
        report = upload.report
        if upload.missing:
            status, minor = 404, "unknownobject"
        elif report.forbidden:
            status, minor = 403, "forbidden"
        elif upload.bad_request:
            status, minor = 400, "invaliddata"
        else:
            status, minor = 422, "invaliddata"
        problems: list[ImportProblem] = report.problems[:MAX_REPORTED_PROBLEMS]
        description = MSG_UPLOAD_REFUSED.format(problems="; ".join(str(p) for p in problems))
        body = imsx_failure(
            dialect=self.dialect,
            description=description,
            minors=[(p.path or "body", minor) for p in problems],
            details=[{"path": p.path or "body", "message": p.message} for p in problems],
        )
        return Response(body, status=status)


class PackageListView(PackageUploadMixin):
    """``POST /CFPackages`` (v1p1): upload a framework."""

    def post(self, request: Request) -> Response:
        return self.upload(request, replaces=None)


class PackageView(PackageUploadMixin):
    """``GET /CFPackages/{id}``: the framework's package; ``PUT`` (v1p1) replaces it."""

    def get(self, request: Request, identifier: str) -> Response:
        document = self.document(identifier)
        package = framework_package(document=document)
        return Response(
            package_data(package, document=document, dialect=self.dialect, url_for=self.url_for)
        )

    def put(self, request: Request, identifier: str) -> Response:
        return self.upload(request, replaces=identifier)


class PackageGroupsView(CaseView):
    """``GET /CFPackages/{id}/groups`` (v1p1): the document and its items as a tree."""

    def get(self, request: Request, identifier: str) -> Response:
        document = self.document(identifier)
        tree = framework_tree(document=document)
        return Response(groups_data(tree, document=document, url_for=self.url_for))
