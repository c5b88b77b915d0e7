"""Who may see what: the grant behind an access token (org subtrees, scopes, environment,
registered Caliper sensors).

Expanding a client's granted org subtrees costs one query per tree level, so the expansion is
cached; ``org_tree_changed()`` bumps a version key whenever orgs change through services, which
invalidates every cached expansion at once.

A validated bearer token is cached too (``access_token_cached``), keyed by the SHA-256 of the
token (what the token table stores, never the token itself), for at most
``TOKEN_CACHE_SECONDS`` and never past its expiry. The entry carries the client's grant
stamped with the version key, so an API request costs one cache round trip (version + entry)
and no query for authentication and grant. Deactivating a client or changing its grant bumps
the version (effective at once); revoking a token through ``/oauth2/revoke_token`` forgets
its entry (``access_token_forget``); deleting a token row by other means (the admin) leaves it
usable for at most ``TOKEN_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from roster.models import Org
from tenancy.models import ApiClient
from tenancy.scopes import scope_family_admin, scopes_effective

__all__ = [
    "TOKEN_CACHE_SECONDS",
    "CachedAccessToken",
    "Grant",
    "access_token_cached",
    "access_token_forget",
    "access_token_remember",
    "api_client_changed",
    "api_client_grant",
    "client_grant",
    "client_org_ids",
    "expand_org_subtrees",
    "org_ancestries",
    "org_tree_changed",
    "sensor_registered",
]

_VERSION_KEY = "tenancy:org-tree-version"
_GRANT_KEY = "tenancy:grant:{application_id}:v{version}"
_TOKEN_KEY = "tenancy:token:{checksum}"
_TIMEOUT = 600
# How long a validated token is trusted without looking at the token table: the longest a
# token deleted outside the revoke endpoint keeps working.
TOKEN_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Grant:
    """What one access token may do: the org pks it may read/write, its scope short names and
    the Caliper sensor / edApp IRIs registered to its client."""

    api_client_id: int
    home_org_id: int
    org_ids: frozenset[int]
    scopes: frozenset[str]
    environment: str
    sensors: frozenset[str] = frozenset()

    def allows(self, *scopes: str) -> bool:
        """True when the token holds any of ``scopes``, itself or through the admin of that
        scope's family (``admin`` for OneRoster, ``caliper.admin`` for Caliper; neither
        implies the other family)."""
        return any(s in self.scopes or scope_family_admin(s) in self.scopes for s in scopes)


def org_tree_changed() -> None:
    """Invalidate every cached org-subtree expansion (call after org writes)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


def api_client_changed() -> None:
    """Invalidate cached grants after a client's scopes, grants or sensors changed."""
    # One version key serves both: client edits are rare, and a shared bump cannot miss a key.
    org_tree_changed()


def sensor_registered(*, iri: str, sensors: frozenset[str]) -> bool:
    """True when ``iri`` is a registered sensor or lies under one (``prefix + "/"``)."""
    if not iri:
        return False
    if iri in sensors:
        return True
    return any(iri.startswith(s.rstrip("/") + "/") for s in sensors)


def expand_org_subtrees(*, root_ids: set[int]) -> frozenset[int]:
    """The pks of the given orgs and all their descendants (one query per level)."""
    seen: set[int] = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        children = set(
            Org.objects.filter(parent_id__in=list(frontier)).values_list("pk", flat=True)
        )
        frontier = children - seen
        seen |= frontier
    return frozenset(seen)


