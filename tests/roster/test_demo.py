"""The demo district: deterministic, idempotent, complete and correctly scoped."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from oauth2_provider.models import get_application_model

from caliper.models import CaliperEvent
from roster.models import (
    AcademicSession,
    AssessmentResult,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Enrollment,
    Org,
    Resource,
    User,
)
from roster.services.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DISTRICT_ID,
    demo_credentials_ensure,
    demo_district_seed,
)
from roster.services.scope import SCOPE_RULES
from tests.conftest import obtain_token

pytestmark = pytest.mark.django_db


def _fingerprint() -> dict[str, list[tuple]]:
    """Sourced ids, names and modification times of the main tables."""
    return {
        "orgs": list(Org.objects.values_list("sourced_id", "name", "date_last_modified")),
        "users": list(User.objects.values_list("sourced_id", "given_name", "family_name", "email")),
        "user_times": list(User.objects.values_list("date_last_modified")),
        "classes": list(Class.objects.values_list("sourced_id", "title", "date_last_modified")),
        "enrollments": list(Enrollment.objects.values_list("sourced_id", "role")),
        "resources": list(Resource.objects.values_list("sourced_id", "metadata")),
        "results": list(AssessmentResult.objects.values_list("sourced_id", "metadata")),
    }


def test_seed_is_idempotent() -> None:
    first = demo_district_seed()
    assert first.created_total > 5000
    before = _fingerprint()
    second = demo_district_seed()
    assert second.created_total == 0, second.created
    assert second.totals == first.totals
    assert _fingerprint() == before


def test_seed_is_deterministic() -> None:
    demo_district_seed(seed=2026)
    first = _fingerprint()
    # Wipe and seed again: the same ids and names come back.
    for model in _all_scoped_models():
        _purge(model)
    assert not User.objects.exists()
    demo_district_seed(seed=2026)
    second = _fingerprint()
    for key in ("users", "enrollments", "resources", "results"):
        assert first[key] == second[key], key
    assert [r[:2] for r in first["orgs"]] == [r[:2] for r in second["orgs"]]


def _all_scoped_models() -> list[type[models.Model]]:
    from django.apps import apps

    order = [
        "AssessmentResult",
        "AssessmentLineItem",
        "Result",
        "LineItem",
        "Category",
        "ComponentResource",
        "Enrollment",
        "Demographics",
        "Class",
        "CourseComponent",
        "Resource",
        "Course",
        "User",
        "AcademicSession",
    ]
    return [apps.get_model("roster", name) for name in order]


def _purge(model: type[models.Model]) -> None:
    if model is Class:
        Class.terms.through.objects.all().delete()
    if model is User:
        User.agents.through.objects.all().delete()
    if model is CourseComponent:
        CourseComponent.objects.filter(parent__isnull=False).delete()
    if model is AcademicSession:
        for _ in range(3):
            AcademicSession.objects.filter(children__isnull=True).delete()
    model._default_manager.all().delete()


def test_district_shape() -> None:
    demo_district_seed()
    district = Org.objects.get(sourced_id=DEMO_DISTRICT_ID)
    schools = Org.objects.filter(parent=district, type="school")
    assert schools.count() == 3
    students = User.objects.filter(primary_role="student")
    assert 550 <= students.count() <= 650
    grades = Counter(g for gs in students.values_list("grades", flat=True) for g in gs)
    assert set(grades) == {"0", "1", "2", "3", "4", "5", "6", "7", "8"}
    assert 25 <= User.objects.filter(primary_role="teacher").count() <= 35
    # Only roles that both OneRoster 1.2 and Timeback's vocabulary know.
    assert set(User.objects.values_list("primary_role", flat=True)) <= {
        "student",
        "teacher",
        "guardian",
        "aide",
        "parent",
        "relative",
        "proctor",
    }
    guardians = User.objects.filter(primary_role="guardian")
    assert guardians.exists()
    assert guardians.first().agents.filter(primary_role="student").exists()
    assert set(AcademicSession.objects.values_list("type", flat=True)) == {
        "schoolYear",
        "semester",
        "term",
        "gradingPeriod",
    }
    units = CourseComponent.objects.filter(parent__isnull=True)
    assert CourseComponent.objects.filter(parent__isnull=False).exists()
    assert any(u.prerequisites for u in units)
    types = {r.metadata["type"] for r in Resource.objects.all()}
    assert {"qti", "video"} <= types
    assert ComponentResource.objects.exists()
    # Every class has teachers and students.
    for klass in Class.objects.all()[:20]:
        roles = set(klass.enrollments.values_list("role", flat=True))
        assert roles == {"student", "teacher"}, klass.sourced_id
        assert klass.terms.count() == 2
    ar = AssessmentResult.objects.first()
    assert {"xp", "accuracy"} <= set(ar.metadata)


def test_org_scope_follows_the_rules() -> None:
    demo_district_seed()
    from django.apps import apps

    for name, rules in SCOPE_RULES.items():
        model = apps.get_model("roster", name)
        for row in model.objects.all()[:50]:
            expected = None
            for rule in rules:
                kind, _, field = rule.partition(":")
                ref = getattr(row, field, None) if field else None
                if ref is None:
                    continue
                expected = ref.pk if kind == "org" else ref.org_scope_id
                break
            if expected is None and name == "User":
                expected = row.roles.first().org_id
            if expected is None:
                expected = Org.objects.get(sourced_id=DEMO_DISTRICT_ID).pk
            assert row.org_scope_id == expected, (name, row.sourced_id)


def test_credentials_are_idempotent_and_work() -> None:
    demo_district_seed()
    first = demo_credentials_ensure()
    assert first.admin_created and first.client_created
    second = demo_credentials_ensure()
    assert not second.admin_created and not second.client_created
    assert get_application_model().objects.filter(client_id=DEMO_CLIENT_ID).count() == 1
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(first.admin_password)
    token = obtain_token(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    assert token["access_token"]


def test_seed_demo_command_prints_credentials() -> None:
    out = StringIO()
    call_command("seed_demo", "--no-activity", stdout=out)
    text = out.getvalue()
    assert DEMO_CLIENT_ID in text and DEMO_CLIENT_SECRET in text
    assert "admin" in text
    assert "Demo activity" not in text
    assert not CaliperEvent.objects.exists()
    out = StringIO()
    call_command("seed_demo", "--no-activity", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_seed_demo_command_sends_the_demo_activity_once() -> None:
    out = StringIO()
    call_command("seed_demo", "--days", "2", "--students", "4", stdout=out)
    assert "Demo activity: 4 students over 2 days (2 days sent, 0 seeded before)" in out.getvalue()
    stored = CaliperEvent.objects.count()
    assert stored > 0
    out = StringIO()
    call_command("seed_demo", "--days", "2", "--students", "4", stdout=out)
    assert "(0 days sent, 2 seeded before): 0 events sent as the demo app, 0 new" in (
        out.getvalue()
    )
    assert CaliperEvent.objects.count() == stored


def test_courses_seeded_before_goals_existed_gain_them_once() -> None:
    demo_district_seed()
    Course.objects.update(metadata={"publishStatus": "published", "primaryApp": "timeback-demo"})
    edited = Course.objects.get(sourced_id="demo-course-math-3")
    edited.metadata = {**edited.metadata, "goals": {"dailyXp": 40}}
    edited.save()

    summary = demo_district_seed()

    assert summary.created_total == 0
    assert summary.updated == {"Course": Course.objects.count()}
    math_3 = Course.objects.get(sourced_id="demo-course-math-3")
    assert math_3.metadata["goals"] == {"dailyXp": 40}  # a course's own goals are kept
    assert math_3.metadata["metrics"] == {"totalXp": 195, "totalLessons": 9, "totalGrades": 1}
    reading_3 = Course.objects.get(sourced_id="demo-course-reading-3")
    assert reading_3.metadata["goals"]["dailyXp"] == 25
    assert reading_3.metadata["primaryApp"] == "timeback-demo"
    before = list(Course.objects.values_list("sourced_id", "metadata", "date_last_modified"))
    again = demo_district_seed()
    assert again.updated == {} and again.created_total == 0
    assert list(Course.objects.values_list("sourced_id", "metadata", "date_last_modified")) == (
        before
    )
