"""What the LTI views and the launcher read off a request: the platform's issuer (its public
base URL) and the roster user signed in."""

from __future__ import annotations

from django.http import HttpRequest

from lti.services.launch import platform_issuer
from roster.models import User

__all__ = ["request_issuer", "request_roster_user"]


def request_issuer(request: HttpRequest) -> str:
    """``PUBLIC_BASE_URL`` when set, else this request's origin."""
    return platform_issuer(request_origin=f"{request.scheme}://{request.get_host()}")


def request_roster_user(request: HttpRequest) -> User | None:
    """The roster user linked to the signed-in login, if any."""
    if not request.user.is_authenticated:
        return None
    return User.objects.filter(login_id=request.user.pk).first()
