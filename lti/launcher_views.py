"""The student launcher: the student's classes with the apps they can open, an app opened
in the launcher's frame, and the time-on-task heartbeats the page sends while it is open."""

from __future__ import annotations

import json
import urllib.parse
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from common.exceptions import ApplicationError
from lti.models import ToolRegistration
from lti.selectors import launcher_classes
from lti.services.heartbeats import heartbeat_record, heartbeat_seconds, hidden_limit
from lti.web import request_issuer, request_roster_user
from roster.models import Class

__all__ = ["heartbeat_view", "launcher_view", "play_view"]


@login_required
@require_GET
def launcher_view(request: HttpRequest) -> HttpResponse:
    user = request_roster_user(request)
    classes = launcher_classes(user=user) if user else []
    return render(request, "lti/launcher.html", {"student": user, "classes": classes})


@login_required
@require_GET
def play_view(request: HttpRequest, tool_id: int) -> HttpResponse:
    """The app in the launcher's frame, with the heartbeat script."""
    tool = get_object_or_404(ToolRegistration, pk=tool_id, is_active=True)
    klass = get_object_or_404(Class, sourced_id=request.GET.get("class", ""))
    query = urllib.parse.urlencode(
        {
            "class": klass.sourced_id,
            **({"resource": r} if (r := request.GET.get("resource")) else {}),
        }
    )
    return render(
        request,
        "lti/play.html",
        {
            "tool": tool,
            "klass": klass,
            "launch_query": query,
            "session": uuid.uuid4(),
            "interval_ms": heartbeat_seconds() * 1000,
            "hidden_limit": hidden_limit(),
        },
    )


def _parse_heartbeat(raw: bytes) -> dict[str, object]:
    """The heartbeat's fields; ValueError names the first one missing or malformed."""
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ValueError("body: must be a JSON object")
    parsed: dict[str, object] = {}
    for field, parse in (
        ("tool", lambda v: int(v) if isinstance(v, int) and not isinstance(v, bool) else None),
        ("class", lambda v: v if isinstance(v, str) and v else None),
        ("session", lambda v: uuid.UUID(v) if isinstance(v, str) else None),
        (
            "sequence",
            lambda v: v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None,
        ),
        ("visible", lambda v: v if isinstance(v, bool) else None),
    ):
        try:
            value = parse(body.get(field))
        except ValueError:
            value = None
        if value is None:
            raise ValueError(f"{field}: missing or malformed")
        parsed[field] = value
    return parsed


@login_required
@require_POST
def heartbeat_view(request: HttpRequest) -> HttpResponse:
    """One heartbeat (JSON: tool, class, session, sequence, visible): 204, or 200 with
    ``{"stopped": true}`` once the app has been hidden too long."""
    try:
        beat = _parse_heartbeat(request.body)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    user = request_roster_user(request)
    if user is None:
        return JsonResponse({"error": "user: your login is not linked to a student"}, status=403)
    try:
        recorded = heartbeat_record(
            user=user,
            tool_id=int(str(beat["tool"])),
            class_sourced_id=str(beat["class"]),
            session=uuid.UUID(str(beat["session"])),
            sequence=int(str(beat["sequence"])),
            visible=bool(beat["visible"]),
            issuer=request_issuer(request),
        )
    except ApplicationError as exc:  # CaliperRejected included
        return JsonResponse({"error": exc.message}, status=exc.status_code)
    if not recorded:
        return JsonResponse({"stopped": True})
    return HttpResponse(status=204)
