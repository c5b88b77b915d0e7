"""CASE frameworks in the admin: read only (a framework changes only by importing its
package again), and the framework list's "Import a framework" upload, which calls the import
service and shows its report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from case.models import (
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubric,
)
from case.services.files import MSG_CSV_TITLE, framework_file_import
from common.admin import ReadOnlyAdmin

# ---- the upload --------------------------------------------------------------------------------


class FrameworkUploadForm(forms.Form):
    package = forms.FileField(
        label="Framework file",
        help_text="A CFPackage as JSON (.json), or a CSV of items (.csv) with a title below.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )
    title = forms.CharField(
        required=False, max_length=1024, help_text="CSV only: the framework's title."
    )
    creator = forms.CharField(
        required=False, max_length=1024, help_text="CSV only: the framework's creator."
    )
    identifier = forms.CharField(
        required=False,
        max_length=255,
        help_text="CSV only: the framework's identifier (default: one derived from the file "
        "name, as case_import gives it, so uploading the file again updates it).",
    )
    dry_run = forms.BooleanField(
        required=False, help_text="Check and count only; nothing is stored."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("package")
        is_csv = upload is not None and upload.name.lower().endswith(".csv")
        if is_csv and not (cleaned.get("title") or "").strip():
            self.add_error("title", MSG_CSV_TITLE)
        return cleaned


# ---- frameworks --------------------------------------------------------------------------------


@admin.register(CaseDocument)
class CaseDocumentAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "creator",
        "adoption_status",
        "version",
        "source",
        "org_scope",
        "updated_at",
        "browse",
    )
    list_filter = ("source", "adoption_status")
    search_fields = ("identifier", "title", "creator")
    list_select_related = ("org_scope",)
    exclude = ("layout",)
    readonly_fields = ("browse",)

    @admin.display(description="Browse")
    def browse(self, obj: CaseDocument) -> str:
        url = reverse("case:framework", args=[obj.identifier])
        return format_html('<a href="{}">Open the tree</a>', url)

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Who may upload: superusers, and staff granted "add" on frameworks (the admin's
        own add is off: frameworks are only ever imported)."""
        opts = self.opts
        codename = get_permission_codename("add", opts)
        return bool(request.user.is_active and request.user.is_staff) and (
            request.user.has_perm(f"{opts.app_label}.{codename}")
        )

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="case_casedocument_import"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if self.has_import_permission(request):
            extra["upload_form"] = FrameworkUploadForm()
        return super().changelist_view(request, extra_context=extra)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """The upload form; on POST, the import and its report (400 and nothing stored when
        the file is refused)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = FrameworkUploadForm(request.POST or None, request.FILES or None)
        report = None
        status = 200
        if request.method == "POST":
            if form.is_valid():
                upload = form.cleaned_data["package"]
                report = framework_file_import(
                    data=upload.read(),
                    file_name=upload.name,
                    title=form.cleaned_data["title"],
                    creator=form.cleaned_data["creator"],
                    identifier=form.cleaned_data["identifier"],
                    dry_run=form.cleaned_data["dry_run"],
                )
                status = 200 if report.ok else 400
            else:
                status = 400
        document = (
            CaseDocument.objects.filter(identifier=report.document).only("pk").first()
            if report is not None and report.ok and report.document and not report.dry_run
            else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a framework",
            "form": form,
            "report": report,
            # A list: in a template, ``counts.items`` would read the "items" entry.
            "count_rows": list(report.counts.items()) if report is not None else [],
            "document": document,
            "file_name": getattr(request.FILES.get("package"), "name", ""),
        }
        return TemplateResponse(request, "admin/case/import_form.html", context, status=status)


# ---- what a framework holds --------------------------------------------------------------------


@admin.register(CaseItem)
class CaseItemAdmin(ReadOnlyAdmin):
    list_display = ("human_coding_scheme", "short_statement", "item_type", "document")
    list_filter = ("item_type",)
    search_fields = ("identifier", "human_coding_scheme", "full_statement")
    list_select_related = ("document",)
    raw_id_fields = ("document",)

    @admin.display(description="Statement")
    def short_statement(self, obj: CaseItem) -> str:
        text = obj.abbreviated_statement or obj.full_statement
        return text if len(text) <= 100 else text[:99] + "…"


@admin.register(CaseAssociation)
class CaseAssociationAdmin(ReadOnlyAdmin):
    list_display = (
        "association_type",
        "origin_identifier",
        "destination_identifier",
        "sequence_number",
        "document",
    )
    list_filter = ("association_type",)
    search_fields = ("identifier", "origin_identifier", "destination_identifier")
    list_select_related = ("document",)
    raw_id_fields = ("document",)


@admin.register(CaseDefinition)
class CaseDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "identifier")
    list_filter = ("kind",)
    search_fields = ("identifier", "title")


@admin.register(CaseRubric)
class CaseRubricAdmin(ReadOnlyAdmin):
    list_display = ("title", "identifier", "document")
    search_fields = ("identifier", "title")
    list_select_related = ("document",)
    raw_id_fields = ("document",)
