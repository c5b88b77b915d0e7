"""Django admin for the OneRoster schema, plus the "Import OneRoster CSV" pages.

Every change list pins its related rows with ``list_select_related`` (and annotations for
counts) so that a page costs a fixed number of queries whatever its length; change forms use
autocompletes so that no select box loads a whole table.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from common.exceptions import ApplicationError
from roster.models import (
    AcademicSession,
    AssessmentLineItem,
    AssessmentResult,
    Category,
    Class,
    ClassResource,
    ComponentResource,
    Course,
    CourseComponent,
    CourseResource,
    Demographics,
    Enrollment,
    ImportJob,
    LineItem,
    Org,
    Resource,
    Result,
    ScoreScale,
    User,
    UserProfile,
    UserResource,
    UserRole,
)
from roster.services.import_jobs import import_job_create, import_job_progress
from roster.services.scope import SCOPE_RULES, org_scope_from_refs

# --------------------------------------------------------------------------------------------
# org_scope: derived from the row's references exactly as REST writes and CSV imports do
# --------------------------------------------------------------------------------------------

NO_SCOPE = (
    "Cannot tell which org this row belongs to: set one of its org references "
    "or choose an org scope."
)


def org_scope_derive(obj: models.Model) -> Org | None:
    """The org whose subtree ``obj`` lives in according to ``SCOPE_RULES`` (None if its
    references do not say; the ``roles`` rule of users is applied after the roles are saved)."""
    name = type(obj).__name__
    fields = [rule.partition(":")[2] for rule in SCOPE_RULES.get(name, ())]
    found = org_scope_from_refs(
        model_name=name, refs={f: getattr(obj, f, None) for f in fields if f}
    )
    return None if found is None else Org.objects.filter(pk=found[0]).first()


class ScopedForm(forms.ModelForm):
    """Derives ``org_scope`` from the row's references; the field is a fallback only used
    when the references do not decide (always for categories and resources)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "org_scope" in self.fields:
            self.fields["org_scope"].required = False
            self.fields["org_scope"].help_text = (
                "Derived from the row's org/class/course references when they are set; "
                "only used otherwise."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        probe = self.instance
        for name, value in cleaned.items():
            try:
                field = probe._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.ForeignKey) and name != "org_scope":
                setattr(probe, name, value)
        scope = (
            org_scope_derive(probe)
            or self.fallback_scope()
            or cleaned.get("org_scope")
            or (probe.org_scope if probe.pk is not None and probe.org_scope_id else None)
        )
        if scope is None:
            raise ValidationError({"org_scope": NO_SCOPE})
        cleaned["org_scope"] = scope
        return cleaned

    def fallback_scope(self) -> Org | None:
        """A scope rule that needs more than the row's own fields (users: their roles)."""
        return None


class ScopedAdmin(admin.ModelAdmin):
    """Shared defaults of every OneRoster row admin."""

    form = ScopedForm
    readonly_fields = ("date_last_modified", "created_at")
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        derived = org_scope_derive(obj)
        if derived is not None:
            obj.org_scope = derived
        super().save_model(request, obj, form, change)


_SOURCED_FILTERS = ("status",)
_ORG_SCOPE_FILTER = ("org_scope", admin.RelatedOnlyFieldListFilter)


# --------------------------------------------------------------------------------------------
# Rostering
# --------------------------------------------------------------------------------------------


class OrgTypeFilter(admin.SimpleListFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        types = Org.objects.order_by().values_list("type", flat=True).distinct()
        return [(t, t) for t in sorted(types)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Org]) -> QuerySet[Org]:
        if self.value():
            return queryset.filter(type=self.value())
        return queryset


