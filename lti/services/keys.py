"""The platform's RS256 signing keys: create, rotate, prune, sign.

The private key is generated here, sealed with Fernet (``LTI_KEY_ENCRYPTION_KEY``) before it
is stored, and opened only in memory to sign. Rotation retires the active key and creates a
new one in one transaction; the retired key stays in the JWKS for ``LTI_KEY_GRACE_SECONDS``
(``lti.selectors.platform_jwks``), after which ``platform_keys_prune`` deletes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.crypto import fernet_for
from lti.models import PlatformKey

__all__ = [
    "SigningKey",
    "platform_jwt_sign",
    "platform_key_rotate",
    "platform_keys_prune",
    "platform_signing_key",
]

ALGORITHM = "RS256"
KEY_BITS = 2048
_HKDF_INFO = b"timeback.lti.platform-keys.v1"

UNREADABLE_KEY = (
    "The active LTI platform key {kid!r} cannot be opened with the current "
    "LTI_KEY_ENCRYPTION_KEY (or SECRET_KEY): restore that key, or rotate with "
    "`manage.py lti_keys --rotate`"
)


@dataclass(frozen=True)
class SigningKey:
    """The active key's id and its private key, opened in memory."""

    kid: str
    alg: str
    private_key: rsa.RSAPrivateKey


def platform_key_rotate(*, now: dt.datetime | None = None) -> PlatformKey:
    """Retire the active key (if any) and make a new one active. Returns the new key."""
    now = now or timezone.now()
    with transaction.atomic():
        PlatformKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        return _key_create()


def platform_signing_key() -> SigningKey:
    """The active key, opened; the first call on a fresh database creates it."""
    key = PlatformKey.objects.filter(retired_at__isnull=True).first()
    if key is None:
        try:
            with transaction.atomic():
                key = _key_create()
        except IntegrityError:  # another process created it first
            key = PlatformKey.objects.get(retired_at__isnull=True)
    return SigningKey(
        kid=key.kid, alg=key.alg, private_key=_private_key(key.kid, key.private_key_sealed)
    )


def platform_jwt_sign(*, claims: dict[str, Any]) -> str:
    """``claims`` signed with the active key, RS256, ``kid`` in the header."""
    key = platform_signing_key()
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid})


def platform_keys_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the keys retired longer ago than the grace period. Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.LTI_KEY_GRACE_SECONDS)
    deleted, _ = PlatformKey.objects.filter(retired_at__lt=cutoff).delete()
    return deleted


# ---------------------------------------------------------------------------------------------


def _key_create() -> PlatformKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = secrets.token_urlsafe(16)
    public_jwk = {
        **jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True),
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = PlatformKey(
        kid=kid,
        alg=ALGORITHM,
        public_jwk=public_jwk,
        private_key_sealed=_fernet().encrypt(pem).decode(),
    )
    key.full_clean()
    key.save()
    return key


def _fernet() -> Any:
    return fernet_for(setting="LTI_KEY_ENCRYPTION_KEY", info=_HKDF_INFO)


@functools.lru_cache(maxsize=4)
def _private_key(kid: str, sealed: str) -> rsa.RSAPrivateKey:
    # Cached by kid and sealed text: opening and parsing costs ~1 ms, once per key and process.
    try:
        pem = _fernet().decrypt(sealed.encode())
    except InvalidToken as exc:
        raise ImproperlyConfigured(UNREADABLE_KEY.format(kid=kid)) from exc
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, rsa.RSAPrivateKey):  # pragma: no cover - only RSA is stored
        raise ImproperlyConfigured(UNREADABLE_KEY.format(kid=kid))
    return private
