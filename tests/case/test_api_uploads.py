"""CASE package uploads (``POST /CFPackages``) and replacements (``PUT /CFPackages/{id}``):
the upload result, refusals that name each problem's place and store nothing, and the
scope × organisation matrix."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from case.models import CaseDocument, CaseItem
from roster.models import Org
from tests.case.conftest import READ, READ_V1P0, WRITE
from tests.case.fixtures import CHILD_A, DOC, package
from tests.case.schemas import v1p1_errors

pytestmark = pytest.mark.django_db

V1 = "/ims/case/v1p1"
V0 = "/ims/case/v1p0"


def post(client: APIClient, body: Any, **kw: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(f"{V1}/CFPackages", data, content_type="application/json", **kw)


def put(client: APIClient, identifier: str, body: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.put(f"{V1}/CFPackages/{identifier}", data, content_type="application/json")


def problems(response: Any) -> list[str]:
    return [d["path"] for d in response.json()["imsx_error_details"]]


def test_upload_creates_the_framework_and_answers_the_contract(
    client_a: APIClient, org_a: Org
) -> None:
    response = post(client_a, package())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "success": True,
        "message": "Framework 'Example Mathematics' created",
        "result": {
            "documentId": DOC,
            "stats": {"documents": 1, "items": 3, "associations": 5},
            "success": True,
        },
    }
    assert v1p1_errors(f"{V1}/CFPackages", "201", body, method="post") == []
    document = CaseDocument.objects.get(identifier=DOC)
    assert (document.org_scope_id, document.source) == (org_a.pk, "api")
    assert document.api_client_id is not None
    # What was uploaded is what the package answers.
    assert client_a.get(f"{V0}/CFPackages/{DOC}").json() == package()


def test_upload_accepts_the_wrapped_package(client_a: APIClient) -> None:
    response = post(client_a, {"CFPackage": package()})
    assert response.status_code == 201


def test_posting_again_replaces_in_place(client_a: APIClient) -> None:
    assert post(client_a, package()).status_code == 201
    changed = package()
    changed["CFItems"][1]["fullStatement"] = "Add and subtract fractions."
    again = post(client_a, changed)
    assert again.status_code == 200 and "replaced" in again.json()["message"]
    assert (
        CaseItem.objects.get(identifier=CHILD_A).full_statement
        == changed["CFItems"][1]["fullStatement"]
    )


def test_put_replaces_an_existing_framework(client_a: APIClient) -> None:
    assert post(client_a, package()).status_code == 201
    changed = package()
    del changed["CFItems"][2]
    changed["CFAssociations"] = changed["CFAssociations"][:1] + changed["CFAssociations"][2:4]
    response = put(client_a, DOC, changed)
    assert response.status_code == 200, response.content
    assert response.json()["result"]["stats"] == {"documents": 1, "items": 2, "associations": 3}
    assert client_a.get(f"{V0}/CFPackages/{DOC}").json() == changed


def test_put_of_an_unknown_framework_is_404_so_upsert_creates(client_a: APIClient) -> None:
    response = put(client_a, DOC, package())
    assert response.status_code == 404
    assert response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0][
        "imsx_codeMinorFieldValue"
    ] == ("unknownobject")
    assert not CaseDocument.objects.exists()


def test_put_naming_another_framework_than_its_path_is_400(client_a: APIClient) -> None:
    assert post(client_a, package()).status_code == 201
    other = package()
    other["CFDocument"]["identifier"] = "c0a80101-0000-4000-8000-00000000aaaa"
    response = put(client_a, DOC, other)
    assert response.status_code == 400
    assert problems(response) == ["CFDocument.identifier"]
    assert CaseDocument.objects.count() == 1


# ---- hostile and broken bodies -----------------------------------------------------------------


def _missing_title() -> dict[str, Any]:
    data = package()
    del data["CFDocument"]["title"]
    return data


def _wrong_types() -> dict[str, Any]:
    data = package()
    data["CFItems"][1]["educationLevel"] = "04"
    data["CFAssociations"][0]["sequenceNumber"] = {"n": 1}
    data["CFItems"][2]["lastChangeDateTime"] = "last tuesday"
    return data


def _not_a_list() -> dict[str, Any]:
    data = package()
    data["CFItems"] = {"identifier": CHILD_A}
    return data


def _duplicate() -> dict[str, Any]:
    data = package()
    data["CFItems"][2]["identifier"] = CHILD_A
    return data


@pytest.mark.parametrize(
    ("body", "status", "paths"),
    [
        (b"", 400, ["body"]),
        (b"{not json", 400, ["body"]),
        (b"\xff\xfe\x00", 400, ["body"]),
        ("[1, 2, 3]", 400, ["body"]),
        ('"a string"', 400, ["body"]),
        ({}, 422, ["CFDocument"]),
        ({"CFDocument": []}, 422, ["CFDocument"]),
        (_missing_title(), 422, ["CFDocument.title"]),
        (
            _wrong_types(),
            422,
            [
                "CFItems[1].educationLevel",
                "CFItems[2].lastChangeDateTime",
                "CFAssociations[0].sequenceNumber",
            ],
        ),
        (_not_a_list(), 422, ["CFItems"]),
        (_duplicate(), 422, ["CFItems[2]"]),
    ],
)
def test_broken_uploads_are_refused_naming_each_place_and_store_nothing(
    client_a: APIClient, body: Any, status: int, paths: list[str]
) -> None:
    response = post(client_a, body)
    assert response.status_code == status, response.content
    assert problems(response) == paths
    description = response.json()["imsx_description"]
    assert all(p in description for p in paths if p != "body")
    assert v1p1_errors(f"{V1}/CFPackages", str(status), response.json(), method="post") == []
    assert not CaseDocument.objects.exists() and not CaseItem.objects.exists()


@override_settings(CASE_MAX_PACKAGE_BYTES=2000)
def test_a_package_over_the_size_limit_is_refused_unread(client_a: APIClient) -> None:
    response = post(client_a, package())
    assert response.status_code == 400
    assert "over the limit of 2000" in response.json()["imsx_description"]
    assert not CaseDocument.objects.exists()


def test_a_deep_body_is_refused_cleanly(client_a: APIClient) -> None:
    response = post(client_a, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert not CaseDocument.objects.exists()


# ---- scopes × organisations ----------------------------------------------------------------------


def test_without_a_token_everything_is_401(framework: str) -> None:
    anonymous = APIClient()
    for url in (f"{V1}/CFDocuments", f"{V0}/CFDocuments/{DOC}", f"{V1}/CFPackages/{DOC}"):
        response = anonymous.get(url)
        assert response.status_code == 401
        assert "Authorization" in response.json()["imsx_description"]
    assert post(anonymous, package()).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.get(f"{V1}/CFDocuments").status_code == 401


def test_other_scopes_are_403(
    api_client_for: Callable[..., APIClient], org_b: Org, framework: str
) -> None:
    roster_admin = api_client_for(org_b, ("admin",))
    qti = api_client_for(org_b, ("https://purl.imsglobal.org/spec/qti/v3/scope/readonly",))
    for client in (roster_admin, qti):
        response = client.get(f"{V1}/CFDocuments")
        assert response.status_code == 403
        minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "forbidden"
        assert post(client, package()).status_code == 403


def test_readonly_reads_every_framework_but_cannot_upload(
    api_client_for: Callable[..., APIClient], org_b: Org, framework: str
) -> None:
    for scope in (READ, READ_V1P0):
        reader = api_client_for(org_b, (scope,))
        # org A's framework, read by org B: frameworks are public standards.
        assert reader.get(f"{V1}/CFPackages/{DOC}").status_code == 200
        assert reader.get(f"{V0}/CFDocuments").json()["CFDocuments"][0]["identifier"] == DOC
        assert post(reader, package()).status_code == 403
        assert put(reader, DOC, package()).status_code == 403


def test_createput_uploads_but_does_not_read(
    api_client_for: Callable[..., APIClient], org_b: Org
) -> None:
    writer = api_client_for(org_b, (WRITE,))
    assert post(writer, package()).status_code == 201
    assert writer.get(f"{V1}/CFDocuments/{DOC}").status_code == 403


def test_another_organisation_cannot_replace_a_framework(
    client_a: APIClient, client_b: APIClient
) -> None:
    assert post(client_a, package()).status_code == 201
    changed = package()
    changed["CFDocument"]["title"] = "Taken over"
    for response in (post(client_b, changed), put(client_b, DOC, changed)):
        assert response.status_code == 403
        assert problems(response) == ["CFDocument.identifier"]
        minor = response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]
        assert minor["imsx_codeMinorFieldValue"] == "forbidden"
    assert CaseDocument.objects.get().title == "Example Mathematics"
    # Its own organisation still may.
    assert put(client_a, DOC, changed).status_code == 200
    assert CaseDocument.objects.get().title == "Taken over"
