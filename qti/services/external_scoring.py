"""Scoring by an external service: Timeback's ``qti-custom-operator
class="com.alpha-1edtech.ExternalApiScore" definition="<url>"``.

During response processing the operator POSTs ``{itemIdentifier, outcomeIdentifier, rawXml,
responses}`` to the URL and takes ``outcomes[outcomeIdentifier]`` (else ``outcomes.SCORE``)
of the JSON answer as a float. Only hosts in ``QTI_EXTERNAL_SCORER_HOSTS`` are called (none by
default: a stored item must not make the server call anywhere it names); a refused host, a
failed call or a malformed answer is a processing error naming the URL and the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from lxml import etree

from qti.processing import QtiProcessingError, Value, register_custom_operator
from qti.processing.values import value_to_json

__all__ = ["EXTERNAL_SCORE_CLASS", "external_api_score", "external_scoring_register"]

EXTERNAL_SCORE_CLASS = "com.alpha-1edtech.ExternalApiScore"
RULE = "custom-operator"
MSG_HOST = "the host {host!r} is not one this server may call (QTI_EXTERNAL_SCORER_HOSTS)"
MSG_URL = "definition must be an http(s) URL"
MSG_CALL = "the scorer did not answer: {reason}"
MSG_STATUS = "the scorer answered HTTP {status}"
MSG_ANSWER = "the scorer's answer has no number at outcomes.{outcome}"


def _fail(url: str, message: str) -> QtiProcessingError:
    return QtiProcessingError(message, subject=f"{EXTERNAL_SCORE_CLASS} {url}", rule=RULE)


def external_api_score(args: list[Value], attributes: dict[str, str], ctx: Any) -> Value:
    """The registered operator (see the module docstring)."""
    url = attributes.get("definition", "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(url, MSG_URL)
    allowed = {h.lower() for h in settings.QTI_EXTERNAL_SCORER_HOSTS}
    if parts.hostname.lower() not in allowed:
        raise _fail(url, MSG_HOST.format(host=parts.hostname))
    item = ctx.extra.get("item")
    outcome = attributes.get("target-identifier") or "SCORE"
    responses = {
        d.identifier: value_to_json(ctx.variables[d.identifier])
        for d in (item.responses if item is not None else [])
        if d.identifier not in ("numAttempts", "duration") and d.identifier in ctx.variables
    }
    body = {
        "itemIdentifier": item.identifier if item is not None else "",
        "outcomeIdentifier": outcome,
        "rawXml": etree.tostring(item.root, encoding="unicode") if item is not None else "",
        "responses": responses,
    }
    try:
        answer = requests.post(
            url,
            json=body,
            timeout=settings.QTI_EXTERNAL_SCORER_TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise _fail(url, MSG_CALL.format(reason=type(exc).__name__)) from exc
    if answer.status_code != 200:
        raise _fail(url, MSG_STATUS.format(status=answer.status_code))
    try:
        outcomes = answer.json()["outcomes"]
        number = outcomes.get(outcome, outcomes.get("SCORE"))
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise TypeError(number)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _fail(url, MSG_ANSWER.format(outcome=outcome)) from exc
    return Value("single", "float", float(number))


def external_scoring_register() -> None:
    """Make the operator available to every item (the app registry calls this once)."""
    register_custom_operator(EXTERNAL_SCORE_CLASS, external_api_score)
