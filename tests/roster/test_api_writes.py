"""Writes: PUT upsert (201/200), POST with server ids, DELETE, validation naming the field
with stored data unchanged, primary_role sync and org_scope derivation."""

from __future__ import annotations

import pytest

from roster.models import Course, Enrollment, LineItem, Result, User
from tests.roster.factories import make_tenant

pytestmark = pytest.mark.django_db

R = "/ims/oneroster/rostering/v1p2"
G = "/ims/oneroster/gradebook/v1p2"


@pytest.fixture
def a(db):
    return make_tenant("a")


@pytest.fixture
def api(a, api_client_for):
    return api_client_for(a.district)


def _field(response):
    return response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldName"]


def test_put_creates_then_replaces_and_syncs_primary_role(api, a):
    body = {
        "user": {
            "givenName": "Ann",
            "familyName": "Lee",
            "enabledUser": False,
            "roles": [
                {"roleType": "secondary", "role": "aide", "org": {"sourcedId": "a-school"}},
                {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "a-school"}},
            ],
            "metadata": {"isTestUser": True},
            "dateLastModified": "1999-01-01T00:00:00Z",
        }
    }
    response = api.put(f"{R}/users/u-new", body, format="json")
    assert response.status_code == 201
    user = User.objects.get(sourced_id="u-new")
    assert (user.primary_role, user.enabled_user, user.source_system) == ("teacher", False, "api")
    assert user.org_scope_id == a.school.pk
    assert user.date_last_modified.year > 2000
    assert response.json()["user"]["enabledUser"] == "false"
    body["user"]["roles"] = [{"roleType": "primary", "role": "student", "org": "a-school"}]
    body["user"]["enabledUser"] = "true"
    assert api.put(f"{R}/users/u-new", body, format="json").status_code == 200
    user.refresh_from_db()
    assert (user.primary_role, user.enabled_user) == ("student", True)
    assert [u["sourcedId"] for u in api.get(f"{R}/students").json()["users"]] == [
        "a-student",
        "u-new",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "T"}, "course"),
        ({"title": "T", "course": {"sourcedId": "nope"}, "school": "a-school"}, "course.sourcedId"),
        (
            {"title": "T", "course": "a-c-math", "school": "a-school", "classType": "odd"},
            "classType",
        ),
        ({"title": "", "course": "a-c-math", "school": "a-school"}, "title"),
        (
            {"title": "T", "course": "a-c-math", "school": "a-school", "terms": [{}]},
            "terms[0].sourcedId",
        ),
        ({"title": "T", "course": "a-c-math", "school": "a-school", "grades": "09"}, "grades"),
    ],
)
def test_invalid_class_is_422_naming_the_field_and_changes_nothing(api, a, body, field):
    before = a.klass.title
    response = api.put(f"{R}/classes/a-k-math", {"class": body}, format="json")
    assert response.status_code == 422, response.json()
    assert _field(response) == field
    a.klass.refresh_from_db()
    assert a.klass.title == before


def test_ext_tokens_and_enums(api):
    ok = {"title": "T", "course": "a-c-math", "school": "a-school", "classType": "ext:lab"}
    assert api.put(f"{R}/classes/k2", {"class": ok}, format="json").status_code == 201
    bad = {"user": "a-student", "class": "a-k-math", "role": "ext:"}
    response = api.put(f"{R}/enrollments/e2", {"enrollment": bad}, format="json")
    assert response.status_code == 422 and _field(response) == "role"


