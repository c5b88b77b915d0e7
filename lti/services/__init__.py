"""LTI services: the platform's signing keys, and (as they come) launches and services."""

from lti.services.keys import (
    platform_jwt_sign,
    platform_key_rotate,
    platform_keys_prune,
    platform_signing_key,
)

__all__ = [
    "platform_jwt_sign",
    "platform_key_rotate",
    "platform_keys_prune",
    "platform_signing_key",
]
