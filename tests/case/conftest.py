"""CASE API test setup: the CASE scopes, two organisations with clients, and our small
framework uploaded by the first."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from case.services.packages import framework_import
from roster.models import Org
from tests.case.alignment_world import aligned  # noqa: F401 - the alignment fixture
from tests.case.fixtures import package

READ = "https://purl.imsglobal.org/spec/case/v1p1/scope/case.readonly"
READ_V1P0 = "https://purl.imsglobal.org/spec/case/v1p0/scope/case.readonly"
WRITE = "https://purl.imsglobal.org/spec/case/v1p1/scope/case.createput"
ALL = (READ, WRITE)


@pytest.fixture
def org_a(db: None) -> Org:
    return Org.objects.create(sourced_id="case-a", name="CASE A", type="district")


@pytest.fixture
def org_b(db: None) -> Org:
    return Org.objects.create(sourced_id="case-b", name="CASE B", type="district")


@pytest.fixture
def client_a(api_client_for: Callable[..., APIClient], org_a: Org) -> APIClient:
    return api_client_for(org_a, ALL)


@pytest.fixture
def client_b(api_client_for: Callable[..., APIClient], org_b: Org) -> APIClient:
    return api_client_for(org_b, ALL)


@pytest.fixture
def reader(api_client_for: Callable[..., APIClient], org_b: Org) -> APIClient:
    """A client of another organisation holding only the read scope."""
    return api_client_for(org_b, (READ,))


@pytest.fixture
def framework(org_a: Org) -> str:
    """Our framework, stored as org A's upload; its document identifier."""
    report = framework_import(package=package(), source="api", org_id=org_a.pk)
    assert report.ok, report.problems
    return report.document
