"""The staff framework browser and the admin's framework upload: who may see the pages, the
tree (levels, sibling order, child counts, paths), search by code and by text, the HTMX
fragments beside the full pages, the upload's report and refusals (nothing stored), and the
query counts of a tree level and a search page, the same for a framework of 3 items and one
of several hundred."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from case.models import CaseAssociation, CaseDocument, CaseItem
from case.selectors.tree import (
    LEVEL_LIMIT,
    item_path,
    standards_search,
    tree_children,
    tree_opened,
)
from case.services.files import csv_document_identifier
from case.services.packages import framework_import
from dashboards.services import developer_account_create
from roster.models import Org, User, UserRole
from tests.case.fixtures import CHILD_A, CHILD_B, DOC, ROOT, WHEN, package

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
BASE = "https://standards.example.org/ims/case/v1p1"


# ---- data ------------------------------------------------------------------------------------


def store(data: dict[str, Any]) -> CaseDocument:
    report = framework_import(package=data, source="file", source_ref="test")
    assert report.ok, report.problems
    return CaseDocument.objects.get(identifier=report.document)


def _link(kind: str, ident: str) -> dict[str, str]:
    return {"title": ident, "identifier": ident, "uri": f"{BASE}/{kind}/{ident}"}


def built_package(
    *,
    name: str,
    title: str,
    levels: list[list[dict[str, Any]]] | None = None,
    fan: int = 0,
    depth: int = 0,
    code: str = "BIG",
) -> dict[str, Any]:
    """A framework named ``name``: either ``fan`` children per node down ``depth`` levels
    (codes ``BIG.1.2.3``), or the top-level items given (each: code, statement, sequence,
    list enumeration)."""
    doc = str(uuid.uuid5(uuid.NAMESPACE_URL, f"doc:{name}"))
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def add(parent: str, parent_kind: str, fields: dict[str, Any], sequence: int | None) -> str:
        ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"item:{name}:{len(items)}"))
        items.append(
            {
                "identifier": ident,
                "uri": f"{BASE}/CFItems/{ident}",
                "lastChangeDateTime": WHEN,
                **fields,
            }
        )
        association: dict[str, Any] = {
            "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, f"assoc:{name}:{ident}")),
            "uri": f"{BASE}/CFAssociations/{ident}",
            "associationType": "isChildOf",
            "originNodeURI": _link("CFItems", ident),
            "destinationNodeURI": _link(parent_kind, parent),
            "lastChangeDateTime": WHEN,
        }
        if sequence is not None:
            association["sequenceNumber"] = sequence
        associations.append(association)
        return ident

    def grow(parent: str, kind: str, prefix: str, level: int) -> None:
        if level > depth:
            return
        for n in range(1, fan + 1):
            hcs = f"{prefix}.{n}"
            statement = f"Statement {hcs} about fractions" if level == depth else f"Group {hcs}"
            ident = add(parent, kind, {"humanCodingScheme": hcs, "fullStatement": statement}, n)
            grow(ident, "CFItems", hcs, level + 1)

    if levels is not None:
        for fields in levels[0]:
            sequence = fields.pop("sequence", None)
            add(doc, "CFDocuments", fields, sequence)
    else:
        grow(doc, "CFDocuments", code, 1)
    return {
        "CFDocument": {
            "identifier": doc,
            "uri": f"{BASE}/CFDocuments/{doc}",
            "creator": "Tests",
            "title": title,
            "lastChangeDateTime": WHEN,
        },
        "CFItems": items,
        "CFAssociations": associations,
    }


@pytest.fixture
def framework() -> CaseDocument:
    return store(package())


@pytest.fixture
def big() -> CaseDocument:
    # 6 + 36 + 216 = 258 items, three levels deep.
    return store(built_package(name="big", title="Big framework", fan=6, depth=3))


def _login(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username=username, password="x", **extra)


@pytest.fixture
def logins() -> dict[str, Any]:
    """A login of every kind: staff (a teacher), a student, a developer, an administrator."""
    school = Org.objects.create(sourced_id="case-school", name="Case School", type="school")

    def person(sourced_id: str, role: str) -> Any:
        user = User.objects.create(
            sourced_id=sourced_id,
            given_name="A",
            family_name="B",
            email=f"{sourced_id}@example.org",
            primary_org=school,
            primary_role=role,
            org_scope=school,
        )
        UserRole.objects.create(user=user, role_type="primary", role=role, org=school)
        login = _login(sourced_id)
        User.objects.filter(pk=user.pk).update(login=login)
        return login

    developer = developer_account_create(username="case-dev", password="x", organisation=school)
    return {
        "staff": person("case-teacher", "teacher"),
        "student": person("case-student", "student"),
        "developer": developer.login,
        "admin": get_user_model().objects.create_superuser("case-root", "r@example.org", "x"),
    }


def client_for(login: Any) -> Client:
    client = Client()
    client.force_login(login)
    return client


@pytest.fixture
def admin_client_(logins: dict[str, Any]) -> Client:
    return client_for(logins["admin"])


def identifiers(nodes: list[Any]) -> list[str]:
    return [n.item.identifier for n in nodes]


def codes(nodes: list[Any]) -> list[str]:
    return [n.item.human_coding_scheme for n in nodes]


# ---- who may see -----------------------------------------------------------------------------


def test_only_staff_and_administrators_see_the_standards(
    framework: CaseDocument, logins: dict[str, Any]
) -> None:
    urls = ["/standards/", f"/standards/{DOC}/", f"/standards/{DOC}/?open={ROOT}"]
    urls.append("/standards/search/?q=EX")
    for url in urls:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302, url
        assert anonymous["Location"].startswith("/accounts/login/"), url
        for kind in ("student", "developer"):
            assert client_for(logins[kind]).get(url).status_code == 404, (kind, url)
        for kind in ("staff", "admin"):
            assert client_for(logins[kind]).get(url).status_code == 200, (kind, url)


def test_the_nav_links_the_standards_for_staff_only(
    framework: CaseDocument, logins: dict[str, Any]
) -> None:
    link = 'href="/standards/">Standards</a>'
    assert link in client_for(logins["staff"]).get("/dashboard/").content.decode()
    assert link in client_for(logins["admin"]).get("/standards/").content.decode()
    developer = client_for(logins["developer"]).get("/dashboard/").content.decode()
    assert link not in developer
    student_tests = client_for(logins["student"]).get("/qti/tests/").content.decode()
    assert link not in student_tests


def test_unknown_frameworks_and_items_are_404(
    framework: CaseDocument, admin_client_: Client
) -> None:
    assert admin_client_.get("/standards/no-such-framework/").status_code == 404
    assert admin_client_.get(f"/standards/{DOC}/?open=no-such-item").status_code == 404
    assert admin_client_.get("/standards/search/?q=x&framework=nope").status_code == 404


# ---- the frameworks --------------------------------------------------------------------------


def test_the_frameworks_page_lists_each_with_its_counts(
    framework: CaseDocument, big: CaseDocument, admin_client_: Client
) -> None:
    text = admin_client_.get("/standards/").content.decode()
    row = re.search(rf'<tr data-identifier="{DOC}">(.*?)</tr>', text, re.S)
    assert row is not None
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()
    assert cells == ("Example Mathematics v1.0 Example Standards Board Mathematics Adopted 3 5"), (
        cells
    )
    assert f'href="/standards/{DOC}/"' in text
    assert "Big framework" in text and ">258<" in text
    assert 'role="search"' in text and 'action="/standards/search/"' in text


# ---- the tree --------------------------------------------------------------------------------


def test_a_level_is_the_children_in_order_with_their_child_counts(
    framework: CaseDocument,
) -> None:
    top, more = tree_children(document=framework, parent=DOC)
    assert identifiers(top) == [ROOT] and more == 0
    assert top[0].child_count == 2
    # CHILD_B's link comes first in the package; the sequence numbers put CHILD_A first.
    children, _ = tree_children(document=framework, parent=ROOT)
    assert identifiers(children) == [CHILD_A, CHILD_B]
    assert [c.child_count for c in children] == [0, 0]
    assert tree_children(document=framework, parent=CHILD_A) == ([], 0)


def test_siblings_order_by_sequence_then_enumeration_then_code_then_position() -> None:
    data = built_package(
        name="order",
        title="Order",
        levels=[
            [
                {"fullStatement": "p9 no keys"},
                {"fullStatement": "code A.11", "humanCodingScheme": "A.11"},
                {"fullStatement": "code a.3", "humanCodingScheme": "a.3"},
                {"fullStatement": "enum 10", "listEnumeration": "10", "humanCodingScheme": "Z"},
                {"fullStatement": "enum 2", "listEnumeration": "2", "humanCodingScheme": "Y"},
                {"fullStatement": "seq 5", "sequence": 5, "humanCodingScheme": "Q"},
                {"fullStatement": "seq 1", "sequence": 1, "humanCodingScheme": "R"},
                {"fullStatement": "p10 no keys"},
            ]
        ],
    )
    document = store(data)
    top, _ = tree_children(document=document, parent=document.identifier)
    assert [n.item.full_statement for n in top] == [
        "seq 1",
        "seq 5",
        "enum 2",
        "enum 10",
        "code a.3",
        "code A.11",
        "p9 no keys",
        "p10 no keys",
    ]


def test_a_level_shows_at_most_the_limit_and_counts_the_rest(
    settings: Any, monkeypatch: pytest.MonkeyPatch, big: CaseDocument
) -> None:
    monkeypatch.setattr("case.selectors.tree.LEVEL_LIMIT", 4)
    top, more = tree_children(document=big, parent=big.identifier)
    assert codes(top) == ["BIG.1", "BIG.2", "BIG.3", "BIG.4"] and more == 2
    assert LEVEL_LIMIT >= 500


def test_the_path_of_an_item_and_the_opened_branch(big: CaseDocument) -> None:
    leaf = CaseItem.objects.get(document=big, human_coding_scheme="BIG.2.3.4")
    path = item_path(item=leaf)
    assert [s.label for s in path] == [
        "Big framework",
        "BIG.2 Group BIG.2",
        "BIG.2.3 Group BIG.2.3",
    ]
    assert path[0].item is None and path[0].identifier == big.identifier
    top, _ = tree_opened(document=big, path=path, item=leaf)
    assert codes(top) == [f"BIG.{n}" for n in range(1, 7)]
    assert [n.children is not None for n in top] == [False, True, False, False, False, False]
    second = top[1].children
    assert second is not None and codes(second)[2] == "BIG.2.3"
    third = second[2].children
    assert third is not None and codes(third)[3] == "BIG.2.3.4" and third[3].on_path
    assert third[3].children == [] and third[3].child_count == 0


def test_a_cycle_of_parents_ends(framework: CaseDocument) -> None:
    # ROOT isChildOf CHILD_A, which isChildOf ROOT: the path walk stops.
    CaseAssociation.objects.create(
        document=framework,
        identifier="cycle",
        position=99,
        association_type="isChildOf",
        origin_identifier=ROOT,
        destination_identifier=CHILD_A,
        data={},
    )
    path = item_path(item=CaseItem.objects.get(identifier=CHILD_A))
    assert path[0].identifier == DOC and len(path) <= 3


# ---- the framework page ----------------------------------------------------------------------


def test_the_framework_page_shows_the_top_level_and_the_framework(
    framework: CaseDocument, admin_client_: Client
) -> None:
    response = admin_client_.get(f"/standards/{DOC}/")
    text = response.content.decode()
    assert "<html" in text and "<h1>Example Mathematics</h1>" in text
    root = CaseItem.objects.get(identifier=ROOT)
    # The top level: ROOT closed, its children loaded over HTMX on first opening, and a real
    # link for browsers without JS.
    assert f'id="node-{root.pk}"' in text
    assert f'hx-get="/standards/{DOC}/?open={ROOT}" hx-trigger="toggle once"' in text
    assert f'href="/standards/{DOC}/?open={ROOT}#node-{root.pk}"' in text
    assert "2 items" in text and CHILD_A not in text
    assert "About this framework" in text and "Example Standards Board" in text


def test_opening_an_item_shows_its_branch_and_detail(
    framework: CaseDocument, admin_client_: Client
) -> None:
    text = admin_client_.get(f"/standards/{DOC}/?open={CHILD_A}").content.decode()
    root = CaseItem.objects.get(identifier=ROOT)
    child_a = CaseItem.objects.get(identifier=CHILD_A)
    # The branch is open down to the item, the item is marked as the current one.
    assert re.search(rf'id="node-{root.pk}"[^\n]*\n[^\n]*\n\s*<details open>', text)
    assert f'id="group-{root.pk}"' in text and f'id="node-{child_a.pk}"' in text
    assert 'aria-current="true"' in text
    # The detail panel: path, statement, code, type, levels, associations, JSON.
    detail = text[text.index('<section id="detail"') :]
    assert 'aria-label="Path"' in detail and f'href="/standards/{DOC}/?open={ROOT}"' in detail
    assert "Add fractions with like denominators." in detail
    assert (
        "<dd>EX.NO.1</dd>" in detail and "<dd>Standard</dd>" in detail and "<dd>04</dd>" in detail
    )
    assert '<tr data-type="exactMatchOf">' in detail and '<tr data-type="precedes">' in detail
    assert f'href="/standards/{DOC}/?open={CHILD_B}"' in detail
    assert 'href="https://other.example.org/CFItems/external-4nfb3"' in detail
    assert "not stored here" in detail
    assert "&quot;conceptKeywords&quot;" in detail  # the item's JSON


def test_the_other_end_of_an_association_sees_it_too(
    framework: CaseDocument, admin_client_: Client
) -> None:
    text = admin_client_.get(f"/standards/{DOC}/?open={CHILD_B}").content.decode()
    detail = text[text.index('<section id="detail"') :]
    assert '<tr data-type="precedes">' in detail and "other → this" in detail
    assert f'href="/standards/{DOC}/?open={CHILD_A}"' in detail


def test_htmx_expands_a_node_with_its_children_only(
    framework: CaseDocument, admin_client_: Client
) -> None:
    root = CaseItem.objects.get(identifier=ROOT)
    url = f"/standards/{DOC}/?open={ROOT}"
    fragment = admin_client_.get(url, **HX, HTTP_HX_TARGET=f"group-{root.pk}").content.decode()
    assert "<html" not in fragment and 'id="detail"' not in fragment
    assert fragment.lstrip().startswith(f'<ul class="case-tree" id="group-{root.pk}">')
    assert fragment.index("EX.NO.1") < fragment.index("EX.NO.2")
    detail = admin_client_.get(url, **HX, HTTP_HX_TARGET="detail").content.decode()
    assert detail.lstrip().startswith('<section id="detail"') and "<html" not in detail
    assert "Number and operations" in detail
    # htmx aiming elsewhere (or no htmx) gets the whole page, as a reload would.
    assert "<html" in admin_client_.get(url).content.decode()


# ---- search ----------------------------------------------------------------------------------


def test_search_by_code_prefix_ignores_case(framework: CaseDocument) -> None:
    hits = standards_search(query="ex.no.").hits
    assert [h.item.identifier for h in hits] == [CHILD_A, CHILD_B]
    assert all(h.by_code for h in hits)
    assert [s.label for s in hits[0].path] == ["Example Mathematics", "EX.NO Number and operations"]
    # A prefix, not a substring.
    assert standards_search(query="NO.1").hits == []


def test_search_by_text_in_full_and_abbreviated_statements(framework: CaseDocument) -> None:
    assert [h.item.identifier for h in standards_search(query="BENCHMARKS").hits] == [CHILD_B]
    hits = standards_search(query="add fractions").hits
    assert [h.item.identifier for h in hits] == [CHILD_A] and not hits[0].by_code
    assert standards_search(query="   ").page is None


def test_search_within_one_framework_or_all_and_by_pages(
    framework: CaseDocument, big: CaseDocument
) -> None:
    everywhere = standards_search(query="fractions")
    assert everywhere.page is not None and everywhere.page.paginator.count == 2 + 216
    assert {h.item.document_id for h in everywhere.hits} == {big.pk}  # first page: BIG codes
    mine = standards_search(query="fractions", framework=framework)
    assert mine.page is not None and mine.page.paginator.count == 2
    last = standards_search(query="fractions", page=5)
    assert last.page is not None and len(last.hits) == 218 - 4 * 50
    assert last.hits[-1].item.document_id == framework.pk
    deep = standards_search(query="BIG.6.6.6").hits
    assert [s.label for s in deep[0].path] == [
        "Big framework",
        "BIG.6 Group BIG.6",
        "BIG.6.6 Group BIG.6.6",
    ]


def test_the_search_page_and_its_live_fragment(
    framework: CaseDocument, admin_client_: Client
) -> None:
    url = f"/standards/search/?q=ex.no.&framework={DOC}"
    text = admin_client_.get(url).content.decode()
    assert "<html" in text and 'hx-push-url="true"' in text and 'id="search-results"' in text
    assert "2 items for “ex.no.”" in text and "in Example Mathematics" in text
    assert f'href="/standards/{DOC}/?open={CHILD_A}"' in text
    assert f'<option value="{DOC}" selected>' in text
    fragment = admin_client_.get(url, **HX, HTTP_HX_TARGET="search-results").content.decode()
    assert fragment.lstrip().startswith('<section id="search-results"')
    assert "<html" not in fragment and "Example Mathematics" in fragment
    none = admin_client_.get("/standards/search/?q=zzz", **HX, HTTP_HX_TARGET="search-results")
    assert "No item for “zzz”" in none.content.decode()


def test_search_pages_keep_the_query(big: CaseDocument, admin_client_: Client) -> None:
    text = admin_client_.get("/standards/search/?q=fractions").content.decode()
    assert "216 items" in text
    assert 'href="?q=fractions&amp;page=2"' in text
    assert 'hx-target="#search-results"' in text


# ---- query counts ----------------------------------------------------------------------------


def _queries(client: Client, url: str, **headers: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_framework(
    framework: CaseDocument,
    big: CaseDocument,
    admin_client_: Client,
    django_assert_num_queries: Any,
) -> None:
    root = CaseItem.objects.get(identifier=ROOT)
    top = CaseItem.objects.get(document=big, human_coding_scheme="BIG.1")
    group = {**HX}
    # session, login; framework, item; the level (links, items, child counts)
    with django_assert_num_queries(7):
        admin_client_.get(
            f"/standards/{DOC}/?open={ROOT}", **group, HTTP_HX_TARGET=f"group-{root.pk}"
        )
    with django_assert_num_queries(7):
        admin_client_.get(
            f"/standards/{big.identifier}/?open={top.identifier}",
            **group,
            HTTP_HX_TARGET=f"group-{top.pk}",
        )
    # + the path (edges up, ancestors), the associations (1 + 2 for their far ends), the
    # opened levels (3), whatever the depth, and the aligned content and evidence (2: nothing
    # is aligned here, so no query per kind).
    small_page = _queries(admin_client_, f"/standards/{DOC}/?open={CHILD_A}")
    leaf = CaseItem.objects.get(document=big, human_coding_scheme="BIG.3.3.3")
    big_page = _queries(admin_client_, f"/standards/{big.identifier}/?open={leaf.identifier}")
    assert small_page == 14 and big_page == 12  # the big framework has no other associations
    # session, login; count, page, paths (edges up, ancestors); the frameworks for the select
    with django_assert_num_queries(7):
        admin_client_.get("/standards/search/?q=fractions")
    with django_assert_num_queries(6):
        admin_client_.get("/standards/search/?q=ex.no", **HX, HTTP_HX_TARGET="search-results")
    with django_assert_num_queries(6):
        admin_client_.get("/standards/search/?q=BIG.2", **HX, HTTP_HX_TARGET="search-results")
    with django_assert_num_queries(3):
        admin_client_.get("/standards/")


# ---- the admin upload ------------------------------------------------------------------------


def upload(client: Client, name: str, content: bytes, **fields: Any) -> Any:
    return client.post(
        "/admin/case/casedocument/import/",
        {"package": SimpleUploadedFile(name, content), **fields},
    )


def test_the_changelist_offers_the_upload_to_those_who_may(
    logins: dict[str, Any], admin_client_: Client
) -> None:
    text = admin_client_.get("/admin/case/casedocument/").content.decode()
    assert "Import a framework" in text and 'action="/admin/case/casedocument/import/"' in text
    viewer = _login("case-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_casedocument"))
    client = client_for(viewer)
    listing = client.get("/admin/case/casedocument/")
    assert listing.status_code == 200 and "Import a framework" not in listing.content.decode()
    assert client.get("/admin/case/casedocument/import/").status_code == 403
    assert upload(client, "f.json", json.dumps(package()).encode()).status_code == 403
    assert not CaseDocument.objects.exists()
    viewer.user_permissions.add(Permission.objects.get(codename="add_casedocument"))
    client = client_for(get_user_model().objects.get(pk=viewer.pk))
    assert "Import a framework" in client.get("/admin/case/casedocument/").content.decode()
    assert upload(client, "f.json", json.dumps(package()).encode()).status_code == 200
    assert CaseDocument.objects.filter(identifier=DOC).exists()


def test_an_uploaded_package_is_imported_with_its_report(admin_client_: Client) -> None:
    response = upload(admin_client_, "math.json", json.dumps({"CFPackage": package()}).encode())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Imported math.json" in text and "Created" in text
    assert '<ul id="import-checks">' in text and "JSON parsed" in text
    counts = re.search(r'<table id="import-counts">(.*?)</table>', text, re.S)
    assert counts is not None and '<th scope="row">items</th><td>3</td>' in counts.group(1)
    assert f'href="/standards/{DOC}/"' in text
    document = CaseDocument.objects.get(identifier=DOC)
    assert (document.source, document.source_ref) == ("upload", "math.json")
    assert CaseItem.objects.filter(document=document).count() == 3
    # Again: the same framework, unchanged.
    again = upload(admin_client_, "math.json", json.dumps(package()).encode()).content.decode()
    assert "Updated" in again and "<td>0</td><td>0</td><td>3</td><td>0</td>" in again
    assert CaseDocument.objects.count() == 1


def test_a_dry_run_stores_nothing(admin_client_: Client) -> None:
    response = upload(admin_client_, "math.json", json.dumps(package()).encode(), dry_run="on")
    assert response.status_code == 200 and "would import" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_refused_uploads_store_nothing_and_say_why(admin_client_: Client) -> None:
    broken = upload(admin_client_, "broken.json", b"{not json")
    assert broken.status_code == 400
    assert "Refused: broken.json, nothing stored" in broken.content.decode()
    assert "the file is not JSON" in broken.content.decode()
    bad = package()
    del bad["CFDocument"]["title"]
    bad["CFItems"][1]["lastChangeDateTime"] = "yesterday"
    response = upload(admin_client_, "bad.json", json.dumps(bad).encode())
    assert response.status_code == 400
    problems = re.search(
        r'<table id="import-problems">(.*?)</table>', response.content.decode(), re.S
    )
    assert problems is not None
    assert "<code>CFDocument.title</code></td><td>is required" in problems.group(1)
    assert "<code>CFItems[1].lastChangeDateTime</code>" in problems.group(1)
    assert not CaseDocument.objects.exists() and not CaseItem.objects.exists()
    # A CSV needs a title; one whose rows name a missing parent is refused whole.
    rows = (
        "identifier,fullStatement,humanCodingScheme,smartLevel\nA,Alpha,C.1,1\nB,Beta,C.1.1,1.1\n"
    )
    untitled = upload(admin_client_, "items.csv", rows.encode())
    assert untitled.status_code == 400 and "needs the framework" in untitled.content.decode()
    orphan = "identifier,fullStatement,smartLevel\nA,Alpha,1\nB,Beta,2.1\n"
    refused = upload(admin_client_, "orphan.csv", orphan.encode(), title="Orphans")
    assert refused.status_code == 400 and "has no parent row" in refused.content.decode()
    assert not CaseDocument.objects.exists() and not CaseAssociation.objects.exists()


def test_a_csv_of_items_becomes_a_framework(admin_client_: Client) -> None:
    rows = (
        "identifier,fullStatement,humanCodingScheme,smartLevel\n"
        "A,Alpha domain,C.1,1\nB,Beta standard,C.1.2,1.2\nD,Delta standard,C.1.1,1.1\n"
    )
    response = upload(admin_client_, "items.csv", rows.encode(), title="CSV framework")
    assert response.status_code == 200, response.content.decode()
    identifier = csv_document_identifier(file_name="items.csv")
    document = CaseDocument.objects.get(identifier=identifier)
    assert document.title == "CSV framework"
    top, _ = tree_children(document=document, parent=identifier)
    assert codes(top) == ["C.1"]
    children, _ = tree_children(document=document, parent=top[0].identifier)
    assert codes(children) == ["C.1.1", "C.1.2"]


def test_the_case_models_are_read_only_in_the_admin(
    framework: CaseDocument, admin_client_: Client, django_assert_max_num_queries: Any
) -> None:
    from django.contrib import admin
    from django.urls import reverse

    seen = set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.app_label != "case":
            continue
        seen.add(opts.model_name)
        with django_assert_max_num_queries(8):
            listing = admin_client_.get(reverse(f"admin:case_{opts.model_name}_changelist"))
        assert listing.status_code == 200, opts.model_name
        obj = model._default_manager.first()
        change = admin_client_.get(reverse(f"admin:case_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.model_name
        assert not model_admin.has_change_permission(listing.wsgi_request, obj)
        assert not model_admin.has_add_permission(listing.wsgi_request)
    assert {"casedocument", "caseitem", "caseassociation", "casedefinition", "caserubric"} <= seen
    browse = admin_client_.get(reverse("admin:case_casedocument_changelist")).content.decode()
    assert f'href="/standards/{DOC}/">Open the tree</a>' in browse


def test_an_item_shows_its_aligned_content_and_evidence_to_its_schools_staff(
    aligned: dict[str, Any],
) -> None:
    from case.services.alignment import evidence_refresh
    from tests.case.alignment_world import result_add

    result_add(aligned, aligned["a"].students[0], 10, 1)
    evidence_refresh()
    school = aligned["a"].school
    teacher = User.objects.create(
        sourced_id="al-teacher",
        given_name="T",
        family_name="A",
        primary_org=school,
        primary_role="teacher",
        org_scope=school,
    )
    UserRole.objects.create(user=teacher, role_type="primary", role="teacher", org=school)
    login = _login("al-teacher")
    User.objects.filter(pk=teacher.pk).update(login=login)
    html = client_for(login).get(f"/standards/{DOC}/?open={CHILD_A}").content.decode()
    assert "Fractions quiz" in html and "Adding fractions" in html
    assert "Fractions video" in html  # the district's, above the school: it serves the school
    assert "Other org&#x27;s video" not in html and "Other org's video" not in html
    assert "1 student with graded results on this standard; 1 mastered" in html