def test_post_allocates_sourced_ids(api):
    response = api.post(
        f"{G}/classes/a-k-math/lineItems",
        {"lineItems": [{"title": "A"}, {"sourcedId": "li-mine", "title": "B"}]},
        format="json",
    )
    assert response.status_code == 201
    pairs = response.json()["sourcedIdPairs"]
    assert pairs[1] == {"suppliedSourcedId": "li-mine", "allocatedSourcedId": "li-mine"}
    assert LineItem.objects.get(sourced_id="li-mine").klass.sourced_id == "a-k-math"
    response = api.post(
        f"{G}/lineItems/li-mine/results",
        {
            "results": [
                {
                    "student": "a-student",
                    "scoreStatus": "submitted",
                    "scoreDate": "2024-09-01T10:00:00Z",
                    "late": True,
                    "score": 300,
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 201
    result = Result.objects.get(
        sourced_id=response.json()["sourcedIdPairs"][0]["allocatedSourcedId"]
    )
    assert (result.late, result.score, str(result.score_date)) == (True, 300, "2024-09-01")


def test_batch_post_is_all_or_nothing(api):
    count = LineItem.objects.count()
    response = api.post(
        f"{G}/classes/a-k-math/lineItems",
        {"lineItems": [{"title": "A"}, {"title": "B", "category": "nope"}]},
        format="json",
    )
    assert response.status_code == 422
    assert _field(response) == "lineItems[1].category.sourcedId"
    assert LineItem.objects.count() == count


def test_timeback_single_post_and_enrollment_post(api):
    response = api.post(
        f"{R}/courses/",
        {"course": {"title": "Bio", "org": {"sourcedId": "a-school"}}},
        format="json",
    )
    assert response.status_code == 201
    pair = response.json()["sourcedIdPairs"]
    assert Course.objects.get(sourced_id=pair["allocatedSourcedId"]).org_scope.sourced_id == (
        "a-school"
    )
    response = api.post(
        f"{R}/classes/a-k-math/students",
        {"enrollment": {"user": {"sourcedId": "a-teacher"}, "primary": "true"}},
        format="json",
    )
    assert response.status_code == 201
    enrollment = Enrollment.objects.get(
        sourced_id=response.json()["sourcedIdPairs"]["allocatedSourcedId"]
    )
    assert (enrollment.role, enrollment.primary, enrollment.school.sourced_id) == (
        "student",
        True,
        "a-school",
    )
    dup = api.post(
        f"{R}/courses", {"course": {"sourcedId": "a-c-math", "title": "X"}}, format="json"
    )
    assert dup.status_code == 409


def test_delete_hides_the_row(api):
    assert api.delete(f"{G}/results/a-res").status_code == 204
    assert api.get(f"{G}/results/a-res").status_code == 404
    assert api.get(f"{G}/results").json()["totalCount"] == 0
    assert Result.objects.get(sourced_id="a-res").status == "tobedeleted"
    assert api.delete(f"{G}/results/a-res").status_code == 404


def test_body_id_must_match_path(api):
    response = api.put(
        f"{G}/categories/c1", {"category": {"sourcedId": "c2", "title": "x"}}, format="json"
    )
    assert response.status_code == 422 and _field(response) == "sourcedId"


def test_malformed_json_is_400(api):
    response = api.put(f"{G}/categories/c1", "{", content_type="application/json")
    assert response.status_code == 400


def test_course_structure_round_trip(api):
    body = {
        "courseComponent": {
            "course": {"sourcedId": "a-c-math"},
            "title": "Unit 2",
            "parent": {"sourcedId": "a-unit1"},
            "sortOrder": 2,
            "unlockDate": "2025-01-01T00:00:00.000Z",
        }
    }
    assert api.put(f"{R}/courses/components/u2", body, format="json").status_code == 201
    item = api.get(f"{R}/courses/components/u2").json()["courseComponent"]
    assert item["parent"]["sourcedId"] == "a-unit1"
    assert item["unlockDate"] == "2025-01-01T00:00:00.000Z"
    listed = api.get(f"{R}/courses/components?filter=course.sourcedId='a-c-math'").json()
    assert listed["totalCount"] == 2


def test_user_passwords_are_stored_sealed_and_never_returned(api_client_for):
    from roster.models import Org, User, UserProfile
    from roster.services.credentials import SECRET_FIELD, secret_open

    org = Org.objects.create(sourced_id="pw-district", name="PW", type="district")
    api = api_client_for(org, ["roster.createput", "roster.readonly"])
    body = {
        "user": {
            "enabledUser": "true",
            "givenName": "Pat",
            "familyName": "Word",
            "password": "top-secret",
            "roles": [
                {"roleType": "primary", "role": "student", "org": {"sourcedId": org.sourced_id}}
            ],
            "userProfiles": [
                {
                    "profileId": "pw-profile",
                    "profileType": "app",
                    "vendorId": "v",
                    "credentials": [{"type": "password", "username": "pat", "password": "app-pw"}],
                }
            ],
        }
    }
    response = api.put("/ims/oneroster/rostering/v1p2/users/pw-user", body, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(sourced_id="pw-user")
    assert user.password != "top-secret" and secret_open(token=user.password) == "top-secret"
    (cred,) = UserProfile.objects.get(sourced_id="pw-profile").credentials
    assert "password" not in cred and secret_open(token=cred[SECRET_FIELD]) == "app-pw"
    text = api.get("/ims/oneroster/rostering/v1p2/users/pw-user").content.decode()
    for secret in ("top-secret", "app-pw", user.password, cred[SECRET_FIELD]):
        assert secret not in text
