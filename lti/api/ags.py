"""Assignment and Grade Services 2.0 endpoints. Thin: parse, call a service or selector,
shape the AGS JSON. Paths: ``…/contexts/{class}/lineitems[/{id}[/scores|/results]]``."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lti.api.params import int_param
from lti.permissions import HasLtiScope
from lti.scopes import AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT_READONLY, AGS_SCORE
from lti.services import ags
from lti.web import request_issuer
from roster.models import LineItem, Result
from tenancy.oauth import CachedOAuth2Authentication

__all__ = ["LineItemView", "LineItemsView", "ResultsView", "ScoresView"]

LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"


def _renderer(media: str) -> type[JSONRenderer]:
    return type(f"Renderer_{media}", (JSONRenderer,), {"media_type": media})


def _parser(media: str) -> type[JSONParser]:
    return type(f"Parser_{media}", (JSONParser,), {"media_type": media})


class _AgsView(APIView):
    authentication_classes = [CachedOAuth2Authentication]
    permission_classes = [HasLtiScope]
    read_scopes: tuple[str, ...] = (AGS_LINEITEM, AGS_LINEITEM_READONLY)
    write_scopes: tuple[str, ...] = (AGS_LINEITEM,)

    def lti_scopes(self, request: Request) -> tuple[str, ...]:
        return self.read_scopes if request.method in ("GET", "HEAD") else self.write_scopes

    def base(self, request: Request) -> str:
        return request_issuer(request)

    def container_url(self, request: Request, class_id: int | None) -> str:
        return f"{self.base(request)}/lti/ags/contexts/{class_id}/lineitems"

    def item_json(self, request: Request, item: LineItem) -> dict[str, Any]:
        lti = (item.metadata or {}).get("lti") or {}
        body: dict[str, Any] = {
            "id": f"{self.container_url(request, item.klass_id)}/{item.pk}",
            "label": item.title,
            "scoreMaximum": item.result_value_max,
        }
        for key in ("resourceId", "resourceLinkId", "tag"):
            if lti.get(key):
                body[key] = lti[key]
        if item.assign_date:
            body["startDateTime"] = item.assign_date.isoformat()
        if item.due_date:
            body["endDateTime"] = item.due_date.isoformat()
        return body


class LineItemsView(_AgsView):
    """The context's line items of this tool (GET, paged) and new ones (POST, 201)."""

    renderer_classes = [_renderer(LINEITEM_CONTAINER), _renderer(LINEITEM), JSONRenderer]
    parser_classes = [_parser(LINEITEM), JSONParser]

    def get(self, request: Request, class_id: int) -> Response:
        tool = request.lti_tool  # type: ignore[attr-defined]
        klass = ags.ags_class(tool=tool, class_id=class_id)
        limit = int_param(request, "limit", settings.LTI_NRPS_PAGE_SIZE, 1, 1000)
        offset = int_param(request, "offset", 0, 0, 10**9)
        items = ags.line_items_of(tool=tool, klass=klass)
        for name, key in (
            ("resource_link_id", "resourceLinkId"),
            ("resource_id", "resourceId"),
            ("tag", "tag"),
        ):
            if value := request.query_params.get(name):
                items = items.filter(**{f"metadata__lti__{key}": value})
        page = list(items[offset : offset + limit + 1])
        response = Response([self.item_json(request, i) for i in page[:limit]])
        if len(page) > limit:
            query = {**request.query_params.dict(), "limit": limit, "offset": offset + limit}
            url = f"{self.container_url(request, klass.pk)}?{urllib.parse.urlencode(query)}"
            response["Link"] = f'<{url.lower()}>; rel="next"'
        return response

    def post(self, request: Request, class_id: int) -> Response:
        tool = request.lti_tool  # type: ignore[attr-defined]
        klass = ags.ags_class(tool=tool, class_id=class_id)
        item = ags.line_item_create(tool=tool, klass=klass, body=request.data)
        return Response(self.item_json(request, item), status=201, content_type=LINEITEM)


class LineItemView(_AgsView):
    """One line item: GET, PUT (200, same media type), DELETE (204)."""

    renderer_classes = [_renderer(LINEITEM), JSONRenderer]
    parser_classes = [_parser(LINEITEM), JSONParser]

    def _item(self, request: Request, class_id: int, line_item_id: int) -> LineItem:
        tool = request.lti_tool  # type: ignore[attr-defined]
        klass = ags.ags_class(tool=tool, class_id=class_id)
        return ags.ags_line_item(tool=tool, klass=klass, line_item_id=line_item_id)

    def get(self, request: Request, class_id: int, line_item_id: int) -> Response:
        return Response(self.item_json(request, self._item(request, class_id, line_item_id)))

    def put(self, request: Request, class_id: int, line_item_id: int) -> Response:
        item = self._item(request, class_id, line_item_id)
        tool = request.lti_tool  # type: ignore[attr-defined]
        item = ags.line_item_update(tool=tool, item=item, body=request.data)
        return Response(self.item_json(request, item))

    def delete(self, request: Request, class_id: int, line_item_id: int) -> Response:
        ags.line_item_delete(item=self._item(request, class_id, line_item_id))
        return Response(status=204)


class ScoresView(_AgsView):
    """POST a score for a user: recorded as their result of the line item (204)."""

    write_scopes = (AGS_SCORE,)
    parser_classes = [_parser(SCORE), JSONParser]

    def post(self, request: Request, class_id: int, line_item_id: int) -> Response:
        tool = request.lti_tool  # type: ignore[attr-defined]
        klass = ags.ags_class(tool=tool, class_id=class_id)
        item = ags.ags_line_item(tool=tool, klass=klass, line_item_id=line_item_id)
        ags.score_post(tool=tool, item=item, body=request.data)
        return Response(status=204)


class ResultsView(_AgsView):
    """The line item's results (GET; ``user_id`` gives at most one), a JSON array."""

    read_scopes = (AGS_RESULT_READONLY,)
    renderer_classes = [_renderer(RESULT_CONTAINER), JSONRenderer]

    def get(self, request: Request, class_id: int, line_item_id: int) -> Response:
        tool = request.lti_tool  # type: ignore[attr-defined]
        klass = ags.ags_class(tool=tool, class_id=class_id)
        item = ags.ags_line_item(tool=tool, klass=klass, line_item_id=line_item_id)
        limit = int_param(request, "limit", settings.LTI_NRPS_PAGE_SIZE, 1, 1000)
        results = Result.objects.filter(line_item=item, status="active").select_related("student")
        if user_id := request.query_params.get("user_id"):
            results = results.filter(student__sourced_id=user_id)
        line_url = f"{self.container_url(request, klass.pk)}/{item.pk}"
        return Response(
            [
                {
                    "id": f"{line_url}/results/{r.pk}",
                    "scoreOf": line_url,
                    "userId": r.student.sourced_id,
                    **({"resultScore": r.score} if r.score is not None else {}),
                    "resultMaximum": item.result_value_max or 1.0,
                    **({"comment": r.comment} if r.comment else {}),
                }
                for r in results.order_by("pk")[:limit]
            ]
        )
