"""django-oauth-toolkit hooks: the scopes backend, the validator that restricts a token to
the scopes its client holds (and forgets a revoked token's cached validation), and the DRF
authentication that trusts a cached validation (see ``tenancy.selectors``)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from tenancy.scopes import ALL_SCOPES, KNOWN_SCOPES, normalize_scope, scope_family_admin
from tenancy.selectors import access_token_cached, access_token_forget, access_token_remember

__all__ = ["CachedOAuth2Authentication", "OneRosterScopes", "TimebackOAuth2Validator"]


def _client_scopes(application: Any) -> list[str]:
    api_client = getattr(application, "api_client", None)
    if api_client is None or not api_client.is_active:
        return []
    return api_client.scopes.split()


class OneRosterScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {**ALL_SCOPES, **KNOWN_SCOPES}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _client_scopes(application) if application else list(ALL_SCOPES)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        # Timeback clients request a token without `scope`: they get everything they hold.
        return _client_scopes(application) if application else []


class TimebackOAuth2Validator(OAuth2Validator):
    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kw: Any
    ) -> bool:
        held = {normalize_scope(s) for s in _client_scopes(client)}
        return bool(scopes) and all(
            (n := normalize_scope(s)) is not None and (n in held or scope_family_admin(n) in held)
            for s in scopes
        )

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kw: Any) -> list[str]:
        return _client_scopes(request.client)

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        ok = super().authenticate_client(request, *args, **kwargs)
        # A deactivated client keeps its row (audit) but can no longer obtain tokens.
        return bool(ok) and bool(_client_scopes(request.client))

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        # The API trusts a cached validation for up to TOKEN_CACHE_SECONDS: a revoked token
        # must stop working now.
        access_token_forget(token=token)


class CachedOAuth2Authentication(OAuth2Authentication):
    """Bearer-token authentication that looks the token up in the cache first (one round
    trip, no query) and validates it through django-oauth-toolkit only on a miss, caching
    the result. Anything but an ``Authorization: Bearer`` header takes the toolkit's path."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        token = raw.strip()
        if scheme.lower() != "bearer" or not token:
            return super().authenticate(request)  # type: ignore[no-any-return]
        cached = access_token_cached(token=token)
        if cached is not None:
            return None, cached
        result = super().authenticate(request)
        if result is not None:
            access_token_remember(token=token, access_token=result[1])
        return result  # type: ignore[no-any-return]
