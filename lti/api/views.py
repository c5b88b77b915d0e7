"""LTI Advantage services. Thin: parse the query, call a selector, shape the answer."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lti.api.params import int_param
from lti.permissions import HasLtiScope
from lti.scopes import NRPS_CONTEXT_MEMBERSHIP
from lti.selectors import context_memberships
from lti.web import request_issuer
from tenancy.oauth import CachedOAuth2Authentication

__all__ = ["NRPS_MEDIA_TYPE", "ContextMembershipsView"]

NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_LIMIT = 1000


class MembershipContainerRenderer(JSONRenderer):
    """JSON as the NRPS membership container media type (what pylti1p3 sends in Accept)."""

    media_type = NRPS_MEDIA_TYPE


class ContextMembershipsView(APIView):
    """NRPS 2.0 context membership container of a class, paged by ``Link: rel="next"``. The
    next URL is written in lower case only (pylti1p3 lower-cases the Link header before
    reading it): the class is named by its number and the role filter is case-insensitive."""

    authentication_classes = [CachedOAuth2Authentication]
    permission_classes = [HasLtiScope]
    renderer_classes = [MembershipContainerRenderer, JSONRenderer]

    def lti_scopes(self, request: Request) -> tuple[str, ...]:
        return (NRPS_CONTEXT_MEMBERSHIP,)

    def get(self, request: Request, class_id: int) -> Response:
        limit = int_param(request, "limit", settings.LTI_NRPS_PAGE_SIZE, 1, MAX_LIMIT)
        offset = int_param(request, "offset", 0, 0, 10**9)
        role = str(request.query_params.get("role", ""))
        page = context_memberships(
            tool=request.lti_tool,  # type: ignore[attr-defined]
            class_id=class_id,
            role=role,
            offset=offset,
            limit=limit,
        )
        base = request_issuer(request)
        url = f"{base}{request.path}"
        body: dict[str, Any] = {
            "id": request.build_absolute_uri(),
            "context": {
                "id": page.klass.sourced_id,
                "label": page.klass.class_code or page.klass.title,
                "title": page.klass.title,
            },
            "members": page.members,
        }
        response = Response(body)
        if page.has_more:
            query = {"limit": limit, "offset": offset + limit}
            if role:
                query["role"] = role.lower()  # type: ignore[assignment]
            next_url = f"{url}?{urllib.parse.urlencode(query)}".lower()
            response["Link"] = f'<{next_url}>; rel="next"'
        return response
