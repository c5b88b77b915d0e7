"""LTI in the admin: keys listed read-only (public half only), tools with deployments."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lti.models import ToolDeployment, ToolRegistration
from lti.services import platform_key_rotate
from roster.models import Org
from tenancy.services import api_client_create

pytestmark = pytest.mark.django_db


def test_keys_are_listed_read_only_without_their_private_half(admin_client: Client) -> None:
    key = platform_key_rotate()
    listing = admin_client.get(reverse("admin:lti_platformkey_changelist"))
    assert listing.status_code == 200 and key.kid in listing.content.decode()
    assert admin_client.get(reverse("admin:lti_platformkey_add")).status_code == 403
    page = admin_client.get(reverse("admin:lti_platformkey_change", args=[key.pk]))
    assert page.status_code == 200
    assert key.private_key_sealed not in page.content.decode()


def test_tools_are_listed_and_edited_with_their_deployments(
    admin_client: Client, district: Org, django_assert_max_num_queries
) -> None:
    for i in range(3):
        created = api_client_create(
            name=f"App {i}", org_sourced_id=district.sourced_id, scopes=["roster.readonly"]
        )
        tool = ToolRegistration.objects.create(
            api_client=created.api_client,
            name=f"App {i}",
            initiate_login_uri="https://tool.example.org/login",
            redirect_uris=["https://tool.example.org/launch"],
            target_link_uri="https://tool.example.org/launch",
            jwks_url="https://tool.example.org/jwks",
        )
        ToolDeployment.objects.create(tool=tool, deployment_id=f"dep-{i}")
    with django_assert_max_num_queries(8):
        listing = admin_client.get(reverse("admin:lti_toolregistration_changelist"))
    assert listing.status_code == 200 and "App 2" in listing.content.decode()
    page = admin_client.get(reverse("admin:lti_toolregistration_change", args=[tool.pk]))
    assert page.status_code == 200 and "dep-2" in page.content.decode()
