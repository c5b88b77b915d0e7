"""The dashboards in a real browser: the demo student reads today's XP and sees it change,
without a reload, when an app posts events through the Caliper API; a developer sees only
their own apps, filters one by course over HTMX and downloads a table as CSV; staff drill
down from a school to a class and a student. The student, developer and school pages also at
phone width (no horizontal scroll of the document), and the sign-in and main links with the
keyboard alone.

A screenshot of each page visited lands in ``SHOTS`` (``dashboards-*.png``)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from django.utils import timezone
from playwright.sync_api import expect

from caliper.services.demo import DEMO_APP_NAME
from dashboards.services import (
    DemoLogin,
    demo_logins_ensure,
    developer_account_create,
    login_password_set,
)
from mastery.models import StudentDailyRollup
from roster.models import Enrollment, Org, User, UserRole
from roster.services.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DISTRICT_ID, DEMO_SENSOR
from tenancy.models import ApiClient
from tenancy.scopes import EVENTS_CREATE, scope_uri
from tenancy.services import api_client_create
from tests.browser.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-long-browser-passphrase-1"
ROSTER = "https://timeback.example.org/ims/oneroster/rostering/v1p2"
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
# Long enough for a poll (every second here), the processing and the swap.
LIVE_TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def _fast_dashboards(settings: Any) -> None:
    # The live server thread reads the same settings object: the page polls every second and
    # the per-app rollup is filled within the request that processed the events.
    settings.DASHBOARD_REFRESH_SECONDS = 1
    settings.DASHBOARD_FILL_DEBOUNCE_S = 0


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboards-{name}.png"), full_page=True)


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Through the login form, with the mouse."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def mark_page(page: Any) -> None:
    """A variable that only survives as long as the document does (no reload)."""
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Any) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def assert_fits_phone(page: Any, name: str) -> None:
    """At phone width the document does not scroll sideways; wide tables scroll inside
    their ``.table-wrap``, which itself fits."""
    page.set_viewport_size(PHONE)
    page.reload()
    layout = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            unwrapped: [...document.querySelectorAll('table')]
                .filter(t => !t.closest('.table-wrap')).length,
            overflowing: [...document.querySelectorAll('.table-wrap')]
                .filter(w => w.getBoundingClientRect().right > window.innerWidth + 0.5)
                .length,
        })"""
    )
    shot(page, f"{name}-phone")
    assert layout["scrollWidth"] <= layout["innerWidth"], layout
    assert layout["unwrapped"] == 0 and layout["overflowing"] == 0, layout
    page.set_viewport_size(DESKTOP)


def focused(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "s => document.activeElement !== null && document.activeElement.matches(s)", selector
        )
    )


