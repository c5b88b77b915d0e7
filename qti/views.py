"""QTI pages: a package's files (for rendered items), the author's preview in the admin,
and tests delivered to students (the tests they may take, an attempt under way, its
results report). Thin: the viewer, a selector or a service, a template."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.exceptions import ApplicationError
from dashboards.selectors import Viewer, viewer_for
from qti.choices import AttemptStatus, ResourceKind
from qti.models import QtiResource, TestAttempt
from qti.selectors import asset_get, item_preview
from qti.selectors.delivery import (
    attempt_for_viewer,
    attempt_page,
    attempt_results_report,
    attempts_of_student,
    attempts_visible,
    session_is_open,
    student_may_see_package,
    test_feedback_html,
    tests_for_student,
)
from qti.services.delivery import (
    attempt_goto,
    attempt_next,
    attempt_start,
    attempt_sync,
    item_responses_save,
    item_submit,
    part_submit,
)
from roster.models import User

__all__ = [
    "asset",
    "attempt_results",
    "attempt_view",
    "item_preview_page",
    "test_start",
    "tests_page",
]

_NOT_RESPONSES = {"csrfmiddlewaretoken", "action", "position", "goto"}


def asset(request: HttpRequest, package_id: int, path: str) -> HttpResponse:
    """A file of a package (an item's image or media): for staff, and for a student whose
    attempt holds an item of the package."""
    login = request.user
    if not login.is_authenticated:
        raise Http404("No such file")
    if not login.is_staff:
        viewer = viewer_for(login=login)
        if viewer.kind != "student" or viewer.user_id is None:
            raise Http404("No such file")
        if not student_may_see_package(student_id=viewer.user_id, package_id=package_id):
            raise Http404("No such file")
    found = asset_get(package_id=package_id, path=path)
    if found is None:
        raise Http404("No such file in this package")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    return response


@staff_member_required
def item_preview_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The item as a student sees it; submitting scores it with the engine and shows the
    outcomes and the feedback they select."""
    resource = get_object_or_404(QtiResource, pk=pk, kind=ResourceKind.ITEM)
    preview = item_preview(
        resource=resource, submitted=request.POST if request.method == "POST" else None
    )
    status = 400 if preview.errors else 200
    return render(
        request, "qti/preview.html", {"resource": resource, "preview": preview}, status=status
    )


# ---- delivery -------------------------------------------------------------------------------


def _student(viewer: Viewer) -> User | None:
    if viewer.kind != "student" or viewer.user_id is None:
        return None
    return User.objects.filter(pk=viewer.user_id).first()


@login_required
def tests_page(request: HttpRequest) -> HttpResponse:
    """A student's tests and attempts; staff see their students' attempts."""
    viewer = viewer_for(login=request.user)
    student = _student(viewer)
    if student is not None:
        context: dict[str, Any] = {
            "tests": tests_for_student(student=student),
            "attempts": attempts_of_student(student=student)[:50],
        }
    elif viewer.kind in ("staff", "admin"):
        context = {"tests": None, "attempts": attempts_visible(viewer=viewer)[:100]}
    else:
        raise Http404("No tests here")
    return render(request, "qti/tests.html", {**context, "viewer": viewer})


@login_required
@require_POST
def test_start(request: HttpRequest, pk: int) -> HttpResponse:
    student = _student(viewer_for(login=request.user))
    if student is None:
        raise Http404("Only students take tests")
    test = get_object_or_404(tests_for_student(student=student), pk=pk)
    try:
        attempt = attempt_start(test=test, student=student)
    except ApplicationError as exc:
        return render(request, "qti/tests.html", _error_context(student, exc), status=400)
    return redirect("qti:attempt", uuid=attempt.uuid)


def _error_context(student: User, exc: ApplicationError) -> dict[str, Any]:
    return {
        "tests": tests_for_student(student=student),
        "attempts": attempts_of_student(student=student)[:50],
        "error": str(exc),
    }


def _responses(data: QueryDict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in data:
        if key in _NOT_RESPONSES:
            continue
        values = data.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def _viewer_attempt(request: HttpRequest, uuid: UUID) -> tuple[Viewer, TestAttempt]:
    viewer = viewer_for(login=request.user)
    if viewer.kind == "student":
        found = attempt_for_viewer(uuid=uuid, student_id=viewer.user_id, org_ids=None)
    elif viewer.kind == "staff":
        found = attempt_for_viewer(uuid=uuid, student_id=None, org_ids=viewer.org_ids)
    elif viewer.is_admin:
        found = attempt_for_viewer(uuid=uuid, student_id=None, org_ids=None)
    else:
        found = None
    if found is None:
        raise Http404("No such attempt")
    return viewer, found


def _act(attempt: TestAttempt, data: QueryDict) -> None:
    """One action of the attempt page (the buttons' ``action``)."""
    action = "goto" if "goto" in data else data.get("action", "")
    raw_position = data.get("position", "")
    if not raw_position.lstrip("-").isdigit():
        raise ApplicationError("position: a whole number is required", field="position")
    position = int(raw_position)
    responses = _responses(data)
    if action == "submit":
        item_submit(attempt=attempt, position=position, responses=responses)
        return
    if action not in ("save", "next", "goto", "end_part"):
        raise ApplicationError("action: one of submit, save, next, goto, end_part", field="action")
    if (
        responses
        and position == attempt.position
        and session_is_open(attempt=attempt, position=position)
    ):
        item_responses_save(attempt=attempt, position=position, responses=responses)
    if action == "next":
        attempt_next(attempt=attempt)
    elif action == "goto":
        target = data.get("goto", "")
        if not target.isdigit():
            raise ApplicationError("goto: a question number is required", field="goto")
        attempt_goto(attempt=attempt, position=int(target))
    elif action == "end_part":
        part_submit(attempt=attempt)


@login_required
def attempt_view(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The attempt: the item under way and the actions open (students), or its summary."""
    viewer, attempt = _viewer_attempt(request, uuid)
    own = viewer.kind == "student" and attempt.student_id == viewer.user_id
    notices: list[str] = []
    error = ""
    status = 200
    if own and request.method == "POST":
        try:
            _act(attempt, request.POST)
        except ApplicationError as exc:
            error = str(exc)
            status = exc.status_code if exc.status_code in (400, 409) else 400
        else:
            return redirect("qti:attempt", uuid=attempt.uuid)
    elif request.method == "POST":
        raise Http404("Only the student acts on an attempt")
    if own:
        notices = attempt_sync(attempt=attempt)
    attempt.refresh_from_db()
    page = attempt_page(attempt=attempt)
    access = "during" if attempt.status == AttemptStatus.IN_PROGRESS else "atEnd"
    context = {
        "page": page,
        "attempt": attempt,
        "own": own,
        "notices": notices,
        "error": error,
        "test_feedback": test_feedback_html(attempt=attempt, access=access),
    }
    return render(request, "qti/attempt.html", context, status=status)


@login_required
def attempt_results(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The attempt as a QTI 3.0 results report (XML)."""
    _, attempt = _viewer_attempt(request, uuid)
    response = HttpResponse(attempt_results_report(attempt=attempt), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="results-{attempt.uuid}.xml"'
    return response
