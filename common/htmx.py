"""HTMX helpers: the request type django-htmx's middleware gives views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

__all__ = ["HtmxHttpRequest"]


class HtmxHttpRequest(HttpRequest):
    """A request as views see it behind ``HtmxMiddleware``: ``request.htmx`` is truthy for
    requests htmx sent."""

    htmx: HtmxDetails