def tab_to(page: Any, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def shift_tab_to(page: Any, selector: str, *, limit: int = 10) -> None:
    """Press Shift+Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} is not reachable with Shift+Tab")


def caliper_token(base: str, client_id: str, client_secret: str) -> str:
    response = requests.post(
        f"{base}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": scope_uri(EVENTS_CREATE)},
        auth=(client_id, client_secret),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def timeback_events(
    *,
    student: User,
    sensor: str,
    app_name: str,
    course_sid: str,
    course_name: str,
    subject: str,
    lesson: str,
    active_s: float,
    xp: float,
    total: int,
    correct: int,
) -> list[dict[str, Any]]:
    """A sitting on a lesson (TimebackTimeSpentEvent) and its completion
    (TimebackActivityEvent), both now."""
    now = timezone.now()
    context = {
        "id": f"{sensor}/lessons/{lesson}",
        "type": "TimebackActivityContext",
        "subject": subject,
        "app": {"name": app_name, "id": sensor},
        "course": {"id": f"{ROSTER}/courses/{course_sid}", "name": course_name},
        "activity": {"name": lesson},
    }
    actor = {
        "id": f"{ROSTER}/users/{student.sourced_id}",
        "type": "TimebackUser",
        "email": student.email,
    }

    def event(moment: dt.datetime, kind: str, generated: dict[str, Any]) -> dict[str, Any]:
        eid = f"urn:uuid:{uuid.uuid4()}"
        return {
            "@context": DATA_VERSION,
            "id": eid,
            "type": kind,
            "profile": "TimebackProfile",
            "action": "SpentTime" if kind == "TimeSpentEvent" else "Completed",
            "eventTime": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "actor": actor,
            "object": context,
            "generated": {"id": f"{sensor}/metrics/{eid[9:]}", **generated},
            "edApp": sensor,
        }

    return [
        event(
            now - dt.timedelta(seconds=2),
            "TimeSpentEvent",
            {
                "type": "TimebackTimeSpentMetricsCollection",
                "items": [
                    {"type": "active", "value": active_s},
                    {"type": "inactive", "value": 30},
                ],
            },
        ),
        event(
            now - dt.timedelta(seconds=1),
            "ActivityEvent",
            {
                "type": "TimebackActivityMetricsCollection",
                "attempt": 1,
                "items": [
                    {"type": "xpEarned", "value": xp},
                    {"type": "totalQuestions", "value": total},
                    {"type": "correctQuestions", "value": correct},
                    {"type": "masteredUnits", "value": 1},
                ],
            },
        ),
    ]


def caliper_post(base: str, token: str, *, sensor: str, events: Sequence[dict[str, Any]]) -> None:
    """POST an envelope to the live server's Caliper endpoint (processed in the request:
    Celery is eager in tests)."""
    response = requests.post(
        f"{base}/caliper/event",
        json={
            "sensor": sensor,
            "sendTime": timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "dataVersion": DATA_VERSION,
            "data": list(events),
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text


def xp_today(student: User) -> float:
    row = StudentDailyRollup.objects.filter(student=student, day=timezone.now().date()).first()
    return row.xp if row is not None else 0.0


def demo_login(role: str) -> DemoLogin:
    """The demo login of ``role`` (seed_demo made them; asking again changes nothing)."""
    return next(
        login
        for login in demo_logins_ensure(district_sourced_id=DEMO_DISTRICT_ID)
        if login.role == role
    )


def tenant(prefix: str, *, students: int, grades: Sequence[str] = ("04",)) -> Org:
    """A district with a school and its students; returns the district."""
    district = Org.objects.create(
        sourced_id=f"{prefix}-district", name=f"{prefix.upper()} District", type="district"
    )
    school = Org.objects.create(
        sourced_id=f"{prefix}-school",
        name=f"{prefix.upper()} School",
        type="school",
        parent=district,
    )
    for i in range(students):
        user = User.objects.create(
            sourced_id=f"{prefix}-stu-{i}",
            given_name=f"S{i}",
            family_name=prefix.upper(),
            email=f"stu{i}@{prefix}.example.org",
            primary_org=school,
            primary_role="student",
            grades=[grades[i % len(grades)]],
            org_scope=school,
        )
        UserRole.objects.create(user=user, role_type="primary", role="student", org=school)
    return district


# --------------------------------------------------------------------------------------------
# Student
# --------------------------------------------------------------------------------------------


def test_demo_student_reads_todays_xp_and_sees_it_change_live(page: Any, live_server: Any) -> None:
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    login = demo_login("student")
    student = User.objects.get(sourced_id=login.who)
    expected = xp_today(student)
    assert expected > 0, "seed_demo gives the demo student XP today"
    enrollment = (
        Enrollment.objects.filter(user=student, role="student")
        .select_related("klass__course")
        .order_by("sourced_id")
        .first()
    )
    assert enrollment is not None
    course = enrollment.klass.course

    sign_in(page, base, login.username, login.password)
    page.wait_for_url(f"{base}/dashboard/students/{student.sourced_id}/")
    xp = page.locator("#xp-today")
    assert xp.get_attribute("data-xp") == floatformat(expected, -1)
    page.wait_for_selector("#chart-xp-week[data-drawn='1']", state="attached")
    summary = page.locator("details > summary", has_text="Table: XP this week")
    assert summary.count() == 1
    summary.click()  # the table alternative opens: a row per day of the week
    week_rows = summary.locator("xpath=..").locator("tbody tr")
    assert week_rows.count() == 7
    shot(page, "student")

    # An app posts a sitting and a 90% completion worth 15 XP; the page polls itself.
    mark_page(page)
    token = caliper_token(base, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    caliper_post(
        base,
        token,
        sensor=DEMO_SENSOR,
        events=timeback_events(
            student=student,
            sensor=DEMO_SENSOR,
            app_name=DEMO_APP_NAME,
            course_sid=course.sourced_id,
            course_name=course.title,
            subject=str(course.subjects[0]) if course.subjects else "Math",
            lesson=f"browser-{uuid.uuid4().hex[:8]}",
            active_s=16 * 60,
            xp=15,
            total=10,
            correct=9,
        ),
    )
    updated = xp_today(student)
    assert updated == pytest.approx(expected + 15)
    expect(xp).to_have_attribute("data-xp", floatformat(updated, -1), timeout=LIVE_TIMEOUT_MS)
    assert_same_document(page)
    # The swapped-in fragment's charts are drawn too.
    page.wait_for_selector("#chart-xp-week[data-drawn='1']", state="attached")
    shot(page, "student-updated")

    assert_fits_phone(page, "student")


def test_live_refresh_keeps_an_open_table_and_the_focus(page: Any, live_server: Any) -> None:
    base = live_server.url
    district = tenant("lr", students=1)
    student = User.objects.get(sourced_id="lr-stu-0")
    username = login_password_set(user=student, password=PASSWORD)
    sensor = "https://lr.apps.example.org"
    created = api_client_create(
        name="Live Reader",
        org_sourced_id=district.sourced_id,
        scopes=[EVENTS_CREATE],
        sensors=[sensor],
    )
    token = caliper_token(base, created.client_id, created.client_secret)
    sign_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/dashboard/students/{student.sourced_id}/")
    summary = page.locator("details > summary", has_text="Table: XP this week")
    tab_to(page, "details > summary")  # the first one: XP this week
    page.keyboard.press("Enter")
    assert summary.evaluate("s => s.parentElement.open")
    caliper_post(
        base,
        token,
        sensor=sensor,
        events=timeback_events(
            student=student,
            sensor=sensor,
            app_name="Live Reader",
            course_sid="lr-reading",
            course_name="Reading G4",
            subject="Reading",
            lesson="lesson-1",
            active_s=11 * 60,
            xp=10,
            total=10,
            correct=10,
        ),
    )
    expect(page.locator("#xp-today")).not_to_have_attribute("data-xp", "0", timeout=LIVE_TIMEOUT_MS)
    shot(page, "student-refreshed-table")
    assert summary.evaluate("s => s.parentElement.open"), "the opened table stays open"
    assert focused(page, "details > summary"), "the focus stays where it was"


def test_keyboard_only_sign_in_and_main_links(page: Any, live_server: Any) -> None:
    base = live_server.url
    tenant("kb", students=1)
    student = User.objects.get(sourced_id="kb-stu-0")
    username = login_password_set(user=student, password=PASSWORD)
    student_url = f"{base}/dashboard/students/{student.sourced_id}/"

    page.goto(f"{base}/accounts/login/")
    # The username field has the focus (autofocus); the skip link is first in the tab order.
    assert focused(page, "#id_username")
    shift_tab_to(page, "a.skip-link")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement === document.body"), "nothing before it"
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link")
    page.keyboard.press("Enter")
    assert focused(page, "main#main"), "the skip link moves the focus to the content"
    page.keyboard.press("Tab")
    assert focused(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert focused(page, "#id_password")
    page.keyboard.type(PASSWORD)
    shot(page, "login-keyboard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(student_url)
    shot(page, "student-keyboard")

    # The main links: the header's Dashboard link (which lands back here), the launcher.
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link"), "the skip link is the first tab stop"
    tab_to(page, "header a[href='/dashboard/']")
    with page.expect_navigation(url=student_url):
        page.keyboard.press("Enter")
    tab_to(page, "main a[href='/launcher/']")
    with page.expect_navigation(url=f"{base}/launcher/"):
        page.keyboard.press("Enter")
    shot(page, "launcher-keyboard")


# --------------------------------------------------------------------------------------------
# Developer
# --------------------------------------------------------------------------------------------


def developer_world(base: str) -> dict[str, ApiClient]:
    """Two districts, each with three students (two in Math G4, one in Reading G5), a
    developer login (``dev-dva``, ``dev-dvb``) and an app that has posted a sitting and a
    completion per student today through the Caliper API."""
    apps: dict[str, ApiClient] = {}
    for prefix, app_name in (("dva", "Fraction Quest"), ("dvb", "Word Garden")):
        district = tenant(prefix, students=3, grades=("04", "05"))
        developer_account_create(username=f"dev-{prefix}", password=PASSWORD, organisation=district)
        sensor = f"https://{prefix}.apps.example.org"
        created = api_client_create(
            name=app_name,
            org_sourced_id=district.sourced_id,
            scopes=[EVENTS_CREATE],
            sensors=[sensor],
        )
        apps[prefix] = created.api_client
        events: list[dict[str, Any]] = []
        for i, (course_sid, course_name, subject) in enumerate(
            [
                ("math-g4", "Math G4", "Math"),
                ("math-g4", "Math G4", "Math"),
                ("reading-g5", "Reading G5", "Reading"),
            ]
        ):
            events += timeback_events(
                student=User.objects.get(sourced_id=f"{prefix}-stu-{i}"),
                sensor=sensor,
                app_name=app_name,
                course_sid=f"{prefix}-{course_sid}",
                course_name=course_name,
                subject=subject,
                lesson=f"lesson-{i}",
                active_s=12 * 60,
                xp=10,
                total=10,
                correct=9,
            )
        token = caliper_token(base, created.client_id, created.client_secret)
        caliper_post(base, token, sensor=sensor, events=events)
    return apps


def test_developer_sees_only_their_apps_filters_and_downloads_csv(
    page: Any, live_server: Any
) -> None:
    base = live_server.url
    apps = developer_world(base)
    mine, theirs = apps["dva"], apps["dvb"]

    sign_in(page, base, "dev-dva", PASSWORD)
    page.wait_for_url(f"{base}/dashboard/")
    listed = page.locator("#apps li")
    assert listed.count() == 1
    assert listed.get_attribute("data-app") == str(mine.pk)
    assert listed.inner_text() == "Fraction Quest"
    shot(page, "developer-home")

    response = page.goto(f"{base}/dashboard/apps/{theirs.pk}/")
    assert response is not None and response.status == 404
    shot(page, "developer-other-app-404")

    # Their own app, reached with the keyboard.
    page.goto(f"{base}/dashboard/")
    tab_to(page, "#apps a")
    with page.expect_navigation(url=f"{base}/dashboard/apps/{mine.pk}/"):
        page.keyboard.press("Enter")
    assert page.inner_text("#students-reached") == "3"
    for chart in ("chart-activity", "chart-accuracy", "chart-mastery"):
        page.wait_for_selector(f"#{chart}[data-drawn='1']", state="attached")
    shot(page, "developer-app")

    # The course filter: HTMX swaps the results and pushes the URL.
    mark_page(page)
    page.select_option("select[name=course]", label="Reading G5")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]course="))
    expect(page.locator("#students-reached")).to_have_text("1")
    assert_same_document(page)
    page.wait_for_selector("#chart-activity[data-drawn='1']", state="attached")
    assert page.locator("#courses tbody tr").count() == 1
    shot(page, "developer-app-filtered")

    # The courses table of the filtered view as CSV.
    with page.expect_download() as info:
        page.click("#app-results .downloads a:text-is('courses')")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = download.path()
    assert path is not None
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["course", "course_iri", "students"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("Reading G5", "1")]

    assert_fits_phone(page, "developer-app")

    # The other developer sees only theirs.
    sign_in(page, base, "dev-dvb", PASSWORD)
    page.wait_for_url(f"{base}/dashboard/")
    assert page.locator("#apps li").count() == 1
    assert page.locator("#apps li").get_attribute("data-app") == str(theirs.pk)


# --------------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------------


def test_staff_drill_down_from_school_to_student(page: Any, live_server: Any) -> None:
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    login = demo_login("staff")

    sign_in(page, base, login.username, login.password)
    page.wait_for_url(f"{base}/dashboard/")
    assert page.get_attribute("#viewer", "data-kind") == "staff"
    shot(page, "staff-home")
    school = page.locator("#schools li").first
    school_sid = school.get_attribute("data-sourced-id")
    school.locator("a").click()
    org_url = f"{base}/dashboard/orgs/{school_sid}/"
    page.wait_for_url(org_url)
    assert page.locator("#classes tbody tr").count() > 0
    students_all = page.locator("#students tbody tr[data-sourced-id]").count()
    assert students_all > 0
    shot(page, "staff-school")

    # The window, then a class: HTMX swaps the results and pushes the URL.
    mark_page(page)
    page.select_option("form.filters select[name=days]", "14")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]days=14"))
    expect(page.locator("#classes tbody tr th a").first).to_have_attribute(
        "href", re.compile(r"[?&]days=14&")
    )
    first_class = page.locator("#classes tbody tr th a").first
    class_href = first_class.get_attribute("href")
    assert class_href is not None
    klass = re.search(r"klass=([^&]+)", class_href)
    assert klass is not None
    first_class.click()
    page.wait_for_url(re.compile(r"[?&]klass="))
    expect(page.locator("#org-results")).to_contain_text(f"class {klass.group(1)}")
    assert_same_document(page)
    students_class = page.locator("#students tbody tr[data-sourced-id]")
    assert 0 < students_class.count() <= students_all
    shot(page, "staff-class")

    # A student of the class, with the diagnosis, and back to the school.
    row = students_class.first
    student_sid = row.get_attribute("data-sourced-id")
    row.locator("th a").click()
    page.wait_for_url(f"{base}/dashboard/students/{student_sid}/")
    page.wait_for_selector("#diagnosis")
    page.wait_for_selector("#chart-xp-week[data-drawn='1']", state="attached")
    shot(page, "staff-student")
    assert_fits_phone(page, "staff-student")
    back = page.locator("main a", has_text="Back to the school")
    assert back.get_attribute("href") == f"/dashboard/orgs/{school_sid}/"
    tab_to(page, f"main a[href='/dashboard/orgs/{school_sid}/']")
    with page.expect_navigation(url=org_url):
        page.keyboard.press("Enter")
    page.wait_for_selector("#students")

    assert_fits_phone(page, "staff-school")
