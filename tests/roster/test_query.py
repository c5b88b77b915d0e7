"""The filter grammar, paging and field selection, including hostile input."""

from __future__ import annotations

import pytest
from django.db.models import Q

from roster.api.query import (
    InvalidFilter,
    InvalidQuery,
    InvalidSelection,
    link_header,
    page_envelope,
    parse_clauses,
    parse_filter,
    parse_list_params,
    tokenize,
)
from roster.api.serializers import ENTITY_OUTPUT
from roster.models import Org, User
from tests.roster.factories import make_tenant

ORG = ENTITY_OUTPUT["org"]
USER = ENTITY_OUTPUT["user"]


def test_tokenize_simple_clause():
    assert tokenize("name='A'") == [("field", "name"), ("op", "="), ("value", "A")]


def test_tokenize_doubled_quote_is_a_literal_quote():
    assert tokenize("name='O''Brien'")[-1] == ("value", "O'Brien")


@pytest.mark.parametrize("op", ["=", "!=", ">", ">=", "<", "<=", "~"])
def test_every_predicate(op):
    [[clause]] = parse_clauses(f"name{op}'x'")
    assert clause.op == op


def test_and_binds_tighter_than_or():
    groups = parse_clauses("name='a' AND type='school' OR name='b'")
    assert [[c.value for c in g] for g in groups] == [["a", "school"], ["b"]]


def test_dotted_field_names():
    [[clause]] = parse_clauses("roles.org.sourcedId='x'")
    assert clause.field == "roles.org.sourcedId"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name='abc", "unterminated"),
        ("name", "expected"),
        ("name=abc", "single quotes"),
        ("name=='a'", "single quotes"),
        ("name like 'a'", "predicate"),
        ("name='a' AND", "dangling"),
        ("name='a' XOR type='b'", "AND or OR"),
        ("name='a' and type='b'", "AND or OR"),
        ("'a'='a'", "field name"),
        ("", "empty"),
        ("name='a'; DROP TABLE roster_org; --", "unexpected"),
        ("name='a' OR 1=1", "unexpected"),
        ('name="a"', "unexpected"),
        ("(name='a')", "unexpected"),
    ],
)
def test_bad_syntax_is_a_400_naming_the_problem(text, message):
    with pytest.raises(InvalidQuery) as err:
        parse_filter(text, ORG.filters)
    assert message in err.value.message
    assert err.value.status_code == 400


def test_huge_input_is_refused_without_work():
    with pytest.raises(InvalidQuery, match="longer than"):
        parse_filter("name='" + "a" * 100_000 + "'", ORG.filters)


def test_too_many_clauses_are_refused():
    text = " OR ".join(f"name='{i}'" for i in range(30))
    with pytest.raises(InvalidQuery, match="more than"):
        parse_filter(text, ORG.filters)


def test_unknown_field_is_invalid_filter_field():
    with pytest.raises(InvalidFilter) as err:
        parse_filter("password='x'", ORG.filters)
    assert err.value.code_minor == "invalid_filter_field"


def test_orm_paths_cannot_be_named_directly():
    with pytest.raises(InvalidFilter):
        parse_filter("parent__sourced_id='x'", ORG.filters)
    with pytest.raises(InvalidFilter):
        parse_filter("metadata.a.b='x'", ORG.filters)


@pytest.mark.parametrize(
    "text",
    ["dateLastModified>'yesterday'", "enabledUser='maybe'", "dateLastModified~'2024'"],
)
def test_bad_values_are_400(text):
    with pytest.raises(InvalidQuery):
        parse_filter(text, USER.filters)


