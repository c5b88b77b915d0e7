"""Reads: paging, headers, field selection, search, filters over HTTP, query counts, shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roster.models import User, UserRole
from tests.roster.factories import make_tenant
from tests.roster.routes import operations

pytestmark = pytest.mark.django_db

BASE = "/ims/oneroster/rostering/v1p2"
RESPONSES = Path(__file__).parent / "responses"


@pytest.fixture
def a(db):
    return make_tenant("a")


@pytest.fixture
def api(a, api_client_for):
    make_tenant("b")
    return api_client_for(a.district)


def _minor(response):
    return response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]


def test_paging_envelope_and_headers(api, a):
    for i in range(5):
        user = User.objects.create(
            sourced_id=f"a-extra-{i}",
            given_name="E",
            family_name=str(i),
            org_scope=a.school,
            primary_role="student",
        )
        UserRole.objects.create(user=user, role="student", org=a.school)
    response = api.get(f"{BASE}/users?limit=2&offset=2")
    body = response.json()
    assert response["X-Total-Count"] == "7"
    assert [u["sourcedId"] for u in body["users"]] == ["a-extra-2", "a-extra-3"]
    assert (body["totalCount"], body["pageCount"], body["pageNumber"]) == (7, 4, 2)
    assert (body["offset"], body["limit"]) == (2, 2)
    link = response["Link"]
    assert 'offset=4>; rel="next"' in link and 'offset=0>; rel="prev"' in link
    assert 'offset=6>; rel="last"' in link and 'rel="first"' in link
    last = api.get(f"{BASE}/users?limit=2&offset=6")
    assert 'rel="next"' not in last["Link"]


def test_trailing_slash_and_sort(api):
    plain = api.get(f"{BASE}/orgs?sort=name&orderBy=desc").json()["orgs"]
    slash = api.get(f"{BASE}/orgs/?sort=name&orderBy=desc").json()["orgs"]
    assert plain == slash
    assert [o["name"] for o in plain] == ["a High", "a District"]


@pytest.mark.parametrize(
    ("query", "field", "minor"),
    [
        ("limit=0", "limit", "invaliddata"),
        ("limit=3001", "limit", "invaliddata"),
        ("offset=x", "offset", "invaliddata"),
        ("sort=nope", "sort", "invaliddata"),
        ("filter=nope='x'", "nope", "invalid_filter_field"),
        ("filter=givenName='x", "filter", "invaliddata"),
        ("fields=nope", "nope", "invalid_selection_field"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, query, field, minor):
    response = api.get(f"{BASE}/users?{query}")
    assert response.status_code == 400
    assert _minor(response) == {
        "imsx_codeMinorFieldName": field,
        "imsx_codeMinorFieldValue": minor,
    }


def test_fields_on_single_get(api):
    body = api.get(f"{BASE}/users/a-student?fields=sourcedId,givenName").json()
    assert body == {"user": {"sourcedId": "a-student", "givenName": "Student"}}
    assert api.get(f"{BASE}/users/a-student?fields=x").status_code == 400


def test_filter_and_search_over_http(api):
    users = api.get(f"{BASE}/users?filter=roles.role='teacher'").json()["users"]
    assert [u["sourcedId"] for u in users] == ["a-teacher"]
    found = api.get(f"{BASE}/users?search=student@a").json()["users"]
    assert [u["sourcedId"] for u in found] == ["a-student"]
    results = api.get(
        "/ims/oneroster/gradebook/v1p2/results?filter=student.sourcedId='a-student'"
    ).json()
    assert results["totalCount"] == 1


def test_students_teachers_schools_terms_are_typed(api):
    assert [u["sourcedId"] for u in api.get(f"{BASE}/students").json()["users"]] == ["a-student"]
    assert [u["sourcedId"] for u in api.get(f"{BASE}/teachers").json()["users"]] == ["a-teacher"]
    assert [o["type"] for o in api.get(f"{BASE}/schools").json()["orgs"]] == ["school"]
    gps = api.get(f"{BASE}/terms/a-t1/gradingPeriods").json()["academicSessions"]
    assert [g["type"] for g in gps] == ["gradingPeriod"]
    assert api.get(f"{BASE}/teachers/a-student").status_code == 404


def test_booleans_are_strings_and_refs_absolute(api):
    user = api.get(f"{BASE}/users/a-student").json()["user"]
    assert user["enabledUser"] == "true"
    assert user["roles"][0]["org"] == {
        "href": "http://testserver/ims/oneroster/rostering/v1p2/orgs/a-school",
        "sourcedId": "a-school",
        "type": "org",
    }
    demo = api.get(f"{BASE}/demographics/a-student").json()["demographics"]
    assert (demo["asian"], demo["white"]) == ("true", "false")
    assert "blackOrAfricanAmerican" not in demo
    assert demo["birthDate"] == "2010-05-01"
    assert user["dateLastModified"].endswith("Z")
    password = user["userProfiles"][0]["credentials"][0]
    assert "password" not in password


def test_user_with_demographics(api):
    body = api.get(f"{BASE}/users/a-student/demographics").json()["user"]
    assert body["demographics"]["sex"] == "female"


def _list_ops():
    return [op for op in operations() if op.method == "GET" and not op.template.endswith("}")]


@pytest.mark.parametrize("op", _list_ops(), ids=lambda op: op.template)
def test_list_endpoints_do_not_query_per_row(api, a, op, django_assert_max_num_queries):
    # token, cache-missed grant (api client + 2 levels of orgs), parents, count, page, prefetches
    with django_assert_max_num_queries(14):
        response = api.get(op.url(a))
    assert response.status_code == 200


def test_user_list_query_count_is_flat(api, a, django_assert_num_queries):
    api.get(f"{BASE}/users")  # warm the grant cache
    # token, page, roles, profiles, agents, resources (a short page needs no COUNT)
    with django_assert_num_queries(6) as ctx:
        api.get(f"{BASE}/users")
    for i in range(10):
        user = User.objects.create(
            sourced_id=f"a-more-{i}", given_name="M", family_name=str(i), org_scope=a.school
        )
        UserRole.objects.create(user=user, role="student", org=a.school)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = api.get(f"{BASE}/users")
    assert response.json()["totalCount"] == 12
    # A full page does not know the total: one COUNT more, still flat in the page size.
    with django_assert_num_queries(len(ctx.captured_queries) + 1):
        response = api.get(f"{BASE}/users?limit=5")
    assert response.json()["totalCount"] == 12
    assert response["X-Total-Count"] == "12"


def test_total_count_without_count_query_is_exact(api, a):
    """Short pages derive the total from offset + rows; the figures match a real COUNT."""
    full = api.get(f"{BASE}/users?limit=1").json()["totalCount"]
    for offset in range(full + 2):
        body = api.get(f"{BASE}/users?limit=1&offset={offset}").json()
        assert body["totalCount"] == full
    assert api.get(f"{BASE}/users?limit=100").json()["totalCount"] == full


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("user", f"{BASE}/users/a-student"),
        ("class", f"{BASE}/classes/a-k-math"),
        ("result", "/ims/oneroster/gradebook/v1p2/results/a-res"),
        ("enrollments_page", f"{BASE}/enrollments?limit=1"),
    ],
)
def test_pinned_response_shapes(api, name, url):
    body = api.get(url).json()

    def scrub(node):
        if isinstance(node, dict):
            return {k: ("<dt>" if k == "dateLastModified" else scrub(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node

    expected = json.loads((RESPONSES / f"{name}.json").read_text())
    assert scrub(body) == expected


@pytest.mark.parametrize(
    ("path", "one", "key", "alias", "single", "single_alias"),
    [
        ("terms", "a-t1", "academicSessions", "terms", "academicSession", "term"),
        (
            "gradingPeriods",
            "a-gp1",
            "academicSessions",
            "gradingPeriods",
            "academicSession",
            "gradingPeriod",
        ),
    ],
)
def test_terms_and_grading_periods_carry_timeback_keys_too(
    api_client_for, path, one, key, alias, single, single_alias
):
    """Timeback's client reads `terms` / `term` / `gradingPeriods`; OneRoster says
    `academicSessions` / `academicSession`. Both are sent."""
    tenant = make_tenant("a")
    api = api_client_for(tenant.district, ["roster.readonly"])
    body = api.get(f"/ims/oneroster/rostering/v1p2/{path}").json()
    assert body[key] and body[key] == body[alias]
    body = api.get(f"/ims/oneroster/rostering/v1p2/{path}/{one}").json()
    assert body[single]["sourcedId"] == one
    assert body[single] == body[single_alias]
    nested = api.get("/ims/oneroster/rostering/v1p2/schools/a-school/terms").json()
    assert nested["academicSessions"] == nested["terms"]


def test_user_relations_in_lists_and_singles(api, a):
    """Roles (with dates), agents and resources read as plain rows match the model."""
    from datetime import date

    from roster.models import Resource, UserResource

    guardian = User.objects.create(
        sourced_id="a-guardian", given_name="G", family_name="Uardian", org_scope=a.school
    )
    UserRole.objects.create(
        user=guardian,
        role="guardian",
        org=a.school,
        begin_date=date(2024, 9, 1),
        end_date=date(2025, 6, 30),
        user_profile="https://app.example/profiles/1",
    )
    guardian.agents.add(a.student)
    resource = Resource.objects.create(
        sourced_id="a-guardian-res", vendor_resource_id="v-1", org_scope=a.school
    )
    UserResource.objects.create(
        sourced_id="a-guardian-link", user=guardian, resource=resource, org_scope=a.school
    )
    listed = {
        u["sourcedId"]: u
        for u in api.get(f"{BASE}/users?filter=familyName='Uardian'").json()["users"]
    }["a-guardian"]
    single = api.get(f"{BASE}/users/a-guardian").json()["user"]
    for body in (listed, single):
        assert body["roles"] == [
            {
                "roleType": "primary",
                "role": "guardian",
                "org": {
                    "href": "http://testserver/ims/oneroster/rostering/v1p2/orgs/a-school",
                    "sourcedId": "a-school",
                    "type": "org",
                },
                "userProfile": "https://app.example/profiles/1",
                "beginDate": "2024-09-01",
                "endDate": "2025-06-30",
            }
        ]
        assert [g["sourcedId"] for g in body["agents"]] == ["a-student"]
        assert [r["sourcedId"] for r in body["resources"]] == ["a-guardian-res"]
