"""Reads of test delivery: which tests a student may take, their attempts, the page of an
attempt (the item under way, rendered with its session's seed and state), who may open an
attempt, and an attempt as a QTI 3.0 results report."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from lxml import etree

from qti.choices import AttemptStatus, ItemSessionStatus, ResourceKind
from qti.models import ItemSession, QtiResource, TestAttempt
from qti.processing import ItemState
from qti.processing.navigation import time_limits_at
from qti.processing.values import Value, value_load, value_to_json
from qti.rendering import RenderedItem, render_item
from qti.selectors import compiled_item, item_base_url
from qti.xml import QTI3_NS
from roster.models import User, UserRole
from tenancy.selectors import org_ancestries

__all__ = [
    "RESULTS_NS",
    "AttemptPage",
    "attempt_for_viewer",
    "attempt_page",
    "attempt_results_report",
    "attempts_of_student",
    "attempts_of_test",
    "attempts_visible",
    "section_resolve",
    "session_is_open",
    "student_may_see_package",
    "test_feedback_html",
    "tests_for_student",
]

RESULTS_NS = "http://www.imsglobal.org/xsd/imsqti_result_v3p0"
RESULTS_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_resultv3p0_v1p0.xsd"
_NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


# ---- who takes what ---------------------------------------------------------------------------


def tests_for_student(*, student: User) -> QuerySet[QtiResource]:
    """The tests a student may take: those of their school or of an org above it."""
    roots = {student.org_scope_id, student.primary_org_id}
    roots |= set(UserRole.objects.filter(user=student).values_list("org_id", flat=True))
    ancestry = org_ancestries(org_ids={int(x) for x in roots if x is not None})
    return QtiResource.objects.filter(kind=ResourceKind.TEST, org_scope_id__in=ancestry).order_by(
        "title", "identifier"
    )


def attempts_of_student(*, student: User) -> QuerySet[TestAttempt]:
    return TestAttempt.objects.filter(student=student).select_related("test")


def attempt_for_viewer(
    *, uuid: Any, student_id: int | None, org_ids: frozenset[int] | None
) -> TestAttempt | None:
    """The attempt if the viewer may open it: its student, staff of its student's or test's
    organisations (``org_ids``), or anyone when ``org_ids`` is None and no student is given
    (administrators)."""
    attempts = TestAttempt.objects.select_related("test", "student")
    if student_id is not None:
        attempts = attempts.filter(student_id=student_id)
    elif org_ids is not None:
        attempts = attempts.filter(
            Q(student__org_scope_id__in=org_ids) | Q(org_scope_id__in=org_ids)
        )
    return attempts.filter(uuid=uuid).first()


def student_may_see_package(*, student_id: int, package_id: int) -> bool:
    """A package's files are the student's to load when an attempt of theirs holds one of
    its items."""
    return ItemSession.objects.filter(
        attempt__student_id=student_id, item__package_id=package_id
    ).exists()


# ---- the attempt page ------------------------------------------------------------------------


@dataclass(frozen=True)
class StopView:
    position: int
    ref: str
    title: str
    status: str
    answered: bool
    current: bool


@dataclass(frozen=True)
class AttemptPage:
    attempt: TestAttempt
    part: dict[str, Any] | None
    sections: list[dict[str, Any]]
    session: ItemSession | None
    item: RenderedItem | None
    control: dict[str, Any]
    stops: list[StopView]
    can_submit: bool
    can_save: bool
    can_next: bool
    can_submit_part: bool
    show_feedback: bool
    seconds_left: float | None
    time_label: str
    index_in_part: int
    part_size: int
    solution: RenderedItem | None = None


def _seconds_left(
    attempt: TestAttempt, session: ItemSession | None, now: dt.datetime
) -> tuple[float | None, str]:
    """The nearest max-time ahead: seconds left and what it limits."""
    if attempt.position is None:
        return None, ""
    best: tuple[float | None, str] = (None, "")
    levels = time_limits_at(
        route=attempt.route,
        position=attempt.position,
        entered=attempt.entered,
        item_presented_at=session.presented_at if session is not None else None,
    )
    for _, label, limits, since in levels:
        if not limits.get("maxTime") or since is None:
            continue
        left = limits["maxTime"] - (now - since).total_seconds()
        if best[0] is None or left < best[0]:
            best = (max(0.0, left), label)
    return best


def _content_html(body: str, values: dict[str, Any] | None = None) -> str:
    """QTI content (XML in the QTI namespace) rendered as item content is."""
    wrapper = (
        f'<qti-assessment-item xmlns="{QTI3_NS}" identifier="content" title="" adaptive="false"'
        f' time-dependent="false"><qti-item-body>{body}</qti-item-body></qti-assessment-item>'
    )
    return render_item(item_xml=wrapper, views=("candidate",), template_values=values).html


def _rubric_html(section: dict[str, Any]) -> str:
    """A section's rubric blocks for the candidate."""
    blocks = section.get("rubricBlocks") or []
    return _content_html("".join(blocks)) if blocks else ""


