"""Learning facts built directly through the ORM, as the pipeline would leave them, so the
read APIs are tested without running ingest or the pipeline.

Each helper keeps the rows consistent by construction: a completion is a Caliper
``ActivityEvent`` row + its ``ActivityOutcome`` + one XP ledger award; a time record is a
``TimeSpentEvent`` row added into the ``TimeFact`` of its UTC day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid

from caliper.models import CaliperEvent
from mastery.choices import LedgerReason
from mastery.models import ActivityOutcome, MasteryFact, TimeFact, XpLedgerEntry
from roster.models import Org, User
from tenancy.models import ApiClient
from tenancy.services import api_client_create
from tests.mastery.factories import event_job

__all__ = [
    "PROCESSED_AT",
    "SENSOR",
    "activity_record",
    "app_client",
    "mastery_fact",
    "time_record",
]

SENSOR = "https://app.example.org/sensors/main"
SEND_TIME = dt.datetime(2025, 1, 20, 12, 0, tzinfo=dt.UTC)
PROCESSED_AT = dt.datetime(2025, 1, 20, 12, 0, 1, tzinfo=dt.UTC)
_seq = itertools.count(1)


def app_client(org: Org, *, client_id: str = "") -> ApiClient:
    """The API client (app) that sent the events; ``client_id`` is its applicationId."""
    n = next(_seq)
    return api_client_create(
        name=f"app-{org.sourced_id}-{n}",
        org_sourced_id=org.sourced_id,
        scopes=["roster.readonly"],
        client_id=client_id or f"app-{org.sourced_id}-{n}",
    ).api_client


def _event(
    *,
    student: User,
    api_client: ApiClient,
    at: dt.datetime,
    event_type: str,
    action: str,
    subject: str,
    app: str,
    course_iri: str,
    course_name: str,
    activity_iri: str,
    activity_name: str,
    processed: bool,
    **columns: object,
) -> CaliperEvent:
    external_id = f"urn:uuid:{uuid.uuid4()}"
    payload = {"id": external_id, "type": event_type, "action": action}
    return CaliperEvent.objects.create(
        external_id=external_id,
        body_hash=hashlib.sha256(external_id.encode()).hexdigest(),
        api_client=api_client,
        org_scope=student.org_scope,
        lane=student.pk % 2,
        job=event_job(
            client=api_client,
            lane=student.pk % 2,
            pending=not processed,
            processed_at=PROCESSED_AT if processed else None,
        ),
        sensor=SENSOR,
        send_time=SEND_TIME,
        event_type=event_type,
        profile="TimebackProfile",
        action=action,
        event_time=at,
        actor_iri=f"urn:uuid:{student.sourced_id}",
        actor_email=student.email,
        user=student,
        object_iri=activity_iri,
        object_type="TimebackActivityContext",
        payload=payload,
        is_timeback=True,
        subject=subject,
        app_name=app,
        course_iri=course_iri,
        course_name=course_name,
        activity_name=activity_name,
        **columns,
    )


def activity_record(
    *,
    student: User,
    api_client: ApiClient,
    at: dt.datetime,
    subject: str = "Math",
    app: str = "FastMath",
    course_iri: str = "",
    course_name: str = "",
    activity_iri: str = "",
    activity_name: str = "Lesson",
    total: int = 10,
    correct: int = 9,
    xp_reported: float = 5,
    xp_awarded: float = 5,
    mastered: int = 0,
    attempt: int = 1,
    event_type: str = "ActivityEvent",
    processed: bool = True,
) -> CaliperEvent:
    """A completion; when ``processed`` also its outcome and XP award (at ``at``)."""
    activity_iri = activity_iri or f"{SENSOR}/activities/{uuid.uuid4().hex[:8]}"
    event = _event(
        student=student,
        api_client=api_client,
        at=at,
        event_type=event_type,
        action="Completed",
        subject=subject,
        app=app,
        course_iri=course_iri,
        course_name=course_name,
        activity_iri=activity_iri,
        activity_name=activity_name,
        processed=processed,
        attempt=attempt,
        xp_earned=xp_reported,
        total_questions=total,
        correct_questions=correct,
        mastered_units=mastered,
    )
    if not processed:
        return event
    accuracy = correct / total if total else None
    common = {
        "student": student,
        "api_client": api_client,
        "org_scope": student.org_scope,
        "app_name": app,
        "subject": subject,
        "course_iri": course_iri,
        "course_name": course_name,
    }
    ActivityOutcome.objects.create(
        event=event,
        activity_iri=activity_iri,
        activity_name=activity_name,
        occurred_at=at,
        day=at.astimezone(dt.UTC).date(),
        attempt=attempt,
        total_questions=total,
        correct_questions=correct,
        accuracy=accuracy,
        mastered_units_claimed=mastered,
        mastered_units=mastered if accuracy is not None and accuracy >= 0.9 else 0,
        xp_reported=xp_reported,
        xp_base=xp_awarded,
        multiplier=1.0,
        xp_awarded=xp_awarded,
        **common,
    )
    XpLedgerEntry.objects.create(
        source_event=event,
        value=xp_awarded,
        reason=LedgerReason.AWARD,
        occurred_at=at,
        **common,
    )
    return event


def time_record(
    *,
    student: User,
    api_client: ApiClient,
    at: dt.datetime,
    subject: str = "Math",
    app: str = "FastMath",
    active: float = 60,
    inactive: float = 0,
    waste: float = 0,
    course_iri: str = "",
    activity_iri: str = "",
    event_type: str = "TimeSpentEvent",
    processed: bool = True,
) -> CaliperEvent:
    """A TimeSpentEvent; when ``processed`` also added into its UTC day's TimeFact."""
    event = _event(
        student=student,
        api_client=api_client,
        at=at,
        event_type=event_type,
        action="SpentTime",
        subject=subject,
        app=app,
        course_iri=course_iri,
        course_name="",
        activity_iri=activity_iri or f"{SENSOR}/activities/{uuid.uuid4().hex[:8]}",
        activity_name="Lesson",
        processed=processed,
        active_seconds=active,
        inactive_seconds=inactive,
        waste_seconds=waste,
        unknown_seconds=0,
        anti_pattern_seconds=0,
    )
    if processed:
        fact, _ = TimeFact.objects.get_or_create(
            student=student,
            api_client=api_client,
            app_name=app,
            subject=subject,
            day=at.astimezone(dt.UTC).date(),
            defaults={"org_scope": student.org_scope},
        )
        fact.active_seconds += active
        fact.inactive_seconds += inactive
        fact.waste_seconds += waste
        fact.save()
    return event


def mastery_fact(
    *,
    student: User,
    course_iri: str,
    unit_iri: str,
    subject: str = "Math",
    best_accuracy: float | None = 0.95,
) -> MasteryFact:
    """A unit's mastery; mastered exactly when the best accuracy reaches 90% (None: the
    unit had no questions)."""
    mastered = best_accuracy is not None and best_accuracy >= 0.9
    return MasteryFact.objects.create(
        student=student,
        org_scope=student.org_scope,
        course_iri=course_iri,
        unit_iri=unit_iri,
        subject=subject,
        attempts=1,
        best_accuracy=best_accuracy,
        latest_accuracy=best_accuracy,
        mastered=mastered,
        mastered_units=1 if mastered else 0,
        mastered_at=SEND_TIME if mastered else None,
    )
