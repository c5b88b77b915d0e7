"""The learning facts in the admin: listed, read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mastery.services import learning_events_process
from tests.mastery.factories import caliper_event, make_scene

pytestmark = pytest.mark.django_db

MODELS = (
    "activityoutcome",
    "xpledgerentry",
    "timefact",
    "masteryfact",
    "studentdailyrollup",
    "appdailyrollup",
    "appeventquality",
    "appstudentday",
)


@pytest.mark.parametrize("model", MODELS)
def test_fact_tables_are_listed_and_read_only(admin_client: Client, model: str) -> None:
    scene = make_scene()
    caliper_event(client=scene.api_client, user=scene.student, kind="time", active=300)
    caliper_event(client=scene.api_client, user=scene.student, xp=4, total=2, correct=2)
    for lane in (0, 1):
        learning_events_process(lane=lane)
    response = admin_client.get(reverse(f"admin:mastery_{model}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:mastery_{model}_add")).status_code == 403
