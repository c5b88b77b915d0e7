"""OneRoster 1.2 vocabularies. Extensible ones also accept `ext:`-prefixed tokens."""

from django.db import models

__all__ = [
    "EXT_PATTERN",
    "AcademicSessionType",
    "ClassType",
    "EnrollmentRole",
    "Importance",
    "OrgType",
    "RoleName",
    "RoleType",
    "ScoreStatus",
    "Sex",
]

EXT_PATTERN = r"^ext:[a-zA-Z0-9.\-_]+$"


class OrgType(models.TextChoices):
    DEPARTMENT = "department"
    DISTRICT = "district"
    LOCAL = "local"
    NATIONAL = "national"
    SCHOOL = "school"
    STATE = "state"


class AcademicSessionType(models.TextChoices):
    GRADING_PERIOD = "gradingPeriod"
    SEMESTER = "semester"
    SCHOOL_YEAR = "schoolYear"
    TERM = "term"


class ClassType(models.TextChoices):
    HOMEROOM = "homeroom"
    SCHEDULED = "scheduled"


class EnrollmentRole(models.TextChoices):
    ADMINISTRATOR = "administrator"
    PROCTOR = "proctor"
    STUDENT = "student"
    TEACHER = "teacher"


class RoleType(models.TextChoices):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class RoleName(models.TextChoices):
    AIDE = "aide"
    COUNSELOR = "counselor"
    DISTRICT_ADMINISTRATOR = "districtAdministrator"
    GUARDIAN = "guardian"
    PARENT = "parent"
    PRINCIPAL = "principal"
    PROCTOR = "proctor"
    RELATIVE = "relative"
    SITE_ADMINISTRATOR = "siteAdministrator"
    STUDENT = "student"
    SYSTEM_ADMINISTRATOR = "systemAdministrator"
    TEACHER = "teacher"
    # Timeback clients also send these (its User.roles enum); accepted as is.
    ADMINISTRATOR = "administrator"


class ScoreStatus(models.TextChoices):
    EXEMPT = "exempt"
    FULLY_GRADED = "fully graded"
    NOT_SUBMITTED = "not submitted"
    PARTIALLY_GRADED = "partially graded"
    SUBMITTED = "submitted"


class Importance(models.TextChoices):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class Sex(models.TextChoices):
    MALE = "male"
    FEMALE = "female"
    UNSPECIFIED = "unspecified"
    OTHER = "other"
