"""Who may see what: the grant behind an access token (org subtrees, scopes, environment,
registered Caliper sensors).

Expanding a client's granted org subtrees costs one query per tree level, so the expansion is
cached; ``org_tree_changed()`` bumps a version key whenever orgs change through services, which
invalidates every cached expansion at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from roster.models import Org
from tenancy.models import ApiClient
from tenancy.scopes import scope_family_admin, scopes_effective

__all__ = [
    "Grant",
    "api_client_changed",
    "client_grant",
    "expand_org_subtrees",
    "org_tree_changed",
    "sensor_registered",
]

_VERSION_KEY = "tenancy:org-tree-version"
_GRANT_KEY = "tenancy:grant:{application_id}:v{version}"
_TIMEOUT = 600


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


def _client_tenancy(application_id: int) -> dict[str, Any] | None:
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


def client_grant(*, access_token: Any) -> Grant | None:
    """The grant of a valid access token, or None when it has no active API client."""
    if access_token is None or not access_token.is_valid():
        return None
    application_id = access_token.application_id
    if application_id is None:
        return None
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
