"""QTI API test setup: the QTI scopes and two organisations, each with a client holding
every QTI scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from roster.models import Org

READ = "https://purl.imsglobal.org/spec/qti/v3/scope/readonly"
WRITE = "https://purl.imsglobal.org/spec/qti/v3/scope/createput"
DELETE = "https://purl.imsglobal.org/spec/qti/v3/scope/delete"
ALL = (READ, WRITE, DELETE)


@pytest.fixture
def org_a(db: None) -> Org:
    return Org.objects.create(sourced_id="qa", name="QTI A", type="district")


@pytest.fixture
def org_b(db: None) -> Org:
    return Org.objects.create(sourced_id="qb", name="QTI B", type="district")


@pytest.fixture
def client_a(api_client_for: Callable[..., APIClient], org_a: Org) -> APIClient:
    return api_client_for(org_a, ALL)


@pytest.fixture
def client_b(api_client_for: Callable[..., APIClient], org_b: Org) -> APIClient:
    return api_client_for(org_b, ALL)
