"""The public key a tool signs with: its registered JWK, or the key of a ``kid`` in the key
set at its JWKS URL (fetched with a short timeout and cached by PyJWT)."""

from __future__ import annotations

from typing import Any

import jwt

from lti.models import ToolRegistration

__all__ = ["UnknownToolKey", "tool_public_key"]

MSG_KID = "no key of this tool has kid {kid!r}"


class UnknownToolKey(Exception):
    """No key of the tool matches the JWT's ``kid``."""


def tool_public_key(tool: ToolRegistration, kid: Any) -> Any:
    """The tool's public key for ``kid`` (a registered JWK without a kid matches any)."""
    if tool.public_jwk:
        registered = tool.public_jwk.get("kid")
        if registered and kid and registered != kid:
            raise UnknownToolKey(MSG_KID.format(kid=kid))
        return jwt.PyJWK(tool.public_jwk).key
    try:
        client = jwt.PyJWKClient(tool.jwks_url, cache_keys=True, timeout=5)
        return client.get_signing_key(str(kid)).key
    except jwt.PyJWKClientError as exc:
        raise UnknownToolKey(MSG_KID.format(kid=kid)) from exc
