"""Admin for the event store: read-only views of events, jobs, the pipeline's outbox and
described entities. Events are evidence: they are never edited or deleted here."""

from __future__ import annotations

from django.contrib import admin

from caliper.models import CaliperEntity, CaliperEvent, EventOutbox, IngestJob
from common.admin import ReadOnlyAdmin


@admin.register(CaliperEvent)
class CaliperEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "external_id",
        "event_type",
        "action",
        "event_time",
        "app_name",
        "user",
        "api_client",
        "is_timeback",
    )
    list_filter = (
        "event_type",
        "action",
        "is_timeback",
        ("user", admin.EmptyFieldListFilter),
        "api_client",
        "subject",
        "lane",
    )
    search_fields = ("=external_id", "=actor_iri", "=actor_email", "=object_iri", "app_name")
    list_select_related = ("user", "api_client")
    date_hierarchy = "event_time"
    # The admin's changelist counts rows: on a large store an exact count is the slow part.
    show_full_result_count = False
    raw_id_fields = ("user", "job", "org_scope")


@admin.register(IngestJob)
class IngestJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "api_client",
        "sensor",
        "event_count",
        "duplicate_count",
        "entity_count",
        "created_at",
        "processed_at",
    )
    list_filter = ("api_client",)
    search_fields = ("=id", "sensor")
    list_select_related = ("api_client",)
    date_hierarchy = "created_at"


@admin.register(EventOutbox)
class EventOutboxAdmin(ReadOnlyAdmin):
    """What the learning pipeline has still to process: a job's events in one lane per row."""

    list_display = ("id", "job", "lane", "events", "created_at")
    list_filter = ("lane",)
    raw_id_fields = ("job",)


@admin.register(CaliperEntity)
class CaliperEntityAdmin(ReadOnlyAdmin):
    list_display = ("entity_iri", "entity_type", "api_client", "updated_at")
    list_filter = ("entity_type", "api_client")
    search_fields = ("=entity_iri",)
    list_select_related = ("api_client",)
