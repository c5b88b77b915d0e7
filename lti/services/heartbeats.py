"""The student launcher's time-on-task: while an app is open in the launcher, the page sends
a heartbeat every ``LTI_HEARTBEAT_SECONDS`` (15), visible or hidden; each becomes one Caliper
``TimeSpentEvent`` (Timeback profile) of that many active or inactive seconds, ingested
through the learning-events pipeline under the app's API client, so it turns into time
facts and rollups like any app's own events. The page stops after ten minutes of hidden
heartbeats in a row (``hidden_limit``), and the server ignores hidden beats beyond it.

A heartbeat's event id is derived from (session, sequence): a resent heartbeat is stored
once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from caliper.services import CaliperRejected, events_ingest
from common.exceptions import NotFound, PermissionDenied
from lti.models import ToolRegistration
from roster.models import Class, User
from tenancy.selectors import api_client_grant, client_org_ids

__all__ = ["heartbeat_record", "heartbeat_seconds", "hidden_limit", "launcher_sensor"]

HIDDEN_SECONDS = 600  # stop after ten minutes hidden
_HIDDEN_KEY = "lti:launcher:hidden:{session}"
MSG_NOT_ENROLLED = "class: {klass!r} is not one of your classes"
MSG_NO_TOOL = "tool: no app {tool!r} is available to you"


def heartbeat_seconds() -> int:
    return int(settings.LTI_HEARTBEAT_SECONDS)


def hidden_limit() -> int:
    """Hidden heartbeats in a row before the page stops (ten minutes' worth)."""
    return max(1, -(-HIDDEN_SECONDS // heartbeat_seconds()))


def launcher_sensor(*, issuer: str) -> str:
    return f"{issuer}/launcher"


def heartbeat_record(
    *,
    user: User,
    tool_id: int,
    class_sourced_id: str,
    session: uuid.UUID,
    sequence: int,
    visible: bool,
    issuer: str,
) -> bool:
    """Record one heartbeat of ``user`` using ``tool`` in their class. Returns False when
    the beat was ignored (hidden for longer than the limit)."""
    tool = (
        ToolRegistration.objects.select_related("api_client")
        .filter(pk=tool_id, is_active=True)
        .first()
    )
    if tool is None or user.org_scope_id not in client_org_ids(api_client=tool.api_client):
        raise NotFound(MSG_NO_TOOL.format(tool=tool_id), field="tool")
    klass = (
        Class.objects.select_related("course")
        .filter(
            sourced_id=class_sourced_id,
            enrollments__user=user,
            enrollments__status="active",
        )
        .first()
    )
    if klass is None:
        raise PermissionDenied(MSG_NOT_ENROLLED.format(klass=class_sourced_id), field="class")
    hidden_key = _HIDDEN_KEY.format(session=session)
    if visible:
        cache.delete(hidden_key)
    else:
        cache.add(hidden_key, 0, timeout=3600)
        if cache.incr(hidden_key) > hidden_limit():
            return False
    app_iri = _origin(tool.target_link_uri)
    sensor = launcher_sensor(issuer=issuer)
    grant = api_client_grant(
        api_client=tool.api_client, scopes=["event.create"], sensors=[sensor, app_iri]
    )
    if grant is None:
        raise NotFound(MSG_NO_TOOL.format(tool=tool_id), field="tool")
    event = _time_spent_event(
        user=user,
        tool=tool,
        klass=klass,
        app_iri=app_iri,
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{sensor}/{session}/{sequence}"),
        session=session,
        visible=visible,
        issuer=issuer,
    )
    try:
        events_ingest(
            grant=grant,
            payload={
                "sensor": sensor,
                "sendTime": _iso(timezone.now()),
                "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
                "data": [event],
            },
        )
    except CaliperRejected as exc:
        # The id is (session, sequence): a conflict is this beat resent later (its
        # eventTime differs), already counted.
        if exc.status_code != 409:
            raise
    return True


def _time_spent_event(
    *,
    user: User,
    tool: ToolRegistration,
    klass: Class,
    app_iri: str,
    event_id: uuid.UUID,
    session: uuid.UUID,
    visible: bool,
    issuer: str,
) -> dict[str, Any]:
    subjects = klass.course.subjects or []
    kind = "active" if visible else "inactive"
    return {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{event_id}",
        "type": "TimeSpentEvent",
        "profile": "TimebackProfile",
        "action": "SpentTime",
        "eventTime": _iso(timezone.now()),
        "actor": {
            "id": f"{issuer}/ims/oneroster/rostering/v1p2/users/{user.sourced_id}",
            "type": "TimebackUser",
            "email": user.email,
            "name": f"{user.given_name} {user.family_name}".strip(),
            "role": "student",
        },
        "object": {
            "id": f"{app_iri}/classes/{klass.sourced_id}",
            "type": "TimebackActivityContext",
            "subject": str(subjects[0]) if subjects else "Other",
            "app": {"name": tool.name, "id": app_iri},
            "course": {
                "id": f"{issuer}/ims/oneroster/rostering/v1p2/courses/{klass.course.sourced_id}",
                "name": klass.course.title,
            },
            "activity": {"name": klass.title},
        },
        "generated": {
            "id": f"{issuer}/launcher/metrics/time/{event_id}",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": [{"type": kind, "value": heartbeat_seconds()}],
        },
        "edApp": app_iri,
        "session": f"urn:uuid:{session}",
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
