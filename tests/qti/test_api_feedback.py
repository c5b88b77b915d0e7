"""The QTI API's learner feedback: ``POST /question``, ``POST /lesson``, ``GET
/lesson/{lessonId}`` and ``DELETE /{id}`` in Timeback's paths and shapes, with QTI scopes and
org tenancy; and ``/{id}`` at the site root claiming no other path."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from qti.models import FEEDBACK_MAX_LENGTH, QtiFeedback
from roster.models import Org
from tests.qti.conftest import ALL, DELETE, READ, WRITE
from tests.qti.test_api import _openapi_schema, _validate, create_item

pytestmark = pytest.mark.django_db

LESSON = "lesson-fractions-1"


def feedback_body(**extra: Any) -> dict[str, Any]:
    return {"lessonId": LESSON, "userId": "student-7", "feedback": "Step 2 was unclear.", **extra}


def post_feedback(client: APIClient, path: str = "/lesson", **extra: Any) -> Any:
    return client.post(path, feedback_body(**extra), format="json")


# ---------------------------------------------------------------------------------------------
# Happy paths
# ---------------------------------------------------------------------------------------------


def test_create_question_feedback(client_a: APIClient, org_a: Org) -> None:
    response = post_feedback(client_a, "/question", questionId="q-3", humanApproved=True)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["type"] == "QUESTION"
    assert (data["lessonId"], data["questionId"], data["userId"]) == (LESSON, "q-3", "student-7")
    assert data["feedback"] == "Step 2 was unclear." and data["humanApproved"] is True
    assert uuid.UUID(data["id"]) and data["createdAt"].endswith("Z")
    stored = QtiFeedback.objects.get()
    assert str(stored.public_id) == data["id"]
    assert stored.kind == "question" and stored.question_id == "q-3"
    assert stored.org_scope == org_a and stored.api_client is not None


def test_create_lesson_feedback(client_a: APIClient) -> None:
    response = post_feedback(client_a, "/lesson", feedback="  Loved it!\n")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["type"] == "LESSON" and "questionId" not in data
    assert data["humanApproved"] is False
    # The text is stored as given, surrounding whitespace included.
    assert data["feedback"] == "  Loved it!\n"
    assert QtiFeedback.objects.get().feedback == "  Loved it!\n"
    # A null questionId is no question; a trailing slash is the same path.
    again = client_a.post("/lesson/", feedback_body(questionId=None), format="json")
    assert again.status_code == 201 and "questionId" not in again.json()


def test_get_lesson_feedback_lists_the_lessons_feedback_oldest_first(
    client_a: APIClient,
) -> None:
    first = post_feedback(client_a, "/lesson").json()
    second = post_feedback(client_a, "/question", questionId="q-1", userId="student-8").json()
    post_feedback(client_a, "/lesson", lessonId="another-lesson")
    response = client_a.get(f"/lesson/{LESSON}")
    assert response.status_code == 200
    assert response.json() == [first, second]
    assert client_a.get("/lesson/no-feedback-here").json() == []


def test_a_lesson_id_may_hold_a_slash(client_a: APIClient) -> None:
    created = post_feedback(client_a, "/lesson", lessonId="course/1/lesson 2").json()
    response = client_a.get("/lesson/course%2F1%2Flesson%202")
    assert response.status_code == 200 and response.json() == [created]


def test_delete_feedback(client_a: APIClient) -> None:
    kept = post_feedback(client_a).json()
    gone = post_feedback(client_a, userId="student-9").json()
    response = client_a.delete(f"/{gone['id']}")
    assert response.status_code == 200
    assert response.json() == {"message": "Feedback deleted"}
    assert client_a.get(f"/lesson/{LESSON}").json() == [kept]
    again = client_a.delete(f"/{gone['id']}")
    assert again.status_code == 404
    assert again.json()["meta"]["issues"][0]["field"] == "id"
    assert client_a.delete(f"/{gone['id'].upper()}/").status_code == 404
    assert QtiFeedback.objects.count() == 1


def test_list_query_count_is_pinned(client_a: APIClient, django_assert_num_queries: Any) -> None:
    for n in range(5):
        post_feedback(client_a, userId=f"student-{n}")
    with django_assert_num_queries(1):  # the feedback (the token is cached)
        assert len(client_a.get(f"/lesson/{LESSON}").json()) == 5


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

INVALID: list[tuple[dict[str, Any], str]] = [
    # (changes to a good body, the field named)
    ({"userId": ...}, "userId"),
    ({"lessonId": ...}, "lessonId"),
    ({"feedback": ...}, "feedback"),
    ({"userId": ""}, "userId"),
    ({"lessonId": "   "}, "lessonId"),
    ({"feedback": " \n\t "}, "feedback"),
    ({"userId": None}, "userId"),
    ({"userId": 42}, "userId"),
    ({"lessonId": ["a"]}, "lessonId"),
    ({"feedback": {"text": "hi"}}, "feedback"),
    ({"feedback": True}, "feedback"),
    ({"questionId": 5}, "questionId"),
    ({"questionId": ""}, "questionId"),
    ({"humanApproved": "yes"}, "humanApproved"),
    ({"humanApproved": 1}, "humanApproved"),
    ({"feedback": "x" * (FEEDBACK_MAX_LENGTH + 1)}, "feedback"),
    ({"lessonId": "l" * 256}, "lessonId"),
    ({"userId": "u" * 256}, "userId"),
    ({"questionId": "q" * 256}, "questionId"),
    ({"userId": "student\x00"}, "userId"),
    ({"feedback": "bell\x07"}, "feedback"),
]


@pytest.mark.parametrize("path", ["/question", "/lesson"])
@pytest.mark.parametrize(("change", "field"), INVALID)
def test_bad_input_is_400_naming_the_field_and_stores_nothing(
    client_a: APIClient, path: str, change: dict[str, Any], field: str
) -> None:
    kept = post_feedback(client_a).json()
    body = feedback_body(**change)
    body = {k: v for k, v in body.items() if v is not ...}
    response = client_a.post(path, body, format="json")
    assert response.status_code == 400, response.content
    data = response.json()
    assert [issue["field"] for issue in data["meta"]["issues"]] == [field]
    assert data["meta"]["issues"][0]["message"].startswith(f"{field}: ")
    assert field in data["details"]
    _validate(data, _openapi_schema(path, "post", "400"))
    assert client_a.get(f"/lesson/{LESSON}").json() == [kept]
    assert QtiFeedback.objects.count() == 1


def test_the_longest_feedback_is_taken(client_a: APIClient) -> None:
    response = post_feedback(client_a, feedback="x" * FEEDBACK_MAX_LENGTH)
    assert response.status_code == 201
    assert len(QtiFeedback.objects.get().feedback) == FEEDBACK_MAX_LENGTH


def test_several_bad_fields_are_all_named(client_a: APIClient) -> None:
    response = client_a.post("/question", {"feedback": 3}, format="json")
    assert response.status_code == 400
    fields = {issue["field"] for issue in response.json()["meta"]["issues"]}
    assert fields == {"lessonId", "userId", "feedback"}


def test_a_body_that_is_not_a_json_object_is_refused(client_a: APIClient) -> None:
    listed = client_a.post("/lesson", [feedback_body()], format="json")
    assert listed.status_code == 400
    assert listed.json()["meta"]["issues"][0]["field"] == "body"
    xml = client_a.post("/lesson", "<feedback/>", content_type="application/xml")
    assert xml.status_code == 415
    broken = client_a.post("/lesson", "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert QtiFeedback.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Scopes and tenancy
# ---------------------------------------------------------------------------------------------


def test_no_token_is_401(client_a: APIClient) -> None:
    created = post_feedback(client_a).json()
    anonymous = APIClient()
    for response in (
        anonymous.post("/question", feedback_body(), format="json"),
        anonymous.post("/lesson", feedback_body(), format="json"),
        anonymous.get(f"/lesson/{LESSON}"),
        anonymous.delete(f"/{created['id']}"),
    ):
        assert response.status_code == 401
        assert response.json()["meta"]["issues"][0]["field"] == "Authorization"
    assert QtiFeedback.objects.count() == 1


OPERATIONS: list[tuple[str, str, str]] = [
    # (method, path, scope it needs); "{id}" is a stored feedback's id
    ("post", "/question", WRITE),
    ("post", "/lesson", WRITE),
    ("get", f"/lesson/{LESSON}", READ),
    ("delete", "/{id}", DELETE),
]


@pytest.mark.parametrize("scope", [READ, WRITE, DELETE])
def test_scope_matrix(
    scope: str, api_client_for: Callable[..., APIClient], client_a: APIClient, org_a: Org
) -> None:
    limited = api_client_for(org_a, (scope,))
    for method, path, needed in OPERATIONS:
        created = post_feedback(client_a).json()
        before = QtiFeedback.objects.count()
        url = path.replace("{id}", created["id"])
        if method == "post":
            response = limited.post(url, feedback_body(questionId="q-1"), format="json")
        else:
            response = getattr(limited, method)(url)
        # As everywhere in the QTI API, createput also reads; readonly never writes.
        allowed = scope == needed or (needed == READ and scope == WRITE)
        if allowed:
            assert response.status_code < 300, (scope, method, path, response.content)
        else:
            assert response.status_code == 403, (scope, method, path, response.status_code)
            assert response.json()["meta"]["issues"][0]["field"] == "scope"
            assert QtiFeedback.objects.count() == before
        QtiFeedback.objects.all().delete()


def test_clients_of_two_orgs_never_see_or_delete_each_others_feedback(
    client_a: APIClient, client_b: APIClient, org_a: Org, org_b: Org
) -> None:
    a_row = post_feedback(client_a, "/question", questionId="q-1").json()
    assert client_b.get(f"/lesson/{LESSON}").json() == []
    response = client_b.delete(f"/{a_row['id']}")
    assert response.status_code == 404
    assert QtiFeedback.objects.filter(public_id=a_row["id"]).exists()
    # B's feedback on the same lesson is B's, kept in B's org.
    b_row = post_feedback(client_b, userId="student-b").json()
    assert client_b.get(f"/lesson/{LESSON}").json() == [b_row]
    assert client_a.get(f"/lesson/{LESSON}").json() == [a_row]
    assert QtiFeedback.objects.get(public_id=b_row["id"]).org_scope == org_b
    assert client_a.delete(f"/{b_row['id']}").status_code == 404
    assert QtiFeedback.objects.count() == 2


def test_a_client_granted_another_org_sees_and_deletes_its_feedback(
    api_client_for: Callable[..., APIClient], client_a: APIClient, org_a: Org, org_b: Org
) -> None:
    a_row = post_feedback(client_a).json()
    granted = api_client_for(org_b, ALL, grants=[org_a])
    assert granted.get(f"/lesson/{LESSON}").json() == [a_row]
    # What it writes is its own org's.
    own = post_feedback(granted, userId="student-b").json()
    assert QtiFeedback.objects.get(public_id=own["id"]).org_scope == org_b
    assert client_a.get(f"/lesson/{LESSON}").json() == [a_row]
    assert granted.delete(f"/{a_row['id']}").status_code == 200
    assert not QtiFeedback.objects.filter(public_id=a_row["id"]).exists()


# ---------------------------------------------------------------------------------------------
# /{id} at the site root claims no other path
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "options", "head"])
def test_other_methods_on_a_feedback_path_are_404(client_a: APIClient, method: str) -> None:
    created = post_feedback(client_a).json()
    for client in (client_a, APIClient()):
        response = getattr(client, method)(f"/{created['id']}")
        assert response.status_code == 404, (method, response.status_code)
    assert QtiFeedback.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_single_segment_root_path_is_404(client_a: APIClient, method: str) -> None:
    for client in (client_a, APIClient()):
        assert getattr(client, method)("/nothing-here").status_code == 404
        assert getattr(client, method)("/nothing-here/").status_code == 404


def test_the_other_root_paths_still_answer(client_a: APIClient, client: Any) -> None:
    # The QTI API itself.
    assert create_item(client_a).status_code == 201
    assert client_a.get("/assessment-items").status_code == 200
    assert client_a.get("/assessment-items/add-1").status_code == 200
    validated = client_a.post("/validate", {"schema": "item", "xml": "<x/>"}, format="json")
    assert validated.status_code == 200
    # The APIs mounted before it (they ask for their own scopes, not for a QTI path).
    anonymous = APIClient()
    assert anonymous.get("/caliper/events").status_code == 401
    assert anonymous.get("/jobs/some-job/status").status_code == 401
    assert anonymous.get("/edubridge/analytics/activity").status_code == 401
    assert anonymous.get("/xp/1.0/users/u-1/entries").status_code == 401
    # The pages mounted after it, and Django's slash redirects of single-segment paths.
    assert client.get("/").status_code in (200, 302)
    assert client.get("/dashboard/").status_code in (200, 302)
    for path in ("/dashboard", "/admin", "/accounts/login"):
        response = client.get(path)
        assert response.status_code == 301 and response["Location"] == f"{path}/", path
    assert client.get("/accounts/login/").status_code == 200


# ---------------------------------------------------------------------------------------------
# Against the OpenAPI document
# ---------------------------------------------------------------------------------------------


def test_responses_match_the_openapi_schemas(client_a: APIClient) -> None:
    question = post_feedback(client_a, "/question", questionId="q-1")
    _validate(question.json(), _openapi_schema("/question", "post", "201"))
    lesson = post_feedback(client_a, "/lesson", humanApproved=False)
    _validate(lesson.json(), _openapi_schema("/lesson", "post", "201"))
    listed = client_a.get(f"/lesson/{LESSON}").json()
    assert len(listed) == 2
    _validate(listed, _openapi_schema("/lesson/{lessonId}", "get", "200"))
    _validate([], _openapi_schema("/lesson/{lessonId}", "get", "200"))
    deleted = client_a.delete(f"/{lesson.json()['id']}")
    _validate(deleted.json(), _openapi_schema("/{id}", "delete", "200"))
    missing = client_a.delete(f"/{lesson.json()['id']}")
    _validate(missing.json(), _openapi_schema("/{id}", "delete", "404"))
    invalid = client_a.post("/question", {"feedback": ""}, format="json")
    _validate(invalid.json(), _openapi_schema("/question", "post", "400"))
