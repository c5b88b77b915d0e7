"""An administrator imports a OneRoster package through the admin, in a real browser."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import User as Login
from django.core.files.base import ContentFile
from django.db import connections

from roster.models import ImportJob, Org, User
from roster.services.import_jobs import import_job_run
from tests.roster.csvpkg import make_package
from tests.roster.test_csv_import import district_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-password"


def _login(page, live_server) -> None:
    Login.objects.create_superuser("root", "root@example.org", PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_upload_a_package_and_read_the_report(page, live_server, tmp_path: Path) -> None:
    _login(page, live_server)
    package = make_package(district_files("web", n_students=4), path=tmp_path / "district.zip")
    page.goto(f"{live_server.url}/admin/roster/org/")
    page.click("text=Import OneRoster CSV")
    page.set_input_files("input[type=file]", str(package))
    assert page.is_checked("#id_dry_run")  # the safe default
    page.uncheck("#id_dry_run")
    page.click("input[type=submit][value='Upload and import']")
    page.wait_for_selector("#import-status[data-status=done]")
    assert "The package was imported." in page.inner_text("#import-status")
    counts = page.inner_text("#import-counts")
    assert "users" in counts
    assert Org.objects.filter(sourced_id__startswith="web-").exists()
    assert User.objects.filter(sourced_id__startswith="web-", primary_role="student").count() == 4


def test_a_broken_package_is_rejected_with_its_problems_located(
    page, live_server, tmp_path: Path
) -> None:
    _login(page, live_server)
    files = district_files("bad", n_students=2)
    files["users"][1][files["users"][0].index("enabledUser")] = "perhaps"
    package = make_package(files, path=tmp_path / "broken.zip")
    page.goto(f"{live_server.url}/admin/roster/org/import/")
    page.set_input_files("input[type=file]", str(package))
    page.uncheck("#id_dry_run")
    page.click("input[type=submit][value='Upload and import']")
    page.wait_for_selector("#import-status[data-status=done]")
    assert "rejected; nothing was written" in page.inner_text("#import-status")
    problems = page.inner_text("#import-problems")
    assert "users.csv" in problems
    assert "enabledUser" in problems
    assert not Org.objects.filter(sourced_id__startswith="bad-").exists()


def test_the_status_page_follows_a_running_import_without_reloading(
    page, live_server, tmp_path: Path
) -> None:
    _login(page, live_server)
    job = ImportJob(original_name="later.zip")
    job.package.save(
        "later.zip", ContentFile(make_package(district_files("late")).getvalue()), save=True
    )
    page.goto(f"{live_server.url}/admin/roster/org/import/{job.pk}/")
    page.wait_for_selector("#import-status[data-status=queued]")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    def run_import() -> None:
        try:
            import_job_run(job_pk=job.pk)
        finally:
            connections.close_all()  # this thread's own connection, or the test DB stays busy

    worker = threading.Thread(target=run_import)
    worker.start()
    worker.join(60)
    # htmx polls every second and swaps the fragment in place: no reload happens.
    page.wait_for_selector("#import-status[data-status=done]")
    assert page.evaluate("window.__sameDocument === true")
    assert "The package was imported." in page.inner_text("#import-status")
