"""Rostering: orgs, academic sessions, courses, classes, users, enrollments, demographics."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common.models import SourcedModel
from roster.choices import RoleType
from roster.models.fields import org_scope_field
from roster.querysets import EnrollmentQuerySet, OrgQuerySet, SourcedQuerySet, UserQuerySet

__all__ = [
    "AcademicSession",
    "Class",
    "Course",
    "Demographics",
    "Enrollment",
    "Org",
    "User",
    "UserProfile",
    "UserRole",
]


class Org(SourcedModel):
    """An organisation: national, state, district, school, department, ... as a tree."""

    name = models.CharField(max_length=255)
    type = models.CharField(max_length=64)
    identifier = models.CharField(max_length=255, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        verbose_name = "org"

    def __str__(self) -> str:
        return f"{self.name} ({self.sourced_id})"


class AcademicSession(SourcedModel):
    """A school year, semester, term or grading period (tree through ``parent``)."""

    title = models.CharField(max_length=255)
    type = models.CharField(max_length=64, db_index=True)
    start_date = models.DateField()
    end_date = models.DateField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    school_year = models.CharField(max_length=4)
    # Timeback extension: the org that owns the session (absent from the 1.2 core model).
    org = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="academic_sessions"
    )
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.sourced_id})"


class Course(SourcedModel):
    """A course offered by an org; classes are its sections."""

    title = models.CharField(max_length=255)
    course_code = models.CharField(max_length=255, blank=True, default="")
    school_year = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    subject_codes = models.JSONField(default=list, blank=True)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="courses")
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.sourced_id})"


class Class(SourcedModel):
    """A section of a course at a school, taught in one or more terms."""

    title = models.CharField(max_length=255)
    class_code = models.CharField(max_length=255, blank=True, default="")
    class_type = models.CharField(max_length=64, blank=True, default="")
    location = models.CharField(max_length=255, blank=True, default="")
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    subject_codes = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="classes")
    school = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="classes")
    terms = models.ManyToManyField(AcademicSession, related_name="classes", blank=True)
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        verbose_name_plural = "classes"

    def __str__(self) -> str:
        return f"{self.title} ({self.sourced_id})"


class User(SourcedModel):
    """A person known to the roster: student, teacher, guardian, administrator, ..."""

    user_master_identifier = models.CharField(max_length=255, blank=True, default="")
    username = models.CharField(max_length=255, blank=True, default="", db_index=True)
    user_ids = models.JSONField(default=list, blank=True)
    enabled_user = models.BooleanField(default=True)
    given_name = models.CharField(max_length=255)
    family_name = models.CharField(max_length=255)
    middle_name = models.CharField(max_length=255, blank=True, default="")
    preferred_first_name = models.CharField(max_length=255, blank=True, default="")
    preferred_middle_name = models.CharField(max_length=255, blank=True, default="")
    preferred_last_name = models.CharField(max_length=255, blank=True, default="")
    pronouns = models.CharField(max_length=255, blank=True, default="")
    primary_org = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="primary_users"
    )
    identifier = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=255, blank=True, default="", db_index=True)
    sms = models.CharField(max_length=255, blank=True, default="")
    phone = models.CharField(max_length=255, blank=True, default="")
    agents = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="agent_for")
    grades = models.JSONField(default=list, blank=True)
    # Sealed with roster.services.credentials.secret_seal (Fernet); never rendered.
    password = models.TextField(blank=True, default="")
    # Denormalised for the /students and /teachers listings (the primary role's name).
    primary_role = models.CharField(max_length=64, blank=True, default="", db_index=True)
    login = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="roster_user",
        help_text="The Django login this roster user signs in with, if any.",
    )
    org_scope = org_scope_field()

    objects = UserQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        # Name lookups and sorts of the users/students/teachers listings; the trailing
        # sourced_id matches the API's stable tie-break (ORDER BY family_name, sourced_id).
        # The INCLUDEd columns are what the tenancy and status filters read, so that the
        # X-Total-Count of a name filter is an index-only scan on PostgreSQL (SQLite
        # ignores INCLUDE).
        indexes = [
            models.Index(
                fields=["family_name", "sourced_id"],
                include=["status", "org_scope", "id"],
                name="user_family_name_idx",
            ),
            models.Index(
                fields=["given_name", "family_name", "sourced_id"],
                include=["status", "org_scope", "id"],
                name="user_given_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.sourced_id})"


class UserRole(models.Model):
    """One (role, org) pair of a user; at most one primary role per org."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role_type = models.CharField(max_length=16, default=RoleType.PRIMARY)
    role = models.CharField(max_length=64, db_index=True)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="user_roles")
    user_profile = models.CharField(max_length=512, blank=True, default="")
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    # Position in the user's roles[] so that output order is the input order.
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["user_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org"],
                name="userrole_unique_user_role_org",
                violation_error_message="This user already holds this role in this org.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role} @ {self.org_id}"


class UserProfile(models.Model):
    """An app/system account of a user (OneRoster 1.2 userProfiles)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_profiles")
    sourced_id = models.CharField(max_length=255, unique=True)
    profile_type = models.CharField(max_length=255)
    vendor_id = models.CharField(max_length=255)
    application_id = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    credentials = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["sourced_id"]

    def __str__(self) -> str:
        return self.sourced_id


class Enrollment(SourcedModel):
    """A user's membership of a class in a role."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="enrollments")
    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="enrollments", db_column="class_id"
    )
    school = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="enrollments")
    role = models.CharField(max_length=64, db_index=True)
    primary = models.BooleanField(null=True, blank=True)
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    org_scope = org_scope_field()

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        # Members of a class in a role (/classes/{id}/students, /teachers): with user and
        # status INCLUDEd, the page and its count read only the index on PostgreSQL.
        indexes = [
            models.Index(
                fields=["klass", "role"],
                include=["user", "status"],
                name="enrollment_class_role_idx",
            ),
        ]


class Demographics(SourcedModel):
    """Demographic facts about a user; its sourcedId is the user's."""

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="demographics"
    )
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=64, blank=True, default="")
    american_indian_or_alaska_native = models.BooleanField(null=True, blank=True)
    asian = models.BooleanField(null=True, blank=True)
    black_or_african_american = models.BooleanField(null=True, blank=True)
    native_hawaiian_or_other_pacific_islander = models.BooleanField(null=True, blank=True)
    white = models.BooleanField(null=True, blank=True)
    demographic_race_two_or_more_races = models.BooleanField(null=True, blank=True)
    hispanic_or_latino_ethnicity = models.BooleanField(null=True, blank=True)
    country_of_birth_code = models.CharField(max_length=64, blank=True, default="")
    state_of_birth_abbreviation = models.CharField(max_length=64, blank=True, default="")
    city_of_birth = models.CharField(max_length=255, blank=True, default="")
    public_school_residence_status = models.CharField(max_length=255, blank=True, default="")
    org_scope = org_scope_field()

    objects = SourcedQuerySet.as_manager()

    class Meta:
        ordering = ["sourced_id"]
        verbose_name_plural = "demographics"
