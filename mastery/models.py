"""Facts the learning pipeline derives from Caliper events, and the rollups dashboards read.

Every table here is *derived*: it can be rebuilt from ``caliper.CaliperEvent`` at any time.
Activities are recomputed whole (their outcomes depend on all their events, in any order);
time facts and rollups are sums, maintained by adding what each batch changes in the
transaction that takes the batch out of the outbox, so every event counts exactly once
(``mastery.services.rollups.rollups_rebuild`` recomputes them from scratch, and the tests
check that both agree). The XP ledger is append-only: a recompute that changes an
activity's XP appends a signed adjustment instead of editing history.
"""

from __future__ import annotations

from django.db import models

from common.models import BaseModel
from mastery.choices import LedgerReason

__all__ = [
    "ActivityOutcome",
    "AppDailyRollup",
    "AppEventQuality",
    "AppStudentDay",
    "MasteryFact",
    "RollupFill",
    "StudentAppDayRollup",
    "StudentDailyRollup",
    "TimeFact",
    "XpLedgerEntry",
]


class ActivityOutcome(BaseModel):
    """One completion (an ActivityEvent) of an activity by a student, with the XP the rules
    award for it. Recomputed whenever any event of the activity (same student, same event
    object id) arrives."""

    event = models.OneToOneField(
        "caliper.CaliperEvent", on_delete=models.PROTECT, related_name="outcome"
    )
    # No single-column indexes for these two: outcome_student_day and outcome_client_day
    # lead with them (one index less to write per completion).
    student = models.ForeignKey(
        "roster.User", on_delete=models.PROTECT, related_name="activity_outcomes", db_index=False
    )
    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    app_name = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    course_iri = models.CharField(max_length=2048, blank=True, default="")
    course_name = models.CharField(max_length=255, blank=True, default="")
    activity_iri = models.CharField(max_length=2048)
    activity_name = models.CharField(max_length=255, blank=True, default="")
    occurred_at = models.DateTimeField()
    day = models.DateField()
    attempt = models.PositiveIntegerField()
    total_questions = models.IntegerField(null=True, blank=True)
    correct_questions = models.IntegerField(null=True, blank=True)
    accuracy = models.FloatField(null=True, blank=True, help_text="0..1; NULL when not assessed")
    mastered_units_claimed = models.IntegerField(default=0)
    mastered_units = models.IntegerField(default=0, help_text="Claims accepted (≥ 90% accuracy)")
    xp_reported = models.FloatField(null=True, blank=True)
    active_minutes = models.FloatField(
        default=0, help_text="Active minutes of the activity left for it when its turn came"
    )
    xp_base = models.FloatField(default=0)
    multiplier = models.FloatField(default=0)
    xp_awarded = models.FloatField(default=0)
    xp_inflation = models.FloatField(default=0, help_text="Reported XP above active minutes")
    findings = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["student", "day"], name="outcome_student_day"),
            models.Index(fields=["api_client", "day"], name="outcome_client_day"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.activity_iri}#{self.attempt}"


class XpLedgerEntry(BaseModel):
    """A signed XP entry. The sum of a student's entries is their XP; the entries of one
    source event sum to that completion's current award."""

    id = models.BigAutoField(primary_key=True)
    # No index of its own: xp_entry_student_time leads with it.
    student = models.ForeignKey(
        "roster.User", on_delete=models.PROTECT, related_name="xp_entries", db_index=False
    )
    api_client = models.ForeignKey("tenancy.ApiClient", on_delete=models.PROTECT, related_name="+")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    # Indexed by xp_entry_source.
    source_event = models.ForeignKey(
        "caliper.CaliperEvent", on_delete=models.PROTECT, related_name="xp_entries", db_index=False
    )
    value = models.FloatField()
    reason = models.CharField(max_length=16, choices=LedgerReason.choices)
    app_name = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    course_iri = models.CharField(max_length=2048, blank=True, default="")
    course_name = models.CharField(max_length=255, blank=True, default="")
    occurred_at = models.DateTimeField(help_text="When the XP was earned (the event time)")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["student", "occurred_at"], name="xp_entry_student_time"),
            models.Index(fields=["source_event"], name="xp_entry_source"),
        ]
        verbose_name_plural = "XP ledger entries"

    def __str__(self) -> str:
        return f"{self.value:+g} XP"


class TimeFact(BaseModel):
    """Time on task per student × app × subject × day (UTC), from TimeSpentEvents."""

    # No index of its own: the unique key leads with it.
    student = models.ForeignKey(
        "roster.User", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    api_client = models.ForeignKey("tenancy.ApiClient", on_delete=models.PROTECT, related_name="+")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    app_name = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    day = models.DateField()
    active_seconds = models.FloatField(default=0)
    inactive_seconds = models.FloatField(default=0)
    waste_seconds = models.FloatField(default=0)
    unknown_seconds = models.FloatField(default=0)
    anti_pattern_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "api_client", "app_name", "subject", "day"],
                name="time_fact_unique_key",
                violation_error_message="One time fact per student, app, subject and day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.app_name} {self.subject} {self.day}"

    @property
    def waste_percentage(self) -> float:
        """waste / (active + inactive + waste) × 100; 0 when nothing was spent."""
        total = self.active_seconds + self.inactive_seconds + self.waste_seconds
        return round(100 * self.waste_seconds / total, 2) if total else 0.0


