"""Our AGS answers against the 1EdTech AGS 2.0 OpenAPI schemas (../shared; skipped without
it): line item, line item container, result container; and the scores pylti1p3 sends are
valid Score documents that we accept."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken
from openapi_schema_validator import OAS30Validator

from lti.models import ToolRegistration
from lti.scopes import AGS_SCOPES
from roster.models import Class
from tests.conftest import shared_path
from tests.lti.conftest import tool_with_services

pytestmark = pytest.mark.django_db


def _schemas() -> dict[str, Any]:
    path = shared_path("fixtures", "lti", "ims_lti_ags_v2p0_openapi3_v1p0.json")
    return dict(json.loads(path.read_text()))


def _validate(doc: dict[str, Any], name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    OAS30Validator(schema).validate(instance)


def test_line_items_and_results_validate(tool: ToolRegistration, klass: Class) -> None:
    doc = _schemas()
    tool_with_services(tool, " ".join(AGS_SCOPES))
    token = AccessToken.objects.create(
        application=tool.api_client.application,
        token="ags-schema",
        expires=timezone.now() + dt.timedelta(hours=1),
        scope=" ".join(AGS_SCOPES),
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"}
    url = f"/lti/ags/contexts/{klass.pk}/lineitems"
    body = {
        "label": "Quiz",
        "scoreMaximum": 10,
        "resourceId": "q1",
        "resourceLinkId": "rl-1",
        "tag": "quiz",
        "startDateTime": "2026-11-01T08:00:00+00:00",
        "endDateTime": "2026-11-30T08:00:00+00:00",
    }
    created = Client().post(url, body, content_type="application/json", **auth)
    assert created.status_code == 201
    _validate(doc, "LineItem", created.json())
    _validate(doc, "LineItemContainer", Client().get(url, **auth).json())
    line = created.json()["id"].removeprefix("http://testserver")
    score = {
        "userId": "lt-stu-0",
        "scoreGiven": 7.5,
        "scoreMaximum": 10,
        "comment": "Good",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": timezone.now().isoformat(),
    }
    _validate(doc, "Score", score)
    posted = Client().post(line + "/scores", score, content_type="application/json", **auth)
    assert posted.status_code == 204
    results = Client().get(line + "/results", **auth).json()
    assert len(results) == 1 and results[0]["resultScore"] == 7.5
    _validate(doc, "ResultContainer", results)
