"""Shared LTI test data: a school with two students, a class, a registered tool with one
deployment, and a browser signed in as the first student."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lti.models import ToolDeployment, ToolRegistration
from roster.models import Class, Enrollment, User
from tests.mastery.factories import Scene, make_scene

LOGIN = "https://tool.example.org/lti/login"
LAUNCH = "https://tool.example.org/lti/launch"


@pytest.fixture
def scene(db: None) -> Scene:
    return make_scene("lt")


@pytest.fixture
def klass(scene: Scene) -> Class:
    klass = Class.objects.create(
        sourced_id="lt-class-1",
        title="Math 4A",
        class_code="M4A",
        course=scene.course,
        school=scene.school,
        org_scope=scene.school,
    )
    Enrollment.objects.create(
        sourced_id="lt-enr-1",
        user=scene.students[0],
        klass=klass,
        school=scene.school,
        role="student",
        org_scope=scene.school,
    )
    return klass


@pytest.fixture
def tool(scene: Scene) -> ToolRegistration:
    tool = ToolRegistration.objects.create(
        api_client=scene.api_client,
        name="Math App",
        initiate_login_uri=LOGIN,
        redirect_uris=[LAUNCH],
        target_link_uri=LAUNCH,
        jwks_url="https://tool.example.org/jwks",
        custom={"level": "4"},
    )
    ToolDeployment.objects.create(tool=tool, deployment_id="dep-1")
    return tool


@pytest.fixture
def browser(scene: Scene) -> Client:
    """A browser signed in as the first student."""
    login = get_user_model().objects.create_user(username="lt-stu-0", password="x")
    User.objects.filter(pk=scene.students[0].pk).update(login=login)
    client = Client()
    client.force_login(login)
    return client
