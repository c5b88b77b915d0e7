"""Timeback as an LTI 1.3 tool: schools' LMSes launch it (pylti1p3 does the protocol).

The registrations live in ``LmsPlatform`` / ``LmsDeployment`` (the admin); ``LmsToolConf``
gives them to pylti1p3. pylti1p3 checks the login request and the id_token (signature by
the LMS's key set, iss, aud, nonce, state, deployment, version) but not the
``target_link_uri``: ``lms_login`` and ``lms_launch`` check it against Timeback's own launch
URL. The launched user is found by (issuer, ``sub``), then by the OneRoster sourcedId in
``lis.person_sourcedid``, then by email, inside the LMS's org; failing that, created there.
Students land on the launcher, teachers on their class in it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from common.exceptions import ApplicationError
from lti.models import LmsDeployment, LmsIdentity, LmsPlatform
from lti.scopes import DL, LTI
from lti.services.keys import platform_jwt_sign
from roster.models import Course, Org, User
from tenancy.selectors import expand_org_subtrees

__all__ = [
    "LmsLaunch",
    "LmsLaunchRefused",
    "LmsToolConf",
    "lms_deep_link_answer",
    "lms_deep_link_courses",
    "lms_launch",
    "lms_login",
    "lms_user_match",
    "tool_launch_url",
]

MSG_NO_COURSE = "course: choose at least one of the courses offered"
TEACHER_ROLES = ("#Instructor", "#Administrator")
MSG_TARGET = "target_link_uri: must be this Timeback's launch URL {expected!r}"
MSG_LAUNCH = "id_token: {reason}"


class LmsLaunchRefused(ApplicationError):
    """A refused LMS login or launch; ``field`` names the parameter or claim."""


class LmsToolConf(ToolConfAbstract):  # type: ignore[type-arg]
    """pylti1p3's tool configuration read from ``LmsPlatform`` rows (several client_ids may
    share an issuer)."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _platform(self, iss: str, client_id: str | None) -> LmsPlatform | None:
        rows = LmsPlatform.objects.filter(issuer=iss, is_active=True)
        if client_id:
            rows = rows.filter(client_id=client_id)
        return rows.order_by("pk").first()

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return self._registration(self._platform(iss, None))

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        return self._registration(self._platform(iss, client_id))

    def find_deployment(self, iss: str, deployment_id: str) -> Any:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        platform = self._platform(iss, client_id)
        if platform is None:
            return None
        if not LmsDeployment.objects.filter(
            platform=platform, deployment_id=deployment_id
        ).exists():
            return None
        return Deployment().set_deployment_id(deployment_id)

    @staticmethod
    def _registration(platform: LmsPlatform | None) -> Any:
        if platform is None:
            return None
        return (
            Registration()
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_key_set_url(platform.key_set_url or None)
            .set_key_set(platform.key_set)
        )


class LmsLaunch:
    """A validated LMS launch: the Timeback user and where to land them; for a deep-linking
    request, what its answer needs (kept in the user's session until they pick content)."""

    def __init__(self, user: User, landing: str, deep_link: dict[str, Any] | None = None) -> None:
        self.user, self.landing, self.deep_link = user, landing, deep_link


def tool_launch_url(*, base: str) -> str:
    return f"{base}/lti/tool/launch"


def lms_login(*, request: Any, base: str) -> Any:
    """Answer an LMS's third-party initiated login with the redirect to its authorization
    endpoint (pylti1p3), after checking that the target is Timeback's launch URL."""
    params = request.GET if request.method == "GET" else request.POST
    expected = tool_launch_url(base=base)
    if params.get("target_link_uri") != expected:
        raise LmsLaunchRefused(MSG_TARGET.format(expected=expected), field="target_link_uri")
    try:
        return DjangoOIDCLogin(request, LmsToolConf()).redirect(expected)
    except LtiException as exc:
        raise LmsLaunchRefused(MSG_LAUNCH.format(reason=exc), field="login") from exc