class OrgChildInline(admin.TabularInline):
    model = Org
    fk_name = "parent"
    fields = ("sourced_id", "name", "type", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "children"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sourced_id",
        "type",
        "identifier",
        "parent_link",
        "children_count",
        "status",
        "date_last_modified",
    )
    list_filter = (OrgTypeFilter, "status", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sourced_id", "name", "identifier")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("date_last_modified", "created_at")
    inlines = (OrgChildInline,)
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "sourced_id",
        "name",
        "type",
        "identifier",
        "parent",
        "status",
        "metadata",
        "source_system",
        "date_last_modified",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Org]:
        return super().get_queryset(request).annotate(_children=Count("children"))

    @admin.display(description="parent", ordering="parent__name")
    def parent_link(self, obj: Org) -> str:
        if obj.parent is None:
            return "—"
        url = reverse("admin:roster_org_change", args=[obj.parent_id])
        return format_html('<a href="{}">{}</a>', url, obj.parent.name)

    @admin.display(description="children", ordering="_children")
    def children_count(self, obj: Org) -> int:
        return obj._children  # type: ignore[attr-defined]

    # -- Import OneRoster CSV --------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="roster_org_import"),
            path(
                "import/<int:job_pk>/",
                wrap(self.import_status_view),
                name="roster_org_import_status",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise admin.sites.PermissionDenied  # type: ignore[attr-defined]
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_job_create(
                    package=form.cleaned_data["package"],
                    dry_run=form.cleaned_data["dry_run"],
                    created_by=request.user,  # type: ignore[arg-type]
                )
            except ApplicationError as exc:
                form.add_error("package", exc.message)
            else:
                messages.info(request, f"Import #{job.pk} queued.")
                return HttpResponseRedirect(
                    reverse("admin:roster_org_import_status", args=[job.pk])
                )
        recent = ImportJob.objects.select_related("created_by")[:10]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import OneRoster CSV",
            "form": form,
            "recent_jobs": recent,
        }
        return TemplateResponse(request, "admin/roster/import_form.html", context)

    def import_status_view(self, request: HttpRequest, job_pk: int) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise admin.sites.PermissionDenied  # type: ignore[attr-defined]
        job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_pk)
        report = job.report or {}
        counts = report.get("counts") or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"OneRoster import #{job.pk}",
            "job": job,
            "progress": import_job_progress(job=job),
            "report": report,
            "count_rows": [{"file": f, "counts": c} for f, c in sorted(counts.items())],
            "count_keys": sorted({k for c in counts.values() for k in c}),
            "problems": report.get("problems") or [],
        }
        # Polling (hx-get every second) swaps only the status fragment.
        if getattr(request, "htmx", False):
            return TemplateResponse(request, "admin/roster/partials/_import_status.html", context)
        return TemplateResponse(request, "admin/roster/import_status.html", context)


