"""Query parameters of the LTI service endpoints."""

from __future__ import annotations

from rest_framework.request import Request

from common.exceptions import ApplicationError

__all__ = ["int_param"]

MSG_INT = "{param}: must be an integer from {low} to {high}"


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApplicationError(MSG_INT.format(param=name, low=low, high=high), field=name)
    return value
