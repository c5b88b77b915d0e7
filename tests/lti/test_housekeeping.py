"""Deleting stale LTI rows; and the framing rules of the LTI pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lti.models import LaunchRequest, RegistrationToken, ToolRegistration, UsedNonce
from lti.services.registration import registration_token_issue
from lti.tasks import lti_housekeeping_task
from roster.models import Class
from tests.mastery.factories import Scene

pytestmark = pytest.mark.django_db


def test_stale_rows_go_and_fresh_ones_stay(
    browser: Client, tool: ToolRegistration, klass: Class, scene: Scene
) -> None:
    browser.get(f"/lti/tools/{tool.pk}/launch?class={klass.sourced_id}")
    UsedNonce.objects.create(tool=tool, nonce="old")
    UsedNonce.objects.create(tool=tool, nonce="new")
    registration_token_issue(api_client=scene.api_client)
    day_ago = timezone.now() - dt.timedelta(days=2)
    UsedNonce.objects.filter(nonce="old").update(created_at=day_ago)
    assert lti_housekeeping_task.run() == {"nonces": 1, "launches": 0, "registration_tokens": 0}
    LaunchRequest.objects.update(created_at=day_ago)
    RegistrationToken.objects.update(expires_at=timezone.now() - dt.timedelta(days=31))
    assert lti_housekeeping_task.run() == {"nonces": 0, "launches": 1, "registration_tokens": 1}
    assert list(UsedNonce.objects.values_list("nonce", flat=True)) == ["new"]
    assert "lti-housekeeping" in settings.CELERY_BEAT_SCHEDULE


def test_framing(browser: Client, tool: ToolRegistration, klass: Class) -> None:
    # The launcher frames launches: the authorization answer may render in a same-origin
    # frame; the tool side may be framed by an LMS; other pages keep DENY.
    authorize = browser.get("/lti/authorize", {"client_id": "nobody"})
    assert authorize["X-Frame-Options"] == "SAMEORIGIN"
    assert "X-Frame-Options" not in Client().post("/lti/tool/launch", {})
    assert browser.get("/launcher/")["X-Frame-Options"] == "DENY"