def test_feedback_html(*, attempt: TestAttempt, access: str) -> list[str]:
    """The test's and its current part's ``qti-test-feedback`` that the outcomes show
    (``access`` "during" or "atEnd"), rendered with the outcomes printed."""
    route = attempt.route
    outcomes = {k: value_load(v) for k, v in attempt.outcomes.items()}
    values = {k: value_to_json(v) for k, v in outcomes.items()}
    feedback = list(route.get("test", {}).get("testFeedback") or [])
    if access == "during" and attempt.position is not None:
        feedback += route["parts"][attempt.part].get("testFeedback") or []
    elif access == "atEnd":
        for part in route.get("parts", []):
            feedback += part.get("testFeedback") or []
    shown = []
    for fb in feedback:
        if fb.get("access") != access:
            continue
        value = outcomes.get(fb["outcomeIdentifier"])
        member = (
            value is not None
            and not value.is_null
            and value.cardinality != "record"
            and any(str(x) == fb["identifier"] for x in value.items())
        )
        if member == (fb.get("showHide", "show") == "show"):
            shown.append(_content_html(fb["content"], values))
    return shown


test_feedback_html.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _shown_responses(session: ItemSession) -> dict[str, Any]:
    return dict(session.responses or {})


def attempt_page(*, attempt: TestAttempt, now: dt.datetime | None = None) -> AttemptPage:
    """What the attempt's page shows: the item under way rendered as its session has it
    (seeded shuffle, template values, saved responses, feedback when allowed), the part's
    items for navigation, and the actions open."""
    now = now or timezone.now()
    route = attempt.route
    sessions = list(
        ItemSession.objects.filter(attempt=attempt).select_related("item").order_by("position")
    )
    position = attempt.position
    if attempt.status != AttemptStatus.IN_PROGRESS or position is None:
        return AttemptPage(
            attempt, None, [], None, None, {}, [], False, False, False, False, False, None, "", 0, 0
        )
    stop = route["stops"][position]
    part = route["parts"][stop["part"]]
    session = sessions[position]
    control = stop["control"]
    state = ItemState.load(session.state)
    shown = session.feedback if control.get("showFeedback") and session.num_attempts else []
    item = render_item(
        item_xml=session.item.xml,
        shuffle_seed=state.seed,
        responses=_shown_responses(session),
        shown_feedback=shown,
        base_url=item_base_url(session.item),
        template_values={k: value_to_json(v) for k, v in state.template_values.items()},
    )
    scorer = compiled_item(resource=session.item).scorer
    limit = int(control.get("maxAttempts", 1))
    attempts_left = scorer.adaptive or not limit or session.num_attempts < limit
    individual = part["submissionMode"] == "individual"
    linear = part["navigationMode"] == "linear"
    open_session = session.status != ItemSessionStatus.CLOSED
    stops = [
        StopView(
            position=i,
            ref=route["stops"][i]["ref"],
            title=sessions[i].item.title or route["stops"][i]["ref"],
            status=sessions[i].status,
            answered=bool(sessions[i].responses) or sessions[i].num_attempts > 0,
            current=i == position,
        )
        for i in range(part["first"], part["end"])
    ]
    sections = [
        {
            "identifier": s,
            **route["sections"].get(f"section:{s}", {}),
            "rubric": _rubric_html(route["sections"].get(f"section:{s}", {})),
        }
        for s in stop["sections"]
    ]
    left, label = _seconds_left(attempt, session, now)
    solution = None
    if control.get("showSolution") and not open_session:
        correct = {d.identifier: d.correct for d in scorer.responses if d.correct is not None}
        correct.update(state.correct)
        solution = render_item(
            item_xml=session.item.xml,
            shuffle_seed=state.seed,
            responses={k: value_to_json(v) for k, v in correct.items()},
            base_url=item_base_url(session.item),
            template_values={k: value_to_json(v) for k, v in state.template_values.items()},
            id_prefix=f"solution-{session.position}",
        )
    return AttemptPage(
        attempt=attempt,
        part=part,
        sections=[s for s in sections if s.get("visible", True)],
        session=session,
        item=item,
        control=control,
        stops=stops,
        can_submit=individual and open_session and attempts_left,
        can_save=open_session,
        can_next=linear or position + 1 < part["end"],
        can_submit_part=not linear,
        show_feedback=bool(control.get("showFeedback")) and session.num_attempts > 0,
        seconds_left=left,
        time_label=label,
        index_in_part=position - part["first"] + 1,
        part_size=part["end"] - part["first"],
        solution=solution,
    )


