"""Dashboard pages. Thin: the viewer, a selector, charts, a template. Each page's URL also
serves its HTMX fragment (``request.htmx``), and its CSV downloads (``?download=``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from common.htmx import HtmxHttpRequest
from dashboards.charts import time_split_chart, xp_week_chart
from dashboards.selectors import (
    apps_visible,
    orgs_visible,
    student_dashboard,
    student_version,
    students_visible,
    viewer_for,
)

__all__ = ["dashboard", "home", "student_page"]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where a login lands: students on their own page; staff on their schools; developers
    on their apps; administrators in the admin."""
    viewer = viewer_for(login=request.user)
    if viewer.is_admin:
        return redirect("/admin/")
    if viewer.kind == "student":
        student = students_visible(viewer=viewer).first()
        if student is not None:
            return redirect("dashboards:student", sourced_id=student.sourced_id)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "viewer": viewer,
            "schools": orgs_visible(viewer=viewer).order_by("name")[:100],
            "apps": apps_visible(viewer=viewer).order_by("name")[:100],
        },
    )


def duration(seconds: float) -> str:
    """5 h 10 min; 12 min; 0 min."""
    minutes = round(max(0.0, seconds) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _share(part: float, *parts: float) -> float:
    total = part + sum(parts)
    return 100 * part / total if total else 0.0


@login_required
def student_page(request: HtmxHttpRequest, sourced_id: str) -> HttpResponse:
    """A student's dashboard: the student themself, their staff, or an administrator. The
    page polls itself (HTMX) with the version it shows: 204 while nothing changed, the
    refreshed fragment otherwise."""
    viewer = viewer_for(login=request.user)
    student = get_object_or_404(
        students_visible(viewer=viewer).select_related("primary_org"), sourced_id=sourced_id
    )
    if request.htmx and request.GET.get("since") == student_version(student_id=student.pk):
        return HttpResponse(status=204)
    data = student_dashboard(student=student, today=timezone.now().date())
    week = data.week
    context: dict[str, Any] = {
        "viewer": viewer,
        "data": data,
        "now": timezone.now(),
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
        "xp_chart": xp_week_chart(days=week.days, daily_goal=data.goals.xp),
        "split_today": time_split_chart(
            active_s=week.active_s_today,
            inactive_s=week.inactive_s_today,
            waste_s=week.waste_s_today,
            label="today",
        ),
        "split_week": time_split_chart(
            active_s=week.active_s_week,
            inactive_s=week.inactive_s_week,
            waste_s=week.waste_s_week,
            label="this week",
        ),
        "waste_today": _share(week.waste_s_today, week.active_s_today, week.inactive_s_today),
        "waste_week": _share(week.waste_s_week, week.active_s_week, week.inactive_s_week),
        "time_saved_today": duration(data.time_saved_today_s),
        "time_saved_week": duration(data.time_saved_week_s),
        "back_url": "",
    }
    template = (
        "dashboards/partials/_student_body.html" if request.htmx else "dashboards/student.html"
    )
    return render(request, template, context)
