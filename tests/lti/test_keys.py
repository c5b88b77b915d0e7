"""The LTI platform's signing keys: sealed storage, the published key set, rotation with a
grace period, pruning, and the JWKS endpoint."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import jwt
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from lti.models import PlatformKey
from lti.selectors import platform_jwks
from lti.services import keys as keys_module
from lti.services import (
    platform_jwt_sign,
    platform_key_rotate,
    platform_keys_prune,
    platform_signing_key,
)

pytestmark = pytest.mark.django_db

GRACE = 3600


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> None:
    keys_module._private_key.cache_clear()


def _verify(token: str) -> dict:
    """Verify as a tool does (pylti1p3): pick the published key whose kid and alg match."""
    header = jwt.get_unverified_header(token)
    [jwk] = [
        k
        for k in platform_jwks()["keys"]
        if k["kid"] == header["kid"] and k.get("alg", "RS256") == header["alg"]
    ]
    public = jwt.PyJWK(jwk).key
    return jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False})


def test_the_first_signature_creates_one_active_key_published_with_kid_and_alg() -> None:
    token = platform_jwt_sign(claims={"sub": "u1"})
    [key] = PlatformKey.objects.all()
    assert key.retired_at is None
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    [published] = platform_jwks()["keys"]
    assert published == key.public_jwk
    assert {published["kty"], published["alg"], published["use"]} == {"RSA", "RS256", "sig"}
    assert published["kid"] == key.kid and published["n"] and published["e"]
    assert "d" not in published and "p" not in published  # public half only
    assert _verify(token)["sub"] == "u1"
    platform_jwt_sign(claims={"sub": "u2"})
    assert PlatformKey.objects.count() == 1


def test_the_private_key_is_stored_sealed_and_needs_its_encryption_key() -> None:
    with override_settings(LTI_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode()):
        key = platform_key_rotate()
        assert "PRIVATE KEY" not in key.private_key_sealed
        assert platform_signing_key().kid == key.kid
    keys_module._private_key.cache_clear()
    with (
        override_settings(LTI_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode()),
        pytest.raises(ImproperlyConfigured, match="cannot be opened.*lti_keys --rotate"),
    ):
        platform_signing_key()


def test_a_bad_encryption_key_setting_is_named() -> None:
    with (
        override_settings(LTI_KEY_ENCRYPTION_KEY="not-a-key"),
        pytest.raises(ImproperlyConfigured, match="LTI_KEY_ENCRYPTION_KEY must be"),
    ):
        platform_key_rotate()


@override_settings(LTI_KEY_GRACE_SECONDS=GRACE)
def test_rotation_keeps_the_retired_key_published_for_the_grace_period() -> None:
    before = platform_jwt_sign(claims={"sub": "old"})
    old = PlatformKey.objects.get()
    new = platform_key_rotate()

    assert new.kid != old.kid
    assert platform_signing_key().kid == new.kid
    assert {k["kid"] for k in platform_jwks()["keys"]} == {old.kid, new.kid}
    assert _verify(before)["sub"] == "old"  # signed before the rotation, still verifies
    assert _verify(platform_jwt_sign(claims={"sub": "new"}))["sub"] == "new"

    later = timezone.now() + dt.timedelta(seconds=GRACE + 1)
    assert {k["kid"] for k in platform_jwks(now=later)["keys"]} == {new.kid}
    assert platform_keys_prune(now=later) == 1
    assert list(PlatformKey.objects.values_list("kid", flat=True)) == [new.kid]


def test_only_one_key_is_active() -> None:
    key = platform_key_rotate()
    with pytest.raises(IntegrityError), transaction.atomic():
        PlatformKey.objects.create(
            kid="second", public_jwk=key.public_jwk, private_key_sealed=key.private_key_sealed
        )


def test_a_fresh_platform_publishes_a_key_before_its_first_launch(client) -> None:
    assert not PlatformKey.objects.exists()
    [key] = client.get("/lti/jwks").json()["keys"]
    assert key["kid"] == PlatformKey.objects.get().kid


def test_the_jwks_endpoint(client) -> None:
    kid = platform_signing_key().kid
    response = client.get("/lti/jwks")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert [k["kid"] for k in response.json()["keys"]] == [kid]
    assert client.post("/lti/jwks").status_code == 405


@override_settings(LTI_KEY_GRACE_SECONDS=0)
def test_the_keys_command_rotates_and_prunes_only_with_commit() -> None:
    out = StringIO()
    call_command("lti_keys", "--rotate", stdout=out)
    call_command("lti_keys", "--rotate", stdout=out)
    assert "New active key" in out.getvalue()
    assert PlatformKey.objects.count() == 2

    out = StringIO()
    call_command("lti_keys", "--prune", stdout=out)
    assert "Would delete 1 retired key(s); add --commit" in out.getvalue()
    assert PlatformKey.objects.count() == 2

    call_command("lti_keys", "--prune", "--commit", stdout=StringIO())
    [left] = PlatformKey.objects.all()
    assert left.retired_at is None
