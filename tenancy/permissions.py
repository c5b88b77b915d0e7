"""DRF permission: a valid bearer token of an active API client holding one of the scopes the
operation declares (any-of; ``admin`` allows everything)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from tenancy.selectors import client_grant

__all__ = ["HasOneRosterScope"]

MISSING_SCOPE = "The access token lacks a scope this operation requires: {scopes}"


class HasOneRosterScope(BasePermission):
    """Reads ``view.required_scopes(request)``; stores the grant on ``request.grant``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        grant = client_grant(access_token=request.auth)
        if grant is None:
            raise exceptions.NotAuthenticated()
        request.grant = grant
        scopes = view.required_scopes(request)
        if not grant.allows(*scopes):
            raise exceptions.PermissionDenied(MISSING_SCOPE.format(scopes=", ".join(scopes)))
        return True
