"""LTI platform endpoints. Thin: call a selector or service, shape the answer."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from lti.selectors import platform_jwks

__all__ = ["platform_jwks_view"]


@require_GET
@cache_control(public=True, max_age=300)
def platform_jwks_view(request: HttpRequest) -> JsonResponse:
    """The platform's public keys (RFC 7517 key set). Tools may cache it for five minutes;
    a retired key stays in it for the grace period, so a cached set never misses a key
    that still signs."""
    return JsonResponse(platform_jwks())
