"""Admin for API clients: org, environment, scopes and granted orgs. The OAuth2 secret is
never shown (only its hash is stored); new clients come from ``manage.py createclient``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tenancy.models import ApiClient
from tenancy.scopes import ONEROSTER_SCOPES, normalize_scope, scope_uri

UNKNOWN_SCOPE = "Unknown scope {scope!r}: use a 1EdTech scope URI or its short name"
NO_SCOPES = "At least one scope is required"


class ApiClientForm(forms.ModelForm):
    """Scopes are edited as short names (or URIs), one per line or space-separated, and
    stored as v1p2 URIs like ``api_client_create`` stores them."""

    scopes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Known: " + ", ".join(ONEROSTER_SCOPES),
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


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
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
