"""OneRoster CSV import: happy paths, bulk/delta semantics, and every rejection class."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest
from django.core.management import call_command

from roster.models import (
    AcademicSession,
    Class,
    Course,
    Demographics,
    Enrollment,
    LineItem,
    Org,
    Result,
    User,
    UserProfile,
    UserRole,
)
from roster.services.credentials import SECRET_FIELD, secret_open
from roster.services.csv_import import ArchiveLimits, ImportReport, oneroster_csv_import
from tests.roster.csvpkg import header, make_package, row

pytestmark = pytest.mark.django_db


def district_files(prefix: str = "d1", *, n_students: int = 3) -> dict[str, list[list[str]]]:
    """A small but complete district: every rostering, gradebook and resources file."""
    p = prefix
    users = [header("users", metadata=["house"])]
    roles = [header("roles")]
    enrollments = [header("enrollments")]
    demographics = [header("demographics")]
    profiles = [header("userProfiles")]
    results = [header("results")]
    users.append(
        row(
            "users",
            {
                "sourcedId": f"{p}-t1",
                "enabledUser": "true",
                "username": f"{p}teach",
                "givenName": "Tina",
                "familyName": "Teacher",
                "email": "t@example.org",
                "userIds": "{ldap:t1},{sis:T-1}",
                "primaryOrgSourcedId": f"{p}-s1",
            },
            metadata=["house"],
        )
    )
    roles.append(
        row(
            "roles",
            {
                "sourcedId": f"{p}-r-t1",
                "userSourcedId": f"{p}-t1",
                "roleType": "primary",
                "role": "teacher",
                "orgSourcedId": f"{p}-s1",
            },
        )
    )
    enrollments.append(
        row(
            "enrollments",
            {
                "sourcedId": f"{p}-e-t1",
                "classSourcedId": f"{p}-c1",
                "schoolSourcedId": f"{p}-s1",
                "userSourcedId": f"{p}-t1",
                "role": "teacher",
                "primary": "true",
            },
        )
    )
    for i in range(1, n_students + 1):
        sid = f"{p}-u{i}"
        users.append(
            row(
                "users",
                {
                    "sourcedId": sid,
                    "enabledUser": "true",
                    "username": f"{p}user{i}",
                    "givenName": f"Given{i}",
                    "familyName": f"Family{i}",
                    "grades": "09,10",
                    "agentSourcedIds": f"{p}-t1" if i == 1 else "",
                    "password": f"pw-{i}" if i == 1 else "",
                    "metadata.house": "red" if i == 1 else "",
                },
                metadata=["house"],
            )
        )
        roles.append(
            row(
                "roles",
                {
                    "sourcedId": f"{p}-r-{i}",
                    "userSourcedId": sid,
                    "roleType": "primary",
                    "role": "student",
                    "orgSourcedId": f"{p}-s1",
                    "beginDate": "2024-08-01",
                },
            )
        )
        enrollments.append(
            row(
                "enrollments",
                {
                    "sourcedId": f"{p}-e{i}",
                    "classSourcedId": f"{p}-c1",
                    "schoolSourcedId": f"{p}-s1",
                    "userSourcedId": sid,
                    "role": "student",
                    "beginDate": "2024-08-15",
                },
            )
        )
        demographics.append(
            row(
                "demographics",
                {"sourcedId": sid, "birthDate": "2010-02-03", "sex": "female", "asian": "true"},
            )
        )
        results.append(
            row(
                "results",
                {
                    "sourcedId": f"{p}-res{i}",
                    "lineItemSourcedId": f"{p}-li1",
                    "studentSourcedId": sid,
                    "scoreStatus": "fully graded",
                    "score": "9.5",
                    "scoreDate": "2024-09-10",
                    "late": "false",
                },
            )
        )
    profiles.append(
        row(
            "userProfiles",
            {
                "sourcedId": f"{p}-p1",
                "userSourcedId": f"{p}-u1",
                "profileType": "lms",
                "vendorId": "v1",
                "credentialType": "password",
                "username": "u1",
                "password": "app-secret",
            },
        )
    )
    return {
        "orgs": [
            header("orgs"),
            row(
                "orgs",
                {
                    "sourcedId": f"{p}-dist",
                    "name": "District",
                    "type": "district",
                    "identifier": "D",
                },
            ),
            row(
                "orgs",
                {
                    "sourcedId": f"{p}-s1",
                    "name": "School",
                    "type": "school",
                    "parentSourcedId": f"{p}-dist",
                },
            ),
        ],
        "academicSessions": [
            header("academicSessions"),
            row(
                "academicSessions",
                {
                    "sourcedId": f"{p}-y",
                    "title": "2025",
                    "type": "schoolYear",
                    "startDate": "2024-08-01",
                    "endDate": "2025-06-30",
                    "schoolYear": "2025",
                },
            ),
            row(
                "academicSessions",
                {
                    "sourcedId": f"{p}-t",
                    "title": "Fall",
                    "type": "term",
                    "startDate": "2024-08-01",
                    "endDate": "2024-12-20",
                    "parentSourcedId": f"{p}-y",
                    "schoolYear": "2025",
                },
            ),
        ],
        "courses": [
            header("courses"),
            row(
                "courses",
                {
                    "sourcedId": f"{p}-co1",
                    "title": "Algebra",
                    "orgSourcedId": f"{p}-s1",
                    "schoolYearSourcedId": f"{p}-y",
                    "subjects": "math",
                    "grades": "09",
                },
            ),
        ],
        "classes": [
            header("classes"),
            row(
                "classes",
                {
                    "sourcedId": f"{p}-c1",
                    "title": "Algebra 1",
                    "courseSourcedId": f"{p}-co1",
                    "classType": "scheduled",
                    "schoolSourcedId": f"{p}-s1",
                    "termSourcedIds": f"{p}-t,{p}-y",
                    "periods": "1,2",
                },
            ),
        ],
        "users": users,
        "roles": roles,
        "userProfiles": profiles,
        "demographics": demographics,
        "enrollments": enrollments,
        "categories": [
            header("categories"),
            row("categories", {"sourcedId": f"{p}-cat", "title": "Homework", "weight": "0.5"}),
        ],
        "scoreScales": [
            header("scoreScales"),
            row(
                "scoreScales",
                {
                    "sourcedId": f"{p}-ss",
                    "title": "Letters",
                    "type": "letter",
                    "orgSourcedId": f"{p}-s1",
                    "courseSourcedId": f"{p}-co1",
                    "classSourcedId": f"{p}-c1",
                    "scoreScaleValue": "{A:90},{B:80}",
                },
            ),
        ],
        "lineItems": [
            header("lineItems"),
            row(
                "lineItems",
                {
                    "sourcedId": f"{p}-li1",
                    "title": "HW1",
                    "assignDate": "2024-09-01",
                    "dueDate": "2024-09-08T23:59:00Z",
                    "classSourcedId": f"{p}-c1",
                    "categorySourcedId": f"{p}-cat",
                    "academicSessionSourcedId": f"{p}-t",
                    "schoolSourcedId": f"{p}-s1",
                    "resultValueMin": "0",
                    "resultValueMax": "10",
                },
            ),
        ],
        "results": results,
        "resources": [
            header("resources"),
            row(
                "resources",
                {
                    "sourcedId": f"{p}-rs1",
                    "vendorResourceId": "vr1",
                    "title": "Video",
                    "roles": "student,teacher",
                    "importance": "primary",
                },
            ),
        ],
        "classResources": [
            header("classResources"),
            row(
                "classResources",
                {
                    "sourcedId": f"{p}-cr1",
                    "classSourcedId": f"{p}-c1",
                    "resourceSourcedId": f"{p}-rs1",
                },
            ),
        ],
        "courseResources": [
            header("courseResources"),
            row(
                "courseResources",
                {
                    "sourcedId": f"{p}-kr1",
                    "courseSourcedId": f"{p}-co1",
                    "resourceSourcedId": f"{p}-rs1",
                },
            ),
        ],
        "userResources": [
            header("userResources"),
            row(
                "userResources",
                {
                    "sourcedId": f"{p}-ur1",
                    "userSourcedId": f"{p}-u1",
                    "resourceSourcedId": f"{p}-rs1",
                },
            ),
        ],
        "lineItemLearningObjectiveIds": [
            header("lineItemLearningObjectiveIds"),
            row(
                "lineItemLearningObjectiveIds",
                {
                    "sourcedId": f"{p}-lo1",
                    "lineItemSourcedId": f"{p}-li1",
                    "source": "CASE",
                    "learningObjectiveId": "lo-a",
                },
            ),
            row(
                "lineItemLearningObjectiveIds",
                {
                    "sourcedId": f"{p}-lo2",
                    "lineItemSourcedId": f"{p}-li1",
                    "source": "CASE",
                    "learningObjectiveId": "lo-b",
                },
            ),
        ],
        "resultLearningObjectiveIds": [
            header("resultLearningObjectiveIds"),
            row(
                "resultLearningObjectiveIds",
                {
                    "sourcedId": f"{p}-rlo1",
                    "resultSourcedId": f"{p}-res1",
                    "source": "CASE",
                    "learningObjectiveId": "lo-a",
                    "score": "3",
                },
            ),
        ],
        "lineItemScoreScales": [
            header("lineItemScoreScales"),
            row(
                "lineItemScoreScales",
                {
                    "sourcedId": f"{p}-liss",
                    "lineItemSourcedId": f"{p}-li1",
                    "scoreScaleSourcedId": f"{p}-ss",
                },
            ),
        ],
        "resultScoreScales": [
            header("resultScoreScales"),
            row(
                "resultScoreScales",
                {
                    "sourcedId": f"{p}-rss",
                    "resultSourcedId": f"{p}-res1",
                    "scoreScaleSourcedId": f"{p}-ss",
                },
            ),
        ],
    }


def run(files, **kw) -> ImportReport:
    pkg_kw = {k: kw.pop(k) for k in ("modes", "manifest", "extra_entries") if k in kw}
    return oneroster_csv_import(package=make_package(files, **pkg_kw), **kw)


def test_happy_bulk_imports_every_file() -> None:
    report = run(district_files())
    assert report.ok, report.problems
    assert report.source == "orgs:d1-dist"
    assert report.counts["users"] == {"rows": 4, "created": 4, "updated": 0, "tobedeleted": 0}
    u1 = User.objects.get(sourced_id="d1-u1")
    assert u1.primary_role == "student"
    assert u1.metadata == {"house": "red"}
    assert u1.grades == ["09", "10"]
    assert u1.org_scope.sourced_id == "d1-s1"  # first role's org
    assert [a.sourced_id for a in u1.agents.all()] == ["d1-t1"]
    t1 = User.objects.get(sourced_id="d1-t1")
    assert t1.user_ids == [
        {"type": "ldap", "identifier": "t1"},
        {"type": "sis", "identifier": "T-1"},
    ]
    assert UserRole.objects.filter(user=u1, role="student", org__sourced_id="d1-s1").exists()
    klass = Class.objects.get(sourced_id="d1-c1")
    assert sorted(t.sourced_id for t in klass.terms.all()) == ["d1-t", "d1-y"]
    assert klass.org_scope.sourced_id == "d1-s1"
    assert Org.objects.get(sourced_id="d1-s1").parent.sourced_id == "d1-dist"
    assert AcademicSession.objects.get(sourced_id="d1-t").parent.sourced_id == "d1-y"
    assert AcademicSession.objects.get(sourced_id="d1-t").org_scope.sourced_id == "d1-dist"
    assert Enrollment.objects.filter(source_system="orgs:d1-dist").count() == 4
    assert Demographics.objects.get(sourced_id="d1-u2").user.sourced_id == "d1-u2"
    li = LineItem.objects.get(sourced_id="d1-li1")
    assert li.learning_objective_set == [
        {"source": "CASE", "learningObjectiveIds": ["lo-a", "lo-b"]}
    ]
    assert li.score_scale.sourced_id == "d1-ss"
    res = Result.objects.get(sourced_id="d1-res1")
    assert res.learning_objective_set == [
        {
            "source": "CASE",
            "learningObjectiveResults": [{"learningObjectiveId": "lo-a", "score": 3.0}],
        }
    ]
    assert res.org_scope.sourced_id == "d1-s1"
    # Passwords are stored sealed, never in clear.
    (cred,) = UserProfile.objects.get(sourced_id="d1-p1").credentials
    assert cred["type"] == "password" and cred["username"] == "u1"
    assert "password" not in cred
    assert secret_open(token=cred[SECRET_FIELD]) == "app-secret"
    sealed = User.objects.get(sourced_id="d1-u1").password
    assert sealed and sealed != "pw-1"
    assert secret_open(token=sealed) == "pw-1"
    assert Course.objects.get(sourced_id="d1-co1").school_year.sourced_id == "d1-y"


# ---------------------------------------------------------------------------------------------
# Bulk / delta semantics, sources
# ---------------------------------------------------------------------------------------------


def _users_only(prefix: str, ids: list[str]) -> dict[str, list[list[str]]]:
    files = district_files(prefix, n_students=0)
    base = {k: files[k] for k in ("orgs", "users")}
    base["users"] = [header("users")] + [
        row(
            "users",
            {
                "sourcedId": i,
                "enabledUser": "true",
                "username": i,
                "givenName": "G",
                "familyName": "F",
                "primaryOrgSourcedId": f"{prefix}-s1",
            },
        )
        for i in ids
    ]
    return base


def test_bulk_retires_missing_rows_and_reactivates_returning_ones() -> None:
    assert run(_users_only("d1", ["a", "b", "c"])).ok
    report = run(_users_only("d1", ["a", "b"]))
    assert report.ok
    assert report.counts["users"] == {"rows": 2, "created": 0, "updated": 2, "tobedeleted": 1}
    assert User.objects.get(sourced_id="c").status == "tobedeleted"
    assert run(_users_only("d1", ["a", "b", "c"])).ok
    assert User.objects.get(sourced_id="c").status == "active"


def test_second_source_is_untouched_and_cannot_steal_rows() -> None:
    assert run(_users_only("d1", ["a1", "a2"])).ok
    assert run(_users_only("d2", ["b1"])).ok
    assert set(User.objects.filter(status="active").values_list("sourced_id", flat=True)) >= {
        "a1",
        "a2",
        "b1",
    }
    report = run(_users_only("d2", ["b1", "a2"]))
    assert not report.ok
    [p] = report.problems
    assert (p.file, p.line, p.column, p.rule) == ("users.csv", 3, "sourcedId", "foreign_source")
    assert User.objects.get(sourced_id="a2").source_system == "orgs:d1-dist"


def test_delta_applies_changes_and_deletions() -> None:
    assert run(district_files()).ok
    users = [
        header("users"),
        row(
            "users",
            {
                "sourcedId": "d1-u1",
                "status": "active",
                "dateLastModified": "2025-01-01T00:00:00Z",
                "enabledUser": "false",
                "username": "renamed",
                "givenName": "New",
                "familyName": "Name",
            },
        ),
        row(
            "users",
            {
                "sourcedId": "d1-u9",
                "status": "active",
                "dateLastModified": "2025-01-01T00:00:00Z",
                "enabledUser": "true",
                "username": "u9",
                "givenName": "N",
                "familyName": "U",
            },
        ),
    ]
    enr = [
        header("enrollments"),
        row(
            "enrollments",
            {
                "sourcedId": "d1-e2",
                "status": "tobedeleted",
                "dateLastModified": "2025-01-01T00:00:00.000Z",
                "classSourcedId": "d1-c1",
                "schoolSourcedId": "d1-s1",
                "userSourcedId": "d1-u2",
                "role": "student",
            },
        ),
    ]
    report = run(
        {"users": users, "enrollments": enr}, modes={"users": "delta", "enrollments": "delta"}
    )
    assert report.ok, report.problems
    assert report.source == "orgs:d1-dist"  # inherited from the rows it touches
    u1 = User.objects.get(sourced_id="d1-u1")
    assert (u1.username, u1.enabled_user, u1.org_scope.sourced_id) == ("renamed", False, "d1-s1")
    assert User.objects.get(sourced_id="d1-u9").org_scope.sourced_id == "d1-dist"  # home org
    assert Enrollment.objects.get(sourced_id="d1-e2").status == "tobedeleted"
    assert Enrollment.objects.get(sourced_id="d1-e1").status == "active"  # delta retires nothing


def test_delta_reference_to_database_row_resolves() -> None:
    assert run(district_files()).ok
    enr = [
        header("enrollments"),
        row(
            "enrollments",
            {
                "sourcedId": "d1-new",
                "status": "active",
                "dateLastModified": "2025-01-01T00:00:00Z",
                "classSourcedId": "d1-c1",
                "schoolSourcedId": "d1-s1",
                "userSourcedId": "d1-u3",
                "role": "student",
            },
        ),
        row(
            "enrollments",
            {
                "sourcedId": "d1-bad",
                "status": "active",
                "dateLastModified": "2025-01-01T00:00:00Z",
                "classSourcedId": "nope",
                "schoolSourcedId": "d1-s1",
                "userSourcedId": "d1-u3",
                "role": "student",
            },
        ),
    ]
    report = run({"enrollments": enr}, modes={"enrollments": "delta"}, home_org="d1-dist")
    assert [(p.line, p.column, p.rule) for p in report.problems] == [
        (3, "classSourcedId", "unknown_reference")
    ]
    assert not Enrollment.objects.filter(sourced_id="d1-new").exists()


def test_dry_run_changes_nothing_and_command_json(tmp_path, capsys) -> None:
    report = run(district_files(), dry_run=True)
    assert report.ok and report.dry_run
    assert report.counts["users"]["created"] == 4
    assert not User.objects.exists() and not Org.objects.exists()
    path = make_package(district_files(), path=tmp_path / "p.zip")
    call_command("oneroster_import", str(path), "--json")
    log = json.loads(capsys.readouterr().out)
    assert log["ok"] and "users" in log["files_imported"]
    assert User.objects.count() == 4


def test_command_exits_non_zero_when_rejected(tmp_path) -> None:
    files = district_files()
    _edit(files, "users", 3, "enabledUser", "maybe")
    path = make_package(files, path=tmp_path / "p.zip")
    with pytest.raises(Exception, match="rejected"):
        call_command("oneroster_import", str(path))
    assert not User.objects.exists()


def test_bom_and_121_version_and_roles_star_spelling() -> None:
    files = district_files()
    buf = io.StringIO()
    import csv as _csv

    _csv.writer(buf, lineterminator="\r\n").writerows(files["orgs"])
    files["orgs"] = b"\xef\xbb\xbf" + buf.getvalue().encode()  # type: ignore[assignment]
    report = run(
        files, manifest={"oneroster.version": "1.2.1", "file.roles": None, "file.roles*": "bulk"}
    )
    assert report.ok, report.problems
    assert report.manifest_version == "1.2.1"
    assert Org.objects.count() == 2


def test_users_12_header_with_resource_sourced_ids() -> None:
    files = _users_only("d1", [])
    files["users"] = [
        header("users", v121=False),
        row(
            "users",
            {
                "sourcedId": "a",
                "enabledUser": "true",
                "username": "a",
                "givenName": "G",
                "familyName": "F",
                "resourceSourcedIds": "r1,r2",
            },
            v121=False,
        ),
    ]
    report = run(files)
    assert report.ok, report.problems
    assert User.objects.get(sourced_id="a").metadata == {"resourceSourcedIds": ["r1", "r2"]}


# ---------------------------------------------------------------------------------------------
# Rejections: each names file, line, column and rule, and leaves the database unchanged
# ---------------------------------------------------------------------------------------------


def _rejected(files, **kw) -> list[tuple]:
    before = User.objects.count(), Org.objects.count(), Enrollment.objects.count()
    report = run(files, **kw)
    assert not report.ok
    assert (User.objects.count(), Org.objects.count(), Enrollment.objects.count()) == before
    return [(p.file, p.line, p.column, p.rule) for p in report.problems]


def _edit(files, name: str, line: int, column: str, value: str):
    cols = files[name][0]
    files[name][line - 1][cols.index(column)] = value
    return files


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "rule"),
    [
        ("users", 2, "enabledUser", "yes", "boolean"),
        ("users", 3, "givenName", "", "required"),
        ("users", 3, "sourcedId", "bad id!", "guid"),
        ("orgs", 3, "type", "galaxy", "enum"),
        ("orgs", 3, "parentSourcedId", "ghost", "unknown_reference"),
        ("academicSessions", 2, "startDate", "2024-13-01", "date"),
        ("academicSessions", 2, "schoolYear", "25", "year"),
        ("lineItems", 2, "dueDate", "2024-09-08T23:59:00", "datetime"),
        ("categories", 2, "weight", "heavy", "number"),
        ("enrollments", 3, "userSourcedId", "ghost", "unknown_reference"),
        ("enrollments", 3, "status", "active", "bulk_status"),
        ("enrollments", 3, "dateLastModified", "2024-01-01T00:00:00Z", "bulk_status"),
        ("classes", 2, "termSourcedIds", "d1-t,ghost", "unknown_reference"),
        ("users", 2, "userIds", "ldap:t1", "format"),
        ("users", 3, "username", "x" * 300, "too_long"),
    ],
)
def test_bad_cell_is_located(name, line, column, value, rule) -> None:
    files = _edit(district_files(), name, line, column, value)
    assert _rejected(files) == [(f"{name}.csv", line, column, rule)]


def test_every_problem_is_collected() -> None:
    files = district_files(n_students=3)
    for line in (3, 4, 5):
        _edit(files, "users", line, "enabledUser", "nope")
    _edit(files, "orgs", 2, "type", "planet")
    problems = _rejected(files)
    assert problems == [
        ("orgs.csv", 2, "type", "enum"),
        ("users.csv", 3, "enabledUser", "boolean"),
        ("users.csv", 4, "enabledUser", "boolean"),
        ("users.csv", 5, "enabledUser", "boolean"),
    ]


def test_problem_list_is_capped() -> None:
    files = _users_only("d1", [f"u{i}" for i in range(1200)])
    for r in files["users"][1:]:
        r[3] = "x"
    report = run(files)
    assert report.problem_count == 1200 and len(report.problems) == 1000
    assert report.as_dict()["problems_truncated"]


def test_duplicate_sourced_id() -> None:
    files = district_files()
    files["users"].append(list(files["users"][2]))
    assert _rejected(files) == [("users.csv", 6, "sourcedId", "duplicate_sourced_id")]


def test_delta_rows_need_status_and_date() -> None:
    assert run(district_files()).ok
    users = [
        header("users"),
        row(
            "users",
            {
                "sourcedId": "d1-u1",
                "enabledUser": "true",
                "username": "x",
                "givenName": "a",
                "familyName": "b",
            },
        ),
        row(
            "users",
            {
                "sourcedId": "d1-u2",
                "status": "gone",
                "dateLastModified": "yesterday",
                "enabledUser": "true",
                "username": "x",
                "givenName": "a",
                "familyName": "b",
            },
        ),
    ]
    assert _rejected({"users": users}, modes={"users": "delta"}) == [
        ("users.csv", 2, "status", "required"),
        ("users.csv", 2, "dateLastModified", "required"),
        ("users.csv", 3, "status", "enum"),
        ("users.csv", 3, "dateLastModified", "datetime"),
    ]


def test_header_problems() -> None:
    files = district_files()
    cols = files["orgs"][0]
    cols[cols.index("identifier")], cols[cols.index("name")] = "name", "identifier"
    files["users"][0] = [c if c != "email" else "mail" for c in files["users"][0]]
    files["categories"][0] = files["categories"][0][:-1]
    files["categories"][1] = files["categories"][1][:-1]
    files["resources"][0] = ["sourcedId", "metadata.x", *files["resources"][0][1:]]
    assert sorted(_rejected(files)) == sorted(
        [
            ("orgs.csv", 1, "identifier", "column_order"),
            ("users.csv", 1, "mail", "unknown_column"),
            ("users.csv", 1, "email", "missing_column"),
            ("categories.csv", 1, "weight", "missing_column"),
            ("resources.csv", 1, "metadata.x", "metadata_position"),
        ]
    )


def test_empty_file_and_wrong_cell_count() -> None:
    files = district_files()
    files["categories"] = [header("categories")]
    files["courses"][1] = files["courses"][1][:-2]
    assert _rejected(files) == [
        ("courses.csv", 2, None, "column_count"),
        ("categories.csv", None, None, "empty_file"),
    ]


def test_bad_encoding() -> None:
    files = district_files()
    files["orgs"] = (
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"
        "o1,,,Caf\xe9,district,,\r\n".encode("latin-1")
    )  # type: ignore[assignment]
    assert _rejected(files) == [("orgs.csv", 2, "name", "encoding")]


def test_manifest_and_files_disagree() -> None:
    files = district_files()
    assert _rejected(files, manifest={"file.courses": "absent"}) == [
        ("courses.csv", None, None, "not_in_manifest")
    ]
    assert _rejected(
        files, manifest={"file.roles*": "bulk", "file.roles": None, "file.demographics": None}
    ) == [("demographics.csv", None, None, "not_in_manifest")]
    small = {"orgs": files["orgs"]}
    assert _rejected(small, manifest={"file.users": "bulk"}) == [
        ("users.csv", None, None, "missing_file")
    ]
    assert _rejected(small, manifest={"oneroster.version": "1.1"}) == [
        ("manifest.csv", None, "oneroster.version", "oneroster_version")
    ]
    assert _rejected(small, extra_entries={"notes.txt": b"hi"}) == [
        ("notes.txt", None, None, "unknown_file")
    ]


def _zip(entries: dict[str, bytes], **kw) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if kw.get("symlink") == name:
                info.external_attr = (0o120777) << 16
            zf.writestr(info, data)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: io.BytesIO(b"sourcedId,name\r\n"), "not_zip"),
        (lambda: _zip({"manifest.csv": b"x", "sub/orgs.csv": b"x"}), "nested_path"),
        (lambda: _zip({"manifest.csv": b"x", "../orgs.csv": b"x"}), "path_traversal"),
        (
            lambda: _zip({"manifest.csv": b"x", "orgs.csv": b"/etc/passwd"}, symlink="orgs.csv"),
            "symlink",
        ),
        (lambda: _zip({f"f{i}.csv": b"x" for i in range(70)}), "too_many_entries"),
        (
            lambda: _zip({"manifest.csv": b"x", "orgs.csv": b"0" * (50 * 1024**2)}),
            "compression_ratio",
        ),
    ],
)
def test_malicious_archives_are_rejected(make: Callable[[], io.BytesIO], rule: str) -> None:
    report = oneroster_csv_import(package=make())
    assert not report.ok
    assert rule in {p.rule for p in report.problems}


def test_total_size_cap() -> None:
    pkg = make_package(district_files())
    report = oneroster_csv_import(package=pkg, limits=ArchiveLimits(max_total_bytes=1000))
    assert [p.rule for p in report.problems] == ["archive_size"]