class MasteryFact(BaseModel):
    """Accuracy and mastery per student × course × unit (the activity's event object id).
    A unit is mastered only at ≥ 90% accuracy."""

    # No index of its own: the unique key leads with it.
    student = models.ForeignKey(
        "roster.User", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    course_iri = models.CharField(max_length=2048, blank=True, default="")
    course_name = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    unit_iri = models.CharField(max_length=2048)
    unit_name = models.CharField(max_length=255, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    best_accuracy = models.FloatField(null=True, blank=True)
    latest_accuracy = models.FloatField(null=True, blank=True)
    mastered = models.BooleanField(default=False)
    mastered_units = models.IntegerField(default=0)
    mastered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student", "course_iri", "unit_iri"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course_iri", "unit_iri"],
                name="mastery_fact_unique_key",
                violation_error_message="One mastery fact per student, course and unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.unit_iri}"


class StudentDailyRollup(BaseModel):
    """Per student per day (UTC): what the student dashboard reads."""

    # No index of its own: the unique key leads with it.
    student = models.ForeignKey(
        "roster.User", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    xp = models.FloatField(default=0)
    activities_completed = models.IntegerField(default=0)
    total_questions = models.IntegerField(default=0)
    correct_questions = models.IntegerField(default=0)
    mastered_units = models.IntegerField(default=0)
    active_seconds = models.FloatField(default=0)
    inactive_seconds = models.FloatField(default=0)
    waste_seconds = models.FloatField(default=0)
    unknown_seconds = models.FloatField(default=0)
    anti_pattern_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "student"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "day"],
                name="student_rollup_unique_key",
                violation_error_message="One rollup per student and day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.day}"


class AppDailyRollup(BaseModel):
    """Per app (API client) per day (UTC): what the developer dashboard reads."""

    api_client = models.ForeignKey("tenancy.ApiClient", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    students = models.IntegerField(default=0)
    activities_completed = models.IntegerField(default=0)
    xp = models.FloatField(default=0)
    total_questions = models.IntegerField(default=0)
    correct_questions = models.IntegerField(default=0)
    mastered_units = models.IntegerField(default=0)
    active_seconds = models.FloatField(default=0)
    inactive_seconds = models.FloatField(default=0)
    waste_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "api_client"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "day"],
                name="app_rollup_unique_key",
                violation_error_message="One rollup per app and day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.day}"


class AppEventQuality(BaseModel):
    """Per app per day: how many events broke each non-negotiable (input of app review)."""

    api_client = models.ForeignKey("tenancy.ApiClient", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    events = models.IntegerField(default=0)
    timeback_events = models.IntegerField(default=0)
    completions = models.IntegerField(default=0)
    unattributed = models.IntegerField(default=0)
    xp_above_active = models.IntegerField(default=0)
    xp_below_80 = models.IntegerField(default=0)
    mastery_below_90 = models.IntegerField(default=0)
    no_time_spent = models.IntegerField(default=0)
    missing_fields = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "api_client"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "day"],
                name="app_quality_unique_key",
                violation_error_message="One quality row per app and day",
            )
        ]
        verbose_name_plural = "App event quality"

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.day}"


class AppStudentDay(models.Model):
    """A student who had an event of an app on a day: the distinct count behind
    ``AppDailyRollup.students``, kept as rows so that it can be maintained a batch at a time
    (a student first seen for the app-day adds one)."""

    id = models.BigAutoField(primary_key=True)
    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    student = models.ForeignKey(
        "roster.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["day", "api_client", "student"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "day", "student"],
                name="app_student_day_unique_key",
                violation_error_message="This student is already counted for this app-day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.day} {self.student_id}"


class StudentAppDayRollup(BaseModel):
    """Per student × app × course × day (UTC): what the developer dashboard filters by course
    and grade, and what the staff view diagnoses per app. Filled a whole (app, day) bucket at
    a time from the activity outcomes and the processed events of that bucket
    (``mastery.services.cohorts``), with the student's grade and school at fill time."""

    id = models.BigAutoField(primary_key=True)
    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    student = models.ForeignKey(
        "roster.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    org_scope = models.ForeignKey(
        "roster.Org", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    school = models.ForeignKey(
        "roster.Org",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The student's primary org when the bucket was filled",
    )
    grade = models.CharField(max_length=8, blank=True, default="")
    course_iri = models.CharField(max_length=2048, blank=True, default="")
    course_name = models.CharField(max_length=255, blank=True, default="")
    subject = models.CharField(max_length=64, blank=True, default="")
    events = models.IntegerField(default=0)
    completions = models.IntegerField(default=0)
    assessed = models.IntegerField(default=0, help_text="Completions with an accuracy")
    xp = models.FloatField(default=0)
    total_questions = models.IntegerField(default=0)
    correct_questions = models.IntegerField(default=0)
    units_mastered = models.IntegerField(default=0, help_text="Units first mastered that day")
    mastery_minutes = models.FloatField(
        default=0, help_text="Active minutes the units first mastered that day took, in all"
    )
    active_seconds = models.FloatField(default=0)
    inactive_seconds = models.FloatField(default=0)
    waste_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["day", "api_client", "student"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "day", "student", "course_iri"],
                name="student_app_day_unique_key",
                violation_error_message="One rollup per app, day, student and course",
            )
        ]
        indexes = [
            models.Index(fields=["student", "day"], name="student_app_day_student"),
            models.Index(fields=["school", "day"], name="student_app_day_school"),
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.day} {self.student_id} {self.course_iri}"


class RollupFill(models.Model):
    """The fill marker of one (app, day) bucket of ``StudentAppDayRollup``: the newest change
    of the bucket's sources (``AppDailyRollup`` / ``AppEventQuality.updated_at``) the rows
    reflect. A bucket whose sources changed since is stale and filled again (its rows deleted
    and rewritten in one transaction, so a reader sees the old bucket or the new, never half)."""

    id = models.BigAutoField(primary_key=True)
    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    source_updated_at = models.DateTimeField()
    filled_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "api_client"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "day"],
                name="rollup_fill_unique_key",
                violation_error_message="One fill marker per app and day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.day}"