class ImportUploadForm(forms.Form):
    package = forms.FileField(
        label="OneRoster CSV package (.zip)",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Validate and count only; nothing is written.",
    )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "original_name", "dry_run", "status", "created_by", "created_at")
    list_filter = ("status", "dry_run")
    list_select_related = ("created_by",)
    search_fields = ("original_name",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "package",
        "original_name",
        "dry_run",
        "status",
        "progress",
        "report",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "status_page",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # uploads go through the import page

    @admin.display(description="status page")
    def status_page(self, obj: ImportJob) -> str:
        url = reverse("admin:roster_org_import_status", args=[obj.pk])
        return format_html('<a href="{}">Open the import report</a>', url)


@admin.register(AcademicSession)
class AcademicSessionAdmin(ScopedAdmin):
    list_display = (
        "title",
        "sourced_id",
        "type",
        "school_year",
        "start_date",
        "end_date",
        "parent",
        "org",
        "status",
    )
    list_filter = ("type", "school_year", *_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title")
    list_select_related = ("parent", "org")
    autocomplete_fields = ("parent", "org", "org_scope")
    date_hierarchy = "start_date"


@admin.register(Course)
class CourseAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "course_code", "org", "school_year", "status")
    list_filter = (*_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title", "course_code")
    list_select_related = ("org", "school_year")
    autocomplete_fields = ("org", "school_year", "org_scope")


@admin.register(Class)
class ClassAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "class_code", "class_type", "course", "school", "status")
    list_filter = ("class_type", *_SOURCED_FILTERS, ("school", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sourced_id", "title", "class_code")
    list_select_related = ("course", "school")
    autocomplete_fields = ("course", "school", "terms", "org_scope")


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0
    autocomplete_fields = ("org",)
    fields = ("position", "role_type", "role", "org", "user_profile", "begin_date", "end_date")


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    extra = 0
    fields = (
        "sourced_id",
        "profile_type",
        "vendor_id",
        "application_id",
        "description",
        "credentials",
    )
    # Stored passwords are sealed; they are set through the API or a CSV import, never here.
    readonly_fields = ("credentials",)


class UserForm(ScopedForm):
    """Users without a primary org take their scope from their first role (an inline)."""

    def fallback_scope(self) -> Org | None:
        return _first_role_org(self.data)


@admin.register(User)
class UserAdmin(ScopedAdmin):
    form = UserForm
    list_display = (
        "sourced_id",
        "given_name",
        "family_name",
        "username",
        "email",
        "primary_role",
        "primary_org",
        "enabled_user",
        "status",
    )
    list_filter = ("primary_role", "enabled_user", *_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "given_name", "family_name", "username", "email", "identifier")
    list_select_related = ("primary_org",)
    autocomplete_fields = ("primary_org", "agents", "org_scope")
    raw_id_fields = ("login",)
    exclude = ("password",)  # sealed; set through the API or a CSV import
    inlines = (UserRoleInline, UserProfileInline)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        if user.primary_org_id is None:
            first = user.roles.order_by("position", "pk").select_related("org").first()
            if first is not None and user.org_scope_id != first.org_id:
                user.org_scope = first.org
                user.save(update_fields=["org_scope", "date_last_modified"])


def _first_role_org(data: Any) -> Org | None:
    """The org of the first role (lowest position) submitted with a user's change form."""
    try:
        total = int(data.get("roles-TOTAL_FORMS") or 0)
    except (TypeError, ValueError):
        return None
    rows = []
    for i in range(total):
        org_pk = data.get(f"roles-{i}-org")
        if org_pk and not data.get(f"roles-{i}-DELETE"):
            try:
                rows.append((int(data.get(f"roles-{i}-position") or 0), i, int(org_pk)))
            except ValueError:
                continue
    if not rows:
        return None
    return Org.objects.filter(pk=min(rows)[2]).first()


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedAdmin):
    list_display = (
        "sourced_id",
        "user",
        "klass",
        "school",
        "role",
        "primary",
        "begin_date",
        "end_date",
        "status",
    )
    list_filter = (
        "role",
        "primary",
        *_SOURCED_FILTERS,
        ("school", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "sourced_id",
        "user__sourced_id",
        "user__family_name",
        "klass__sourced_id",
        "klass__title",
    )
    list_select_related = ("user", "klass", "school")
    autocomplete_fields = ("user", "klass", "school", "org_scope")
    date_hierarchy = "begin_date"


@admin.register(Demographics)
class DemographicsAdmin(ScopedAdmin):
    list_display = ("sourced_id", "user", "birth_date", "sex", "status")
    list_filter = ("sex", *_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "user__given_name", "user__family_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user", "org_scope")


# --------------------------------------------------------------------------------------------
# Gradebook
# --------------------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "weight", "org_scope", "status")
    list_filter = (*_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title")
    list_select_related = ("org_scope",)
    autocomplete_fields = ("org_scope",)


@admin.register(ScoreScale)
class ScoreScaleAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "type", "course", "klass", "status")
    list_filter = ("type", *_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title")
    list_select_related = ("course", "klass")
    autocomplete_fields = ("course", "klass", "org_scope")


@admin.register(LineItem)
class LineItemAdmin(ScopedAdmin):
    list_display = (
        "title",
        "sourced_id",
        "klass",
        "category",
        "assign_date",
        "due_date",
        "status",
    )
    list_filter = (*_SOURCED_FILTERS, ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sourced_id", "title", "klass__sourced_id", "klass__title")
    list_select_related = ("klass", "category")
    autocomplete_fields = (
        "klass",
        "school",
        "category",
        "grading_period",
        "academic_session",
        "score_scale",
        "org_scope",
    )
    date_hierarchy = "due_date"


@admin.register(Result)
class ResultAdmin(ScopedAdmin):
    list_display = (
        "sourced_id",
        "line_item",
        "student",
        "score",
        "score_status",
        "score_date",
        "status",
    )
    list_filter = ("score_status", *_SOURCED_FILTERS)
    search_fields = ("sourced_id", "line_item__sourced_id", "student__sourced_id")
    list_select_related = ("line_item", "student")
    autocomplete_fields = ("line_item", "student", "klass", "score_scale", "org_scope")
    date_hierarchy = "score_date"


@admin.register(AssessmentLineItem)
class AssessmentLineItemAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "klass", "course", "component", "parent", "status")
    list_filter = (*_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title")
    list_select_related = ("klass", "course", "component", "parent")
    autocomplete_fields = (
        "klass",
        "parent",
        "score_scale",
        "course",
        "component",
        "component_resource",
        "org_scope",
    )


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ScopedAdmin):
    list_display = (
        "sourced_id",
        "assessment_line_item",
        "student",
        "score",
        "score_status",
        "score_date",
        "status",
    )
    list_filter = ("score_status", *_SOURCED_FILTERS)
    search_fields = ("sourced_id", "assessment_line_item__sourced_id", "student__sourced_id")
    list_select_related = ("assessment_line_item", "student")
    autocomplete_fields = ("assessment_line_item", "student", "score_scale", "org_scope")
    date_hierarchy = "score_date"


# --------------------------------------------------------------------------------------------
# Resources and course structure
# --------------------------------------------------------------------------------------------


@admin.register(Resource)
class ResourceAdmin(ScopedAdmin):
    list_display = (
        "title",
        "sourced_id",
        "resource_type",
        "vendor_resource_id",
        "importance",
        "org_scope",
        "status",
    )
    list_filter = ("importance", *_SOURCED_FILTERS, _ORG_SCOPE_FILTER)
    search_fields = ("sourced_id", "title", "vendor_resource_id")
    list_select_related = ("org_scope",)
    autocomplete_fields = ("org_scope",)

    @admin.display(description="type")
    def resource_type(self, obj: Resource) -> str:
        return str((obj.metadata or {}).get("type", ""))


@admin.register(ClassResource)
class ClassResourceAdmin(ScopedAdmin):
    list_display = ("sourced_id", "title", "klass", "resource", "status")
    list_filter = _SOURCED_FILTERS
    search_fields = ("sourced_id", "title", "klass__sourced_id", "resource__sourced_id")
    list_select_related = ("klass", "resource")
    autocomplete_fields = ("klass", "resource", "org_scope")


@admin.register(CourseResource)
class CourseResourceAdmin(ScopedAdmin):
    list_display = ("sourced_id", "title", "course", "resource", "status")
    list_filter = _SOURCED_FILTERS
    search_fields = ("sourced_id", "title", "course__sourced_id", "resource__sourced_id")
    list_select_related = ("course", "resource")
    autocomplete_fields = ("course", "resource", "org_scope")


@admin.register(UserResource)
class UserResourceAdmin(ScopedAdmin):
    list_display = ("sourced_id", "title", "user", "resource", "status")
    list_filter = _SOURCED_FILTERS
    search_fields = ("sourced_id", "title", "user__sourced_id", "resource__sourced_id")
    list_select_related = ("user", "resource")
    autocomplete_fields = ("user", "resource", "org", "klass", "org_scope")


class ComponentResourceInline(admin.TabularInline):
    model = ComponentResource
    fk_name = "course_component"
    extra = 0
    fields = ("sourced_id", "title", "resource", "sort_order", "lesson_type", "status")
    autocomplete_fields = ("resource",)
    show_change_link = True


@admin.register(CourseComponent)
class CourseComponentAdmin(ScopedAdmin):
    list_display = ("title", "sourced_id", "course", "parent", "sort_order", "status")
    list_filter = (*_SOURCED_FILTERS, ("course", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sourced_id", "title", "course__sourced_id", "course__title")
    list_select_related = ("course", "parent")
    autocomplete_fields = ("course", "parent", "org_scope")
    inlines = (ComponentResourceInline,)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Lessons live where their unit lives.
        for instance in formset.save(commit=False):
            instance.org_scope = form.instance.org_scope
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(ComponentResource)
class ComponentResourceAdmin(ScopedAdmin):
    list_display = (
        "title",
        "sourced_id",
        "course_component",
        "resource",
        "sort_order",
        "lesson_type",
        "status",
    )
    list_filter = ("lesson_type", *_SOURCED_FILTERS)
    search_fields = ("sourced_id", "title", "course_component__sourced_id", "resource__sourced_id")
    list_select_related = ("course_component", "resource")
    autocomplete_fields = ("course_component", "resource", "org_scope")
