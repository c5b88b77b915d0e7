"""Assignment and Grade Services 2.0, stored in the one gradebook: an AGS line item is a
OneRoster ``LineItem`` of the class (label → title, scoreMaximum → resultValueMax, start and
end → assign and due dates, the AGS fields under ``metadata.lti``), and a score is the
student's OneRoster ``Result`` of it (scoreGiven scaled to the line item's maximum,
gradingProgress → scoreStatus). A tool sees and changes only the line items it created.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from common.exceptions import Conflict, InvalidData, NotFound
from lti.models import ToolRegistration
from roster.models import Class, LineItem, Result, User
from tenancy.selectors import client_org_ids

__all__ = [
    "ACTIVITY_PROGRESS",
    "GRADING_PROGRESS",
    "LineItemInput",
    "ags_class",
    "ags_line_item",
    "line_item_create",
    "line_item_delete",
    "line_item_update",
    "line_items_of",
    "score_post",
]

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("NotReady", "Failed", "Pending", "PendingManual", "FullyGraded")
# AGS gradingProgress → OneRoster scoreStatus.
SCORE_STATUS = {
    "FullyGraded": "fully graded",
    "Pending": "submitted",
    "PendingManual": "submitted",
    "NotReady": "not submitted",
    "Failed": "not submitted",
}

MSG_NO_CONTEXT = "context: no class {id!r} is visible to this tool"
MSG_NO_LINE_ITEM = "lineitem: no line item {id!r} of this tool in this context"
MSG_BODY = "body: must be a JSON object"
MSG_REQUIRED = "{field}: is required"
MSG_STRING = "{field}: must be a non-empty string of at most {max} characters"
MSG_POSITIVE = "{field}: must be a number greater than 0"
MSG_NON_NEGATIVE = "{field}: must be a number of at least 0"
MSG_DATETIME = "{field}: must be an ISO 8601 date-time with a time zone"
MSG_ENUM = "{field}: must be one of {allowed}"
MSG_USER = "userId: {user!r} is not a member of this context"
MSG_STALE = "timestamp: {got} is not after the last score's {last}"
MSG_ORDER = "endDateTime: must not be before startDateTime"


@dataclass(frozen=True)
class LineItemInput:
    label: str
    score_maximum: float
    resource_id: str
    resource_link_id: str
    tag: str
    start: dt.datetime | None
    end: dt.datetime | None


def ags_class(*, tool: ToolRegistration, class_id: int) -> Class:
    """The class ``class_id`` if it is inside the tool's grant (else NotFound)."""
    klass = Class.objects.filter(
        pk=class_id, org_scope_id__in=client_org_ids(api_client=tool.api_client)
    ).first()
    if klass is None:
        raise NotFound(MSG_NO_CONTEXT.format(id=class_id), field="context")
    return klass


def line_items_of(*, tool: ToolRegistration, klass: Class) -> Any:
    """The tool's line items in ``klass`` (a queryset, oldest first)."""
    return LineItem.objects.filter(
        klass=klass, status="active", metadata__lti__toolClientId=tool.client_id
    ).order_by("pk")


def ags_line_item(*, tool: ToolRegistration, klass: Class, line_item_id: int) -> LineItem:
    item = line_items_of(tool=tool, klass=klass).filter(pk=line_item_id).first()
    if item is None:
        raise NotFound(MSG_NO_LINE_ITEM.format(id=line_item_id), field="lineitem")
    return item


def line_item_parse(body: object) -> LineItemInput:
    """Check an AGS line item body; every error names its field."""
    if not isinstance(body, dict):
        raise InvalidData(MSG_BODY, field="body")
    label = _string(body, "label", 255, required=True)
    score_maximum = _number(body, "scoreMaximum", positive=True, required=True)
    assert score_maximum is not None
    start = _datetime(body, "startDateTime")
    end = _datetime(body, "endDateTime")
    if start and end and end < start:
        raise InvalidData(MSG_ORDER, field="endDateTime")
    return LineItemInput(
        label=label,
        score_maximum=score_maximum,
        resource_id=_string(body, "resourceId", 256),
        resource_link_id=_string(body, "resourceLinkId", 255),
        tag=_string(body, "tag", 256),
        start=start,
        end=end,
    )


@transaction.atomic
def line_item_create(*, tool: ToolRegistration, klass: Class, body: object) -> LineItem:
    data = line_item_parse(body)
    item = LineItem(
        sourced_id=f"lti-{uuid.uuid4()}",
        klass=klass,
        school_id=klass.school_id,
        org_scope_id=klass.org_scope_id,
        source_system="lti",
    )
    _apply(item, data, tool)
    item.save()
    return item


@transaction.atomic
def line_item_update(*, tool: ToolRegistration, item: LineItem, body: object) -> LineItem:
    data = line_item_parse(body)
    _apply(item, data, tool)
    item.save()
    return item


