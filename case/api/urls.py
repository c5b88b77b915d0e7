"""HTTP routes of the CASE API, mounted at ``/ims/case/``: CASE 1.1 in Timeback's dialect
under ``v1p1/`` and the official 1.0 binding under ``v1p0/`` (same views, ``dialect`` set
per route). Reads exist in both; the item list, the package groups and the uploads are
v1p1's (the 1.0 binding has none of them).

Paths take an optional trailing slash and never redirect (a redirected PUT loses its body).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path

from case.api import alignment, views
from case.api.serializers import V1P0, V1P1, Dialect
from case.choices import DefinitionKind

app_name = "case-api"

_ID = r"(?P<identifier>[^/]+)"
_READ_ONLY = ["get", "head", "options"]


def _routes(dialect: Dialect) -> list[URLPattern]:
    prefix = dialect + "/"

    def route(path: str, view: type[views.CaseView], name: str, **kwargs: Any) -> URLPattern:
        return re_path(
            rf"^{prefix}{path}/?$",
            view.as_view(dialect=dialect, **kwargs),
            name=f"{dialect}-{name}",
        )

    read_only: dict[str, Any] = {} if dialect == V1P1 else {"http_method_names": _READ_ONLY}
    routes = [
        route("CFDocuments", views.DocumentListView, "cfdocuments-list"),
        route(f"CFDocuments/{_ID}", views.DocumentView, "cfdocuments"),
        route(f"CFItems/{_ID}", views.ItemView, "cfitems"),
        route(f"CFItemAssociations/{_ID}", views.ItemAssociationsView, "cfitemassociations"),
        route(f"CFAssociations/{_ID}", views.AssociationView, "cfassociations"),
        route(
            f"CFAssociationGroupings/{_ID}",
            views.DefinitionView,
            "cfassociationgroupings",
            kind=DefinitionKind.ASSOCIATION_GROUPING,
            key="CFAssociationGrouping",
        ),
        route(
            f"CFLicenses/{_ID}",
            views.DefinitionView,
            "cflicenses",
            kind=DefinitionKind.LICENSE,
            key="CFLicense",
        ),
        route(
            f"CFItemTypes/{_ID}",
            views.DefinitionSetView,
            "cfitemtypes",
            kind=DefinitionKind.ITEM_TYPE,
        ),
        route(
            f"CFConcepts/{_ID}", views.DefinitionSetView, "cfconcepts", kind=DefinitionKind.CONCEPT
        ),
        route(
            f"CFSubjects/{_ID}", views.DefinitionSetView, "cfsubjects", kind=DefinitionKind.SUBJECT
        ),
        route(f"CFRubrics/{_ID}", views.RubricView, "cfrubrics"),
        route(f"CFPackages/{_ID}", views.PackageView, "cfpackages", **read_only),
    ]
    if dialect == V1P1:
        routes += [
            route("CFItems", views.ItemListView, "cfitems-list"),
            route("CFPackages", views.PackageListView, "cfpackages-list"),
            route(f"CFPackages/{_ID}/groups", views.PackageGroupsView, "cfpackages-groups"),
            # Timeback's alignment extensions
            route(f"CFItems/{_ID}/alignments", alignment.ItemAlignmentsView, "cfitems-alignments"),
            route(f"CFItems/{_ID}/evidence", alignment.ItemEvidenceView, "cfitems-evidence"),
            route("alignments", alignment.ObjectStandardsView, "alignments"),
            route(f"students/{_ID}/evidence", alignment.StudentEvidenceView, "students-evidence"),
        ]
    return routes


urlpatterns = [*_routes(V1P1), *_routes(V1P0)]
