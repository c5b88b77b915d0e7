"""Every routed OneRoster operation, enumerated from the URLconf, with path parameters filled
from a tenant's objects (shared by the route, matrix and official-schema tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.test import RequestFactory

from roster.api import urls as api_urls

PREFIX = "/ims/oneroster/"

# Path parameter → Tenant attribute.
PARAM_OBJECTS = {
    "schoolSourcedId": "school",
    "classSourcedId": "klass",
    "courseSourcedId": "course",
    "studentSourcedId": "student",
    "teacherSourcedId": "teacher",
    "userSourcedId": "student",
    "termSourcedId": "term",
    "lineItemSourcedId": "line_item",
    "academicSessionSourcedId": "term",
    # Timeback extensions (credentials, Common Cartridge export).
    "userId": "student",
    "sourceId": "resource",
}

# Collection path (below the service) → Tenant attribute of its `{sourcedId}` item.
ITEM_OBJECTS = {
    "orgs": "school",
    "schools": "school",
    "academicSessions": "year",
    "terms": "term",
    "gradingPeriods": "grading_period",
    "courses": "course",
    "classes": "klass",
    "enrollments": "enrollment",
    "users": "student",
    "students": "student",
    "teachers": "teacher",
    "demographics": "demographics",
    "categories": "category",
    "lineItems": "line_item",
    "results": "result",
    "scoreScales": "score_scale",
    "assessmentLineItems": "assessment_line_item",
    "assessmentResults": "assessment_result",
    "resources": "resource",
    "courses/components": "component",
    "courses/component-resources": "component_resource",
}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # e.g. "rostering/v1p2/schools/{schoolSourcedId}/classes"
    view_class: Any
    initkwargs: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)

    @property
    def collection(self) -> str:
        """The path below the service up to the item id (for detail routes)."""
        return self.template.split("/v1p2/", 1)[1].rsplit("/{sourcedId}", 1)[0]

    def scopes(self) -> tuple[str, ...]:
        view = self.view_class(**self.initkwargs)
        request = RequestFactory().generic(self.method, "/")
        return view.required_scopes(request)

    def url(self, tenant: Any, **override: str) -> str:
        path = self.template
        for name in self.params:
            if name in override:
                value = override[name]
            elif name == "credentialId":
                # A credential is not a fixture object: tests register one and pass its id.
                value = getattr(tenant, "credential_id", "unregistered")
            elif name == "sourcedId":
                value = getattr(tenant, ITEM_OBJECTS[self.collection]).sourced_id
            else:
                value = getattr(tenant, PARAM_OBJECTS[name]).sourced_id
            path = path.replace("{" + name + "}", value)
        return PREFIX + path


def _template(regex: str) -> str:
    path = regex.lstrip("^").removesuffix("$").removesuffix("/?")
    return re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", path)


def operations() -> list[Operation]:
    ops = []
    for pattern in api_urls.urlpatterns:
        callback = pattern.callback
        kwargs = dict(callback.view_initkwargs)
        methods = kwargs.get("http_method_names", ["get"])
        for method in methods:
            if method in ("head", "options"):
                continue
            ops.append(
                Operation(
                    method=method.upper(),
                    template=_template(pattern.pattern.regex.pattern),
                    view_class=callback.view_class,
                    initkwargs=kwargs,
                )
            )
    return ops
