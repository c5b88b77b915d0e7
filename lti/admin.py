"""Admin for LTI: the platform's keys (public data only; rotate with ``manage.py lti_keys
--rotate``) and the registered tools with their deployments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from lti.models import (
    LmsDeployment,
    LmsIdentity,
    LmsPlatform,
    PlatformKey,
    ToolDeployment,
    ToolRegistration,
)


@admin.register(PlatformKey)
class PlatformKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "alg", "created_at", "retired_at"]
    list_filter = ["retired_at"]
    fields = ("kid", "alg", "public_jwk", "created_at", "retired_at")
    readonly_fields = ("kid", "alg", "public_jwk", "created_at", "retired_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ToolDeploymentInline(admin.TabularInline):
    model = ToolDeployment
    extra = 0
    fields = ["deployment_id", "label", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(ToolRegistration)
class ToolRegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "client_id", "api_client", "is_active", "created_at"]
    list_filter = ["is_active", "api_client__environment"]
    search_fields = ["name", "client_id", "initiate_login_uri"]
    list_select_related = ["api_client"]
    autocomplete_fields = ["api_client"]
    readonly_fields = ["client_id", "created_at"]
    inlines = [ToolDeploymentInline]
    # Tool URLs are HTTPS; a bare host typed in the form is taken as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class LmsDeploymentInline(admin.TabularInline):
    model = LmsDeployment
    extra = 0
    fields = ["deployment_id", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(LmsPlatform)
class LmsPlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "client_id", "organisation", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "issuer", "client_id"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    inlines = [LmsDeploymentInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(LmsIdentity)
class LmsIdentityAdmin(admin.ModelAdmin):
    list_display = ["sub", "platform", "user", "created_at"]
    search_fields = ["sub", "user__sourced_id", "user__email"]
    list_select_related = ["platform", "user"]
    raw_id_fields = ["user"]
