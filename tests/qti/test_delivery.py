"""Delivering tests to students: routes, navigation and submission modes, item session
control, pre-conditions and branch rules, time limits, and the gradebook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from common.exceptions import ApplicationError, Conflict
from qti.models import ItemSession, QtiResource, TestAttempt
from qti.processing.navigation import route_plan
from qti.processing.values import value_to_json
from qti.selectors import compiled_item
from qti.selectors.delivery import RESULTS_NS, attempt_results_report, test_feedback_html
from qti.services.delivery import (
    attempt_goto,
    attempt_next,
    attempt_start,
    attempt_sync,
    item_responses_save,
    item_submit,
    line_item_sourced_id,
    part_submit,
)
from qti.services.packages import package_import
from qti.services.resources import qti_resource_create
from qti.xml import qti_parse
from roster.models import AssessmentLineItem, AssessmentResult, Org, User
from tests.conftest import SHARED
from tests.qti.delivery_fixtures import (
    adaptive_item,
    assessment_test,
    choice_item,
    match,
    part,
    ref,
    section,
    templated_item,
    text_item,
)

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def school(db: None) -> Org:
    return Org.objects.create(sourced_id="dl-school", name="Delivery School", type="school")


@pytest.fixture
def student(school: Org) -> User:
    return User.objects.create(
        sourced_id="dl-student",
        given_name="Ada",
        family_name="Lovelace",
        primary_role="student",
        org_scope=school,
    )


def store(org: Org, test_xml: str, items: dict[str, str]) -> QtiResource:
    for xml in items.values():
        qti_resource_create(org_id=org.pk, kind="item", xml=xml)
    return qti_resource_create(org_id=org.pk, kind="test", xml=test_xml)


def refs_of(attempt: TestAttempt) -> list[str]:
    return [s["ref"] for s in attempt.route["stops"]]


def current(attempt: TestAttempt) -> str | None:
    attempt.refresh_from_db()
    return None if attempt.position is None else attempt.route["stops"][attempt.position]["ref"]


def session(attempt: TestAttempt, ref_id: str) -> ItemSession:
    return ItemSession.objects.get(attempt=attempt, ref=ref_id)


# ---- linear, individual -----------------------------------------------------------------


def test_a_linear_test_taken_item_by_item_ends_in_the_gradebook(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("Q1") + ref("Q2") + ref("Q3")))
    test = store(
        school,
        assessment_test(body),
        {q: choice_item(q) for q in ("Q1", "Q2", "Q3")},
    )
    attempt = attempt_start(test=test, student=student, seed=7, now=T0)
    assert attempt.number == 1 and current(attempt) == "Q1"
    assert attempt_start(test=test, student=student, now=at(1)).pk == attempt.pk  # resumed

    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(10))
    assert current(attempt) == "Q2"  # one attempt, no feedback: moves on by itself
    with pytest.raises(ApplicationError, match="linear"):
        attempt_goto(attempt=attempt, position=0, now=at(11))
    item_submit(attempt=attempt, position=1, responses={"RESPONSE": "B"}, now=at(20))
    # Q3 is skipped (skipping is allowed by default): the attempt ends.
    attempt = attempt_next(attempt=attempt, now=at(30))
    assert attempt.status == "completed" and attempt.position is None
    assert attempt.outcomes["SCORE"]["value"] == 1.0
    assert attempt.outcomes["CORRECT"]["value"] == 1
    q1 = session(attempt, "Q1")
    assert (q1.score, q1.correct, q1.num_attempts, q1.status) == (1.0, True, 1, "closed")
    assert q1.duration == 10.0

    test_line = AssessmentLineItem.objects.get(sourced_id=line_item_sourced_id(test=test))
    assert test_line.result_value_max == 3.0
    children = AssessmentLineItem.objects.filter(parent=test_line)
    assert children.count() == 3
    results = AssessmentResult.objects.filter(student=student)
    assert results.count() == 4  # the test and its three items
    whole = results.get(assessment_line_item=test_line)
    assert whole.score == 1.0 and whole.score_status == "fully graded"
    assert whole.metadata["totalQuestions"] == 3
    assert whole.metadata["correctQuestions"] == 1
    by_ref = {
        r.assessment_line_item.metadata["qtiItemRef"]: r for r in results.exclude(pk=whole.pk)
    }
    assert by_ref["Q1"].score == 1.0 and by_ref["Q2"].score == 0.0
    assert by_ref["Q3"].score == 0.0 and by_ref["Q3"].metadata["numAttempts"] == 0

    # Ended: nothing more is accepted, nothing changes.
    with pytest.raises(Conflict, match="ended"):
        item_submit(attempt=attempt, position=2, responses={"RESPONSE": "A"}, now=at(40))
    # A second attempt gets its own results under the same line items.
    again = attempt_start(test=test, student=student, seed=8, now=at(50))
    assert again.number == 2 and again.pk != attempt.pk
    for position in range(3):
        item_submit(attempt=again, position=position, responses={"RESPONSE": "A"}, now=at(60))
    again.refresh_from_db()
    assert again.status == "completed" and again.outcomes["SCORE"]["value"] == 3.0
    assert AssessmentResult.objects.filter(student=student).count() == 8
    assert AssessmentLineItem.objects.filter(source_system="qti").count() == 4


def test_max_attempts_feedback_and_the_next_step(school: Org, student: User) -> None:
    control = (
        '<qti-item-session-control max-attempts="2" show-feedback="true" allow-skipping="false"/>'
    )
    body = part("P1", section("S1", ref("Q1") + ref("Q2")), control=control)
    test = store(school, assessment_test(body), {q: choice_item(q) for q in ("Q1", "Q2")})
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    with pytest.raises(ApplicationError, match="Q1: submit an answer"):
        attempt_next(attempt=attempt, now=at(1))
    with pytest.raises(ApplicationError, match="RESPONSE: an answer is required"):
        item_submit(attempt=attempt, position=0, responses={}, now=at(1))
    first = item_submit(attempt=attempt, position=0, responses={"RESPONSE": "B"}, now=at(2))
    assert first.status == "interacting" and first.num_attempts == 1 and first.feedback == []
    second = item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(3))
    assert second.status == "closed" and second.feedback == ["right"]
    assert current(attempt) == "Q1"  # feedback shown: the student moves on when ready
    with pytest.raises(Conflict, match="closed"):
        item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(4))
    attempt_next(attempt=attempt, now=at(5))
    assert current(attempt) == "Q2"


def test_bad_responses_are_refused_by_name_and_change_nothing(school: Org, student: User) -> None:
    control = '<qti-item-session-control validate-responses="true"/>'
    body = part("P1", section("S1", ref("Q1") + ref("T1")), control=control)
    test = store(
        school,
        assessment_test(body),
        {"Q1": choice_item("Q1", max_choices=2), "T1": text_item("T1")},
    )
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    cases = [
        ({"NOPE": "A"}, "NOPE"),
        ({"RESPONSE": ["A", "B", "C"]}, "choose at most 2"),
    ]
    for responses, message in cases:
        with pytest.raises(ApplicationError, match=message):
            item_submit(attempt=attempt, position=0, responses=responses, now=at(1))
    assert session(attempt, "Q1").num_attempts == 0
    for position in (-1, 9):
        with pytest.raises(ApplicationError, match="position"):
            item_submit(attempt=attempt, position=position, responses={}, now=at(1))
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": ["A"]}, now=at(2))
    with pytest.raises(ApplicationError, match="pattern"):
        item_submit(attempt=attempt, position=1, responses={"RESPONSE": "12"}, now=at(3))
    item_submit(attempt=attempt, position=1, responses={"RESPONSE": "Paris"}, now=at(4))
    attempt.refresh_from_db()
    assert attempt.status == "completed" and attempt.outcomes["SCORE"]["value"] == 2.0


# ---- pre-conditions and branch rules --------------------------------------------------------


def branching_test() -> str:
    """Q1 decides: B skips section S2 by a pre-condition; C branches straight to Q5."""
    s1 = section(
        "S1",
        ref(
            "Q1",
            extra=f'<qti-branch-rule target="Q5">{match("Q1.RESPONSE", "C")}</qti-branch-rule>',
        ),
    )
    s2 = section(
        "S2",
        ref("Q2") + ref("Q3"),
        extra=(
            f"<qti-pre-condition><qti-not>{match('Q1.RESPONSE', 'B')}</qti-not></qti-pre-condition>"
        ),
    )
    s3 = section(
        "S3",
        ref(
            "Q4",
            extra=f'<qti-branch-rule target="EXIT_TEST">{match("Q4.RESPONSE", "A")}'
            "</qti-branch-rule>",
            attrs="",
        )
        + ref("Q5"),
    )
    return assessment_test(part("P1", s1 + s2 + s3))


@pytest.mark.parametrize(
    ("first", "visited"),
    [
        ("A", ["Q1", "Q2", "Q3", "Q4"]),  # Q4 answered right: EXIT_TEST
        ("B", ["Q1", "Q4"]),  # S2's pre-condition fails
        ("C", ["Q1", "Q5"]),  # the branch jumps over S2 and Q4
    ],
)
def test_pre_conditions_and_branch_rules_steer_a_linear_part(
    school: Org, student: User, first: str, visited: list[str]
) -> None:
    items = {q: choice_item(q) for q in ("Q1", "Q2", "Q3", "Q4", "Q5")}
    test = store(school, branching_test(), items)
    attempt = attempt_start(test=test, student=student, seed=3, now=T0)
    seen = []
    while (now_at := current(attempt)) is not None:
        seen.append(now_at)
        answer = first if now_at == "Q1" else "A"
        item_submit(
            attempt=attempt,
            position=attempt.position or 0,
            responses={"RESPONSE": answer},
            now=at(len(seen)),
        )
    assert seen == visited
    presented = ItemSession.objects.filter(attempt=attempt, presented_at__isnull=False)
    assert sorted(presented.values_list("ref", flat=True)) == sorted(visited)


def test_a_nonlinear_part_ignores_item_branch_rules(school: Org, student: User) -> None:
    body = part(
        "P1",
        section(
            "S1",
            ref(
                "Q1",
                extra='<qti-branch-rule target="EXIT_TEST"><qti-base-value '
                'base-type="boolean">true</qti-base-value></qti-branch-rule>',
            )
            + ref("Q2"),
        ),
        navigation="nonlinear",
    )
    test = store(school, assessment_test(body), {q: choice_item(q) for q in ("Q1", "Q2")})
    attempt = attempt_start(test=test, student=student, seed=3, now=T0)
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(1))
    attempt_next(attempt=attempt, now=at(2))
    assert current(attempt) == "Q2"


# ---- selection and ordering ------------------------------------------------------------------


def test_selection_and_ordering_are_seeded_per_attempt(school: Org) -> None:
    refs = "".join(
        ref(f"Q{i}", attrs='required="true"' if i == 1 else 'fixed="true"' if i == 8 else "")
        for i in range(1, 9)
    )
    body = part(
        "P1",
        section(
            "S1",
            refs,
            extra='<qti-selection select="5"/><qti-ordering shuffle="true"/>',
        ),
    )
    root = qti_parse(assessment_test(body))
    routes = {
        seed: [s["ref"] for s in route_plan(root=root, seed=seed)["stops"]] for seed in range(20)
    }
    assert routes[4] == [s["ref"] for s in route_plan(root=root, seed=4)["stops"]]
    for picked in routes.values():
        assert len(picked) == 5 and len(set(picked)) == 5
        assert "Q1" in picked  # required
        if "Q8" in picked:
            assert picked[-1] == "Q8"  # fixed: keeps its place after the selection
    assert len({tuple(r) for r in routes.values()}) > 10


def test_selection_with_replacement_counts_occurrences() -> None:
    body = part(
        "P1",
        section(
            "S1",
            ref("Q1") + ref("Q2"),
            extra='<qti-selection select="4" with-replacement="true"/>',
        ),
    )
    stops = route_plan(root=qti_parse(assessment_test(body)), seed=2)["stops"]
    assert len(stops) == 4
    for name in {s["ref"] for s in stops}:
        mine = [s["occurrence"] for s in stops if s["ref"] == name]
        assert mine == list(range(1, len(mine) + 1))


def test_the_route_is_kept_when_the_test_changes_later(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("Q1") + ref("Q2")))
    test = store(school, assessment_test(body), {q: choice_item(q) for q in ("Q1", "Q2")})
    attempt = attempt_start(test=test, student=student, seed=3, now=T0)
    test.xml = assessment_test(part("P1", section("S1", ref("Q2"))))
    test.save()
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(1))
    assert current(attempt) == "Q2" and refs_of(attempt) == ["Q1", "Q2"]


# ---- nonlinear, simultaneous -----------------------------------------------------------------


def test_a_simultaneous_part_is_scored_when_submitted(school: Org, student: User) -> None:
    control = '<qti-item-session-control allow-skipping="false"/>'
    p1 = part(
        "P1",
        section("S1", ref("Q1") + ref("Q2") + ref("Q3")),
        navigation="nonlinear",
        submission="simultaneous",
        control=control,
    )
    p2 = part("P2", section("S2", ref("Q4")))
    test = store(
        school, assessment_test(p1 + p2), {q: choice_item(q) for q in ("Q1", "Q2", "Q3", "Q4")}
    )
    attempt = attempt_start(test=test, student=student, seed=5, now=T0)
    with pytest.raises(ApplicationError, match="submitted together"):
        item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(1))
    with pytest.raises(ApplicationError, match="not in the current test part"):
        attempt_goto(attempt=attempt, position=3, now=at(1))
    item_responses_save(attempt=attempt, position=2, responses={"RESPONSE": "A"}, now=at(2))
    attempt_goto(attempt=attempt, position=1, now=at(3))
    item_responses_save(attempt=attempt, position=1, responses={"RESPONSE": "C"}, now=at(4))
    item_responses_save(attempt=attempt, position=1, responses={"RESPONSE": "A"}, now=at(5))
    assert session(attempt, "Q2").num_attempts == 0  # saved, not scored
    with pytest.raises(ApplicationError, match="RESPONSE: an answer is required"):
        part_submit(attempt=attempt, now=at(6))
    item_responses_save(attempt=attempt, position=0, responses={"RESPONSE": "B"}, now=at(7))
    attempt = part_submit(attempt=attempt, now=at(8))
    assert current(attempt) == "Q4" and attempt.part == 1
    scores = dict(ItemSession.objects.filter(attempt=attempt).values_list("ref", "score"))
    assert scores == {"Q1": 0.0, "Q2": 1.0, "Q3": 1.0, "Q4": None}
    with pytest.raises(ApplicationError, match="linear"):
        part_submit(attempt=attempt, now=at(9))
    item_submit(attempt=attempt, position=3, responses={"RESPONSE": "A"}, now=at(10))
    attempt.refresh_from_db()
    assert attempt.status == "completed" and attempt.outcomes["SCORE"]["value"] == 3.0


# ---- adaptive and templated items ------------------------------------------------------------


def test_an_adaptive_item_stays_open_until_complete(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("AD") + ref("Q2")))
    test = store(
        school, assessment_test(body), {"AD": adaptive_item("AD"), "Q2": choice_item("Q2")}
    )
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    for _ in range(3):
        s = item_submit(attempt=attempt, position=0, responses={"RESPONSE": "B"}, now=at(1))
        assert s.status == "interacting"
    s = item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(2))
    assert s.status == "closed" and s.score == 0.0 and s.num_attempts == 4
    assert current(attempt) == "Q2"


def test_a_templated_item_keeps_its_values_for_the_attempt(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("SUM")))
    test = store(school, assessment_test(body), {"SUM": templated_item("SUM")})
    attempt = attempt_start(test=test, student=student, seed=11, now=T0)
    state = session(attempt, "SUM").state["templateValues"]
    a, b = state["A"]["value"], state["B"]["value"]
    scored = item_submit(attempt=attempt, position=0, responses={"RESPONSE": str(a + b)}, now=at(1))
    assert scored.score == 1.0
    other = TestAttempt.objects.get(pk=attempt.pk)
    assert other.status == "completed"


# ---- time limits ------------------------------------------------------------------------------


def test_max_time_ends_the_part_and_min_time_holds_the_student(school: Org, student: User) -> None:
    p1 = part(
        "P1",
        section("S1", ref("Q1") + ref("Q2")),
        extra='<qti-time-limits min-time="30" max-time="120"/>',
    )
    p2 = part("P2", section("S2", ref("Q3")))
    test = store(school, assessment_test(p1 + p2), {q: choice_item(q) for q in ("Q1", "Q2", "Q3")})
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(5))
    with pytest.raises(Conflict, match="Test part P1 stays open for at least 30 s"):
        attempt_next(attempt=attempt, now=at(10))
    assert current(attempt) == "Q2"
    with pytest.raises(Conflict, match="time limit of test part P1 \\(120 s\\) is over"):
        item_submit(attempt=attempt, position=1, responses={"RESPONSE": "A"}, now=at(121))
    # The part ended (what was submitted counts) and the attempt went on.
    assert current(attempt) == "Q3"
    q2 = session(attempt, "Q2")
    assert q2.status == "closed" and q2.num_attempts == 0
    assert attempt_sync(attempt=attempt, now=at(122)) == []


def test_late_submission_and_the_test_limit(school: Org, student: User) -> None:
    p1 = part(
        "P1",
        section(
            "S1",
            ref("Q1", extra='<qti-time-limits max-time="10" allow-late-submission="true"/>')
            + ref("Q2"),
        ),
    )
    test = store(
        school,
        assessment_test(p1, extra='<qti-time-limits max-time="600"/>'),
        {q: choice_item(q) for q in ("Q1", "Q2")},
    )
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(30))
    assert current(attempt) == "Q2"
    assert attempt_sync(attempt=attempt, now=at(601)) == [
        "The time limit of the test (600 s) is over"
    ]
    attempt.refresh_from_db()
    assert attempt.status == "completed" and attempt.outcomes["SCORE"]["value"] == 1.0
    assert AssessmentResult.objects.filter(student=student).count() == 3


# ---- attempts and refusals ------------------------------------------------------------------


def test_a_test_with_a_missing_item_does_not_start(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("Q1") + ref("GONE")))
    test = store(school, assessment_test(body), {"Q1": choice_item("Q1")})
    with pytest.raises(ApplicationError, match="'GONE'"):
        attempt_start(test=test, student=student, now=T0)
    assert not TestAttempt.objects.exists()


def test_only_tests_start(school: Org, student: User) -> None:
    item = qti_resource_create(org_id=school.pk, kind="item", xml=choice_item("Q1"))
    with pytest.raises(ApplicationError, match="not an assessment test"):
        attempt_start(test=item, student=student, now=T0)


# ---- the results report -------------------------------------------------------------------

RESULTS_XSD = SHARED / "fixtures" / "qti" / "xsd" / "qtiv3p0" / "imsqti_resultv3p0_v1p0.xsd"


def test_the_results_report_names_every_item_presented(school: Org, student: User) -> None:
    body = part("P1", section("S1", ref("Q1") + ref("SUM") + ref("Q3")))
    items = {"Q1": choice_item("Q1"), "SUM": templated_item("SUM"), "Q3": choice_item("Q3")}
    test = store(school, assessment_test(body), items)
    attempt = attempt_start(test=test, student=student, seed=2, now=T0)
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(5))
    item_submit(attempt=attempt, position=1, responses={"RESPONSE": "0"}, now=at(9))
    attempt.refresh_from_db()
    report = etree.fromstring(attempt_results_report(attempt=attempt))
    ns = {"r": RESULTS_NS}
    assert report.find("r:context", ns).get("sourcedId") == "dl-student"
    outcomes = {
        v.get("identifier"): v.findtext("r:value", namespaces=ns)
        for v in report.findall("r:testResult/r:outcomeVariable", ns)
    }
    assert outcomes["SCORE"] == "1.0"
    results = report.findall("r:itemResult", ns)
    assert [r.get("identifier") for r in results] == ["Q1", "SUM", "Q3"]
    assert [r.get("sessionStatus") for r in results] == ["final", "final", "pendingSubmission"]
    q1 = results[0]
    response = q1.find("r:responseVariable[@identifier='RESPONSE']", ns)
    assert response.findtext("r:correctResponse/r:value", namespaces=ns) == "A"
    assert response.findtext("r:candidateResponse/r:value", namespaces=ns) == "A"
    templates = {t.get("identifier") for t in results[1].findall("r:templateVariable", ns)}
    assert templates == {"A", "B"}
    if RESULTS_XSD.exists():
        schema = etree.XMLSchema(etree.parse(str(RESULTS_XSD)))
        schema.assertValid(report)


@pytest.mark.skipif(not (SHARED / "fixtures" / "qti").exists(), reason="no ../shared")
def test_the_official_bbqs_test_delivered_with_its_correct_responses(
    school: Org, student: User
) -> None:
    folder = SHARED / "fixtures" / "qti" / "packages" / "BBQsTest"
    data = next(folder.glob("*.zip")).read_bytes()
    report = package_import(data=data, file_name="BBQsTest.zip", org=school)
    assert report.ok, report.problems
    test = QtiResource.objects.get(kind="test", identifier="SPECTATUS-GENERATED-TEST")
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    (only,) = attempt.route["parts"]
    assert only["navigationMode"] == "nonlinear"
    sessions = ItemSession.objects.filter(attempt=attempt).select_related("item")
    assert sessions.count() == len(attempt.route["stops"]) > 0
    expected_max = 0.0
    unsupported = {s.ref for s in sessions if "problem" in s.state}
    assert unsupported == {"id-bd44a757f562"}  # the sine rule item asks for a CAS (Maxima)
    scorable: set[str] = set()
    for s in sessions:
        scorer = compiled_item(resource=s.item).scorer
        correct = {
            d.identifier: value_to_json(d.correct)
            for d in scorer.responses
            if d.correct is not None and not d.correct.is_null
        }
        if correct:
            scorable.add(s.ref)
        if only["submissionMode"] == "individual":
            item_submit(attempt=attempt, position=s.position, responses=correct, now=at(1))
        else:
            item_responses_save(attempt=attempt, position=s.position, responses=correct, now=at(1))
    attempt = part_submit(attempt=attempt, now=at(60))
    assert attempt.status == "completed"
    for s in ItemSession.objects.filter(attempt=attempt, ref__in=scorable - unsupported):
        assert s.correct is True, s.ref
        if s.max_score:
            assert s.score == s.max_score, s.ref
            expected_max += s.max_score
    assert len(scorable - unsupported) >= 15 and expected_max > 0
    essay_line = AssessmentLineItem.objects.get(
        sourced_id=line_item_sourced_id(test=test, ref="id-75bd778a3504")
    )
    essay = AssessmentResult.objects.get(assessment_line_item=essay_line, student=student)
    assert essay.score is None and essay.score_status == "submitted"  # scored by a person
    (feedback,) = test_feedback_html(attempt=attempt, access="atEnd")
    assert "You have reached the end of the test." in feedback
    total = attempt.outcomes["TEST_total"]["value"]
    assert f'Total score: <span class="qti-printed-variable">{total:.1f}</span>' in feedback
    assert test_feedback_html(attempt=attempt, access="during") == []
    report_xml = etree.fromstring(attempt_results_report(attempt=attempt))
    etree.XMLSchema(etree.parse(str(RESULTS_XSD))).assertValid(report_xml)


def test_the_export_command_writes_a_report_per_attempt(
    school: Org, student: User, tmp_path: Path
) -> None:
    body = part("P1", section("S1", ref("Q1")))
    test = store(school, assessment_test(body), {"Q1": choice_item("Q1")})
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(1))
    attempt_start(test=test, student=student, seed=2, now=at(2))  # under way: not exported
    call_command("qti_results_export", "quiz", "--org", "dl-school", "--out", str(tmp_path))
    (written,) = tmp_path.iterdir()
    assert written.name == f"results-{attempt.uuid}.xml"
    call_command(
        "qti_results_export", "quiz", "--org", "dl-school", "--out", str(tmp_path), "--all"
    )
    assert len(list(tmp_path.iterdir())) == 2
    with pytest.raises(CommandError, match="no assessment test 'nope'"):
        call_command("qti_results_export", "nope", "--org", "dl-school", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="--org"):
        call_command("qti_results_export", "quiz", "--org", "nope", "--out", str(tmp_path))


def test_section_references_are_inlined_from_stored_sections(school: Org, student: User) -> None:
    stored_section = (
        '<qti-assessment-section xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'
        ' identifier="shared" title="Shared" visible="true">'
        f"{ref('Q2')}{ref('Q3')}</qti-assessment-section>"
    )
    QtiResource.objects.create(
        kind="section", identifier="shared", org_scope=school, xml=stored_section
    )
    body = part(
        "P1",
        section(
            "S1",
            ref("Q1") + '<qti-assessment-section-ref identifier="shared" href="shared.xml"/>',
        ),
    )
    items = {q: choice_item(q) for q in ("Q1", "Q2", "Q3")}
    test = store(school, assessment_test(body), items)
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    assert refs_of(attempt) == ["Q1", "Q2", "Q3"]
    assert attempt.route["stops"][1]["sections"] == ["S1", "shared"]
    missing = assessment_test(
        part("P1", section("S1", '<qti-assessment-section-ref identifier="gone" href="g.xml"/>')),
        identifier="other",
    )
    other = qti_resource_create(org_id=school.pk, kind="test", xml=missing)
    with pytest.raises(ApplicationError, match="section reference 'gone'"):
        attempt_start(test=other, student=student, now=T0)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('<qti-time-limits max-time="soon"/>', "max-time 'soon' is not a number"),
        ('<qti-item-session-control max-attempts="two"/>', "max-attempts 'two' is not an integer"),
    ],
)
def test_a_test_with_broken_settings_does_not_start(
    school: Org, student: User, setting: str, message: str
) -> None:
    body = part("P1", section("S1", ref("Q1"), extra=setting))
    test = store(school, assessment_test(body), {"Q1": choice_item("Q1")})
    with pytest.raises(ApplicationError, match=message):
        attempt_start(test=test, student=student, now=T0)
    assert not TestAttempt.objects.exists()


def test_a_finished_attempt_refreshes_the_standards_evidence(
    school: Org, student: User, django_capture_on_commit_callbacks: Any
) -> None:
    from case.models import StandardEvidence

    objectives = [{"source": "CASE", "learningObjectiveIds": ["std-fractions"]}]
    qti_resource_create(
        org_id=school.pk,
        kind="item",
        xml=choice_item("Q1"),
        metadata={"learningObjectiveSet": objectives},
    )
    test = qti_resource_create(
        org_id=school.pk,
        kind="test",
        xml=assessment_test(part("P1", section("S1", ref("Q1")))),
    )
    attempt = attempt_start(test=test, student=student, seed=1, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        item_submit(attempt=attempt, position=0, responses={"RESPONSE": "A"}, now=at(1))
    evidence = StandardEvidence.objects.get(student=student, objective="std-fractions")
    assert evidence.results == 1 and evidence.mastered is True
