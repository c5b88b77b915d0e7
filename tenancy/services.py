"""Writes for API clients."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from oauth2_provider.models import get_application_model

from common.exceptions import InvalidData, NotFound
from roster.models import Org
from tenancy.choices import Environment
from tenancy.models import ApiClient, ApiClientSensor
from tenancy.scopes import normalize_scope, scope_uri
from tenancy.selectors import api_client_changed

__all__ = ["CreatedClient", "api_client_create", "sensor_iri_validate"]

UNKNOWN_SCOPE = "Unknown scope {scope!r}: use a 1EdTech scope URI or its short name"
UNKNOWN_ORG = "Unknown org sourcedId {sourced_id!r}"
NO_SCOPES = "At least one scope is required"
BAD_ENV = "environment must be one of: staging, production"
BAD_SENSOR = "Sensor {iri!r} must be an absolute http(s) IRI or URN without spaces"
SENSOR_TOO_LONG = "Sensor {iri!r} is longer than {limit} characters"

# An absolute IRI: a scheme, a colon and no whitespace; http(s) IRIs also need a host. The
# registered IRI is a prefix: everything under it (``iri + "/"``) is the same app.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_HTTP_IRI = re.compile(r"^https?://[^/\s?#]+")
_SENSOR_MAX = 2048


def sensor_iri_validate(*, iri: str) -> str:
    """``iri`` stripped, or InvalidData(field="sensor") when it is not an absolute IRI."""
    value = iri.strip()
    if len(value) > _SENSOR_MAX:
        raise InvalidData(SENSOR_TOO_LONG.format(iri=value[:80], limit=_SENSOR_MAX), field="sensor")
    if not _IRI.match(value) or (
        value.lower().startswith(("http:", "https:")) and not _HTTP_IRI.match(value)
    ):
        raise InvalidData(BAD_SENSOR.format(iri=iri), field="sensor")
    return value


@dataclass(frozen=True)
class CreatedClient:
    api_client: ApiClient
    client_id: str
    client_secret: str  # shown once; only its hash is stored


@transaction.atomic
def api_client_create(
    *,
    name: str,
    org_sourced_id: str,
    scopes: Sequence[str],
    environment: str = Environment.STAGING,
    granted_org_sourced_ids: Sequence[str] = (),
    client_id: str | None = None,
    client_secret: str | None = None,
    sensors: Sequence[str] = (),
) -> CreatedClient:
    """Create OAuth2 client credentials that belong to ``org_sourced_id`` in ``environment``.

    The client is granted the subtrees of ``granted_org_sourced_ids`` (default: its own org),
    holds ``scopes`` (stored as URIs) and may send Caliper envelopes from ``sensors`` (absolute
    IRIs, each covering the IRIs under it).
    """
    if environment not in Environment.values:
        raise InvalidData(BAD_ENV, field="environment")
    if not scopes:
        raise InvalidData(NO_SCOPES, field="scope")
    names = []
    for scope in scopes:
        short = normalize_scope(scope)
        if short is None:
            raise InvalidData(UNKNOWN_SCOPE.format(scope=scope), field="scope")
        names.append(short)
    sensor_iris = list(dict.fromkeys(sensor_iri_validate(iri=iri) for iri in sensors))
    orgs = {}
    for sid in [org_sourced_id, *granted_org_sourced_ids]:
        org = Org.objects.filter(sourced_id=sid).first()
        if org is None:
            raise NotFound(UNKNOWN_ORG.format(sourced_id=sid), field="org")
        orgs[sid] = org
    secret = client_secret or secrets.token_urlsafe(32)
    application_model = get_application_model()
    application = application_model(
        name=name,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    if client_id:
        application.client_id = client_id
    application.full_clean(exclude=["user", "redirect_uris", "post_logout_redirect_uris"])
    application.save()
    api_client = ApiClient(
        application=application,
        name=name,
        organisation=orgs[org_sourced_id],
        environment=environment,
        scopes=" ".join(scope_uri(n) for n in dict.fromkeys(names)),
    )
    api_client.full_clean(exclude=["application", "organisation"])
    api_client.save()
    granted = [orgs[s] for s in granted_org_sourced_ids] or [orgs[org_sourced_id]]
    api_client.granted_orgs.set(granted)
    ApiClientSensor.objects.bulk_create(
        [ApiClientSensor(api_client=api_client, iri=iri) for iri in sensor_iris]
    )
    transaction.on_commit(api_client_changed)
    return CreatedClient(
        api_client=api_client, client_id=application.client_id, client_secret=secret
    )
