"""The cached validation of bearer tokens: one cache round trip instead of a token query,
revocation through the revoke endpoint is immediate, a deactivated client is refused at once,
a deleted token row stops working after TOKEN_CACHE_SECONDS, and no entry outlives its token."""

from __future__ import annotations

import base64
import time
import types
from typing import Any

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

import tenancy.selectors as selectors
from tenancy.selectors import TOKEN_CACHE_SECONDS, access_token_cached, api_client_changed
from tenancy.services import api_client_create
from tests.caliper.factories import make_caliper_client
from tests.conftest import obtain_token
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

CONFIG = "/caliper/event"


@pytest.fixture
def caller() -> Any:
    tenant = make_tenant("t")
    return make_caliper_client(tenant.district)


def _token(caller: Any) -> str:
    return caller.api._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def test_a_validated_token_costs_no_query_afterwards(caller, django_assert_num_queries) -> None:
    assert caller.api.get(CONFIG).status_code == 200
    with django_assert_num_queries(0):
        assert caller.api.get(CONFIG).status_code == 200
    entry = access_token_cached(token=_token(caller))
    assert entry is not None
    assert entry.application_id == caller.api_client.application_id
    # The entry is keyed by the token's digest and holds no copy of the token itself.
    assert _token(caller) not in repr(entry)


def test_revoking_through_the_endpoint_is_immediate(district) -> None:
    created = api_client_create(
        name="revoker",
        org_sourced_id=district.sourced_id,
        scopes=["event.create"],
        sensors=["https://app.example.org"],
    )
    token = obtain_token(created.client_id, created.client_secret)["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(CONFIG).status_code == 200
    assert access_token_cached(token=token) is not None
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    response = APIClient().post(
        "/oauth2/revoke_token/",
        {"token": token, "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200
    assert access_token_cached(token=token) is None
    assert api.get(CONFIG).status_code == 401


def test_a_deactivated_client_is_refused_at_once(caller) -> None:
    assert caller.api.get(CONFIG).status_code == 200
    caller.api_client.is_active = False
    caller.api_client.save()
    api_client_changed()
    assert caller.api.get(CONFIG).status_code == 401


def test_a_deleted_token_row_is_trusted_at_most_the_cache_window(caller, monkeypatch) -> None:
    assert caller.api.get(CONFIG).status_code == 200
    AccessToken.objects.all().delete()
    assert caller.api.get(CONFIG).status_code == 200  # within the window
    later = time.time() + TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(selectors, "time", types.SimpleNamespace(time=lambda: later))
    assert access_token_cached(token=_token(caller)) is None
    assert caller.api.get(CONFIG).status_code == 401


def test_an_entry_never_outlives_its_token(caller, monkeypatch) -> None:
    AccessToken.objects.update(expires=timezone.now() + timezone.timedelta(seconds=30))
    assert caller.api.get(CONFIG).status_code == 200
    entry = access_token_cached(token=_token(caller))
    assert entry is not None
    after_expiry = entry.expires + 1
    monkeypatch.setattr(selectors, "time", types.SimpleNamespace(time=lambda: after_expiry))
    assert access_token_cached(token=_token(caller)) is None
