"""Admin: change lists at a fixed query count, org_scope on save, the CSV import pages."""

from __future__ import annotations

import io
import sys
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from roster.models import (
    Category,
    Class,
    ClassResource,
    Course,
    CourseResource,
    ImportJob,
    LineItem,
    Org,
    Resource,
    ScoreScale,
    User,
    UserProfile,
    UserResource,
)
from roster.services.demo import DEMO_DISTRICT_ID, demo_credentials_ensure, demo_district_seed
from tenancy.services import api_client_create

pytestmark = pytest.mark.django_db

# Queries per change list page (session, user, page, filters, date hierarchy); none per row.
CHANGELIST_QUERIES = {
    "org": 6,
    "importjob": 7,
    "academicsession": 9,
    "course": 5,
    "class": 6,
    "user": 6,
    "enrollment": 8,
    "demographics": 6,
    "category": 5,
    "scorescale": 6,
    "lineitem": 7,
    "result": 7,
    "assessmentlineitem": 5,
    "assessmentresult": 7,
    "resource": 6,
    "classresource": 4,
    "courseresource": 4,
    "userresource": 4,
    "coursecomponent": 5,
    "componentresource": 5,
    "apiclient": 8,
}


@pytest.fixture
def superuser_client(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def demo() -> Org:
    """The demo district plus a few dozen rows of the tables the demo leaves empty."""
    demo_district_seed()
    demo_credentials_ensure()
    district = Org.objects.get(sourced_id=DEMO_DISTRICT_ID)
    classes = list(Class.objects.select_related("course", "school")[:30])
    resources = list(Resource.objects.all()[:30])
    students = list(User.objects.filter(primary_role="student")[:30])
    for i, (klass, res, student) in enumerate(zip(classes, resources, students, strict=True)):
        ScoreScale.objects.create(
            sourced_id=f"ss-{i}",
            title=f"Scale {i}",
            type="letter",
            klass=klass,
            course=klass.course,
            org_scope=klass.org_scope,
        )
        ClassResource.objects.create(
            sourced_id=f"clr-{i}", resource=res, klass=klass, org_scope=klass.org_scope
        )
        CourseResource.objects.create(
            sourced_id=f"cor-{i}", resource=res, course=klass.course, org_scope=district
        )
        UserResource.objects.create(
            sourced_id=f"usr-{i}", resource=res, user=student, org_scope=student.org_scope
        )
        UserProfile.objects.create(
            user=student, sourced_id=f"up-{i}", profile_type="app", vendor_id="v"
        )
        api_client_create(
            name=f"client {i}",
            org_sourced_id=klass.school.sourced_id,
            scopes=["roster.readonly"],
            granted_org_sourced_ids=[klass.school.sourced_id, DEMO_DISTRICT_ID],
        )
        ImportJob.objects.create(package=f"imports/p{i}.zip", original_name=f"p{i}.zip")
    return district


def test_every_roster_model_is_registered() -> None:
    from django.apps import apps

    registered = set(admin.site._registry)
    for model in apps.get_app_config("roster").get_models():
        if model.__name__ in {"UserRole", "UserProfile"}:
            continue  # edited inline on User
        assert model in registered, model.__name__
    assert apps.get_model("tenancy", "ApiClient") in registered


def test_changelists_run_a_fixed_number_of_queries(
    demo: Org, superuser_client: Client, django_assert_max_num_queries: Any
) -> None:
    seen = set()
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"roster", "tenancy"}:
            continue
        seen.add(opts.model_name)
        assert model._default_manager.count() >= 3, opts.model_name
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        with django_assert_max_num_queries(CHANGELIST_QUERIES[opts.model_name]):
            response = superuser_client.get(url)
        assert response.status_code == 200, url
    assert seen == set(CHANGELIST_QUERIES)


def test_change_forms_render(demo: Org, superuser_client: Client) -> None:
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"roster", "tenancy"}:
            continue
        obj = model._default_manager.first()
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        response = superuser_client.get(url)
        assert response.status_code == 200, url


