"""Third-party application logins of students (Timeback extension of OneRoster rostering).

A login is stored as a ``UserProfile`` of the user (``profile_type="credentials"``,
``vendor_id`` = the application's name, one profile per user and application) whose single
credential holds the username and the password encrypted with Fernet. The key is
``settings.CREDENTIALS_ENCRYPTION_KEY`` or, when that is empty, one derived from
``SECRET_KEY`` with HKDF: rotating ``SECRET_KEY`` then makes every stored password unreadable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from common.crypto import fernet_for
from common.exceptions import InvalidData, NotFound
from roster.models import User, UserProfile
from roster.selectors import visible_parent

if TYPE_CHECKING:
    from tenancy.selectors import Grant

__all__ = [
    "CREDENTIALS_PROFILE_TYPE",
    "PASSWORD_MAX_LENGTH",
    "SECRET_FIELD",
    "RegisteredCredential",
    "credential_decrypt",
    "credential_register",
    "credentials_fernet",
    "credentials_keep_secrets",
    "secret_open",
    "secret_seal",
]

CREDENTIALS_PROFILE_TYPE = "credentials"
CREDENTIAL_TYPE = "password"
# Key of the Fernet token inside a stored credential; never rendered by any serializer.
SECRET_FIELD = "encryptedPassword"
# Longest password accepted in clear (its sealed form is longer: stored as text).
PASSWORD_MAX_LENGTH = 255

BODY_NOT_OBJECT = "The body must be a JSON object with applicationName and credentials"
FIELD_REQUIRED = "{field} is required and must be a non-empty string"
FIELD_STRING = "{field} must be a string"
FIELD_TOO_LONG = "{field} must be at most {max} characters"
CREDENTIALS_NOT_OBJECT = "credentials must be an object with username and password"
UNKNOWN_CREDENTIAL = "Unknown Object: no credential {credential_id!r} for user {user_id!r}"
UNREADABLE = "The stored credential cannot be decrypted with the current encryption key"

MESSAGE_CREATED = "Credentials registered for {application}"
MESSAGE_UPDATED = "Credentials updated for {application}"

_HKDF_INFO = b"timeback.roster.credentials.v1"


@dataclass(frozen=True)
class RegisteredCredential:
    user_profile_id: str
    credential_id: str
    created: bool
    message: str


def credentials_fernet() -> Fernet:
    """The Fernet of the configured key, or of a key derived from SECRET_KEY (HKDF-SHA256)."""
    return fernet_for(setting="CREDENTIALS_ENCRYPTION_KEY", info=_HKDF_INFO)


def secret_seal(*, plain: str) -> str:
    """Encrypt a password for storage (every stored password: users, user profiles,
    registered credentials); empty stays empty."""
    return credentials_fernet().encrypt(plain.encode()).decode() if plain else ""


def secret_open(*, token: str) -> str:
    """The password sealed in ``token``. A token the current key cannot open is a
    configuration fault (the key or SECRET_KEY was rotated), not a client error."""
    if not token:
        return ""
    try:
        return credentials_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(UNREADABLE) from exc


def _text(data: dict[str, Any], name: str, field: str, *, max_length: int = 255) -> str:
    value = data.get(name)
    if value is None or value == "":
        raise InvalidData(FIELD_REQUIRED.format(field=field), field=field)
    if not isinstance(value, str):
        raise InvalidData(FIELD_STRING.format(field=field), field=field)
    if len(value) > max_length:
        raise InvalidData(FIELD_TOO_LONG.format(field=field, max=max_length), field=field)
    return value


def credentials_keep_secrets(
    *, stored: list[Any] | None, given: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``given`` credentials (from a user PUT) with the encrypted password of the stored
    credential of the same ``id`` carried over when the PUT sends no new password."""
    secrets = {
        c["id"]: c[SECRET_FIELD]
        for c in stored or []
        if isinstance(c, dict) and c.get("id") and c.get(SECRET_FIELD)
    }
    out = []
    for cred in given:
        cred = dict(cred)
        if SECRET_FIELD not in cred and cred.get("id") in secrets:
            cred[SECRET_FIELD] = secrets[cred["id"]]
        out.append(cred)
    return out


@transaction.atomic
def credential_register(*, grant: Grant, user_sourced_id: str, data: Any) -> RegisteredCredential:
    """Store (or replace) a user's login for one application; the password encrypted.

    Validates everything before writing; an unknown or invisible user is NotFound.
    """
    user = visible_parent(entity="user", sourced_id=user_sourced_id, org_ids=grant.org_ids)
    if not isinstance(data, dict):
        raise InvalidData(BODY_NOT_OBJECT, field="body")
    application = _text(data, "applicationName", "applicationName").strip()
    if not application:
        raise InvalidData(FIELD_REQUIRED.format(field="applicationName"), field="applicationName")
    creds = data.get("credentials")
    if not isinstance(creds, dict):
        raise InvalidData(CREDENTIALS_NOT_OBJECT, field="credentials")
    username = _text(creds, "username", "credentials.username")
    password = _text(creds, "password", "credentials.password", max_length=4096)
    token = credentials_fernet().encrypt(password.encode()).decode()

    # Lock the user row: two concurrent registrations for one application must not both
    # create a profile (there is no unique constraint on (user, vendor_id)).
    User.objects.select_for_update().filter(pk=user.pk).first()
    profile = (
        UserProfile.objects.filter(
            user=user, profile_type=CREDENTIALS_PROFILE_TYPE, vendor_id=application
        )
        .order_by("pk")
        .first()
    )
    created = profile is None
    if profile is None:
        profile = UserProfile(
            user=user,
            sourced_id=str(uuid.uuid4()),
            profile_type=CREDENTIALS_PROFILE_TYPE,
            vendor_id=application,
        )
        credential_id = str(uuid.uuid4())
    else:
        old = next((c for c in profile.credentials or [] if isinstance(c, dict)), {})
        credential_id = str(old.get("id") or uuid.uuid4())
    profile.credentials = [
        {"id": credential_id, "type": CREDENTIAL_TYPE, "username": username, SECRET_FIELD: token}
    ]
    profile.full_clean()
    profile.save()
    template = MESSAGE_CREATED if created else MESSAGE_UPDATED
    return RegisteredCredential(
        user_profile_id=profile.sourced_id,
        credential_id=credential_id,
        created=created,
        message=template.format(application=application),
    )


def credential_decrypt(*, grant: Grant, user_sourced_id: str, credential_id: str) -> str:
    """The clear password of one of the user's stored credentials, or NotFound."""
    user = visible_parent(entity="user", sourced_id=user_sourced_id, org_ids=grant.org_ids)
    profiles = UserProfile.objects.filter(user=user).order_by("pk")
    for profile in profiles:
        for cred in profile.credentials or []:
            if not isinstance(cred, dict) or cred.get("id") != credential_id:
                continue
            token = cred.get(SECRET_FIELD)
            if not isinstance(token, str):
                break
            return secret_open(token=token)
    raise NotFound(
        UNKNOWN_CREDENTIAL.format(credential_id=credential_id, user_id=user_sourced_id),
        field="credentialId",
    )
