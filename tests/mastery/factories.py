"""Mastery test data: Caliper events written straight into the store, with the Timeback
columns ingest would have extracted and, as ingest does, a job and an outbox row, so pipeline
tests need no HTTP and no envelope."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from caliper.models import CaliperEvent, EventOutbox, IngestJob
from roster.models import Course, Org, User, UserRole
from tenancy.models import ApiClient
from tenancy.services import api_client_create

SENSOR = "https://app.example.org"
ROSTER = "https://timeback.example.org/ims/oneroster/rostering/v1p2"
ACTIVITY = f"{SENSOR}/activities/math/g4/fractions-1"
MOMENT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


@dataclass
class Scene:
    """A district with a school, students, a course and one app (API client)."""

    district: Org
    school: Org
    students: list[User]
    course: Course
    api_client: ApiClient
    other_clients: list[ApiClient] = field(default_factory=list)

    @property
    def student(self) -> User:
        return self.students[0]

    @property
    def course_iri(self) -> str:
        return f"{ROSTER}/courses/{self.course.sourced_id}"


def make_scene(prefix: str = "m", *, students: int = 2) -> Scene:
    district = Org.objects.create(
        sourced_id=f"{prefix}-district", name=f"{prefix} District", type="district"
    )
    school = Org.objects.create(
        sourced_id=f"{prefix}-school", name=f"{prefix} School", type="school", parent=district
    )
    people = []
    for i in range(students):
        user = User.objects.create(
            sourced_id=f"{prefix}-stu-{i}",
            given_name=f"S{i}",
            family_name=prefix.upper(),
            email=f"stu{i}@{prefix}.example.org",
            primary_org=school,
            primary_role="student",
            org_scope=school,
        )
        UserRole.objects.create(user=user, role_type="primary", role="student", org=school)
        people.append(user)
    course = Course.objects.create(
        sourced_id=f"{prefix}-math-g4",
        title="Math G4",
        org=school,
        org_scope=school,
        grades=["04"],
        subjects=["Math"],
    )
    created = api_client_create(
        name=f"{prefix}-app", org_sourced_id=district.sourced_id, scopes=["event.create"]
    )
    return Scene(district, school, people, course, created.api_client)


def _item_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()


def event_job(
    *, client: ApiClient, lane: int, pending: bool = True, processed_at: datetime | None = None
) -> IngestJob:
    """A job of one event: queued in ``lane`` of the outbox when ``pending``, else processed
    (at ``processed_at``)."""
    job = IngestJob.objects.create(
        api_client=client, sensor=SENSOR, event_count=1, processed_at=processed_at
    )
    if pending:
        EventOutbox.objects.create(job=job, lane=lane, events=1)
    return job


def caliper_event(
    *,
    client: ApiClient,
    user: User | None,
    kind: str = "activity",
    object_iri: str = ACTIVITY,
    event_time: datetime = MOMENT,
    xp: float | None = None,
    total: int | None = None,
    correct: int | None = None,
    mastered: int | None = None,
    attempt: int | None = None,
    active: float | None = None,
    inactive: float | None = None,
    waste: float | None = None,
    course_iri: str = "",
    subject: str = "Math",
    app_name: str = "Test App",
    activity_name: str = "Fractions 1",
    external_id: str | None = None,
    is_timeback: bool = True,
    event_type: str | None = None,
    missing_fields: Sequence[str] = (),
    save: bool = True,
) -> CaliperEvent:
    """One stored event, pending (in a job of its own, queued in the outbox). ``kind``
    "activity" (an ActivityEvent completion) or "time" (a TimeSpentEvent); ``event_type``
    overrides the type (e.g. a plain Caliper "ViewEvent"). With ``save`` False the event is
    returned unsaved (its job and outbox row are written): save it, e.g. in bulk."""
    is_activity = kind == "activity"
    etype = event_type or ("ActivityEvent" if is_activity else "TimeSpentEvent")
    lanes = settings.CALIPER_PROCESSING_LANES
    lane = (user.pk % lanes) if user else 0
    values: dict[str, Any] = {
        "job": event_job(client=client, lane=lane),
        "external_id": external_id or f"urn:uuid:{uuid.uuid4()}",
        "api_client": client,
        "org_scope_id": user.org_scope_id if user else client.organisation_id,
        "lane": lane,
        "sensor": SENSOR,
        "send_time": event_time,
        "event_type": etype,
        "profile": "TimebackProfile" if is_timeback else "",
        "action": "Completed" if is_activity else "SpentTime",
        "event_time": event_time,
        "actor_iri": f"{ROSTER}/users/{user.sourced_id}" if user else "https://x.example/u/1",
        "actor_email": user.email if user else "",
        "user": user,
        "object_iri": object_iri,
        "object_type": "TimebackActivityContext",
        "ed_app": SENSOR,
        "is_timeback": is_timeback,
        "subject": subject if is_timeback else "",
        "app_name": app_name if is_timeback else "",
        "course_iri": course_iri,
        "activity_name": activity_name if is_timeback else "",
        "missing_fields": list(missing_fields),
    }
    if is_timeback and is_activity:
        values.update(
            attempt=attempt,
            xp_earned=xp,
            total_questions=total,
            correct_questions=correct,
            mastered_units=mastered,
        )
    elif is_timeback:
        values.update(active_seconds=active, inactive_seconds=inactive, waste_seconds=waste)
    values["payload"] = {"id": values["external_id"], "type": etype}
    values["body_hash"] = _item_hash({k: str(v) for k, v in values.items()})
    event = CaliperEvent(**values)
    if save:
        event.save()
    return event
