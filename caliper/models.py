"""The Caliper event store: every accepted event, kept as sent, plus the columns the pipeline
and the read APIs filter on.

An accepted envelope is one ``IngestJob``; each event in it is one ``CaliperEvent`` row, never
updated after the insert. What the learning pipeline (``mastery``) still has to process is the
``EventOutbox``: one row per job and processing lane, written with the events and deleted by
the transaction that derives their facts. Entity "describe" objects in an envelope go to
``CaliperEntity``.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from caliper.fields import JsonTextField
from caliper.querysets import CaliperEntityQuerySet, CaliperEventQuerySet, IngestJobQuerySet
from common.models import BaseModel

__all__ = ["CaliperEntity", "CaliperEvent", "EventOutbox", "IngestJob"]


class IngestJob(BaseModel):
    """One accepted envelope. Its state is derived from its outbox rows (see
    ``caliper.selectors.job_status``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.PROTECT, related_name="caliper_jobs"
    )
    sensor = models.CharField(max_length=2048)
    send_time = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    entity_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(
        default=0, help_text="Events in the envelope that had been accepted before (no-ops)."
    )
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the pipeline last committed events of this job."
    )

    objects = IngestJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.id)


class CaliperEvent(BaseModel):
    """One accepted Caliper event.

    ``payload`` is the event exactly as sent; ``body_hash`` (SHA-256 of its canonical JSON)
    tells a harmless resend from a conflicting one. ``user`` is the OneRoster user the actor
    matched (NULL: unattributed, kept but earns no XP, time or mastery). The Timeback profile
    columns (subject … anti_pattern_seconds) are extracted at ingest so the pipeline works
    set-based, without parsing JSON again.
    """

    id = models.BigAutoField(primary_key=True)
    # Unique through a named constraint, not unique=True: that would add a second,
    # varchar_pattern_ops index on PostgreSQL that no query uses and every insert pays for.
    external_id = models.CharField("event id", max_length=64)
    body_hash = models.CharField(max_length=64)
    job = models.ForeignKey(
        IngestJob, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # No index of its own: caliper_event_client_time (api_client, event_time) serves it.
    api_client = models.ForeignKey(
        "tenancy.ApiClient",
        on_delete=models.PROTECT,
        related_name="caliper_events",
        db_index=False,
    )
    org_scope = models.ForeignKey(
        "roster.Org", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Processing lane (student pk modulo CALIPER_PROCESSING_LANES; 0 when unattributed).
    # One worker at a time holds a lane, so a student's facts are never written concurrently.
    lane = models.PositiveSmallIntegerField(default=0)

    # ---- Caliper columns ----------------------------------------------------------------
    sensor = models.CharField(max_length=2048)
    send_time = models.DateTimeField()
    event_type = models.CharField(max_length=64)
    profile = models.CharField(max_length=64, blank=True, default="")
    action = models.CharField(max_length=64)
    event_time = models.DateTimeField()
    actor_iri = models.CharField(max_length=2048)
    actor_email = models.CharField(max_length=320, blank=True, default="")
    user = models.ForeignKey(
        "roster.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caliper_events",
        db_index=False,
    )
    object_iri = models.CharField(max_length=2048)
    object_type = models.CharField(max_length=64, blank=True, default="")
    ed_app = models.CharField(max_length=2048, blank=True, default="")
    payload = JsonTextField()

    # ---- Timeback profile (ActivityEvent / TimeSpentEvent), NULL/blank otherwise ---------
    is_timeback = models.BooleanField(default=False)
    subject = models.CharField(max_length=64, blank=True, default="")
    app_name = models.CharField(max_length=255, blank=True, default="")
    course_iri = models.CharField(max_length=2048, blank=True, default="")
    course_name = models.CharField(max_length=255, blank=True, default="")
    activity_name = models.CharField(max_length=255, blank=True, default="")
    attempt = models.PositiveIntegerField(null=True, blank=True)
    xp_earned = models.FloatField(null=True, blank=True)
    total_questions = models.IntegerField(null=True, blank=True)
    correct_questions = models.IntegerField(null=True, blank=True)
    mastered_units = models.IntegerField(null=True, blank=True)
    active_seconds = models.FloatField(null=True, blank=True)
    inactive_seconds = models.FloatField(null=True, blank=True)
    waste_seconds = models.FloatField(null=True, blank=True)
    unknown_seconds = models.FloatField(null=True, blank=True)
    anti_pattern_seconds = models.FloatField(null=True, blank=True)
    # Recommended Timeback fields the event lacked (e.g. ["course", "activity"]): counted
    # in the app's event quality.
    missing_fields = models.JSONField(default=list, blank=True)

    objects = CaliperEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["user", "object_iri"], name="caliper_event_user_activity"),
            models.Index(fields=["user", "event_time"], name="caliper_event_user_time"),
            models.Index(fields=["api_client", "event_time"], name="caliper_event_client_time"),
            models.Index(fields=["org_scope", "event_time"], name="caliper_event_org_time"),
            models.Index(fields=["actor_iri"], name="caliper_event_actor"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                name="caliper_event_external_id_unique",
                violation_error_message="An event with this id was accepted before",
            ),
            models.CheckConstraint(
                condition=Q(active_seconds__isnull=True)
                | Q(active_seconds__gte=0, active_seconds__lte=86400),
                name="caliper_event_active_seconds_range",
                violation_error_message="active seconds must be within 0..86400",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class EventOutbox(models.Model):
    """The events of one job in one lane that the learning pipeline has not processed yet.

    Ingest writes these rows in the transaction that stores the events (at most one per
    lane per envelope); the pipeline deletes them in the transaction that commits the facts
    of those events. An event is *pending* while its (job, lane) row exists, *processed*
    once it is gone, so a crash anywhere leaves the batch pending and it is processed again.
    The event rows themselves are never updated: marking a batch processed costs one small
    delete, not a rewrite of every event row and its indexes."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: caliper_outbox_job_lane (job, lane) serves it.
    job = models.ForeignKey(
        IngestJob, on_delete=models.CASCADE, related_name="outbox", db_index=False
    )
    lane = models.PositiveSmallIntegerField()
    events = models.PositiveIntegerField(help_text="Events of the job in this lane.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["lane", "id"], name="caliper_outbox_lane")]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "lane"],
                name="caliper_outbox_job_lane",
                violation_error_message="This job is already queued in this lane",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.lane}"


class CaliperEntity(BaseModel):
    """An Entity "describe" object sent in an envelope, upserted by (client, entity id)."""

    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.PROTECT, related_name="caliper_entities"
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    entity_iri = models.CharField(max_length=2048)
    entity_type = models.CharField(max_length=64)
    payload = models.JSONField()
    job = models.ForeignKey(
        IngestJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="entities"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaliperEntityQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "entity_iri"],
                name="caliper_entity_unique_per_client",
                violation_error_message="This client already described an entity with this id",
            )
        ]
        verbose_name_plural = "Caliper entities"

    def __str__(self) -> str:
        return self.entity_iri
