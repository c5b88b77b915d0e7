"""Dashboard pages. Thin: the viewer, a selector, charts, a template. Each page's URL also
serves its HTMX fragment (``request.htmx``), and its CSV downloads (``?download=``)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from common.exceptions import InvalidData
from common.htmx import HtmxHttpRequest
from dashboards.charts import (
    daily_activity_chart,
    histogram_chart,
    time_split_chart,
    xp_week_chart,
)
from dashboards.forms import AppFilterForm, PasswordForm, WindowForm
from dashboards.selectors import (
    QUALITY_FIELDS,
    AppDashboard,
    AppFilters,
    app_dashboard,
    apps_visible,
    org_overview,
    orgs_visible,
    student_dashboard,
    student_version,
    students_status,
    students_visible,
    viewer_for,
)
from dashboards.services import login_password_set

__all__ = ["app_page", "dashboard", "home", "org_page", "student_page", "student_password"]

STAFF_WINDOW_DAYS = 7


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
    }
    if viewer.kind in ("staff", "admin"):
        context["password_form"] = PasswordForm()
        today = timezone.now().date()
        start = today - dt.timedelta(days=STAFF_WINDOW_DAYS - 1)
        (context["diagnosis"],) = students_status(
            students=students_visible(viewer=viewer).filter(pk=student.pk), start=start, end=today
        )
        school = student.primary_org
        if school is not None and orgs_visible(viewer=viewer).filter(pk=school.pk).exists():
            context["back_url"] = reverse("dashboards:org", args=[school.sourced_id])
    template = (
        "dashboards/partials/_student_body.html" if request.htmx else "dashboards/student.html"
    )
    return render(request, template, context)


def _csv(name: str, rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerows(rows)
    return response


def app_tables(data: AppDashboard) -> dict[str, list[list[Any]]]:
    """Every table of the developer page, header row first (the page and the CSVs)."""
    return {
        "days": [
            [
                "day",
                "students",
                "events",
                "completions",
                "xp",
                "active_min",
                "inactive_min",
                "waste_min",
            ],
            *(
                [
                    d.day.isoformat(),
                    d.students,
                    d.events,
                    d.completions,
                    round(d.xp, 2),
                    round(d.active_s / 60, 1),
                    round(d.inactive_s / 60, 1),
                    round(d.waste_s / 60, 1),
                ]
                for d in data.days
            ),
        ],
        "courses": [
            [
                "course",
                "course_iri",
                "students",
                "completions",
                "assessed",
                "units_mastered",
                "students_mastering",
                "course_units",
                "completion_pct",
            ],
            *(
                [
                    c.title,
                    c.course_iri,
                    c.students,
                    c.completions,
                    c.assessed,
                    c.units_mastered,
                    c.students_mastering,
                    c.total_units if c.total_units is not None else "",
                    round(100 * c.completion, 1) if c.completion is not None else "",
                ]
                for c in data.courses
            ),
        ],
        "accuracy": [["accuracy", "students"], *([k, v] for k, v in data.accuracy_histogram)],
        "mastery_minutes": [
            ["minutes_per_unit_mastered", "students"],
            *([k, v] for k, v in data.mastery_minutes_histogram),
        ],
        "quality": [["finding", "events"], *([k, data.quality[k]] for k in QUALITY_FIELDS)],
    }


@login_required
def app_page(request: HtmxHttpRequest, app_id: int) -> HttpResponse:
    """A developer's dashboard of one app: filters in the querystring (HTMX swaps the
    results and pushes the URL); ``?download=<table>`` returns that table as CSV."""
    viewer = viewer_for(login=request.user)
    app = get_object_or_404(apps_visible(viewer=viewer), pk=app_id)
    form = AppFilterForm(request.GET, today=timezone.now().date())
    if not form.is_valid():
        return _bad_request(form)
    f = form.cleaned_data
    data = app_dashboard(
        app=app,
        filters=AppFilters(
            start=f["start"], end=f["end"], course_iri=f["course"], grade=f["grade"]
        ),
    )
    tables = app_tables(data)
    if f["download"]:
        name = f"{slugify(app.name) or 'app'}-{f['download']}-{f['start']}-{f['end']}"
        return _csv(name, tables[f["download"]])
    query = request.GET.copy()
    query.pop("download", None)
    context = {
        "viewer": viewer,
        "app": app,
        "data": data,
        "tables": tables,
        "query": query.urlencode(),
        "activity_chart": daily_activity_chart(
            days=[(d.day, d.events, d.students) for d in data.days]
        ),
        "accuracy_chart": histogram_chart(
            title="Accuracy per student", bins=data.accuracy_histogram, x_title="Accuracy"
        ),
        "mastery_chart": histogram_chart(
            title="Time to mastery per student",
            bins=data.mastery_minutes_histogram,
            x_title="Active minutes per unit mastered",
        ),
    }
    template = "dashboards/partials/_app_results.html" if request.htmx else "dashboards/app.html"
    return render(request, template, context)


def _query_without(request: HttpRequest, name: str) -> str:
    """The request's querystring without ``name``, ready to take one more parameter."""
    query = request.GET.copy()
    query.pop(name, None)
    text = query.urlencode()
    return f"{text}&" if text else ""


def _bad_request(form: Any) -> HttpResponse:
    errors = "; ".join(
        f"{field}: {' '.join(map(str, msgs))}" for field, msgs in form.errors.items()
    )
    return HttpResponse(f"Invalid filter. {errors}", status=400, content_type="text/plain")


@login_required
def org_page(request: HtmxHttpRequest, sourced_id: str) -> HttpResponse:
    """Staff view of a school (or district): its classes and students over the last
    ``?days=`` days (default 7), flagged and diagnosed; ``?klass=`` narrows to one class."""
    viewer = viewer_for(login=request.user)
    org = get_object_or_404(orgs_visible(viewer=viewer), sourced_id=sourced_id)
    form = WindowForm(request.GET)
    if not form.is_valid():
        return _bad_request(form)
    days = form.cleaned_data["days"] or STAFF_WINDOW_DAYS
    today = timezone.now().date()
    overview = org_overview(
        viewer=viewer,
        org=org,
        start=today - dt.timedelta(days=days - 1),
        end=today,
        class_sourced_id=form.cleaned_data["klass"],
        page=form.cleaned_data["page"] or 1,
    )
    context = {
        "viewer": viewer,
        "overview": overview,
        "days": days,
        "klass": form.cleaned_data["klass"],
        "query_without_page": _query_without(request, "page"),
    }
    template = "dashboards/partials/_org_results.html" if request.htmx else "dashboards/org.html"
    return render(request, template, context)


@require_POST
@login_required
def student_password(request: HtmxHttpRequest, sourced_id: str) -> HttpResponse:
    """Staff set the password a student signs in with (their OneRoster username, else their
    sourcedId). Only staff who see the student, and administrators."""
    viewer = viewer_for(login=request.user)
    if viewer.kind not in ("staff", "admin"):
        return HttpResponse("Only staff set students' passwords.", status=403)
    student = get_object_or_404(students_visible(viewer=viewer), sourced_id=sourced_id)
    form = PasswordForm(request.POST)
    context: dict[str, Any] = {"student": student, "form": form}
    status = 200
    if form.is_valid():
        try:
            context["username"] = login_password_set(
                user=student, password=form.cleaned_data["password"]
            )
        except InvalidData as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    if form.errors:
        status = 400
    return render(request, "dashboards/partials/_password_form.html", context, status=status)
