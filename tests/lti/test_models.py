"""Tool registrations and deployments: platform-assigned client ids and the database's
integrity rules."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from lti.models import ToolDeployment, ToolRegistration
from roster.models import Org
from tenancy.services import api_client_create

pytestmark = pytest.mark.django_db


def _tool(district: Org, name: str = "Math App", **fields: object) -> ToolRegistration:
    created = api_client_create(
        name=name, org_sourced_id=district.sourced_id, scopes=["roster.readonly"]
    )
    defaults: dict[str, object] = {
        "initiate_login_uri": "https://tool.example.org/login",
        "redirect_uris": ["https://tool.example.org/launch"],
        "target_link_uri": "https://tool.example.org/launch",
        "jwks_url": "https://tool.example.org/jwks",
    }
    return ToolRegistration.objects.create(
        api_client=created.api_client, name=name, **{**defaults, **fields}
    )


def test_the_platform_assigns_distinct_client_ids(district: Org) -> None:
    one, two = _tool(district, "One"), _tool(district, "Two")
    assert len(one.client_id) >= 32 and one.client_id != two.client_id


def test_a_tool_needs_a_jwks_url_or_a_public_key(district: Org) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _tool(district, jwks_url="")
    assert _tool(district, "Keyed", jwks_url="", public_jwk={"kty": "RSA"}).public_jwk


def test_deployment_ids_are_unique_per_tool(district: Org) -> None:
    tool = _tool(district)
    ToolDeployment.objects.create(tool=tool, deployment_id="dep-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ToolDeployment.objects.create(tool=tool, deployment_id="dep-1")
    other = _tool(district, "Other")
    assert ToolDeployment.objects.create(tool=other, deployment_id="dep-1").pk