def org_ancestries(*, org_ids: Iterable[int]) -> frozenset[int]:
    """The pks of the given orgs and every org above them (one query per level)."""
    found = set(org_ids)
    frontier = set(found)
    while frontier:
        parents = set(
            Org.objects.filter(pk__in=list(frontier), parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        frontier = parents - found
        found |= parents
    return frozenset(found)


def api_client_grant(
    *, api_client: ApiClient, scopes: Iterable[str], sensors: Iterable[str] = ()
) -> Grant | None:
    """The grant of ``api_client`` itself, for work Timeback does on the client's behalf
    (the student launcher's time-on-task events): its orgs, the ``scopes`` it holds of those
    asked for, its sensors plus ``sensors``. None for an inactive client."""
    data = _client_tenancy(api_client.application_id)
    if data is None:
        return None
    return Grant(
        api_client_id=data["api_client_id"],
        home_org_id=data["home_org_id"],
        org_ids=data["org_ids"],
        scopes=scopes_effective(requested=scopes, held=data["held_scopes"]),
        environment=data["environment"],
        sensors=frozenset(data["sensors"]) | frozenset(sensors),
    )


def client_org_ids(*, api_client: ApiClient) -> frozenset[int]:
    """The pks of the orgs ``api_client`` may act for (its granted subtrees; cached like a
    token's grant). Empty for an inactive client."""
    data = _client_tenancy(api_client.application_id)
    return frozenset(data["org_ids"]) if data else frozenset()


def _client_tenancy(application_id: int, version: Any = None) -> dict[str, Any] | None:
    if version is None:
        version = cache.get_or_set(_VERSION_KEY, 1, None)
    key = _GRANT_KEY.format(application_id=application_id, version=version)
    data = cache.get(key)
    if data is not None:
        return data or None
    api_client = (
        ApiClient.objects.filter(application_id=application_id, is_active=True)
        .prefetch_related("granted_orgs", "sensors")
        .first()
    )
    if api_client is None:
        cache.set(key, {}, _TIMEOUT)
        return None
    roots = {org.pk for org in api_client.granted_orgs.all()}
    data = {
        "api_client_id": api_client.pk,
        "home_org_id": api_client.organisation_id,
        "org_ids": expand_org_subtrees(root_ids=roots),
        "environment": api_client.environment,
        "held_scopes": tuple(api_client.scopes.split()),
        "sensors": frozenset(s.iri for s in api_client.sensors.all()),
    }
    cache.set(key, data, _TIMEOUT)
    return data


# ---------------------------------------------------------------------------------------------
# Validated bearer tokens
# ---------------------------------------------------------------------------------------------


def _token_checksum(token: str) -> str:
    # The same digest the token table stores: a cache dump never holds a usable token.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class CachedAccessToken:
    """What the API needs of a validated client-credentials token: its client application,
    scopes and expiry (epoch seconds), plus the client's tenancy as of version ``stamped`` and
    the version key read with it (``current``)."""

    checksum: str
    application_id: int
    scope: str
    expires: float
    trusted_until: float
    tenancy: dict[str, Any] | None = None
    stamped: Any = None
    current: Any = None

    user = None

    def is_valid(self, scopes: Any = None) -> bool:
        """True until the token expires (scopes are checked through the grant)."""
        return time.time() < self.expires


def access_token_cached(*, token: str) -> CachedAccessToken | None:
    """The cached validation of bearer ``token``, or None (never validated, expired,
    forgotten, or trusted longer than ``TOKEN_CACHE_SECONDS`` ago). One cache round trip."""
    key = _TOKEN_KEY.format(checksum=_token_checksum(token))
    found = cache.get_many([_VERSION_KEY, key])
    entry = found.get(key)
    if not isinstance(entry, CachedAccessToken):
        return None
    now = time.time()
    if now >= entry.expires or now >= entry.trusted_until:
        return None
    entry.current = found.get(_VERSION_KEY)
    return entry


def access_token_remember(*, token: str, access_token: Any) -> None:
    """Cache the validation of ``token`` (a valid token row of the token table) for at most
    ``TOKEN_CACHE_SECONDS`` and never past its expiry. Tokens tied to a user or restricted to
    a resource are not cached: their checks need the row every time."""
    if access_token.user_id is not None or getattr(access_token, "resource", None):
        return
    if access_token.application_id is None or access_token.expires is None:
        return
    now = time.time()
    entry = CachedAccessToken(
        checksum=_token_checksum(token),
        application_id=access_token.application_id,
        scope=access_token.scope or "",
        expires=access_token.expires.timestamp(),
        trusted_until=now + TOKEN_CACHE_SECONDS,
    )
    _token_store(entry, now)


def _token_store(entry: CachedAccessToken, now: float) -> None:
    timeout = min(entry.expires, entry.trusted_until) - now
    if timeout >= 1:
        stored = CachedAccessToken(
            checksum=entry.checksum,
            application_id=entry.application_id,
            scope=entry.scope,
            expires=entry.expires,
            trusted_until=entry.trusted_until,
            tenancy=entry.tenancy,
            stamped=entry.stamped,
        )
        cache.set(_TOKEN_KEY.format(checksum=entry.checksum), stored, int(timeout))


def access_token_forget(*, token: str) -> None:
    """Drop the cached validation of ``token`` (call when it is revoked)."""
    cache.delete(_TOKEN_KEY.format(checksum=_token_checksum(token)))


def _token_tenancy(access_token: CachedAccessToken) -> dict[str, Any] | None:
    """The client tenancy of a cached token: the copy stamped into its entry when the version
    key has not moved since, else a fresh one, stamped back into the entry."""
    if access_token.stamped is not None and access_token.stamped == access_token.current:
        return access_token.tenancy or None
    version = access_token.current
    if version is None:
        version = cache.get_or_set(_VERSION_KEY, 1, None)
    data = _client_tenancy(access_token.application_id, version)
    access_token.tenancy = data or {}
    access_token.stamped = version
    _token_store(access_token, time.time())
    return data


def client_grant(*, access_token: Any) -> Grant | None:
    """The grant of a valid access token, or None when it has no active API client."""
    if access_token is None or not access_token.is_valid():
        return None
    application_id = access_token.application_id
    if application_id is None:
        return None
    if isinstance(access_token, CachedAccessToken):
        data = _token_tenancy(access_token)
    else:
        data = _client_tenancy(application_id)
    if data is None:
        return None
    return Grant(
        api_client_id=data["api_client_id"],
        home_org_id=data["home_org_id"],
        org_ids=data["org_ids"],
        # A token keeps only what its client still holds: a scope granted through the other
        # family's admin, or removed from the client since the token was issued, is dropped.
        scopes=scopes_effective(requested=access_token.scope.split(), held=data["held_scopes"]),
        environment=data["environment"],
        sensors=data["sensors"],
    )