# ---- the QTI 3.0 results report ------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{RESULTS_NS}}}{name}"


def _value_text(base_type: str | None, v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple | list):
        return " ".join(str(x) for x in v)
    if isinstance(v, float) and v.is_integer() and base_type != "duration":
        return str(int(v)) if base_type == "integer" else repr(v)
    return str(v)


def _values(parent: etree._Element, value: Value) -> None:
    if value.is_null:
        return
    if value.cardinality == "record":
        for name, field in value.value.items():
            if field.is_null:
                continue
            el = etree.SubElement(parent, _q("value"), fieldIdentifier=name)
            if field.base_type:
                el.set("baseType", field.base_type)
            el.text = _value_text(field.base_type, field.value)
        return
    for scalar in value.items():
        etree.SubElement(parent, _q("value")).text = _value_text(value.base_type, scalar)


def _variable(
    parent: etree._Element, kind: str, identifier: str, value: Value, correct: Value | None = None
) -> None:
    el = etree.SubElement(parent, _q(kind), identifier=identifier, cardinality=value.cardinality)
    if value.base_type and value.cardinality != "record":
        el.set("baseType", value.base_type)
    if kind == "responseVariable":
        if correct is not None and not correct.is_null:
            _values(etree.SubElement(el, _q("correctResponse")), correct)
        _values(etree.SubElement(el, _q("candidateResponse")), value)
    else:
        _values(el, value)


_SESSION_STATUS: dict[str, str] = {
    ItemSessionStatus.INITIAL.value: "initial",
    ItemSessionStatus.INTERACTING.value: "pendingSubmission",
    ItemSessionStatus.CLOSED.value: "final",
}


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or timezone.now()).astimezone(dt.UTC).replace(microsecond=0).isoformat()


