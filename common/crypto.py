"""Fernet keys for secrets stored in the database (third-party app passwords, LTI platform
private keys). Each purpose has its own setting; when the setting is empty the key is derived
from ``SECRET_KEY`` with HKDF-SHA256 and a per-purpose ``info`` label, so rotating
``SECRET_KEY`` then makes what was sealed with it unreadable: production sets the key."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["fernet_for"]

BAD_KEY = "{setting} must be a urlsafe base64-encoded 32-byte Fernet key"


def fernet_for(*, setting: str, info: bytes) -> Fernet:
    """The Fernet of ``settings.<setting>``, or of a key derived from SECRET_KEY with
    ``info`` when the setting is empty."""
    return _fernet(str(getattr(settings, setting, "") or ""), settings.SECRET_KEY, setting, info)


@functools.lru_cache(maxsize=8)
def _fernet(configured: str, secret_key: str, setting: str, info: bytes) -> Fernet:
    # Cached per key: deriving one costs more than sealing a password, and a CSV import
    # seals one per user.
    if configured:
        try:
            return Fernet(configured)
        except ValueError as exc:
            raise ImproperlyConfigured(BAD_KEY.format(setting=setting)) from exc
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))
