"""Admin for API clients: org, environment, scopes, granted orgs and Caliper sensors. The
OAuth2 secret is never shown (only its hash is stored); new clients come from
``manage.py createclient``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from common.exceptions import ApplicationError
from tenancy.models import ApiClient, ApiClientSensor
from tenancy.scopes import (
    CALIPER_SCOPES,
    CASE_SCOPES,
    ONEROSTER_SCOPES,
    QTI_SCOPES,
    normalize_scope,
    scope_uri,
)
from tenancy.selectors import api_client_changed
from tenancy.services import sensor_iri_validate

UNKNOWN_SCOPE = "Unknown scope {scope!r}: use a 1EdTech scope URI or its short name"
NO_SCOPES = "At least one scope is required"


class ApiClientForm(forms.ModelForm):
    """Scopes are edited as short names (or URIs), one per line or space-separated, and
    stored as v1p2 URIs like ``api_client_create`` stores them."""

    scopes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="OneRoster: "
        + ", ".join(ONEROSTER_SCOPES)
        + ". Caliper: "
        + ", ".join(CALIPER_SCOPES)
        + " (each family's admin implies only its own family). QTI: "
        + ", ".join(QTI_SCOPES)
        + ". CASE: "
        + ", ".join(CASE_SCOPES)
        + " (QTI and CASE have no admin scope).",
    )

    class Meta:
        model = ApiClient
        fields = ("name", "organisation", "environment", "granted_orgs", "scopes", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = "\n".join(
                normalize_scope(s) or s for s in self.instance.scopes.split()
            )

    def clean_scopes(self) -> str:
        names: list[str] = []
        for scope in self.cleaned_data["scopes"].split():
            short = normalize_scope(scope)
            if short is None:
                raise forms.ValidationError(UNKNOWN_SCOPE.format(scope=scope))
            names.append(short)
        if not names:
            raise forms.ValidationError(NO_SCOPES)
        return " ".join(scope_uri(n) for n in dict.fromkeys(names))


class ApiClientSensorForm(forms.ModelForm):
    class Meta:
        model = ApiClientSensor
        fields = ("iri",)

    def clean_iri(self) -> str:
        try:
            return sensor_iri_validate(iri=self.cleaned_data["iri"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class ApiClientSensorInline(admin.TabularInline):
    """The Caliper sensor / edApp IRIs the client may send envelopes from."""

    model = ApiClientSensor
    form = ApiClientSensorForm
    extra = 1
    fields = ("iri", "created_at")
    readonly_fields = ("created_at",)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    inlines = (ApiClientSensorInline,)
    list_display = (
        "name",
        "client_id",
        "organisation",
        "environment",
        "scope_names",
        "granted",
        "is_active",
        "created_at",
    )
    list_filter = ("environment", "is_active")
    search_fields = ("name", "application__client_id", "organisation__sourced_id")
    list_select_related = ("organisation", "application")
    autocomplete_fields = ("organisation", "granted_orgs")
    readonly_fields = ("client_id", "created_at")
    fields = (
        "name",
        "client_id",
        "organisation",
        "environment",
        "granted_orgs",
        "scopes",
        "is_active",
        "created_at",
    )
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        return super().get_queryset(request).prefetch_related("granted_orgs")

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        data = kwargs.get("data")
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            # A change posted without the sensors section (a script, a form rendered before
            # sensors existed) leaves the registered sensors as they are.
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = "0"
            data[f"{prefix}-INITIAL_FORMS"] = "0"
            kwargs["data"] = data
        return kwargs

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Scopes, grants and sensors are cached with the grant: drop the cached copies.
        api_client_changed()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Creating credentials must show the secret exactly once: `manage.py createclient`.
        return False

    @admin.display(description="client id", ordering="application__client_id")
    def client_id(self, obj: ApiClient) -> str:
        return obj.application.client_id

    @admin.display(description="scopes")
    def scope_names(self, obj: ApiClient) -> str:
        return ", ".join(normalize_scope(s) or s for s in obj.scopes.split())

    @admin.display(description="granted orgs")
    def granted(self, obj: ApiClient) -> str:
        return ", ".join(o.sourced_id for o in obj.granted_orgs.all())
