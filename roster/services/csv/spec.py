"""The OneRoster 1.2 CSV binding as data: every file, its columns in order and where each
column is stored. The importer and the exporter are both driven by this table."""

from __future__ import annotations

from dataclasses import dataclass, field

from roster import choices

__all__ = ["FILES", "FILE_ORDER", "Column", "FileSpec", "M2M", "SPECS"]

# Column kinds: how a cell is parsed (import) and written (export).
#   str      plain string (length checked against the model field)
#   enum     one of ``choices`` (or ``ext:...`` when ``ext`` is set)
#   bool     true / false
#   date     YYYY-MM-DD
#   datetime ISO 8601 with a UTC offset (``date_ok``: a bare date is midnight UTC)
#   float    a number
#   year     YYYY
#   list     comma separated strings → JSON list
#   userids  {type:identifier},... → JSON list of {"type", "identifier"}
#   scale    {LHS:RHS},... → JSON list of {"itemValueLHS", "itemValueRHS"}
#   ref      a sourcedId of ``target`` (a file name)
#   reflist  comma separated sourcedIds of ``target`` (a many-to-many relation)
#   metalist comma separated strings kept in metadata under the column name


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"
    required: bool = False
    dest: str | None = None  # model field name; None = not stored (validated only)
    target: str | None = None  # for ref / reflist
    choices: frozenset[str] = frozenset()
    ext: bool = False
    date_ok: bool = False
    check: bool = True  # refs: report unknown ids


@dataclass(frozen=True)
class M2M:
    column: str  # the reflist column
    table: str
    owner_col: str
    target_col: str


@dataclass(frozen=True)
class FileSpec:
    name: str  # "users" → users.csv, file.users
    model: str  # roster model name, "" for files that update another model
    columns: tuple[Column, ...]
    kind: str = "sourced"  # sourced | roles | profiles | lo | scale_link
    self_refs: tuple[str, ...] = ()  # ref columns pointing at the same file
    m2m: tuple[M2M, ...] = ()
    optional_columns: frozenset[str] = field(default_factory=frozenset)  # may be left out

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return ["sourcedId", "status", "dateLastModified", *(c.name for c in self.columns)]


def _e(values: type[choices.models.TextChoices] | tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, tuple):
        return frozenset(values)
    return frozenset(v for v in values.values)