def test_org_changelist_shows_tree_and_filters_by_type(demo: Org, superuser_client: Client) -> None:
    url = reverse("admin:roster_org_changelist")
    response = superuser_client.get(url, {"type": "school"})
    text = response.content.decode()
    assert "Oak Hill Elementary" in text
    assert "Maple Valley School District</a>" in text  # the parent column links the district
    assert response.context["cl"].result_count == 3
    district_row = superuser_client.get(url, {"type": "district"}).context["cl"].result_list[0]
    assert district_row._children == 3
    assert "Import OneRoster CSV" in text


def test_api_client_admin_never_shows_the_secret(superuser_client: Client, district: Org) -> None:
    created = api_client_create(
        name="Visible", org_sourced_id=district.sourced_id, scopes=["roster.readonly"]
    )
    changelist = superuser_client.get(reverse("admin:tenancy_apiclient_changelist"))
    change = superuser_client.get(
        reverse("admin:tenancy_apiclient_change", args=[created.api_client.pk])
    )
    for response in (changelist, change):
        text = response.content.decode()
        assert created.client_id in text
        assert created.client_secret not in text
        assert created.api_client.application.client_secret not in text  # nor its hash
    assert "roster.readonly" in changelist.content.decode()


def test_api_client_scopes_are_validated(superuser_client: Client, district: Org) -> None:
    created = api_client_create(
        name="Edit me", org_sourced_id=district.sourced_id, scopes=["roster.readonly"]
    )
    url = reverse("admin:tenancy_apiclient_change", args=[created.api_client.pk])
    data = {
        "name": "Edit me",
        "organisation": district.pk,
        "environment": "staging",
        "granted_orgs": [district.pk],
        "is_active": "on",
    }
    bad = superuser_client.post(url, {**data, "scopes": "roster.readonly nonsense"})
    assert bad.status_code == 200
    assert "Unknown scope &#x27;nonsense&#x27;" in bad.content.decode()
    good = superuser_client.post(url, {**data, "scopes": "roster.readonly\ngradebook.readonly"})
    assert good.status_code == 302
    created.api_client.refresh_from_db()
    assert created.api_client.scopes.split() == [
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly",
    ]


# ---- org_scope on save ---------------------------------------------------------------------


def _school(district: Org, sid: str = "school-1") -> Org:
    return Org.objects.create(sourced_id=sid, name="School", type="school", parent=district)


