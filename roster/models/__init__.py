"""The one OneRoster 1.2 schema (rostering, gradebook, resources) plus Timeback extensions."""

from roster.models.gradebook import (
    AssessmentLineItem,
    AssessmentResult,
    Category,
    LineItem,
    Result,
    ScoreScale,
)
from roster.models.imports import ImportJob, ImportJobStatus
from roster.models.resources import (
    ClassResource,
    ComponentResource,
    CourseComponent,
    CourseResource,
    Resource,
    UserResource,
)
from roster.models.rostering import (
    AcademicSession,
    Class,
    Course,
    Demographics,
    Enrollment,
    Org,
    User,
    UserProfile,
    UserRole,
)

__all__ = [
    "AcademicSession",
    "AssessmentLineItem",
    "AssessmentResult",
    "Category",
    "Class",
    "ClassResource",
    "ComponentResource",
    "Course",
    "CourseComponent",
    "CourseResource",
    "Demographics",
    "Enrollment",
    "ImportJob",
    "ImportJobStatus",
    "LineItem",
    "Org",
    "Resource",
    "Result",
    "ScoreScale",
    "User",
    "UserProfile",
    "UserResource",
    "UserRole",
]
