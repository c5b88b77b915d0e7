"""OneRoster 1.2 REST views: thin (parse → selector/service → serializer).

Three generic views serve every route; ``urls.py`` configures each route with its entity,
response key, scopes and, for nested routes, the parents to check and how they filter rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import InvalidData
from roster.api.query import (
    link_header,
    page_envelope,
    parse_fields,
    parse_list_params,
)
from roster.api.serializers import ENTITY_OUTPUT, Ctx
from roster.selectors import (
    entity_get,
    entity_page,
    entity_queryset,
    visible_parent,
)
from roster.services.rest import UPSERTS, entity_create_many, entity_delete
from tenancy.permissions import HasOneRosterScope

__all__ = ["CollectionView", "DetailView", "Parent", "Scopes", "UserDemographicsView"]

BODY_KEY_MISSING = "The body must be a JSON object with key {key!r}"
PARENT_MISMATCH = "{field} must be {expected!r} (taken from the path), got {got!r}"


@dataclass(frozen=True)
class Scopes:
    """Scope short names per kind of operation (any-of; ``admin`` allows all)."""

    read: tuple[str, ...]
    write: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parent:
    """A path parameter naming a parent row that must be visible (else 404 unknownobject).

    ``where`` narrows the parent (e.g. schools only), ``within`` ties it to the previous
    parent (a class of that school), ``rows`` filters the child rows by the parents.
    """

    kwarg: str
    entity: str
    rows: Callable[[dict[str, Any]], Q] | None = None
    where: Q | None = None
    within: str | None = None
    # For POSTs under this parent: body field that takes the parent's sourcedId.
    body_field: str | None = None


def _ctx(request: Request) -> Ctx:
    return Ctx(base=request.build_absolute_uri("/ims/oneroster/"))


class OneRosterView(APIView):
    permission_classes = [HasOneRosterScope]
    entity: str = ""
    key: str = ""
    # Timeback's spelling of the response key where it differs from OneRoster's (its client
    # reads `terms` / `term` / `gradingPeriods`); both keys are sent, holding the same data.
    alias: str | None = None
    scopes: Scopes = Scopes(read=())
    where: Q | None = None
    parents: Sequence[Parent] = ()

    def required_scopes(self, request: Request) -> tuple[str, ...]:
        method = request.method or "GET"
        if method in ("GET", "HEAD", "OPTIONS"):
            return self.scopes.read
        if method == "DELETE":
            return self.scopes.delete
        if method == "POST":
            return self.scopes.post or self.scopes.write
        return self.scopes.write

    def resolve_parents(self, request: Request, kwargs: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        previous = None
        for parent in self.parents:
            extra = parent.where
            if parent.within and previous is not None:
                within = Q(**{parent.within: previous})
                extra = within if extra is None else extra & within
            previous = visible_parent(
                entity=parent.entity,
                sourced_id=kwargs[parent.kwarg],
                org_ids=request.grant.org_ids,  # type: ignore[attr-defined]
                extra=extra,
            )
            found[parent.kwarg] = previous
        return found


class CollectionView(OneRosterView):
    """GET a page of rows; POST creates rows (single wrapped object or a batch)."""

    post_key: str | None = None  # body key of a POST; plural key ⇒ batch
    post_defaults: dict[str, Any] | None = None
    post_response: str = "pairs"  # "pairs" or "object"
    post_entity: str | None = None  # when POST creates another entity (enrollments of a class)

    def rows(self, request: Request, parents: dict[str, Any]) -> QuerySet[Any]:
        qs = entity_queryset(entity=self.entity, org_ids=request.grant.org_ids)  # type: ignore[attr-defined]
        if self.where is not None:
            qs = qs.filter(self.where)
        for parent in self.parents:
            if parent.rows is not None:
                qs = qs.filter(parent.rows(parents))
        return qs

    def get(self, request: Request, **kwargs: Any) -> Response:
        out = ENTITY_OUTPUT[self.entity]
        params = parse_list_params(request.query_params, out.filters, out.field_names)
        parents = self.resolve_parents(request, kwargs)
        page, total = entity_page(
            entity=self.entity,
            qs=self.rows(request, parents),
            filter_q=params.filter_q,
            filter_many=params.filter_many,
            search=params.search,
            order_by=params.order_by,
            offset=params.offset,
            limit=params.limit,
        )
        ctx = _ctx(request)
        items = [out.render(obj, ctx, params.fields) for obj in page]
        body = page_envelope(
            key=self.key, items=items, total=total, limit=params.limit, offset=params.offset
        )
        if self.alias:
            body[self.alias] = items
        response = Response(body)
        response["X-Total-Count"] = str(total)
        response["Link"] = link_header(
            url=request.build_absolute_uri(request.path),
            params=request.query_params,
            total=total,
            limit=params.limit,
            offset=params.offset,
        )
        return response

    def _with_defaults(self, item: Any, parents: dict[str, Any], prefix: str) -> Any:
        if not isinstance(item, dict):
            return item
        item = dict(item)
        for parent in self.parents:
            if parent.body_field is None:
                continue
            sid = parents[parent.kwarg].sourced_id
            given = item.get(parent.body_field)
            given_id = given.get("sourcedId") if isinstance(given, dict) else given
            if given is not None and given_id != sid:
                field = f"{prefix}{parent.body_field}.sourcedId"
                raise InvalidData(
                    PARENT_MISMATCH.format(field=field, expected=sid, got=given_id), field=field
                )
            item[parent.body_field] = {"sourcedId": sid}
        for key, value in (self.post_defaults or {}).items():
            item.setdefault(key, value)
        return item

    @transaction.atomic
    def post(self, request: Request, **kwargs: Any) -> Response:
        if self.post_key is None:
            return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)
        parents = self.resolve_parents(request, kwargs)
        data = request.data
        if not isinstance(data, dict) or self.post_key not in data:
            raise InvalidData(BODY_KEY_MISSING.format(key=self.post_key), field=self.post_key)
        post_entity = self.post_entity or self.entity
        upsert = UPSERTS[post_entity]
        grant = request.grant  # type: ignore[attr-defined]
        payload = data[self.post_key]
        if self.post_key != self.key or not isinstance(payload, list):
            done = upsert(
                grant=grant, data=self._with_defaults(payload, parents, ""), create_only=True
            )
            if self.post_response == "object":
                rendered = ENTITY_OUTPUT[post_entity].render(done.obj, _ctx(request))
                return Response({self.post_key: rendered}, status=status.HTTP_201_CREATED)
            pair = {
                "suppliedSourcedId": done.supplied_sourced_id or done.obj.sourced_id,
                "allocatedSourcedId": done.obj.sourced_id,
            }
            return Response({"sourcedIdPairs": pair}, status=status.HTTP_201_CREATED)
        items = [
            self._with_defaults(item, parents, f"{self.post_key}[{i}].")
            for i, item in enumerate(payload)
        ]
        created = entity_create_many(
            grant=grant, entity=post_entity, items=items, key=self.post_key
        )
        pairs = [
            {
                "suppliedSourcedId": done.supplied_sourced_id or done.obj.sourced_id,
                "allocatedSourcedId": done.obj.sourced_id,
            }
            for done in created
        ]
        return Response({"sourcedIdPairs": pairs}, status=status.HTTP_201_CREATED)


class DetailView(OneRosterView):
    """GET one row (``fields`` allowed), PUT upserts it (201 created / 200 replaced), DELETE
    marks it tobedeleted (204)."""

    body_key: str | None = None
    put_defaults: dict[str, Any] | None = None

    def get(self, request: Request, sourcedId: str, **kwargs: Any) -> Response:  # noqa: N803
        out = ENTITY_OUTPUT[self.entity]
        fields = parse_fields(request.query_params.get("fields"), out.field_names)
        obj = entity_get(
            entity=self.entity,
            sourced_id=sourcedId,
            org_ids=request.grant.org_ids,  # type: ignore[attr-defined]
            extra=self.where,
            label=self.key,
        )
        rendered = out.render(obj, _ctx(request), fields)
        body = {self.key: rendered}
        if self.alias:
            body[self.alias] = rendered
        return Response(body)

    def put(self, request: Request, sourcedId: str, **kwargs: Any) -> Response:  # noqa: N803
        key = self.body_key or self.key
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get(key), dict):
            raise InvalidData(BODY_KEY_MISSING.format(key=key), field=key)
        item = dict(data[key])
        for name, value in (self.put_defaults or {}).items():
            item.setdefault(name, value)
        done = UPSERTS[self.entity](
            grant=request.grant,  # type: ignore[attr-defined]
            data=item,
            sourced_id=sourcedId,
        )
        rendered = ENTITY_OUTPUT[self.entity].render(done.obj, _ctx(request))
        return Response(
            {self.key: rendered}, status=status.HTTP_201_CREATED if done.created else 200
        )

    def delete(self, request: Request, sourcedId: str, **kwargs: Any) -> Response:  # noqa: N803
        entity_delete(
            grant=request.grant,  # type: ignore[attr-defined]
            entity=self.entity,
            sourced_id=sourcedId,
            extra=self.where,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserDemographicsView(OneRosterView):
    """Timeback: GET /users/{id}/demographics → ``{"user": {..., "demographics": {...}}}``."""

    def get(self, request: Request, sourcedId: str) -> Response:  # noqa: N803
        grant = request.grant  # type: ignore[attr-defined]
        user = entity_get(entity="user", sourced_id=sourcedId, org_ids=grant.org_ids)
        ctx = _ctx(request)
        body = ENTITY_OUTPUT["user"].render(user, ctx)
        demo = (
            entity_queryset(entity="demographics", org_ids=grant.org_ids)
            .filter(sourced_id=sourcedId)
            .first()
        )
        if demo is not None:
            body["demographics"] = ENTITY_OUTPUT["demographics"].render(demo, ctx)
        return Response({"user": body})
