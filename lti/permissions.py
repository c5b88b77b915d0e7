"""Access to the LTI Advantage services: a bearer token from ``/lti/token`` of an active
tool, holding the service's scope."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from lti.models import ToolRegistration

__all__ = ["HasLtiScope"]

MSG_SCOPE = "This service needs the scope {scope}"


class HasLtiScope(BasePermission):
    """Reads ``view.lti_scopes(request)`` (any one of them suffices); stores the token's tool
    on ``request.lti_tool``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if token is None or not token.is_valid():
            raise exceptions.NotAuthenticated()
        tool = (
            ToolRegistration.objects.select_related("api_client")
            .filter(
                api_client__application_id=token.application_id,
                api_client__is_active=True,
                is_active=True,
            )
            .first()
        )
        if tool is None:
            raise exceptions.NotAuthenticated()
        wanted = view.lti_scopes(request)
        if not set(wanted) & set(token.scope.split()):
            raise exceptions.PermissionDenied(MSG_SCOPE.format(scope=" or ".join(wanted)))
        request.lti_tool = tool
        return True