C = Column
ORG_TYPES = _e(choices.OrgType)
SESSION_TYPES = _e(choices.AcademicSessionType)
CLASS_TYPES = _e(choices.ClassType)
ENROLL_ROLES = _e(choices.EnrollmentRole)
ROLE_NAMES = _e(choices.RoleName)
ROLE_TYPES = _e(choices.RoleType)
SCORE_STATUS = _e(choices.ScoreStatus)
IMPORTANCE = _e(choices.Importance)
SEX = _e(choices.Sex)

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "orgs",
        "Org",
        (
            C("name", required=True, dest="name"),
            C("type", "enum", True, "type", choices=ORG_TYPES, ext=True),
            C("identifier", dest="identifier"),
            C("parentSourcedId", "ref", dest="parent", target="orgs"),
        ),
        self_refs=("parentSourcedId",),
    ),
    FileSpec(
        "academicSessions",
        "AcademicSession",
        (
            C("title", required=True, dest="title"),
            C("type", "enum", True, "type", choices=SESSION_TYPES, ext=True),
            C("startDate", "date", True, "start_date"),
            C("endDate", "date", True, "end_date"),
            C("parentSourcedId", "ref", dest="parent", target="academicSessions"),
            C("schoolYear", "year", True, "school_year"),
        ),
        self_refs=("parentSourcedId",),
    ),
    FileSpec(
        "resources",
        "Resource",
        (
            C("vendorResourceId", required=True, dest="vendor_resource_id"),
            C("title", dest="title"),
            C("roles", "list", dest="roles"),
            C("importance", "enum", dest="importance", choices=IMPORTANCE),
            C("vendorId", dest="vendor_id"),
            C("applicationId", dest="application_id"),
        ),
    ),
    FileSpec(
        "users",
        "User",
        (
            C("enabledUser", "bool", True, "enabled_user"),
            C("username", required=True, dest="username"),
            C("userIds", "userids", dest="user_ids"),
            C("givenName", required=True, dest="given_name"),
            C("familyName", required=True, dest="family_name"),
            C("middleName", dest="middle_name"),
            C("identifier", dest="identifier"),
            C("email", dest="email"),
            C("sms", dest="sms"),
            C("phone", dest="phone"),
            C("agentSourcedIds", "reflist", target="users"),
            C("grades", "list", dest="grades"),
            C("password", "secret", dest="password"),
            C("userMasterIdentifier", dest="user_master_identifier"),
            # 1.2 only; 1.2.1 moved user→resource links to userResources.csv.
            C("resourceSourcedIds", "metalist"),
            C("preferredGivenName", dest="preferred_first_name"),
            C("preferredMiddleName", dest="preferred_middle_name"),
            C("preferredFamilyName", dest="preferred_last_name"),
            C("primaryOrgSourcedId", "ref", dest="primary_org", target="orgs"),
            C("pronouns", dest="pronouns"),
        ),
        m2m=(M2M("agentSourcedIds", "roster_user_agents", "from_user_id", "to_user_id"),),
        optional_columns=frozenset({"resourceSourcedIds"}),
    ),
    FileSpec(
        "userProfiles",
        "UserProfile",
        (
            C("userSourcedId", "ref", True, "user", target="users"),
            C("profileType", required=True, dest="profile_type"),
            C("vendorId", required=True, dest="vendor_id"),
            C("applicationId", dest="application_id"),
            C("description", dest="description"),
            C("credentialType", required=True),
            C("username", required=True),
            C("password"),
        ),
        kind="profiles",
    ),
    FileSpec(
        "roles",
        "UserRole",
        (
            C("userSourcedId", "ref", True, "user", target="users"),
            C("roleType", "enum", True, "role_type", choices=ROLE_TYPES),
            C("role", "enum", True, "role", choices=ROLE_NAMES, ext=True),
            C("beginDate", "date", dest="begin_date"),
            C("endDate", "date", dest="end_date"),
            C("orgSourcedId", "ref", True, "org", target="orgs"),
            C("userProfileSourcedId", "ref", dest="user_profile", target="userProfiles"),
        ),
        kind="roles",
    ),
    FileSpec(
        "demographics",
        "Demographics",
        (
            C("birthDate", "date", dest="birth_date"),
            C("sex", "enum", dest="sex", choices=SEX),
            C("americanIndianOrAlaskaNative", "bool", dest="american_indian_or_alaska_native"),
            C("asian", "bool", dest="asian"),
            C("blackOrAfricanAmerican", "bool", dest="black_or_african_american"),
            C(
                "nativeHawaiianOrOtherPacificIslander",
                "bool",
                dest="native_hawaiian_or_other_pacific_islander",
            ),
            C("white", "bool", dest="white"),
            C("demographicRaceTwoOrMoreRaces", "bool", dest="demographic_race_two_or_more_races"),
            C("hispanicOrLatinoEthnicity", "bool", dest="hispanic_or_latino_ethnicity"),
            C("countryOfBirthCode", dest="country_of_birth_code"),
            C("stateOfBirthAbbreviation", dest="state_of_birth_abbreviation"),
            C("cityOfBirth", dest="city_of_birth"),
            C("publicSchoolResidenceStatus", dest="public_school_residence_status"),
        ),
    ),
    FileSpec(
        "courses",
        "Course",
        (
            C("schoolYearSourcedId", "ref", dest="school_year", target="academicSessions"),
            C("title", required=True, dest="title"),
            C("courseCode", dest="course_code"),
            C("grades", "list", dest="grades"),
            C("orgSourcedId", "ref", True, "org", target="orgs"),
            C("subjects", "list", dest="subjects"),
            C("subjectCodes", "list", dest="subject_codes"),
        ),
    ),
    FileSpec(
        "classes",
        "Class",
        (
            C("title", required=True, dest="title"),
            C("grades", "list", dest="grades"),
            C("courseSourcedId", "ref", True, "course", target="courses"),
            C("classCode", dest="class_code"),
            C("classType", "enum", True, "class_type", choices=CLASS_TYPES),
            C("location", dest="location"),
            C("schoolSourcedId", "ref", True, "school", target="orgs"),
            C("termSourcedIds", "reflist", True, target="academicSessions"),
            C("subjects", "list", dest="subjects"),
            C("subjectCodes", "list", dest="subject_codes"),
            C("periods", "list", dest="periods"),
        ),
        m2m=(M2M("termSourcedIds", "roster_class_terms", "class_id", "academicsession_id"),),
    ),
    FileSpec(
        "enrollments",
        "Enrollment",
        (
            C("classSourcedId", "ref", True, "klass", target="classes"),
            C("schoolSourcedId", "ref", True, "school", target="orgs"),
            C("userSourcedId", "ref", True, "user", target="users"),
            C("role", "enum", True, "role", choices=ENROLL_ROLES),
            C("primary", "bool", dest="primary"),
            C("beginDate", "date", dest="begin_date"),
            C("endDate", "date", dest="end_date"),
        ),
    ),
    FileSpec(
        "categories",
        "Category",
        (
            C("title", required=True, dest="title"),
            C("weight", "float", dest="weight"),
        ),
    ),
    FileSpec(
        "scoreScales",
        "ScoreScale",
        (
            C("title", required=True, dest="title"),
            C("type", required=True, dest="type"),
            C("orgSourcedId", "ref", True, None, target="orgs"),
            C("courseSourcedId", "ref", True, "course", target="courses"),
            C("classSourcedId", "ref", True, "klass", target="classes"),
            C("scoreScaleValue", "scale", True, "score_scale_value"),
        ),
    ),
    FileSpec(
        "lineItems",
        "LineItem",
        (
            C("title", required=True, dest="title"),
            C("description", dest="description"),
            C("assignDate", "datetime", True, "assign_date", date_ok=True),
            C("dueDate", "datetime", True, "due_date", date_ok=True),
            C("classSourcedId", "ref", True, "klass", target="classes"),
            C("categorySourcedId", "ref", True, "category", target="categories"),
            C(
                "academicSessionSourcedId",
                "ref",
                True,
                "academic_session",
                target="academicSessions",
            ),
            C("resultValueMin", "float", dest="result_value_min"),
            C("resultValueMax", "float", dest="result_value_max"),
            C("schoolSourcedId", "ref", True, "school", target="orgs"),
        ),
    ),
    FileSpec(
        "results",
        "Result",
        (
            C("lineItemSourcedId", "ref", True, "line_item", target="lineItems"),
            C("studentSourcedId", "ref", True, "student", target="users"),
            C("scoreStatus", "enum", True, "score_status", choices=SCORE_STATUS),
            C("score", "float", dest="score"),
            C("scoreDate", "date", True, "score_date"),
            C("comment", dest="comment"),
            C("textScore", dest="text_score"),
            C("classSourcedId", "ref", dest="klass", target="classes"),
            C("inProgress", "bool", dest="in_progress"),
            C("incomplete", "bool", dest="incomplete"),
            C("late", "bool", dest="late"),
            C("missing", "bool", dest="missing"),
        ),
    ),
    FileSpec(
        "classResources",
        "ClassResource",
        (
            C("title", dest="title"),
            C("classSourcedId", "ref", True, "klass", target="classes"),
            C("resourceSourcedId", "ref", True, "resource", target="resources"),
        ),
    ),
    FileSpec(
        "courseResources",
        "CourseResource",
        (
            C("title", dest="title"),
            C("courseSourcedId", "ref", True, "course", target="courses"),
            C("resourceSourcedId", "ref", True, "resource", target="resources"),
        ),
    ),
    FileSpec(
        "userResources",
        "UserResource",
        (
            C("userSourcedId", "ref", True, "user", target="users"),
            C("orgSourcedId", "ref", dest="org", target="orgs"),
            C("classSourcedId", "ref", dest="klass", target="classes"),
            C("resourceSourcedId", "ref", True, "resource", target="resources"),
        ),
    ),
    FileSpec(
        "lineItemLearningObjectiveIds",
        "LineItem",
        (
            C("lineItemSourcedId", "ref", True, None, target="lineItems"),
            C("source", required=True),
            C("learningObjectiveId", required=True),
        ),
        kind="lo",
    ),
    FileSpec(
        "resultLearningObjectiveIds",
        "Result",
        (
            C("resultSourcedId", "ref", True, None, target="results"),
            C("source", required=True),
            C("learningObjectiveId", required=True),
            C("score", "float"),
            C("textScore"),
        ),
        kind="lo",
    ),
    FileSpec(
        "lineItemScoreScales",
        "LineItem",
        (
            C("title"),
            C("lineItemSourcedId", "ref", True, None, target="lineItems"),
            C("scoreScaleSourcedId", "ref", True, None, target="scoreScales"),
        ),
        kind="scale_link",
    ),
    FileSpec(
        "resultScoreScales",
        "Result",
        (
            C("title"),
            C("resultSourcedId", "ref", True, None, target="results"),
            C("scoreScaleSourcedId", "ref", True, None, target="scoreScales"),
        ),
        kind="scale_link",
    ),
)

FILES: dict[str, FileSpec] = {s.name: s for s in SPECS}
# Dependency order: a file only references files before it (or itself).
FILE_ORDER: tuple[str, ...] = tuple(s.name for s in SPECS)
