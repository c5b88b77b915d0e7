"""QTI pages: a package's files (for rendered items) and the author's preview in the admin."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from qti.choices import ResourceKind
from qti.models import QtiResource
from qti.selectors import asset_get, item_preview

__all__ = ["asset", "item_preview_page"]


@staff_member_required
def asset(request: HttpRequest, package_id: int, path: str) -> HttpResponse:
    """A file of a package (an item's image or media). Staff only until delivery to
    students serves them through the attempt that shows the item."""
    found = asset_get(package_id=package_id, path=path)
    if found is None:
        raise Http404("No such file in this package")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    return response


@staff_member_required
def item_preview_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The item as a student sees it; submitting scores it with the engine and shows the
    outcomes and the feedback they select."""
    resource = get_object_or_404(QtiResource, pk=pk, kind=ResourceKind.ITEM)
    preview = item_preview(
        resource=resource, submitted=request.POST if request.method == "POST" else None
    )
    status = 400 if preview.errors else 200
    return render(
        request, "qti/preview.html", {"resource": resource, "preview": preview}, status=status
    )
