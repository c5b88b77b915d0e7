"""Every operationId of the three official OneRoster 1.2 documents (and the Timeback
extensions we serve) is routed for its method and path."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.urls import Resolver404, resolve

from tests.conftest import shared_path

SERVICES = {
    "onerosterv1p2rostersservice_openapi3_v1p0.json": "rostering",
    "onerosterv1p2gradebookservice_openapi3_v1p0.json": "gradebook",
    "onerosterv1p2resourcesservice_openapi3_v1p0.json": "resources",
}
# Timeback operations deliberately not served (none: credentials and the Common Cartridge
# export are served too).
NOT_SERVED: set[str] = set()

# Used when ../shared is absent: a sample across the three services.
SAMPLE = [
    ("GET", "/ims/oneroster/rostering/v1p2/schools/s1/classes/c1/students"),
    ("GET", "/ims/oneroster/rostering/v1p2/terms/t1/gradingPeriods"),
    ("GET", "/ims/oneroster/gradebook/v1p2/classes/c1/lineItems/l1/results"),
    ("POST", "/ims/oneroster/gradebook/v1p2/classes/c1/academicSessions/a1/results"),
    ("PUT", "/ims/oneroster/gradebook/v1p2/assessmentResults/x"),
    ("DELETE", "/ims/oneroster/gradebook/v1p2/scoreScales/x"),
    ("GET", "/ims/oneroster/resources/v1p2/users/u1/resources"),
    ("POST", "/ims/oneroster/rostering/v1p2/courses/components"),
    ("GET", "/ims/oneroster/resources/v1p2/resources/classes/c1/resources"),
    ("POST", "/ims/oneroster/rostering/v1p2/users/u1/credentials"),
    ("POST", "/ims/oneroster/rostering/v1p2/users/u1/credentials/k1/decrypt"),
    ("POST", "/ims/oneroster/resources/v1p2/resources/export/r1"),
]


def _routed(method: str, path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    allowed = match.func.view_initkwargs.get("http_method_names", ["get"])
    return method.lower() in allowed


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", "x1", path)


@pytest.mark.parametrize(("method", "path"), SAMPLE)
def test_sample_operations_are_routed(method, path):
    assert _routed(method, path)
    assert _routed(method, path + "/") or method != "GET"


def _official_ops() -> list[tuple[str, str, str]]:
    ops = []
    for name, service in SERVICES.items():
        doc = json.loads(shared_path("fixtures", "oneroster", name).read_text())
        for path, item in doc["paths"].items():
            for method, op in item.items():
                ops.append(
                    (op["operationId"], method.upper(), f"/ims/oneroster/{service}/v1p2{path}")
                )
    return ops


@pytest.mark.official
def test_every_official_operation_is_routed():
    ops = _official_ops()
    assert len(ops) == 41 + 35 + 5
    missing = [(op, m, p) for op, m, p in ops if not _routed(m, _concrete(p))]
    assert missing == []


@pytest.mark.official
def test_every_timeback_operation_is_routed():
    doc = yaml.safe_load(shared_path("fixtures", "timeback", "oneroster-api.yaml").read_text())
    missing = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete"):
                continue
            if op.get("operationId") in NOT_SERVED:
                continue
            if not _routed(method, _concrete(path)):
                missing.append((method, path))
    assert missing == []
