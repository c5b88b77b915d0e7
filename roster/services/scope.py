"""Which org subtree a row lives in (``org_scope``): one rule for REST writes, CSV imports
and the demo data alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SCOPE_RULES", "org_scope_from_refs"]

# model name → the references whose org_scope (or org id) a new row inherits, in order of
# preference; when none is set the row lives under the writer's home org (the API client's
# organisation, or the root org of a CSV package).
#   "org:<field>"   the referenced Org itself
#   "row:<field>"   the referenced row's org_scope
SCOPE_RULES: dict[str, tuple[str, ...]] = {
    "AcademicSession": ("org:org",),
    "Course": ("org:org",),
    "Class": ("org:school",),
    "Enrollment": ("org:school",),
    "User": ("org:primary_org", "roles"),  # else the org of the first role
    "Demographics": ("row:user",),
    "Category": (),
    "ScoreScale": ("row:klass", "row:course"),
    "LineItem": ("org:school", "row:klass"),
    "Result": ("row:line_item",),
    "AssessmentLineItem": ("row:klass", "row:course"),
    "AssessmentResult": ("row:assessment_line_item",),
    "Resource": (),
    "ClassResource": ("row:klass",),
    "CourseResource": ("row:course",),
    "UserResource": ("row:user",),
    "CourseComponent": ("row:course",),
    "ComponentResource": ("row:course_component",),
}


def org_scope_from_refs(
    *, model_name: str, refs: Mapping[str, Any], role_org_ids: Sequence[int] = ()
) -> tuple[int, str] | None:
    """(org pk, the reference it came from) by ``SCOPE_RULES``, or None when the row's
    references do not decide (the writer's home org applies then). ``refs`` maps the rule's
    field names to the referenced Org or row (or None)."""
    for rule in SCOPE_RULES.get(model_name, ()):
        if rule == "roles":
            if role_org_ids:
                return role_org_ids[0], "roles[0].org"
            continue
        kind, name = rule.split(":")
        ref = refs.get(name)
        if ref is None:
            continue
        return (ref.pk if kind == "org" else ref.org_scope_id), name
    return None
