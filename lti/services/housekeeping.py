"""Deleting what the LTI flows no longer need: used nonces and client-assertion ids past
every token's lifetime (the longest is a deep-linking response, an hour), launches past
the deep-linking window, and registration tokens used or expired a month ago."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from lti.models import LaunchRequest, RegistrationToken, UsedNonce

__all__ = ["lti_housekeeping"]

KEEP = dt.timedelta(days=1)
KEEP_TOKENS = dt.timedelta(days=30)


def lti_housekeeping(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the stale rows; returns how many of each kind."""
    now = now or timezone.now()
    nonces, _ = UsedNonce.objects.filter(created_at__lt=now - KEEP).delete()
    launches, _ = LaunchRequest.objects.filter(created_at__lt=now - KEEP).delete()
    tokens, _ = RegistrationToken.objects.filter(
        Q(used_at__lt=now - KEEP_TOKENS) | Q(expires_at__lt=now - KEEP_TOKENS)
    ).delete()
    return {"nonces": nonces, "launches": launches, "registration_tokens": tokens}