def lms_launch(*, request: Any, base: str) -> LmsLaunch:
    """Validate the LMS's id_token (pylti1p3 plus the target check) and find or create the
    Timeback user it names."""
    try:
        data: dict[str, Any] = dict(DjangoMessageLaunch(request, LmsToolConf()).get_launch_data())
    except LtiException as exc:
        raise LmsLaunchRefused(MSG_LAUNCH.format(reason=exc), field="id_token") from exc
    expected = tool_launch_url(base=base)
    if data.get(LTI + "target_link_uri") != expected:
        raise LmsLaunchRefused(MSG_TARGET.format(expected=expected), field="target_link_uri")
    aud = data.get("aud")
    client_id = aud[0] if isinstance(aud, list) else aud
    platform = LmsPlatform.objects.get(issuer=data["iss"], client_id=client_id, is_active=True)
    user = lms_user_match(platform, data)
    roles: list[str] = list(data.get(LTI + "roles") or [])
    lis: dict[str, Any] = dict(data.get(LTI + "lis") or {})
    section = lis.get("course_section_sourcedid")
    teacher = any(r.endswith(TEACHER_ROLES) for r in roles)
    if data.get(LTI + "message_type") == "LtiDeepLinkingRequest":
        settings = dict(data.get(DL + "deep_linking_settings") or {})
        return LmsLaunch(
            user=user,
            landing="/lti/tool/deep-link",
            deep_link={
                "platform": platform.pk,
                "deployment_id": data.get(LTI + "deployment_id"),
                "return_url": settings.get("deep_link_return_url"),
                "data": settings.get("data"),
            },
        )
    # The launcher is the student's page and lists the teacher's classes (the dashboards
    # will take over as landing pages when they exist).
    landing = f"/launcher/#class-{section}" if teacher and section else "/launcher/"
    return LmsLaunch(user=user, landing=landing)


def lms_deep_link_courses(*, platform_id: int) -> Any:
    """The Timeback courses an LMS may place: the active courses of its org's subtree."""
    platform = LmsPlatform.objects.get(pk=platform_id)
    orgs = expand_org_subtrees(root_ids={platform.organisation_id})
    return Course.objects.filter(org_scope_id__in=orgs, status="active").order_by("title", "pk")


def lms_deep_link_answer(
    *, pending: dict[str, Any], course_ids: list[str], base: str
) -> tuple[str, str]:
    """The deep-linking response placing ``course_ids`` (sourcedIds) in the LMS: its return
    URL and the JWT signed with Timeback's key (published at ``/lti/jwks``)."""
    platform = LmsPlatform.objects.get(pk=pending["platform"], is_active=True)
    courses = list(lms_deep_link_courses(platform_id=platform.pk).filter(sourced_id__in=course_ids))
    if not courses:
        raise LmsLaunchRefused(MSG_NO_COURSE, field="course")
    now = int(time.time())
    items = [
        {
            "type": "ltiResourceLink",
            "title": course.title,
            "url": tool_launch_url(base=base),
            "custom": {"timeback_course": course.sourced_id},
        }
        for course in courses
    ]
    claims = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": secrets.token_urlsafe(16),
        LTI + "deployment_id": pending["deployment_id"],
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DL + "content_items": items,
        DL + "data": pending.get("data"),
    }
    return str(pending["return_url"]), platform_jwt_sign(claims=claims)


@transaction.atomic
def lms_user_match(platform: LmsPlatform, data: dict[str, Any]) -> User:
    """The Timeback user an LMS launch names: linked by (issuer, sub), else the OneRoster
    sourcedId in ``lis.person_sourcedid``, else a unique email, inside the LMS's org; else
    a new user there. Links the LMS identity and gives the user a login."""
    sub = str(data["sub"])
    linked = LmsIdentity.objects.select_related("user").filter(platform=platform, sub=sub).first()
    if linked is not None:
        return _with_login(linked.user)
    orgs = expand_org_subtrees(root_ids={platform.organisation_id})
    people = User.objects.filter(org_scope_id__in=orgs)
    sourced_id = (data.get(LTI + "lis") or {}).get("person_sourcedid")
    user = people.filter(sourced_id=sourced_id).first() if sourced_id else None
    email = data.get("email")
    if user is None and email:
        matches = list(people.filter(email__iexact=email)[:2])
        user = matches[0] if len(matches) == 1 else None
    if user is None:
        user = _provision(platform, data)
    LmsIdentity.objects.create(platform=platform, sub=sub, user=user)
    return _with_login(user)


def _provision(platform: LmsPlatform, data: dict[str, Any]) -> User:
    roles = data.get(LTI + "roles") or []
    role = "teacher" if any(r.endswith(TEACHER_ROLES) for r in roles) else "student"
    org = Org.objects.get(pk=platform.organisation_id)
    return User.objects.create(
        sourced_id=f"lti-{uuid.uuid4()}",
        given_name=str(data.get("given_name") or data.get("name") or "LMS")[:255],
        family_name=str(data.get("family_name") or "user")[:255],
        email=str(data.get("email") or "")[:255],
        primary_org=org,
        primary_role=role,
        org_scope=org,
        source_system="lti",
    )


def _with_login(user: User) -> User:
    if user.login_id is None:
        login = get_user_model().objects.create_user(username=f"lti-{user.sourced_id}"[:150])
        login.set_unusable_password()
        login.save(update_fields=["password"])
        User.objects.filter(pk=user.pk).update(login=login)
        user.login = login
    return user
