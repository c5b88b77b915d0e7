"""API clients: an OAuth2 application that belongs to an org and an environment, and is
granted a set of org subtrees and a set of scopes."""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings

from common.models import BaseModel
from tenancy.choices import Environment

__all__ = ["ApiClient", "ApiClientSensor"]


class ApiClient(BaseModel):
    """The tenancy record behind one set of client credentials."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="api_client"
    )
    name = models.CharField(max_length=255)
    organisation = models.ForeignKey(
        "roster.Org",
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="The org this client belongs to; rows it creates without an org live here.",
    )
    environment = models.CharField(
        max_length=16, choices=Environment.choices, default=Environment.STAGING
    )
    granted_orgs = models.ManyToManyField(
        "roster.Org",
        related_name="granted_to_clients",
        help_text="Roots of the org subtrees this client may read and write.",
    )
    scopes = models.TextField(
        help_text="Space-separated scope URIs (or their short names) this client holds."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return f"{self.name} ({self.environment})"


class ApiClientSensor(BaseModel):
    """A Caliper sensor / edApp id registered to a client. Envelopes are accepted only from
    a registered id, or from an IRI under one (``https://app.example`` covers
    ``https://app.example/sensors/main``)."""

    api_client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="sensors")
    iri = models.CharField("sensor IRI", max_length=2048)

    class Meta:
        ordering = ["iri"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "iri"],
                name="tenancy_sensor_unique_per_client",
                violation_error_message="This sensor is already registered to the client",
            )
        ]

    def __str__(self) -> str:
        return self.iri
