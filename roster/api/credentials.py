"""Timeback extensions of OneRoster: third-party app credentials of a user and the Common
Cartridge export of a resource. Thin views: path + body → service → response."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from roster.api.views import OneRosterView
from roster.selectors import entity_get
from roster.services.cartridge import cartridge_filename, resource_cartridge_build
from roster.services.credentials import credential_decrypt, credential_register

__all__ = ["CredentialDecryptView", "ResourceCartridgeView", "UserCredentialsView"]


class UserCredentialsView(OneRosterView):
    """POST /users/{userId}/credentials: 201 created, 200 replaced the app's login."""

    def post(self, request: Request, userId: str) -> Response:  # noqa: N803
        done = credential_register(
            grant=request.grant,  # type: ignore[attr-defined]
            user_sourced_id=userId,
            data=request.data,
        )
        body = {
            "userProfileId": done.user_profile_id,
            "credentialId": done.credential_id,
            "message": done.message,
        }
        return Response(body, status=status.HTTP_201_CREATED if done.created else 200)


class CredentialDecryptView(OneRosterView):
    """POST /users/{userId}/credentials/{credentialId}/decrypt → ``{"password": ...}``."""

    def post(self, request: Request, userId: str, credentialId: str) -> Response:  # noqa: N803
        password = credential_decrypt(
            grant=request.grant,  # type: ignore[attr-defined]
            user_sourced_id=userId,
            credential_id=credentialId,
        )
        response = Response({"password": password})
        # A secret: no shared or browser cache may keep it.
        response["Cache-Control"] = "no-store"
        return response


class ResourceCartridgeView(OneRosterView):
    """POST /resources/export/{sourceId} → the resource as a Common Cartridge 1.3 (.imscc)."""

    def post(self, request: Request, sourceId: str, **kwargs: Any) -> HttpResponse:  # noqa: N803
        resource = entity_get(
            entity="resource",
            sourced_id=sourceId,
            org_ids=request.grant.org_ids,  # type: ignore[attr-defined]
        )
        response = HttpResponse(
            resource_cartridge_build(resource=resource), content_type="application/zip"
        )
        filename = cartridge_filename(resource=resource)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