@transaction.atomic
def line_item_delete(*, item: LineItem) -> None:
    """Hide the line item and its results (OneRoster: gone from every read)."""
    Result.objects.filter(line_item=item).update(status="tobedeleted")
    item.status = "tobedeleted"
    item.save(update_fields=["status", "date_last_modified"])


@transaction.atomic
def score_post(*, tool: ToolRegistration, item: LineItem, body: object) -> Result:
    """Record a score as the student's result of ``item``. A score whose timestamp is not
    after the last one recorded is refused (409), as AGS requires."""
    if not isinstance(body, dict):
        raise InvalidData(MSG_BODY, field="body")
    user_id = _string(body, "userId", 255, required=True)
    activity = _enum(body, "activityProgress", ACTIVITY_PROGRESS)
    grading = _enum(body, "gradingProgress", GRADING_PROGRESS)
    timestamp = _datetime(body, "timestamp", required=True)
    assert timestamp is not None
    given = _number(body, "scoreGiven")
    maximum = _number(body, "scoreMaximum", positive=True, required=given is not None)
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InvalidData(MSG_STRING.format(field="comment", max=10000), field="comment")
    student = (
        User.objects.filter(
            sourced_id=user_id,
            enrollments__klass_id=item.klass_id,
            enrollments__status="active",
        )
        .distinct()
        .first()
    )
    if student is None:
        raise InvalidData(MSG_USER.format(user=user_id), field="userId")
    result = Result.objects.select_for_update().filter(line_item=item, student=student).first()
    if result is not None:
        last = (result.metadata.get("lti") or {}).get("timestamp")
        if last and dt.datetime.fromisoformat(last) >= timestamp:
            raise Conflict(
                MSG_STALE.format(got=timestamp.isoformat(), last=last), field="timestamp"
            )
    else:
        result = Result(
            sourced_id=f"lti-{uuid.uuid4()}",
            line_item=item,
            student=student,
            klass_id=item.klass_id,
            org_scope_id=item.org_scope_id,
            source_system="lti",
        )
    line_max = item.result_value_max or 1.0
    scaled = None
    if given is not None and maximum is not None:
        scaled = given / maximum * line_max
    result.score = scaled
    result.score_status = SCORE_STATUS[grading]
    result.score_date = timestamp.date()
    result.comment = comment or ""
    result.in_progress = activity in ("Started", "InProgress")
    result.status = "active"
    result.metadata = {
        **(result.metadata or {}),
        "lti": {
            "toolClientId": tool.client_id,
            "timestamp": timestamp.isoformat(),
            "activityProgress": activity,
            "gradingProgress": grading,
            "scoreGiven": given,
            "scoreMaximum": maximum,
        },
    }
    result.save()
    return result


# ---------------------------------------------------------------------------------------------


def _apply(item: LineItem, data: LineItemInput, tool: ToolRegistration) -> None:
    item.title = data.label
    item.result_value_min = 0.0
    item.result_value_max = data.score_maximum
    item.assign_date = data.start
    item.due_date = data.end
    item.status = "active"
    item.metadata = {
        **(item.metadata or {}),
        "lti": {
            "toolClientId": tool.client_id,
            "resourceId": data.resource_id,
            "resourceLinkId": data.resource_link_id,
            "tag": data.tag,
        },
    }


def _string(body: dict[str, Any], field: str, max_len: int, *, required: bool = False) -> str:
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise InvalidData(MSG_REQUIRED.format(field=field), field=field)
        return ""
    if not isinstance(value, str) or len(value) > max_len:
        raise InvalidData(MSG_STRING.format(field=field, max=max_len), field=field)
    return value


def _number(
    body: dict[str, Any], field: str, *, positive: bool = False, required: bool = False
) -> float | None:
    value = body.get(field)
    if value is None:
        if required:
            raise InvalidData(MSG_REQUIRED.format(field=field), field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidData(
            (MSG_POSITIVE if positive else MSG_NON_NEGATIVE).format(field=field), field=field
        )
    if (positive and value <= 0) or value < 0:
        raise InvalidData(
            (MSG_POSITIVE if positive else MSG_NON_NEGATIVE).format(field=field), field=field
        )
    return float(value)


def _datetime(body: dict[str, Any], field: str, *, required: bool = False) -> dt.datetime | None:
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise InvalidData(MSG_REQUIRED.format(field=field), field=field)
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or not isinstance(value, str):
        raise InvalidData(MSG_DATETIME.format(field=field), field=field)
    return parsed


def _enum(body: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    value = body.get(field)
    if value is None:
        raise InvalidData(MSG_REQUIRED.format(field=field), field=field)
    if value not in allowed:
        raise InvalidData(MSG_ENUM.format(field=field, allowed=", ".join(allowed)), field=field)
    return str(value)
