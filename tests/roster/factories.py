"""Roster test data built by construction: each helper keeps org_scope consistent with
``SCOPE_RULES`` so tenancy tests see exactly what the services would write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import factory

from roster.models import (
    AcademicSession,
    AssessmentLineItem,
    AssessmentResult,
    Category,
    Class,
    ClassResource,
    ComponentResource,
    Course,
    CourseComponent,
    CourseResource,
    Demographics,
    Enrollment,
    LineItem,
    Org,
    Resource,
    Result,
    ScoreScale,
    User,
    UserProfile,
    UserResource,
    UserRole,
)


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Org

    sourced_id = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Faker("company")
    type = "school"
    identifier = factory.Sequence(lambda n: f"ID{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    sourced_id = factory.Sequence(lambda n: f"user-{n}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"user{n}@example.org")


@dataclass
class Tenant:
    """One district with a school and a full set of rows below it."""

    prefix: str
    district: Org
    school: Org
    year: AcademicSession
    term: AcademicSession
    grading_period: AcademicSession
    course: Course
    klass: Class
    student: User
    teacher: User
    enrollment: Enrollment
    teacher_enrollment: Enrollment
    demographics: Demographics
    category: Category
    score_scale: ScoreScale
    line_item: LineItem
    result: Result
    resource: Resource
    assessment_line_item: AssessmentLineItem
    assessment_result: AssessmentResult
    component: CourseComponent
    component_resource: ComponentResource

    def objects(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _user(prefix: str, name: str, role: str, school: Org) -> User:
    user = User.objects.create(
        sourced_id=f"{prefix}-{name}",
        given_name=name.title(),
        family_name=prefix.upper(),
        email=f"{name}@{prefix}.example.org",
        username=f"{prefix}-{name}",
        primary_org=school,
        primary_role=role,
        org_scope=school,
        grades=["09"] if role == "student" else [],
        user_ids=[{"type": "sis", "identifier": f"{prefix}-{name}-sis"}],
    )
    UserRole.objects.create(user=user, role_type="primary", role=role, org=school)
    return user


def make_tenant(prefix: str) -> Tenant:
    """A district ``prefix`` with one school, sessions, a course and class, a student and a
    teacher enrolled, demographics, gradebook rows, resources and the course structure."""
    district = Org.objects.create(
        sourced_id=f"{prefix}-district",
        name=f"{prefix} District",
        type="district",
        identifier=f"{prefix}-D",
    )
    school = Org.objects.create(
        sourced_id=f"{prefix}-school",
        name=f"{prefix} High",
        type="school",
        identifier=f"{prefix}-S",
        parent=district,
    )
    year = AcademicSession.objects.create(
        sourced_id=f"{prefix}-y2025",
        title="2025",
        type="schoolYear",
        start_date=date(2024, 8, 1),
        end_date=date(2025, 6, 30),
        school_year="2025",
        org=district,
        org_scope=district,
    )
    term = AcademicSession.objects.create(
        sourced_id=f"{prefix}-t1",
        title="Fall",
        type="term",
        start_date=date(2024, 8, 1),
        end_date=date(2024, 12, 20),
        school_year="2025",
        parent=year,
        org=school,
        org_scope=school,
    )
    gp = AcademicSession.objects.create(
        sourced_id=f"{prefix}-gp1",
        title="GP1",
        type="gradingPeriod",
        start_date=date(2024, 8, 1),
        end_date=date(2024, 10, 1),
        school_year="2025",
        parent=term,
        org=school,
        org_scope=school,
    )
    course = Course.objects.create(
        sourced_id=f"{prefix}-c-math",
        title="Algebra",
        course_code="ALG1",
        org=district,
        org_scope=district,
        school_year=year,
        grades=["09"],
        subjects=["Math"],
    )
    klass = Class.objects.create(
        sourced_id=f"{prefix}-k-math",
        title="Algebra 1A",
        class_code="ALG1A",
        class_type="scheduled",
        course=course,
        school=school,
        org_scope=school,
        grades=["09"],
        periods=["1"],
    )
    klass.terms.set([term])
    student = _user(prefix, "student", "student", school)
    teacher = _user(prefix, "teacher", "teacher", school)
    enrollment = Enrollment.objects.create(
        sourced_id=f"{prefix}-e-student",
        user=student,
        klass=klass,
        school=school,
        role="student",
        primary=False,
        begin_date=date(2024, 8, 1),
        org_scope=school,
    )
    teacher_enrollment = Enrollment.objects.create(
        sourced_id=f"{prefix}-e-teacher",
        user=teacher,
        klass=klass,
        school=school,
        role="teacher",
        primary=True,
        org_scope=school,
    )
    demographics = Demographics.objects.create(
        sourced_id=student.sourced_id,
        user=student,
        birth_date=date(2010, 5, 1),
        sex="female",
        asian=True,
        white=False,
        org_scope=school,
    )
    UserProfile.objects.create(
        user=student,
        sourced_id=f"{prefix}-profile",
        profile_type="app",
        vendor_id="v1",
        credentials=[{"type": "password", "username": "s", "password": "secret"}],
    )
    category = Category.objects.create(
        sourced_id=f"{prefix}-cat", title="Homework", weight=0.4, org_scope=school
    )
    scale = ScoreScale.objects.create(
        sourced_id=f"{prefix}-scale",
        title="Letters",
        type="letter",
        klass=klass,
        course=course,
        org_scope=school,
        score_scale_value=[{"itemValueLHS": "90", "itemValueRHS": "A"}],
    )
    when = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)
    line_item = LineItem.objects.create(
        sourced_id=f"{prefix}-li",
        title="Quiz 1",
        assign_date=when,
        due_date=when,
        klass=klass,
        school=school,
        category=category,
        grading_period=gp,
        result_value_min=0,
        result_value_max=100,
        org_scope=school,
    )
    result = Result.objects.create(
        sourced_id=f"{prefix}-res",
        line_item=line_item,
        student=student,
        klass=klass,
        score_status="fully graded",
        score=93.5,
        score_date=date(2024, 9, 2),
        late=False,
        org_scope=school,
        metadata={"appName": f"{prefix}-app"},
    )
    resource = Resource.objects.create(
        sourced_id=f"{prefix}-r",
        title="Video",
        vendor_resource_id="vr-1",
        roles=["student"],
        importance="primary",
        org_scope=district,
        metadata={"type": "video"},
    )
    ClassResource.objects.create(
        sourced_id=f"{prefix}-cr", resource=resource, klass=klass, org_scope=school
    )
    CourseResource.objects.create(
        sourced_id=f"{prefix}-cor", resource=resource, course=course, org_scope=district
    )
    UserResource.objects.create(
        sourced_id=f"{prefix}-ur", resource=resource, user=student, org_scope=school
    )
    component = CourseComponent.objects.create(
        sourced_id=f"{prefix}-unit1",
        course=course,
        title="Unit 1",
        sort_order=1,
        org_scope=district,
    )
    component_resource = ComponentResource.objects.create(
        sourced_id=f"{prefix}-lesson1",
        course_component=component,
        resource=resource,
        title="Lesson 1",
        sort_order=1,
        lesson_type="quiz",
        org_scope=district,
    )
    ali = AssessmentLineItem.objects.create(
        sourced_id=f"{prefix}-ali",
        title="Unit test",
        klass=klass,
        org_scope=school,
        result_value_min=0,
        result_value_max=100,
    )
    ares = AssessmentResult.objects.create(
        sourced_id=f"{prefix}-ares",
        assessment_line_item=ali,
        student=student,
        score=80,
        score_date=date(2024, 9, 3),
        score_status="fully graded",
        org_scope=school,
        metadata={"xp": 10},
    )
    return Tenant(
        prefix=prefix,
        district=district,
        school=school,
        year=year,
        term=term,
        grading_period=gp,
        course=course,
        klass=klass,
        student=student,
        teacher=teacher,
        enrollment=enrollment,
        teacher_enrollment=teacher_enrollment,
        demographics=demographics,
        category=category,
        score_scale=scale,
        line_item=line_item,
        result=result,
        resource=resource,
        assessment_line_item=ali,
        assessment_result=ares,
        component=component,
        component_resource=component_resource,
    )
