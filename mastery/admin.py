"""Read-only admin for the learning facts.

Every row here is derived from the Caliper event store by the pipeline and would be
overwritten by the next recompute, so nothing can be added, changed or deleted by hand.
Change lists pin their foreign keys (``list_select_related``) so a page costs a fixed number
of queries.
"""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from mastery.models import (
    ActivityOutcome,
    AppDailyRollup,
    AppEventQuality,
    AppStudentDay,
    MasteryFact,
    StudentDailyRollup,
    TimeFact,
    XpLedgerEntry,
)

__all__ = [
    "ActivityOutcomeAdmin",
    "AppDailyRollupAdmin",
    "AppEventQualityAdmin",
    "AppStudentDayAdmin",
    "MasteryFactAdmin",
    "ReadOnlyAdmin",
    "StudentDailyRollupAdmin",
    "TimeFactAdmin",
    "XpLedgerEntryAdmin",
]


@admin.register(ActivityOutcome)
class ActivityOutcomeAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "student",
        "app_name",
        "activity_iri",
        "attempt",
        "accuracy",
        "xp_reported",
        "active_minutes",
        "multiplier",
        "xp_awarded",
        "findings",
    )
    list_filter = ("day", "subject", "multiplier")
    list_select_related = ("student", "api_client")
    search_fields = ("activity_iri", "student__sourced_id", "event__external_id")
    date_hierarchy = "day"
    raw_id_fields = ("event", "student", "api_client", "org_scope")


@admin.register(XpLedgerEntry)
class XpLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "student", "value", "reason", "app_name", "subject")
    list_filter = ("reason", "subject")
    list_select_related = ("student",)
    search_fields = ("student__sourced_id", "source_event__external_id")
    raw_id_fields = ("student", "api_client", "org_scope", "source_event")


@admin.register(TimeFact)
class TimeFactAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "student",
        "app_name",
        "subject",
        "active_seconds",
        "inactive_seconds",
        "waste_seconds",
        "waste_percentage",
    )
    list_filter = ("day", "subject")
    list_select_related = ("student",)
    search_fields = ("student__sourced_id", "app_name")
    raw_id_fields = ("student", "api_client", "org_scope")


@admin.register(MasteryFact)
class MasteryFactAdmin(ReadOnlyAdmin):
    list_display = (
        "student",
        "course_iri",
        "unit_iri",
        "attempts",
        "best_accuracy",
        "mastered",
        "mastered_units",
    )
    list_filter = ("mastered", "subject")
    list_select_related = ("student",)
    search_fields = ("student__sourced_id", "course_iri", "unit_iri")
    raw_id_fields = ("student", "org_scope")


@admin.register(StudentDailyRollup)
class StudentDailyRollupAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "student",
        "xp",
        "activities_completed",
        "mastered_units",
        "active_seconds",
        "waste_seconds",
    )
    list_filter = ("day",)
    list_select_related = ("student",)
    search_fields = ("student__sourced_id",)
    raw_id_fields = ("student", "org_scope")


@admin.register(AppDailyRollup)
class AppDailyRollupAdmin(ReadOnlyAdmin):
    list_display = ("day", "api_client", "students", "activities_completed", "xp", "active_seconds")
    list_filter = ("day",)
    list_select_related = ("api_client",)


@admin.register(AppEventQuality)
class AppEventQualityAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "api_client",
        "events",
        "completions",
        "unattributed",
        "xp_above_active",
        "xp_below_80",
        "mastery_below_90",
        "no_time_spent",
        "missing_fields",
    )
    list_filter = ("day",)
    list_select_related = ("api_client",)


@admin.register(AppStudentDay)
class AppStudentDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "api_client", "student")
    list_filter = ("day",)
    list_select_related = ("api_client", "student")
    raw_id_fields = ("api_client", "student")
