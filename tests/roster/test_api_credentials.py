"""Timeback third-party app credentials: register (201 / 200 replace), encrypted at rest,
decrypt, never echoed elsewhere, validation naming the field, tenancy and scopes."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from roster.models import UserProfile
from roster.services.credentials import SECRET_FIELD, credentials_fernet
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

R = "/ims/oneroster/rostering/v1p2"
BODY = {"applicationName": "MathApp", "credentials": {"username": "ann", "password": "s3cret!"}}


@pytest.fixture
def a(db):
    return make_tenant("a")


@pytest.fixture
def api(a, api_client_for):
    return api_client_for(a.district)


def _minor(response):
    return response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]


def _register(api, user="a-student", body=BODY):
    return api.post(f"{R}/users/{user}/credentials", body, format="json")


def _decrypt(api, credential_id, user="a-student"):
    return api.post(f"{R}/users/{user}/credentials/{credential_id}/decrypt", format="json")


def test_register_creates_encrypted_profile_then_decrypts(api, a):
    response = _register(api)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"userProfileId", "credentialId", "message"}
    profile = UserProfile.objects.get(sourced_id=body["userProfileId"])
    assert profile.user == a.student
    assert (profile.profile_type, profile.vendor_id) == ("credentials", "MathApp")
    [stored] = profile.credentials
    assert stored["id"] == body["credentialId"]
    assert stored["username"] == "ann"
    assert "password" not in stored
    assert "s3cret!" not in json.dumps(profile.credentials)
    assert credentials_fernet().decrypt(stored[SECRET_FIELD].encode()) == b"s3cret!"

    response = _decrypt(api, body["credentialId"])
    assert response.status_code == 200
    assert response.json() == {"password": "s3cret!"}
    assert response["Cache-Control"] == "no-store"


def test_register_again_replaces_the_same_credential(api, a):
    first = _register(api).json()
    body = {"applicationName": "MathApp", "credentials": {"username": "ann2", "password": "new"}}
    response = _register(api, body=body)
    assert response.status_code == 200, response.json()
    assert response.json()["userProfileId"] == first["userProfileId"]
    assert response.json()["credentialId"] == first["credentialId"]
    assert UserProfile.objects.filter(user=a.student, vendor_id="MathApp").count() == 1
    assert _decrypt(api, first["credentialId"]).json() == {"password": "new"}
    # Another application gets its own profile.
    other = _register(api, body={**BODY, "applicationName": "ReadApp"})
    assert other.status_code == 201
    assert other.json()["userProfileId"] != first["userProfileId"]


def test_password_never_appears_in_user_responses(api, a):
    credential_id = _register(api).json()["credentialId"]
    for url in (f"{R}/users/a-student", f"{R}/students/a-student", f"{R}/users"):
        text = api.get(url).content.decode()
        assert "s3cret!" not in text
        assert SECRET_FIELD not in text
    profiles = api.get(f"{R}/users/a-student").json()["user"]["userProfiles"]
    [profile] = [p for p in profiles if p["vendorId"] == "MathApp"]
    assert profile["credentials"] == [{"id": credential_id, "type": "password", "username": "ann"}]


def test_user_put_echoing_a_get_keeps_the_encrypted_password(api, a):
    credential_id = _register(api).json()["credentialId"]
    user = api.get(f"{R}/users/a-student").json()["user"]
    response = api.put(f"{R}/users/a-student", {"user": user}, format="json")
    assert response.status_code == 200, response.json()
    assert _decrypt(api, credential_id).json() == {"password": "s3cret!"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credentials": {"username": "u", "password": "p"}}, "applicationName"),
        ({**BODY, "applicationName": ""}, "applicationName"),
        ({**BODY, "applicationName": "   "}, "applicationName"),
        ({**BODY, "applicationName": 7}, "applicationName"),
        ({"applicationName": "X"}, "credentials"),
        ({"applicationName": "X", "credentials": "u:p"}, "credentials"),
        ({"applicationName": "X", "credentials": {"password": "p"}}, "credentials.username"),
        ({"applicationName": "X", "credentials": {"username": "u"}}, "credentials.password"),
        ({"applicationName": "X", "credentials": {"username": "u", "password": ""}}, None),
        (["not", "an", "object"], "body"),
    ],
)
def test_bad_body_is_422_naming_the_field_and_stores_nothing(api, a, body, field):
    before = UserProfile.objects.count()
    response = _register(api, body=body)
    assert response.status_code == 422, response.json()
    minor = _minor(response)
    assert minor["imsx_codeMinorFieldValue"] == "invaliddata"
    assert minor["imsx_codeMinorFieldName"] == (field or "credentials.password")
    assert UserProfile.objects.count() == before


def test_unknown_user_or_credential_is_404(api, a):
    credential_id = _register(api).json()["credentialId"]
    assert _register(api, user="nobody").status_code == 404
    for response in (
        _decrypt(api, "nope"),
        _decrypt(api, credential_id, user="a-teacher"),  # a credential of another user
        _decrypt(api, credential_id, user="nobody"),
    ):
        assert response.status_code == 404
        assert _minor(response)["imsx_codeMinorFieldValue"] == "unknownobject"


def test_other_tenant_cannot_register_or_decrypt(api, a, api_client_for):
    b = make_tenant("b")
    api_b = api_client_for(b.district)
    credential_id = _register(api).json()["credentialId"]
    before = list(UserProfile.objects.values_list("sourced_id", "credentials"))
    assert _register(api_b).status_code == 404
    assert _decrypt(api_b, credential_id).status_code == 404
    assert list(UserProfile.objects.values_list("sourced_id", "credentials")) == before


@pytest.mark.parametrize("scopes", [["roster.readonly"], ["roster-core.readonly"]])
def test_read_scopes_may_neither_register_nor_decrypt(api, a, api_client_for, scopes):
    credential_id = _register(api).json()["credentialId"]
    reader = api_client_for(a.district, scopes=scopes)
    assert _register(reader).status_code == 403
    assert _decrypt(reader, credential_id).status_code == 403
    writer = api_client_for(a.district, scopes=["roster.createput"])
    assert _decrypt(writer, credential_id).json() == {"password": "s3cret!"}


def test_configured_key_is_used_and_rotation_makes_old_tokens_unreadable(api, a):
    key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_ENCRYPTION_KEY=key):
        credential_id = _register(api).json()["credentialId"]
        [stored] = UserProfile.objects.get(user=a.student, vendor_id="MathApp").credentials
        assert Fernet(key).decrypt(stored[SECRET_FIELD].encode()) == b"s3cret!"
        assert _decrypt(api, credential_id).json() == {"password": "s3cret!"}
    # Without a configured key the derived one is used: rotating SECRET_KEY loses the secret.
    derived_id = _register(api, body={**BODY, "applicationName": "ReadApp"}).json()["credentialId"]
    assert _decrypt(api, derived_id).json() == {"password": "s3cret!"}
    rotated = override_settings(SECRET_KEY="another-secret-key-" * 4)
    with rotated, pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        _decrypt(api, derived_id)


def test_derived_key_depends_on_secret_key():
    with override_settings(CREDENTIALS_ENCRYPTION_KEY="", SECRET_KEY="one-" * 20):
        token = credentials_fernet().encrypt(b"x")
        assert credentials_fernet().decrypt(token) == b"x"
    other = override_settings(CREDENTIALS_ENCRYPTION_KEY="", SECRET_KEY="two-" * 20)
    with other, pytest.raises(InvalidToken):
        credentials_fernet().decrypt(token)
