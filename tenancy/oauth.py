"""django-oauth-toolkit hooks: the scopes backend and the validator that restricts a
token to the scopes its client holds."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from tenancy.scopes import ALL_SCOPES, KNOWN_SCOPES, normalize_scope, scope_family_admin

__all__ = ["OneRosterScopes", "TimebackOAuth2Validator"]


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
