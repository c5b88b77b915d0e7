"""Walk every GET operation of the official OneRoster 1.2 documents against seeded data and
validate each 200 body (and some 4xx bodies) against the document's own schemas."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from roster.models import Course
from tests.conftest import shared_path
from tests.roster.factories import make_tenant

pytestmark = [pytest.mark.django_db, pytest.mark.official]

SERVICES = {
    "rostering": "onerosterv1p2rostersservice_openapi3_v1p0.json",
    "gradebook": "onerosterv1p2gradebookservice_openapi3_v1p0.json",
    "resources": "onerosterv1p2resourcesservice_openapi3_v1p0.json",
}
# Keys stripped before validation: the Timeback paging envelope, and Timeback extension
# fields that the official schemas (additionalProperties: false) do not declare.
ENVELOPE = ("totalCount", "pageCount", "pageNumber", "offset", "limit")
EXTENSIONS = {"academicSession": ("org",)}
# Timeback's response keys for /terms and /gradingPeriods, sent beside OneRoster's own.
KEY_ALIASES = ("terms", "term", "gradingPeriods", "gradingPeriod")

PARAMS = {
    "sourcedId": None,  # filled per collection below
    "schoolSourcedId": "a-school",
    "classSourcedId": "a-k-math",
    "courseSourcedId": "a-c-math",
    "studentSourcedId": "a-student",
    "teacherSourcedId": "a-teacher",
    "userSourcedId": "a-student",
    "termSourcedId": "a-t1",
    "lineItemSourcedId": "a-li",
    "academicSessionSourcedId": "a-t1",
}
ITEMS = {
    "orgs": "a-school",
    "schools": "a-school",
    "academicSessions": "a-t1",
    "terms": "a-t1",
    "gradingPeriods": "a-gp1",
    "courses": "a-c-math",
    "classes": "a-k-math",
    "enrollments": "a-e-student",
    "users": "a-student",
    "students": "a-student",
    "teachers": "a-teacher",
    "demographics": "a-student",
    "categories": "a-cat",
    "lineItems": "a-li",
    "results": "a-res",
    "scoreScales": "a-scale",
    "assessmentLineItems": "a-ali",
    "assessmentResults": "a-ares",
    "resources": "a-r",
}


def _deref(node: Any, doc: dict, depth: int = 0) -> Any:
    if depth > 30:
        raise AssertionError("schema nesting too deep")
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            return _deref(doc["components"]["schemas"][name], doc, depth + 1)
        return {k: _deref(v, doc, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, doc, depth + 1) for v in node]
    return node


def _strip(body: dict) -> dict:
    body = copy.deepcopy(body)
    for key in ENVELOPE:
        body.pop(key, None)
    if "academicSessions" in body or "academicSession" in body:
        for key in KEY_ALIASES:
            body.pop(key, None)
    for value in body.values():
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            if isinstance(row, dict) and "schoolYear" in row and "startDate" in row:
                for extra in EXTENSIONS["academicSession"]:
                    row.pop(extra, None)
    return body


def _get_ops():
    out = []
    for service, name in SERVICES.items():
        doc = json.loads(shared_path("fixtures", "oneroster", name).read_text())
        for path, item in doc["paths"].items():
            if "get" in item:
                out.append((service, path, item["get"]["operationId"]))
    return out


def _fill(path: str) -> str:
    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name == "sourcedId":
            return ITEMS[path.strip("/").split("/")[0]]
        return PARAMS[name]

    return re.sub(r"{(\w+)}", sub, path)


@pytest.fixture
def seeded(api_client_for):
    a = make_tenant("a")
    make_tenant("b")
    Course.objects.create(
        sourced_id="a-c-school",
        title="School course",
        course_code="SC",
        org=a.school,
        org_scope=a.school,
    )
    return api_client_for(a.district)


def test_every_official_get_validates(seeded):
    checked = 0
    for service, name in SERVICES.items():
        doc = json.loads(shared_path("fixtures", "oneroster", name).read_text())
        for path, item in doc["paths"].items():
            op = item.get("get")
            if op is None:
                continue
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            validator = OAS30Validator(_deref(schema, doc))
            url = f"/ims/oneroster/{service}/v1p2{_fill(path)}"
            response = seeded.get(url)
            assert response.status_code == 200, (url, response.json())
            body = response.json()
            values = [v for k, v in body.items() if k not in ENVELOPE]
            assert values and (not isinstance(values[0], list) or values[0]), url
            errors = sorted(validator.iter_errors(_strip(body)), key=str)
            assert not errors, (op["operationId"], url, [e.message for e in errors[:3]])
            checked += 1
    assert checked == len(_get_ops()) == 41 + 19 + 5


def test_error_bodies_validate_against_imsx(seeded):
    doc = json.loads(shared_path("fixtures", "oneroster", SERVICES["rostering"]).read_text())
    validator = OAS30Validator(_deref(doc["components"]["schemas"]["imsx_StatusInfoDType"], doc))
    base = "/ims/oneroster/rostering/v1p2"
    for url, code in [
        (f"{base}/users/nope", 404),
        (f"{base}/users?filter=bogus='x'", 400),
        (f"{base}/users?fields=bogus", 400),
        (f"{base}/users?limit=0", 400),
        (f"{base}/schools/nope/classes", 404),
    ]:
        response = seeded.get(url)
        assert response.status_code == code, url
        errors = list(validator.iter_errors(response.json()))
        assert not errors, (url, errors[:1])
