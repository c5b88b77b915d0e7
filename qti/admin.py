from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from common.admin import ReadOnlyAdmin
from qti.models import ItemSession, QtiAsset, QtiPackage, QtiResource, TestAttempt


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


class ItemSessionInline(admin.TabularInline):
    model = ItemSession
    fields = ("position", "ref", "status", "num_attempts", "score", "max_score", "correct")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(TestAttempt)
class TestAttemptAdmin(ReadOnlyAdmin):
    list_display = ("test", "student", "number", "status", "started_at", "ended_at", "report")
    list_filter = ("status",)
    search_fields = ("test__identifier", "student__sourced_id", "uuid")
    list_select_related = ("test", "student")
    readonly_fields = ("report",)
    exclude = ("route",)
    inlines = (ItemSessionInline,)

    @admin.display(description="Results report")
    def report(self, obj: TestAttempt) -> str:
        url = reverse("qti:attempt_results", args=[obj.uuid])
        return format_html('<a href="{}">QTI results report</a>', url)