def attempt_results_report(*, attempt: TestAttempt) -> bytes:
    """The attempt as a QTI 3.0 ``assessmentResult``: the student, the attempt, the test's
    outcomes and, for each item presented, its response, template and outcome variables."""
    root = etree.Element(
        _q("assessmentResult"),
        nsmap={None: RESULTS_NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
    )
    root.set(
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", f"{RESULTS_NS} {RESULTS_XSD}"
    )
    context = etree.SubElement(root, _q("context"))
    student = attempt.student
    if _NCNAME.match(student.sourced_id):
        context.set("sourcedId", student.sourced_id)
    etree.SubElement(
        context,
        _q("sessionIdentifier"),
        sourceID="urn:timeback:qti:attempt",
        identifier=f"attempt-{attempt.uuid}",
    )
    test_result = etree.SubElement(
        root,
        _q("testResult"),
        identifier=attempt.route.get("test", {}).get("identifier") or attempt.test.identifier,
        datestamp=_stamp(attempt.ended_at or attempt.updated_at),
    )
    elapsed = ((attempt.ended_at or timezone.now()) - attempt.started_at).total_seconds()
    _variable(
        test_result, "responseVariable", "duration", Value("single", "duration", round(elapsed, 3))
    )
    for name, dumped in sorted(attempt.outcomes.items()):
        _variable(test_result, "outcomeVariable", name, value_load(dumped))
    sessions = (
        ItemSession.objects.filter(attempt=attempt, presented_at__isnull=False)
        .select_related("item")
        .order_by("position")
    )
    for index, session in enumerate(sessions, start=1):
        item_result = etree.SubElement(
            root,
            _q("itemResult"),
            identifier=session.ref,
            sequenceIndex=str(index),
            datestamp=_stamp(session.submitted_at or session.presented_at),
            sessionStatus=_SESSION_STATUS.get(str(session.status), "final"),
        )
        state = ItemState.load(session.state)
        scorer = compiled_item(resource=session.item).scorer
        _variable(
            item_result,
            "responseVariable",
            "numAttempts",
            Value("single", "integer", session.num_attempts),
        )
        _variable(
            item_result,
            "responseVariable",
            "duration",
            Value("single", "duration", round(session.duration, 3)),
        )
        for decl in scorer.responses:
            if decl.identifier in ("numAttempts", "duration"):
                continue
            stored = session.response_values.get(decl.identifier)
            value = value_load(stored) if stored else Value(decl.cardinality, decl.base_type, None)
            correct = state.correct.get(decl.identifier) or decl.correct
            _variable(item_result, "responseVariable", decl.identifier, value, correct)
        for name, template_value in state.template_values.items():
            _variable(item_result, "templateVariable", name, template_value)
        for name, dumped in session.outcomes.items():
            _variable(item_result, "outcomeVariable", name, value_load(dumped))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def attempts_visible(*, viewer: Any) -> QuerySet[TestAttempt]:
    """The attempts staff may open: their students' (administrators: all)."""
    attempts = TestAttempt.objects.select_related("test", "student").order_by("-started_at")
    if getattr(viewer, "is_admin", False):
        return attempts
    if getattr(viewer, "kind", "") == "staff":
        return attempts.filter(
            Q(student__org_scope_id__in=viewer.org_ids) | Q(org_scope_id__in=viewer.org_ids)
        )
    return attempts.none()


def session_is_open(*, attempt: TestAttempt, position: int) -> bool:
    """Whether the item at ``position`` still takes responses."""
    return ItemSession.objects.filter(
        attempt=attempt,
        position=position,
        status__in=(ItemSessionStatus.INITIAL, ItemSessionStatus.INTERACTING),
    ).exists()


def attempts_of_test(
    *, org_id: int, identifier: str, finished_only: bool
) -> QuerySet[TestAttempt] | None:
    """The attempts at an organisation's test (None when it has no such test)."""
    test = QtiResource.objects.filter(
        org_scope_id=org_id, kind=ResourceKind.TEST, identifier=identifier
    ).first()
    if test is None:
        return None
    attempts = TestAttempt.objects.filter(test=test).select_related("test", "student")
    if finished_only:
        attempts = attempts.filter(status=AttemptStatus.COMPLETED)
    return attempts.order_by("started_at", "pk")


def section_resolve(*, resource: QtiResource, identifier: str, href: str) -> QtiResource | None:
    """The stored section a test's ``qti-assessment-section-ref`` names: the file at its
    href in the test's package first, else the section of that identifier in the test's
    organisation."""
    sections = QtiResource.objects.filter(
        kind=ResourceKind.SECTION, org_scope_id=resource.org_scope_id
    )
    if resource.package_id is not None and href:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(resource.href), href))
        found = sections.filter(package_id=resource.package_id, href=path).first()
        if found is not None:
            return found
    return sections.filter(identifier=identifier).order_by("pk").first()
