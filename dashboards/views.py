"""Dashboard pages. Thin: the viewer, a selector, a template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dashboards.selectors import apps_visible, orgs_visible, students_visible, viewer_for

__all__ = ["dashboard", "home"]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/home.html")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where a login lands: what its viewer may see (students: themself; staff: their
    schools; developers: their apps; administrators: the admin)."""
    viewer = viewer_for(login=request.user)
    if viewer.is_admin:
        return redirect("/admin/")
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "viewer": viewer,
            "students": students_visible(viewer=viewer).order_by("family_name", "given_name")[:50]
            if viewer.kind == "student"
            else [],
            "schools": orgs_visible(viewer=viewer).order_by("name")[:100],
            "apps": apps_visible(viewer=viewer).order_by("name")[:100],
        },
    )