def test_class_saved_in_admin_lives_in_its_school(superuser_client: Client, district: Org) -> None:
    school = _school(district)
    course = Course.objects.create(
        sourced_id="course-1", title="Math", org=district, org_scope=district
    )
    response = superuser_client.post(
        reverse("admin:roster_class_add"),
        {
            "sourced_id": "class-1",
            "status": "active",
            "metadata": "{}",
            "title": "Math 1",
            "grades": "[]",
            "subjects": "[]",
            "subject_codes": "[]",
            "periods": "[]",
            "course": course.pk,
            "school": school.pk,
            "org_scope": district.pk,  # ignored: the school decides
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Class.objects.get(sourced_id="class-1").org_scope == school


def test_line_item_takes_the_class_scope(superuser_client: Client, district: Org) -> None:
    school = _school(district)
    course = Course.objects.create(
        sourced_id="course-1", title="Math", org=district, org_scope=district
    )
    klass = Class.objects.create(
        sourced_id="class-1", title="M", course=course, school=school, org_scope=school
    )
    response = superuser_client.post(
        reverse("admin:roster_lineitem_add"),
        {
            "sourced_id": "li-1",
            "status": "active",
            "metadata": "{}",
            "title": "Homework",
            "klass": klass.pk,
            "learning_objective_set": "[]",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LineItem.objects.get(sourced_id="li-1").org_scope == school


def test_category_needs_an_org_scope(superuser_client: Client, district: Org) -> None:
    url = reverse("admin:roster_category_add")
    data = {"sourced_id": "cat-1", "status": "active", "metadata": "{}", "title": "Homework"}
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "Cannot tell which org this row belongs to" in response.content.decode()
    assert not Category.objects.exists()
    response = superuser_client.post(url, {**data, "org_scope": district.pk})
    assert response.status_code == 302
    assert Category.objects.get().org_scope == district


def _user_form(**extra: Any) -> dict[str, Any]:
    data = {
        "sourced_id": "user-1",
        "status": "active",
        "metadata": "{}",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "user_ids": "[]",
        "grades": "[]",
        "enabled_user": "on",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
        "user_profiles-TOTAL_FORMS": "0",
        "user_profiles-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_user_without_primary_org_lives_in_its_first_role_org(
    superuser_client: Client, district: Org
) -> None:
    school = _school(district)
    other = _school(district, "school-2")
    data = _user_form(
        **{
            "roles-TOTAL_FORMS": "2",
            "roles-0-position": "1",
            "roles-0-role_type": "secondary",
            "roles-0-role": "teacher",
            "roles-0-org": other.pk,
            "roles-1-position": "0",
            "roles-1-role_type": "primary",
            "roles-1-role": "student",
            "roles-1-org": school.pk,
        }
    )
    response = superuser_client.post(reverse("admin:roster_user_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(sourced_id="user-1")
    assert user.org_scope == school
    assert user.roles.count() == 2


def test_user_with_primary_org_lives_there(superuser_client: Client, district: Org) -> None:
    school = _school(district)
    response = superuser_client.post(
        reverse("admin:roster_user_add"), _user_form(primary_org=school.pk)
    )
    assert response.status_code == 302
    assert User.objects.get(sourced_id="user-1").org_scope == school


def test_user_without_any_org_is_rejected(superuser_client: Client, district: Org) -> None:
    response = superuser_client.post(reverse("admin:roster_user_add"), _user_form())
    assert response.status_code == 200
    assert "Cannot tell which org this row belongs to" in response.content.decode()
    assert not User.objects.exists()


# ---- Import OneRoster CSV ------------------------------------------------------------------


@dataclass
class _Problem:
    file: str
    line: int | None
    column: str | None
    rule: str
    message: str


@dataclass
class _Report:
    ok: bool
    dry_run: bool
    source: str = "upload"
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[_Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "source": self.source,
            "counts": self.counts,
            "problems": [p.__dict__ for p in self.problems],
        }


@pytest.fixture
def fake_import(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stand-in for roster.services.csv_import that records its calls."""
    calls: list[dict[str, Any]] = []

    def oneroster_csv_import(*, package: Any, dry_run: bool = False, progress: Any = None):
        data = package.read()
        calls.append({"size": len(data), "dry_run": dry_run})
        if progress:
            progress({"file": "orgs.csv", "rows": 1})
        if b"broken" in data:
            return _Report(
                ok=False,
                dry_run=dry_run,
                problems=[_Problem("users.csv", 3, "givenName", "required", "givenName is empty")],
            )
        return _Report(ok=True, dry_run=dry_run, counts={"orgs.csv": {"created": 2, "updated": 0}})

    module = types.ModuleType("roster.services.csv_import")
    module.oneroster_csv_import = oneroster_csv_import  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "roster.services.csv_import", module)
    return calls


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _zip(files: dict[str, str], name: str = "package.zip") -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    buffer.seek(0)
    buffer.name = name
    return buffer


def _upload(client: Client, package: io.BytesIO, *, dry_run: bool, capture: Any) -> Any:
    data: dict[str, Any] = {"package": package}
    if dry_run:
        data["dry_run"] = "on"
    with capture(execute=True):
        return client.post(reverse("admin:roster_org_import"), data)


def test_import_page_renders(superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:roster_org_import"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'name="dry_run"' in text


def test_import_rejects_non_zip(superuser_client: Client, media: Path) -> None:
    upload = io.BytesIO(b"a,b")
    upload.name = "users.csv"
    response = superuser_client.post(reverse("admin:roster_org_import"), {"package": upload})
    assert response.status_code == 200
    assert "Upload a .zip OneRoster CSV package" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_import_runs_and_shows_the_report(
    superuser_client: Client,
    media: Path,
    fake_import: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = _upload(
        superuser_client,
        _zip({"manifest.csv": "propertyName,value\n"}),
        dry_run=True,
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:roster_org_import_status", args=[job.pk])
    assert fake_import == [{"size": fake_import[0]["size"], "dry_run": True}]
    assert job.status == "done" and job.dry_run
    assert job.report["counts"] == {"orgs.csv": {"created": 2, "updated": 0}}
    assert job.progress == {"file": "orgs.csv", "rows": 1}
    page = superuser_client.get(response["Location"])
    text = page.content.decode()
    assert "js/htmx.min.js" in text
    assert 'id="import-counts"' in text and "orgs.csv" in text
    assert "hx-trigger" not in text  # finished: no more polling


def test_import_problems_are_listed(
    superuser_client: Client,
    media: Path,
    fake_import: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = _upload(
        superuser_client,
        _zip({"manifest.csv": "broken"}),
        dry_run=False,
        capture=django_capture_on_commit_callbacks,
    )
    page = superuser_client.get(response["Location"], HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "<html" not in text  # the htmx request gets the fragment only
    assert 'id="import-problems"' in text
    for cell in ("users.csv", "<td>3</td>", "givenName", "required", "givenName is empty"):
        assert cell in text


def test_status_page_polls_while_running(superuser_client: Client, media: Path) -> None:
    job = ImportJob.objects.create(package="imports/x.zip", original_name="x.zip")
    url = reverse("admin:roster_org_import_status", args=[job.pk])
    text = superuser_client.get(url).content.decode()
    assert f'hx-get="{url}"' in text and 'hx-trigger="every 1s"' in text
    fragment = superuser_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="import-status"' in fragment


def test_crashing_import_is_reported(
    superuser_client: Client,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    module = types.ModuleType("roster.services.csv_import")

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    module.oneroster_csv_import = boom  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "roster.services.csv_import", module)
    response = _upload(
        superuser_client,
        _zip({"manifest.csv": "x"}),
        dry_run=True,
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert job.status == "failed" and "disk on fire" in job.error
    assert "disk on fire" in superuser_client.get(response["Location"]).content.decode()


def test_import_task_is_safe_to_run_twice(
    media: Path, fake_import: list[dict[str, Any]], tmp_path: Path
) -> None:
    from django.core.files.base import ContentFile

    from roster.tasks import oneroster_import_task

    job = ImportJob(original_name="p.zip", dry_run=True)
    job.package.save("p.zip", ContentFile(_zip({"manifest.csv": ""}).getvalue()), save=True)
    assert oneroster_import_task(job.pk) == "done"
    assert oneroster_import_task(job.pk) == "skipped"
    assert oneroster_import_task(987654) == "skipped"
    assert len(fake_import) == 1


def test_import_page_with_the_real_importer(
    superuser_client: Client, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    pytest.importorskip("roster.services.csv_import")
    from tests.roster.csvpkg import header, make_package, row

    good = make_package(
        {
            "orgs": [
                header("orgs"),
                row("orgs", {"sourcedId": "csv-d", "name": "CSV District", "type": "district"}),
            ]
        }
    )
    good.name = "good.zip"
    response = _upload(
        superuser_client, good, dry_run=False, capture=django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()
    assert job.status == "done" and job.report["ok"], job.report
    assert Org.objects.filter(sourced_id="csv-d").exists()
    text = superuser_client.get(response["Location"]).content.decode()
    assert 'id="import-counts"' in text and "orgs" in text


# One import per test: on PostgreSQL the importer's staging tables live until the
# transaction commits, and a test's transaction never does.
def test_import_page_with_the_real_importer_rejects_a_broken_package(
    superuser_client: Client, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    pytest.importorskip("roster.services.csv_import")
    from tests.roster.csvpkg import header, make_package, row

    broken = make_package(
        {"orgs": [header("orgs"), row("orgs", {"sourcedId": "csv-x", "type": "district"})]}
    )
    broken.name = "broken.zip"
    response = _upload(
        superuser_client, broken, dry_run=False, capture=django_capture_on_commit_callbacks
    )
    job = ImportJob.objects.get()
    assert job.status == "done" and not job.report["ok"]
    assert job.report["problems"]
    assert not Org.objects.filter(sourced_id="csv-x").exists()
    text = superuser_client.get(response["Location"]).content.decode()
    assert 'id="import-problems"' in text and "orgs.csv" in text
