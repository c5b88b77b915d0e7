"""The delivery pages: a student takes a test in the browser's forms; staff and other
students see only what they may (the matrix), and a package's files open to the students
whose attempts hold its items."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from lxml import etree

from dashboards.services import login_password_set
from qti.models import ItemSession, QtiAsset, QtiPackage, TestAttempt
from qti.selectors.delivery import RESULTS_NS
from qti.services.resources import qti_resource_create
from roster.models import Org, User, UserRole
from tests.qti.delivery_fixtures import assessment_test, choice_item, part, ref, section

PASSWORD = "a-long-test-passphrase-1"
QUERIES_ATTEMPT_PAGE = 13


@pytest.fixture
def world(db: None) -> dict[str, object]:
    district = Org.objects.create(sourced_id="dv-d", name="District", type="district")
    school = Org.objects.create(sourced_id="dv-s", name="School", type="school", parent=district)
    other = Org.objects.create(sourced_id="dv-o", name="Other", type="school")

    def person(sid: str, org: Org, role: str) -> User:
        user = User.objects.create(
            sourced_id=sid,
            given_name=sid,
            family_name="X",
            primary_role=role,
            primary_org=org,
            org_scope=org,
        )
        UserRole.objects.create(user=user, role_type="primary", role=role, org=org)
        login_password_set(user=user, password=PASSWORD)
        return user

    people = {
        "ada": person("ada", school, "student"),
        "bob": person("bob", school, "student"),
        "eve": person("eve", other, "student"),
        "teacher": person("teacher", school, "teacher"),
        "outsider": person("outsider", other, "teacher"),
    }
    for q in ("Q1", "Q2"):
        qti_resource_create(org_id=district.pk, kind="item", xml=choice_item(q))
    body = part("P1", section("S1", ref("Q1") + ref("Q2")), navigation="nonlinear")
    test = qti_resource_create(org_id=district.pk, kind="test", xml=assessment_test(body))
    return {"test": test, "people": people, "district": district}


def client_of(world: dict, name: str) -> Client:
    client = Client()
    assert client.login(username=world["people"][name].login.username, password=PASSWORD)
    return client


def test_a_student_takes_a_test_through_the_pages(world: dict) -> None:
    ada = client_of(world, "ada")
    listing = ada.get("/qti/tests/")
    assert listing.status_code == 200 and "Quiz quiz" in listing.content.decode()
    started = ada.post(f"/qti/tests/{world['test'].pk}/start/")
    assert started.status_code == 302
    url = started["Location"]
    page = ada.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Pick A (Q1)" in html and "Submit this part" in html

    # A bad action or response: 400 naming the field, nothing stored.
    bad = ada.post(url, {"position": "0", "action": "submit", "NOPE": "A"})
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()
    bad = ada.post(url, {"position": "x", "action": "submit"})
    assert bad.status_code == 400 and "position" in bad.content.decode()
    assert not ItemSession.objects.filter(num_attempts__gt=0).exists()

    assert ada.post(url, {"position": "0", "action": "submit", "RESPONSE": "A"}).status_code == 302
    # Going to question 2 keeps nothing typed on question 1 away: it was submitted already.
    assert ada.post(url, {"position": "0", "goto": "1"}).status_code == 302
    assert "Pick A (Q2)" in ada.get(url).content.decode()
    assert ada.post(url, {"position": "1", "action": "submit", "RESPONSE": "B"}).status_code == 302
    assert ada.post(url, {"position": "1", "action": "end_part"}).status_code == 302
    done = ada.get(url).content.decode()
    assert "Finished" in done and 'id="attempt-score">1.0<' in done
    report = ada.get(url + "results.xml")
    assert report.status_code == 200 and report["Content-Type"] == "application/xml"
    root = etree.fromstring(report.content)
    assert root.tag == f"{{{RESULTS_NS}}}assessmentResult"
    # Acting on an ended attempt is a conflict that names the reason.
    ended = ada.post(url, {"position": "1", "action": "submit", "RESPONSE": "A"})
    assert ended.status_code == 409 and "ended" in ended.content.decode()


@pytest.mark.parametrize(
    ("who", "page", "report", "act"),
    [
        ("ada", 200, 200, 302),  # the student
        ("bob", 404, 404, 404),  # a classmate
        ("eve", 404, 404, 404),  # a student elsewhere
        ("teacher", 200, 200, 404),  # staff of the school: read only
        ("outsider", 404, 404, 404),  # staff of another school
    ],
)
def test_who_sees_an_attempt(world: dict, who: str, page: int, report: int, act: int) -> None:
    ada = client_of(world, "ada")
    url = ada.post(f"/qti/tests/{world['test'].pk}/start/")["Location"]
    client = client_of(world, who)
    assert client.get(url).status_code == page
    assert client.get(url + "results.xml").status_code == report
    posted = client.post(url, {"position": "0", "action": "submit", "RESPONSE": "A"})
    assert posted.status_code == act
    assert Client().get(url).status_code == 302  # anonymous: to the sign-in page


def test_only_students_of_the_tests_orgs_start_it(world: dict) -> None:
    eve = client_of(world, "eve")
    assert "Quiz quiz" not in eve.get("/qti/tests/").content.decode()
    assert eve.post(f"/qti/tests/{world['test'].pk}/start/").status_code == 404
    teacher = client_of(world, "teacher")
    assert teacher.post(f"/qti/tests/{world['test'].pk}/start/").status_code == 404
    assert not TestAttempt.objects.exists()


def test_package_files_open_to_students_whose_attempts_use_them(world: dict) -> None:
    package = QtiPackage.objects.create(org_scope=world["district"], status="imported")
    QtiAsset.objects.create(package=package, path="img/a.png", content_type="image/png", data=b"x")
    item = world["test"].__class__.objects.get(identifier="Q1", kind="item")
    item.package = package
    item.save()
    url = f"/qti/assets/{package.pk}/img/a.png"
    ada = client_of(world, "ada")
    assert ada.get(url).status_code == 404  # no attempt yet
    ada.post(f"/qti/tests/{world['test'].pk}/start/")
    assert ada.get(url).status_code == 200
    assert client_of(world, "bob").get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_section_instructions_show_above_the_item(world: dict) -> None:
    rubric = (
        '<qti-rubric-block view="candidate"><qti-content-body><p>Work without a calculator.</p>'
        '</qti-content-body></qti-rubric-block><qti-rubric-block view="scorer"><qti-content-body>'
        "<p>Scorer only</p></qti-content-body></qti-rubric-block>"
    )
    body = part("P1", section("S1", ref("Q1"), extra=rubric))
    test = qti_resource_create(
        org_id=world["district"].pk, kind="test", xml=assessment_test(body, identifier="r")
    )
    ada = client_of(world, "ada")
    html = ada.get(ada.post(f"/qti/tests/{test.pk}/start/")["Location"]).content.decode()
    assert "Work without a calculator." in html and "Scorer only" not in html


@pytest.mark.parametrize(("review", "solution"), [("true", "true"), ("false", "false")])
def test_review_and_solution_follow_the_session_control(
    world: dict, review: str, solution: str
) -> None:
    control = f'<qti-item-session-control allow-review="{review}" show-solution="{solution}"/>'
    body = part("P1", section("S1", ref("Q1") + ref("Q2")), navigation="nonlinear", control=control)
    test = qti_resource_create(
        org_id=world["district"].pk, kind="test", xml=assessment_test(body, identifier="rv")
    )
    ada = client_of(world, "ada")
    url = ada.post(f"/qti/tests/{test.pk}/start/")["Location"]
    assert ada.post(url, {"position": "0", "action": "submit", "RESPONSE": "B"}).status_code == 302
    assert ada.post(url, {"position": "0", "action": "next"}).status_code == 302
    back = ada.post(url, {"position": "1", "goto": "0"})
    if review == "false":
        assert back.status_code == 409 and "does not allow reviewing" in back.content.decode()
        return
    html = ada.get(url).content.decode()
    assert "Pick A (Q1)" in html and "Submit answer" not in html
    assert 'id="solution-title"' in html
    solution = html.split('id="solution-title"')[1]
    assert 'value="A" checked' in solution or 'checked value="A"' in solution


@pytest.mark.parametrize("items", [2, 12])
def test_the_attempt_page_reads_in_a_fixed_number_of_queries(
    world: dict, items: int, django_assert_num_queries: Any
) -> None:
    names = [f"N{i}" for i in range(items)]
    for name in names:
        qti_resource_create(org_id=world["district"].pk, kind="item", xml=choice_item(name))
    body = part("P1", section("S1", "".join(ref(n) for n in names)), navigation="nonlinear")
    test = qti_resource_create(
        org_id=world["district"].pk, kind="test", xml=assessment_test(body, identifier="qc")
    )
    ada = client_of(world, "ada")
    url = ada.post(f"/qti/tests/{test.pk}/start/")["Location"]
    ada.get(url)  # warm the compiled-item cache
    # session, login, viewer (developer account, user, roles), the attempt, the time limits
    # (savepoint, attempt locked, sessions, release: no write), the attempt again, the page's
    # sessions, the test: the same for 2 items and for 12
    with django_assert_num_queries(QUERIES_ATTEMPT_PAGE):
        assert ada.get(url).status_code == 200
