from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from common.admin import ReadOnlyAdmin
from qti.models import QtiAsset, QtiPackage, QtiResource


@admin.register(QtiResource)
class QtiResourceAdmin(ReadOnlyAdmin):
    list_display = (
        "identifier",
        "kind",
        "title",
        "org_scope",
        "source_version",
        "package",
        "preview",
    )
    list_filter = ("kind", "source_version")
    search_fields = ("identifier", "title")
    list_select_related = ("org_scope", "package")
    readonly_fields = ("preview",)

    @admin.display(description="Preview")
    def preview(self, obj: QtiResource) -> str:
        if obj.kind != "item":
            return "—"
        return format_html('<a href="{}">Preview</a>', reverse("qti:item_preview", args=[obj.pk]))


@admin.register(QtiPackage)
class QtiPackageAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "manifest_identifier", "status", "org_scope", "created_at")
    list_filter = ("status",)
    search_fields = ("file_name", "manifest_identifier")


@admin.register(QtiAsset)
class QtiAssetAdmin(ReadOnlyAdmin):
    list_display = ("path", "package", "content_type", "size")
    search_fields = ("path",)
    exclude = ("data",)
