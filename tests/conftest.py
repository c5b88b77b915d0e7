"""Shared fixtures: orgs, API clients with real OAuth2 tokens, the shared/ fixtures path."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from roster.models import Org
from tenancy.services import api_client_create

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; tests that need it skip when the folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present (official fixtures live in ../shared)")
    return path


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def district(db: None) -> Org:
    return Org.objects.create(
        sourced_id="district-1", name="Test District", type="district", identifier="D1"
    )


def obtain_token(client_id: str, client_secret: str, scope: str | None = None) -> dict:
    """POST /oauth2/token with HTTP Basic client authentication, as real clients do."""
    api = APIClient()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = api.post("/oauth2/token", data, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def api_client_for(db: None) -> Callable[..., APIClient]:
    """Build an APIClient holding a real bearer token for a client of ``org`` with ``scopes``."""

    def make(
        org: Org,
        scopes: Sequence[str] = ("admin",),
        *,
        grants: Sequence[Org] = (),
        environment: str = "staging",
    ) -> APIClient:
        created = api_client_create(
            name=f"client-{org.sourced_id}-{len(scopes)}",
            org_sourced_id=org.sourced_id,
            scopes=list(scopes),
            environment=environment,
            granted_org_sourced_ids=[g.sourced_id for g in grants],
        )
        token = obtain_token(created.client_id, created.client_secret)["access_token"]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api

    return make
