"""Shared API plumbing: the imsx status payload and the one exception handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import ApplicationError

__all__ = ["exception_handler", "imsx_status"]

_HTTP_CODE_MINOR = {
    400: "invaliddata",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    405: "invaliddata",
    406: "invaliddata",
    409: "invaliddata",
    415: "invaliddata",
    422: "invaliddata",
    429: "server_busy",
    500: "internal_server_error",
}


def imsx_status(
    *, description: str, code_minor: str, field: str = "sourcedId", major: str = "failure"
) -> dict[str, Any]:
    """The imsx_StatusInfo payload every OneRoster error carries."""
    return {
        "imsx_codeMajor": major,
        "imsx_severity": "error" if major == "failure" else "status",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": field, "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


def _flatten(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(detail, dict):
        out: list[tuple[str, str]] = []
        for key, value in detail.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        out = []
        for i, value in enumerate(detail):
            sub = f"{prefix}[{i}]" if isinstance(value, dict | list) else prefix
            out += _flatten(value, sub)
        return out
    return [(prefix or "body", str(detail))]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map every error to a 4xx/5xx imsx payload whose description names the field."""
    if isinstance(exc, ApplicationError):
        return Response(
            imsx_status(
                description=exc.message, code_minor=exc.code_minor, field=exc.field or "sourcedId"
            ),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        pairs = _flatten(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        field, message = pairs[0] if pairs else ("body", "Invalid data")
        text = "; ".join(f"{f}: {m}" for f, m in pairs)
        return Response(
            imsx_status(description=text or message, code_minor="invaliddata", field=field),
            status=422,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status_code = response.status_code
    if isinstance(exc, drf_exceptions.ValidationError):
        pairs = _flatten(exc.detail)
        field = pairs[0][0] if pairs else "body"
        description = "; ".join(f"{f}: {m}" for f, m in pairs) or "Invalid data"
    elif isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        field, description = "Authorization", "A valid bearer token is required"
        status_code = 401
    elif isinstance(exc, drf_exceptions.ParseError):
        field, description = "body", f"Malformed request body: {exc.detail}"
    else:
        detail = getattr(exc, "detail", str(exc))
        field, description = "sourcedId", str(detail)
    code_minor = _HTTP_CODE_MINOR.get(status_code, "invaliddata")
    response.data = imsx_status(description=description, code_minor=code_minor, field=field)
    response.status_code = status_code
    return response