@pytest.mark.django_db
def test_filters_run_against_the_database():
    a = make_tenant("a")
    make_tenant("b")

    def ids(model, text, out):
        q, many = parse_filter(text, out.filters)
        qs = model.objects.all()
        qs = qs.filter(pk__in=model.objects.filter(q).values("pk")) if many else qs.filter(q)
        return sorted(qs.values_list("sourced_id", flat=True))

    assert ids(Org, "type='school'", ORG) == ["a-school", "b-school"]
    assert ids(Org, "name~'DISTRICT'", ORG) == ["a-district", "b-district"]
    assert ids(Org, "type='school' AND name~'a ' OR sourcedId='b-district'", ORG) == [
        "a-school",
        "b-district",
    ]
    assert ids(Org, "parent.sourcedId='a-district'", ORG) == ["a-school"]
    assert ids(Org, "type!='school'", ORG) == ["a-district", "b-district"]
    assert ids(User, "roles.role='teacher'", USER) == ["a-teacher", "b-teacher"]
    assert ids(User, "roles.org.sourcedId='a-school' AND roles.role='student'", USER) == [
        "a-student"
    ]
    assert ids(User, "enabledUser='true' AND grades='09'", USER) == ["a-student", "b-student"]
    assert ids(User, "grades~'0'", USER) == ["a-student", "b-student"]
    assert ids(User, "dateLastModified>'2000-01-01T00:00:00Z'", USER) == [
        "a-student",
        "a-teacher",
        "b-student",
        "b-teacher",
    ]
    assert ids(User, "dateLastModified<'2000-01-01'", USER) == []
    assert ids(User, "metadata.isTestUser='true'", USER) == []
    assert a.student.sourced_id == "a-student"


def test_list_params_defaults_and_bounds():
    params = parse_list_params({}, ORG.filters, ORG.field_names)
    assert (params.limit, params.offset, params.order_by) == (100, 0, ("sourced_id",))
    assert parse_list_params({"limit": "3000"}, ORG.filters, ORG.field_names).limit == 3000
    for bad in ("0", "3001", "-1", "x"):
        with pytest.raises(InvalidQuery) as err:
            parse_list_params({"limit": bad}, ORG.filters, ORG.field_names)
        assert err.value.field == "limit"
    with pytest.raises(InvalidQuery):
        parse_list_params({"offset": "-3"}, ORG.filters, ORG.field_names)


def test_sort_and_order_by():
    params = parse_list_params({"sort": "name", "orderBy": "desc"}, ORG.filters, ORG.field_names)
    assert params.order_by == ("-name", "sourced_id")
    with pytest.raises(InvalidQuery, match="sort"):
        parse_list_params({"sort": "nope"}, ORG.filters, ORG.field_names)
    with pytest.raises(InvalidQuery, match="orderBy"):
        parse_list_params({"orderBy": "up"}, ORG.filters, ORG.field_names)
    with pytest.raises(InvalidQuery, match="sort"):
        parse_list_params({"sort": "roles.role"}, USER.filters, USER.field_names)


def test_fields_selection():
    params = parse_list_params({"fields": "sourcedId, name"}, ORG.filters, ORG.field_names)
    assert params.fields == ("sourcedId", "name")
    with pytest.raises(InvalidSelection) as err:
        parse_list_params({"fields": "sourcedId,bogus"}, ORG.filters, ORG.field_names)
    assert err.value.code_minor == "invalid_selection_field"


def test_page_envelope_and_links():
    env = page_envelope(key="orgs", items=[], total=250, limit=100, offset=100)
    assert env == {
        "orgs": [],
        "totalCount": 250,
        "pageCount": 3,
        "pageNumber": 2,
        "offset": 100,
        "limit": 100,
    }
    link = link_header(
        url="http://x/orgs", params={"filter": "a='b'"}, total=250, limit=100, offset=100
    )
    assert 'offset=200>; rel="next"' in link
    assert 'offset=0>; rel="prev"' in link
    assert 'rel="first"' in link and 'offset=200>; rel="last"' in link
    last = link_header(url="http://x/orgs", params={}, total=250, limit=100, offset=200)
    assert 'rel="next"' not in last


def test_empty_q_for_no_filter():
    params = parse_list_params({"filter": ""}, ORG.filters, ORG.field_names)
    assert params.filter_q is None
    assert isinstance(parse_filter("name='x'", ORG.filters)[0], Q)
