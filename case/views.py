"""The staff framework browser: the frameworks, one framework's tree, and search.

Staff and administrators only (other logins get a 404, anonymous visitors the login page).
Each page's URL also serves its HTMX fragments (``request.htmx``): on a framework's page,
``?open=<item>`` is the whole page opened on that item, the item's children when htmx
targets the item's group (a node expanded in place), or the item's detail panel when htmx
targets ``#detail``; the search page answers its results region."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from case.models import CaseDocument, CaseItem
from case.selectors.alignment import content_for_standard, evidence_summary
from case.selectors.tree import (
    LEVEL_LIMIT,
    SEARCH_PAGE_SIZE,
    framework_list,
    item_associations,
    item_get,
    item_path,
    standards_search,
    tree_children,
    tree_opened,
)
from common.htmx import HtmxHttpRequest
from dashboards.selectors import Viewer, viewer_for
from tenancy.selectors import org_ancestries

__all__ = ["framework_page", "frameworks_page", "search_page"]

DETAIL_TARGET = "detail"
GROUP_TARGET = "group-{pk}"
RESULTS_TARGET = "search-results"


def _staff(request: HttpRequest) -> Viewer:
    viewer = viewer_for(login=request.user)
    if viewer.kind not in ("staff", "admin"):
        raise Http404("No standards here")
    return viewer


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


@login_required
def frameworks_page(request: HttpRequest) -> HttpResponse:
    """Every framework: title, creator, counts, adoption status, subjects; a search box."""
    viewer = _staff(request)
    return render(
        request,
        "case/frameworks.html",
        {"viewer": viewer, "frameworks": framework_list()},
    )


@login_required
def framework_page(request: HtmxHttpRequest, identifier: str) -> HttpResponse:
    """A framework's tree, opened on ``?open=<item>`` (its ancestors and it expanded), and
    the detail panel of that item (else of the framework)."""
    viewer = _staff(request)
    document = get_object_or_404(CaseDocument.objects.defer("layout"), identifier=identifier)
    opened = request.GET.get("open", "")
    item: CaseItem | None = None
    if opened:
        item = item_get(document=document, identifier=opened)
        if item is None:
            raise Http404("No such item in this framework")
    target = request.htmx.target if request.htmx else None
    context: dict[str, Any] = {"viewer": viewer, "document": document, "item": item}
    if item is not None and target == GROUP_TARGET.format(pk=item.pk):
        nodes, more = tree_children(document=document, parent=item.identifier)
        context.update(nodes=nodes, more=more, parent_pk=item.pk, level_limit=LEVEL_LIMIT)
        return render(request, "case/partials/_tree_level.html", context)
    path = item_path(item=item) if item is not None else []
    context.update(
        path=path,
        associations=item_associations(item=item) if item is not None else [],
        data_json=_json(item.data if item is not None else document.data),
    )
    if item is not None:
        # Content of the viewer's schools and of the orgs above them (a district's tests
        # serve its schools); students' evidence of the viewer's schools only.
        org_ids = None if viewer.is_admin else viewer.org_ids
        content_orgs = None if org_ids is None else org_ancestries(org_ids=org_ids)
        context.update(
            aligned=content_for_standard(identifier=item.identifier, org_ids=content_orgs),
            evidence=evidence_summary(identifier=item.identifier, org_ids=org_ids),
        )
    if target == DETAIL_TARGET:
        return render(request, "case/partials/_detail.html", context)
    nodes, more = tree_opened(document=document, path=path, item=item)
    context.update(nodes=nodes, more=more, parent_pk="top", level_limit=LEVEL_LIMIT, top_level=True)
    return render(request, "case/framework.html", context)


def _query_without(request: HttpRequest, name: str) -> str:
    query: QueryDict = request.GET.copy()
    query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


@login_required
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    """Items by code (prefix) and by text (contains), within ``?framework=`` or across all,
    50 a page, each with its path."""
    viewer = _staff(request)
    framework: CaseDocument | None = None
    framework_id = request.GET.get("framework", "")
    if framework_id:
        framework = get_object_or_404(
            CaseDocument.objects.only("identifier", "title"), identifier=framework_id
        )
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    results = standards_search(query=request.GET.get("q", ""), framework=framework, page=page)
    context = {
        "viewer": viewer,
        "results": results,
        "framework": framework,
        "page_size": SEARCH_PAGE_SIZE,
        "query_without_page": _query_without(request, "page"),
    }
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        return render(request, "case/partials/_search_results.html", context)
    context["frameworks"] = CaseDocument.objects.only("identifier", "title").order_by("title")
    return render(request, "case/search.html", context)
