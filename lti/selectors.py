"""LTI reads: the platform's public key set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lti.models import PlatformKey

__all__ = ["platform_jwks"]


def platform_jwks(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The JWKS the platform publishes: the active key and the keys retired less than
    ``LTI_KEY_GRACE_SECONDS`` ago, each with ``kid``, ``alg`` and ``use`` (pylti1p3 picks a
    key by ``kid`` and ``alg``)."""
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.LTI_KEY_GRACE_SECONDS)
    keys = PlatformKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gte=since))
    return {"keys": [key.public_jwk for key in keys]}
