"""LTI 1.3: the platform's signing keys, and the tools (apps) it launches with their
deployments.

A platform key's private half is stored sealed with Fernet (``LTI_KEY_ENCRYPTION_KEY``,
common/crypto.py), never in clear; its public half is published in the JWKS until its
grace period after retirement ends.

A tool registration belongs to an API client: the client's granted orgs are whom the tool may
be launched for, and its environment is the tool's.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from common.models import BaseModel

__all__ = [
    "LaunchRequest",
    "LmsDeployment",
    "LmsIdentity",
    "LmsPlatform",
    "PlatformKey",
    "RegistrationToken",
    "ToolDeployment",
    "ToolRegistration",
    "UsedNonce",
    "new_client_id",
]


def new_client_id() -> str:
    """A platform-assigned tool client_id: 32 random URL-safe characters."""
    return secrets.token_urlsafe(24)


class PlatformKey(BaseModel):
    """An RS256 key pair the platform signs its JWTs with (id_tokens, deep-linking requests).
    One key is active (``retired_at`` empty) at a time; a retired key stays in the JWKS until
    ``retired_at`` + ``LTI_KEY_GRACE_SECONDS`` so tokens signed just before a rotation still
    verify."""

    kid = models.CharField("key id", max_length=64, unique=True)
    alg = models.CharField(max_length=16, default="RS256")
    public_jwk = models.JSONField(help_text="The public key as a JWK (kty, n, e, kid, alg, use).")
    private_key_sealed = models.TextField(
        help_text="The PKCS#8 PEM private key, Fernet-sealed; never shown."
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # On alg (never NULL), not on retired_at: NULLs are distinct in a unique index.
            models.UniqueConstraint(
                fields=["alg"],
                condition=Q(retired_at__isnull=True),
                name="lti_platformkey_one_active",
                violation_error_message="Only one platform key per algorithm may be active.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({'retired' if self.retired_at else 'active'})"


class ToolRegistration(BaseModel):
    """An app registered as an LTI 1.3 tool: where the platform sends its logins and
    launches, which redirect URIs it may name, how its signatures are checked, and which
    LTI Advantage service scopes it may be granted."""

    api_client = models.OneToOneField(
        "tenancy.ApiClient",
        on_delete=models.CASCADE,
        related_name="lti_tool",
        help_text="The app's API client: its granted orgs are whom the tool may launch for.",
    )
    name = models.CharField(max_length=255)
    client_id = models.CharField(
        "client_id",
        max_length=255,
        unique=True,
        default=new_client_id,
        help_text="Assigned by the platform.",
    )
    initiate_login_uri = models.URLField("OIDC login initiation URL", max_length=2048)
    redirect_uris = models.JSONField(
        default=list, help_text="The launch URLs the tool may name as redirect_uri (exact)."
    )
    target_link_uri = models.URLField("default target link URI", max_length=2048)
    jwks_url = models.URLField("tool JWKS URL", max_length=2048, blank=True, default="")
    public_jwk = models.JSONField(
        null=True, blank=True, help_text="The tool's public key as a JWK, when it has no JWKS URL."
    )
    scopes = models.TextField(
        blank=True, default="", help_text="Space-separated LTI Advantage scopes it may be granted."
    )
    custom = models.JSONField(
        default=dict, blank=True, help_text="Custom parameters sent in every launch (strings)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(jwks_url="") | Q(public_jwk__isnull=False),
                name="lti_toolregistration_has_key",
                violation_error_message="A tool needs a JWKS URL or a public key.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ToolDeployment(BaseModel):
    """A deployment of a tool: the ``deployment_id`` its launches carry."""

    tool = models.ForeignKey(ToolRegistration, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)
    label = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["tool", "deployment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "deployment_id"],
                name="lti_tooldeployment_unique",
                violation_error_message="This tool already has a deployment with this id.",
            )
        ]

    def __str__(self) -> str:
        return self.deployment_id


class LaunchRequest(BaseModel):
    """A launch the platform started (third-party initiated login): the tool's
    authentication request names it by ``message_hint`` (sent as ``lti_message_hint``), and
    the id_token is built from it. Valid until ``expires_at``, for its user only."""

    message_hint = models.CharField(max_length=64, unique=True)
    tool = models.ForeignKey(ToolRegistration, on_delete=models.CASCADE, related_name="launches")
    deployment = models.ForeignKey(ToolDeployment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("roster.User", on_delete=models.CASCADE, related_name="+")
    klass = models.ForeignKey(
        "roster.Class", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message_type = models.CharField(max_length=64, default="LtiResourceLinkRequest")
    resource_link_id = models.CharField(max_length=255)
    resource_link_title = models.CharField(max_length=255, blank=True, default="")
    target_link_uri = models.URLField(max_length=2048)
    return_url = models.URLField(max_length=2048, blank=True, default="")
    custom = models.JSONField(
        default=dict, blank=True, help_text="The resource link's custom parameters."
    )
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"], name="lti_launch_expires")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.resource_link_id}"


class UsedNonce(BaseModel):
    """A nonce a tool sent in an authentication request that was answered: a second request
    with it is refused (replay). Pruned once older than the id_token lifetime."""

    tool = models.ForeignKey(ToolRegistration, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=255)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "nonce"],
                name="lti_usednonce_unique",
                violation_error_message="This nonce was used before.",
            )
        ]

    def __str__(self) -> str:
        return self.nonce


class RegistrationToken(BaseModel):
    """A one-time token for LTI Dynamic Registration: the tool that presents it is
    registered under ``api_client`` (whose granted orgs it may be launched for). Only the
    SHA-256 of the token is stored."""

    api_client = models.ForeignKey(
        "tenancy.ApiClient", on_delete=models.CASCADE, related_name="lti_registration_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    tool = models.ForeignKey(
        ToolRegistration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"registration token for {self.api_client_id}"


# ---- Tool side: schools' LMSes that launch Timeback ----------------------------------------


class LmsPlatform(BaseModel):
    """An LMS that launches Timeback as an LTI 1.3 tool: its issuer and the client_id it gave
    Timeback, its OIDC authorization and token URLs, its key set, and the org whose users
    it may sign in (matched, or provisioned there)."""

    name = models.CharField(max_length=255)
    issuer = models.URLField(max_length=2048)
    client_id = models.CharField("client_id", max_length=255)
    auth_login_url = models.URLField("OIDC authorization URL", max_length=2048)
    auth_token_url = models.URLField("token URL", max_length=2048, blank=True, default="")
    key_set_url = models.URLField("JWKS URL", max_length=2048, blank=True, default="")
    key_set = models.JSONField(
        null=True, blank=True, help_text="The LMS's key set, when it publishes no JWKS URL."
    )
    organisation = models.ForeignKey(
        "roster.Org",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Users it launches are matched in this org's subtree, or created there.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "LMS platform"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "client_id"],
                name="lti_lmsplatform_issuer_client_unique",
                violation_error_message="This LMS issuer and client_id are registered already.",
            ),
            models.CheckConstraint(
                condition=~Q(key_set_url="") | Q(key_set__isnull=False),
                name="lti_lmsplatform_has_keys",
                violation_error_message="An LMS needs a JWKS URL or a key set.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LmsDeployment(BaseModel):
    """A deployment of Timeback in an LMS: the ``deployment_id`` its launches carry."""

    platform = models.ForeignKey(LmsPlatform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)

    class Meta:
        ordering = ["platform", "deployment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"],
                name="lti_lmsdeployment_unique",
                violation_error_message="This LMS already has a deployment with this id.",
            )
        ]

    def __str__(self) -> str:
        return self.deployment_id


class LmsIdentity(BaseModel):
    """Who an LMS user (issuer + ``sub``) is in Timeback, once matched or provisioned."""

    platform = models.ForeignKey(LmsPlatform, on_delete=models.CASCADE, related_name="identities")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey("roster.User", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["platform", "sub"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "sub"],
                name="lti_lmsidentity_unique",
                violation_error_message="This LMS user is linked already.",
            )
        ]

    def __str__(self) -> str:
        return self.sub
