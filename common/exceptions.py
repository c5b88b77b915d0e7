"""Errors raised by services and selectors; the API maps them to imsx status payloads."""

from __future__ import annotations

__all__ = ["ApplicationError", "InvalidData", "NotFound", "PermissionDenied", "Conflict"]


class ApplicationError(Exception):
    """A business-rule failure with a message naming the field at fault."""

    status_code = 400
    code_minor = "invaliddata"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class InvalidData(ApplicationError):
    status_code = 422
    code_minor = "invaliddata"


class NotFound(ApplicationError):
    status_code = 404
    code_minor = "unknownobject"


class PermissionDenied(ApplicationError):
    status_code = 403
    code_minor = "forbidden"


class Conflict(ApplicationError):
    status_code = 409
    code_minor = "invaliddata"
