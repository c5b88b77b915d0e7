"""Who may see what on the dashboards. One ``Viewer`` per signed-in login, and queryset
functions that every dashboard page, partial and export goes through:

* a student sees only themself;
* staff (a roster user with a staff role) see the students and classes of their schools:
  the orgs of their roles and primary org, with everything below them;
* a developer sees the apps (API clients) of their organisation and below;
* a Django superuser sees everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet

from dashboards.models import DeveloperAccount
from mastery.models import StudentDailyRollup
from roster.models import Org, User, UserRole
from tenancy.models import ApiClient
from tenancy.selectors import expand_org_subtrees

__all__ = [
    "STAFF_ROLES",
    "StudentWeek",
    "Viewer",
    "apps_visible",
    "orgs_visible",
    "student_week",
    "students_visible",
    "viewer_for",
]

STAFF_ROLES = frozenset(
    {
        "teacher",
        "aide",
        "counselor",
        "proctor",
        "principal",
        "administrator",
        "siteAdministrator",
        "districtAdministrator",
        "systemAdministrator",
    }
)

Kind = Literal["admin", "staff", "developer", "student", "none"]


@dataclass(frozen=True)
class Viewer:
    """What one login may see: its kind, its roster user (students, staff), the org pks of
    its schools (staff) or organisation (developers)."""

    kind: Kind
    user_id: int | None = None
    org_ids: frozenset[int] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


def viewer_for(*, login: Any) -> Viewer:
    """The viewer of a Django login (anonymous: kind ``none``)."""
    if login is None or not login.is_authenticated:
        return Viewer(kind="none")
    if login.is_superuser:
        return Viewer(kind="admin")
    account = DeveloperAccount.objects.filter(login_id=login.pk).first()
    if account is not None:
        return Viewer(
            kind="developer", org_ids=expand_org_subtrees(root_ids={account.organisation_id})
        )
    user = User.objects.filter(login_id=login.pk, status="active").first()
    if user is None:
        return Viewer(kind="none")
    roles = set(UserRole.objects.filter(user=user).values_list("role", "org_id"))
    staff_orgs = {org for role, org in roles if role in STAFF_ROLES}
    if user.primary_role in STAFF_ROLES and user.primary_org_id:
        staff_orgs.add(user.primary_org_id)
    if staff_orgs:
        return Viewer(
            kind="staff", user_id=user.pk, org_ids=expand_org_subtrees(root_ids=staff_orgs)
        )
    return Viewer(kind="student", user_id=user.pk)


def students_visible(*, viewer: Viewer) -> QuerySet[User]:
    """The students whose dashboards ``viewer`` may open."""
    students = User.objects.filter(primary_role="student", status="active")
    if viewer.is_admin:
        return students
    if viewer.kind == "student" and viewer.user_id is not None:
        return students.filter(pk=viewer.user_id)
    if viewer.kind == "staff":
        return students.filter(org_scope_id__in=viewer.org_ids)
    return students.none()


def apps_visible(*, viewer: Viewer) -> QuerySet[ApiClient]:
    """The apps (API clients) whose developer dashboards ``viewer`` may open."""
    apps = ApiClient.objects.filter(is_active=True)
    if viewer.is_admin:
        return apps
    if viewer.kind == "developer":
        return apps.filter(organisation_id__in=viewer.org_ids)
    return apps.none()


def orgs_visible(*, viewer: Viewer) -> QuerySet[Org]:
    """The schools and districts whose staff views ``viewer`` may open."""
    orgs = Org.objects.filter(status="active")
    if viewer.is_admin:
        return orgs
    if viewer.kind == "staff":
        return orgs.filter(pk__in=viewer.org_ids)
    return orgs.none()


# ---- Student dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class StudentWeek:
    """A student's last seven days from the daily rollups (oldest first), today's figures,
    and the streak: consecutive days up to today (or yesterday, if today has none yet) with
    any XP."""

    days: list[tuple[dt.date, float]]
    xp_today: float
    streak: int
    active_s_today: float
    inactive_s_today: float
    waste_s_today: float
    active_s_week: float
    inactive_s_week: float
    waste_s_week: float


STREAK_LOOKBACK_DAYS = 366


def student_week(*, student_id: int, today: dt.date) -> StudentWeek:
    """Read from ``StudentDailyRollup`` only (two queries), never raw events."""
    week_start = today - dt.timedelta(days=6)
    rows = {
        r.day: r
        for r in StudentDailyRollup.objects.filter(
            student_id=student_id, day__gte=week_start, day__lte=today
        )
    }
    days = [(week_start + dt.timedelta(days=i), 0.0) for i in range(7)]
    days = [(day, rows[day].xp if day in rows else 0.0) for day, _ in days]
    xp_days = set(
        StudentDailyRollup.objects.filter(
            student_id=student_id,
            day__gt=today - dt.timedelta(days=STREAK_LOOKBACK_DAYS),
            day__lte=today,
            xp__gt=0,
        ).values_list("day", flat=True)
    )
    cursor = today if today in xp_days else today - dt.timedelta(days=1)
    streak = 0
    while cursor in xp_days:
        streak += 1
        cursor -= dt.timedelta(days=1)
    now = rows.get(today)
    return StudentWeek(
        days=days,
        xp_today=now.xp if now else 0.0,
        streak=streak,
        active_s_today=now.active_seconds if now else 0.0,
        inactive_s_today=now.inactive_seconds if now else 0.0,
        waste_s_today=now.waste_seconds if now else 0.0,
        active_s_week=sum(r.active_seconds for r in rows.values()),
        inactive_s_week=sum(r.inactive_seconds for r in rows.values()),
        waste_s_week=sum(r.waste_seconds for r in rows.values()),
    )
