import base64

import pytest
from rest_framework.test import APIClient

from tenancy.services import api_client_create
from tests.conftest import obtain_token

pytestmark = pytest.mark.django_db

V12 = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
V11 = "https://purl.imsglobal.org/spec/or/v1p1/scope/"


def _client(district, scopes=("roster.readonly", "gradebook.readonly")):
    return api_client_create(name="app", org_sourced_id=district.sourced_id, scopes=list(scopes))


def test_token_without_scope_gets_every_scope_the_client_holds(district):
    created = _client(district)
    body = obtain_token(created.client_id, created.client_secret)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {V12 + "roster.readonly", V12 + "gradebook.readonly"}


def test_token_with_client_credentials_in_the_body(district):
    created = _client(district)
    response = APIClient().post(
        "/oauth2/token",
        {
            "grant_type": "client_credentials",
            "client_id": created.client_id,
            "client_secret": created.client_secret,
        },
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 3600


@pytest.mark.parametrize("prefix", [V12, V11])
def test_token_with_a_held_scope_in_either_spelling(district, prefix):
    created = _client(district)
    body = obtain_token(created.client_id, created.client_secret, scope=prefix + "roster.readonly")
    assert body["scope"] == prefix + "roster.readonly"


def test_token_with_a_scope_the_client_does_not_hold_is_refused(district):
    created = _client(district)
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    response = APIClient().post(
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": V12 + "roster.createput"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_wrong_secret_is_refused(district):
    created = _client(district)
    basic = base64.b64encode(f"{created.client_id}:wrong".encode()).decode()
    response = APIClient().post(
        "/oauth2/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_deactivated_client_gets_no_token(district):
    created = _client(district)
    created.api_client.is_active = False
    created.api_client.save()
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    response = APIClient().post(
        "/oauth2/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 401
