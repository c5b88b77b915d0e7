"""OneRoster roles as LIS role URIs (LTI 1.3 roles claim, NRPS members)."""

from __future__ import annotations

__all__ = [
    "CONTEXT_ROLES",
    "INSTITUTION_ROLES",
    "LIS_INSTITUTION",
    "LIS_MEMBERSHIP",
    "context_role",
    "institution_role",
]

LIS_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LIS_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"

# OneRoster enrollment role → LIS context role.
CONTEXT_ROLES = {
    "student": LIS_MEMBERSHIP + "Learner",
    "teacher": LIS_MEMBERSHIP + "Instructor",
    "administrator": LIS_MEMBERSHIP + "Administrator",
    "proctor": LIS_MEMBERSHIP + "Member",
    "aide": "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
}
# OneRoster user role → LIS institution role.
INSTITUTION_ROLES = {
    "student": "Student",
    "teacher": "Faculty",
    "aide": "Staff",
    "counselor": "Staff",
    "proctor": "Staff",
    "principal": "Administrator",
    "administrator": "Administrator",
    "siteAdministrator": "Administrator",
    "districtAdministrator": "Administrator",
    "systemAdministrator": "Administrator",
    "parent": "Mentor",
    "guardian": "Mentor",
    "relative": "Mentor",
}


def context_role(enrollment_role: str) -> str | None:
    return CONTEXT_ROLES.get(enrollment_role)


def institution_role(user_role: str) -> str | None:
    name = INSTITUTION_ROLES.get(user_role)
    return LIS_INSTITUTION + name if name else None
