"""LTI platform endpoints. Thin: call a selector or service, shape the answer."""

from __future__ import annotations

import json

from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from common.exceptions import ApplicationError, PermissionDenied
from lti.models import ToolRegistration
from lti.selectors import platform_jwks
from lti.services import platform_signing_key
from lti.services.deep_linking import deep_link_response_accept
from lti.services.launch import DEEP_LINKING_REQUEST, launch_authorize, launch_start
from lti.services.registration import (
    RegistrationRefused,
    platform_configuration,
    tool_register,
)
from lti.services.tokens import TokenRefused, service_token_issue
from lti.services.tool_side import (
    lms_deep_link_answer,
    lms_deep_link_courses,
    lms_launch,
    lms_login,
)
from lti.web import request_issuer, request_roster_user
from roster.models import Class, ClassResource

__all__ = [
    "authorize_view",
    "lms_deep_link_view",
    "lms_launch_view",
    "lms_login_view",
    "openid_configuration_view",
    "registration_view",
    "deep_link_return_view",
    "platform_jwks_view",
    "service_token_view",
    "tool_deep_link_view",
    "tool_launch_view",
]

MSG_NOT_EDITOR = "class: only the class's teachers and administrators may add content to it"


@require_GET
@cache_control(public=True, max_age=300)
def platform_jwks_view(request: HttpRequest) -> JsonResponse:
    """The platform's public keys (RFC 7517 key set). Tools may cache it for five minutes;
    a retired key stays in it for the grace period, so a cached set never misses a key
    that still signs. The active key is made here if there is none yet: a tool that caches
    an empty set would refuse the first launch."""
    platform_signing_key()
    return JsonResponse(platform_jwks())


# The tool's authentication request comes from the tool's page (a redirect, or a form post):
# it carries no CSRF token by design; it is bound to the signed-in user by login_hint and to
# the pending launch by lti_message_hint, and its nonce is answered once.
# The launcher opens apps in a frame of its own page: the launch and the authorization
# answer must render inside a same-origin frame.
@xframe_options_sameorigin
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def authorize_view(request: HttpRequest) -> HttpResponse:
    """OIDC authorization endpoint: the id_token in an auto-submitting form to the tool's
    registered redirect URI, or a page naming the parameter at fault."""
    params = request.GET if request.method == "GET" else request.POST
    try:
        answer = launch_authorize(
            params={k: params.get(k, "") for k in params},
            user=request_roster_user(request),
            issuer=request_issuer(request),
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    return render(
        request,
        "lti/form_post.html",
        {"redirect_uri": answer.redirect_uri, "id_token": answer.id_token, "state": answer.state},
    )


# A machine-to-machine endpoint authenticated by the signed client assertion, not a session.
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def service_token_view(request: HttpRequest) -> JsonResponse:
    """LTI service tokens (client credentials with an RFC 7523 JWT client assertion): the
    RFC 6749 token response, or its §5.2 error naming the parameter."""
    issuer = request_issuer(request)
    try:
        token = service_token_issue(
            params={k: request.POST.get(k, "") for k in request.POST},
            token_url=issuer + "/lti/token",
        )
    except TokenRefused as exc:
        return JsonResponse(
            {"error": exc.error, "error_description": exc.message}, status=exc.status_code
        )
    return JsonResponse(
        {
            "access_token": token.access_token,
            "token_type": "bearer",
            "expires_in": token.expires_in,
            "scope": token.scope,
        }
    )


@xframe_options_sameorigin
@login_required
@require_GET
def tool_launch_view(request: HttpRequest, tool_id: int) -> HttpResponse:
    """Start a launch of a tool for the signed-in user (optionally in ``?class=<sourcedId>``):
    redirect to the tool's OIDC login initiation URL."""
    tool = get_object_or_404(ToolRegistration, pk=tool_id, is_active=True)
    deployment = tool.deployments.order_by("created_at", "pk").first()
    user = request_roster_user(request)
    if deployment is None or user is None:
        return _refused(
            request,
            ApplicationError(
                "This tool has no deployment"
                if deployment is None
                else "Your login is not linked to a roster user",
                field="deployment" if deployment is None else "user",
            ),
        )
    klass = None
    if class_id := request.GET.get("class"):
        klass = get_object_or_404(Class.objects.select_related("course"), sourced_id=class_id)
    link = None
    if klass is not None and (resource_id := request.GET.get("resource")):
        # A resource link of this tool in the class (made by deep linking).
        link = get_object_or_404(
            ClassResource.objects.select_related("resource"),
            sourced_id=resource_id,
            klass_id=klass.pk,
            resource__metadata__lti__toolClientId=tool.client_id,
        )
    lti = (link.resource.metadata.get("lti") or {}) if link else {}
    try:
        url = launch_start(
            tool=tool,
            deployment=deployment,
            user=user,
            issuer=request_issuer(request),
            klass=klass,
            resource_link_id=link.sourced_id
            if link
            else f"{tool.client_id}:{klass.sourced_id if klass else 'home'}",
            resource_link_title=link.title if link else tool.name,
            target_link_uri=str(lti.get("url") or ""),
            custom={str(k): str(v) for k, v in (lti.get("custom") or {}).items()},
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    return redirect(url)


@login_required
@require_GET
def tool_deep_link_view(request: HttpRequest, tool_id: int) -> HttpResponse:
    """Let a teacher of ``?class=<sourcedId>`` pick content in the tool (an
    LtiDeepLinkingRequest): redirect to the tool's OIDC login initiation URL."""
    tool = get_object_or_404(ToolRegistration, pk=tool_id, is_active=True)
    deployment = tool.deployments.order_by("created_at", "pk").first()
    user = request_roster_user(request)
    klass = get_object_or_404(
        Class.objects.select_related("course"), sourced_id=request.GET.get("class", "")
    )
    editor = user is not None and (
        request.user.is_staff
        or klass.enrollments.filter(
            user=user, role__in=("teacher", "administrator"), status="active"
        ).exists()
    )
    if deployment is None or user is None or not editor:
        field = "deployment" if deployment is None else "class"
        message = "This tool has no deployment" if deployment is None else MSG_NOT_EDITOR
        return _refused(request, PermissionDenied(message, field=field))
    try:
        url = launch_start(
            tool=tool,
            deployment=deployment,
            user=user,
            issuer=request_issuer(request),
            klass=klass,
            resource_link_title=f"{klass.title}: {tool.name}",
            message_type=DEEP_LINKING_REQUEST,
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    return redirect(url)


# Posted by the tool's page (an auto-submitting form): authenticated by the tool's signature
# and bound to the request by its data claim, not by a CSRF token.
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def deep_link_return_view(request: HttpRequest) -> HttpResponse:
    """Deep-linking return URL: create the returned content items in the class, or say
    which claim was refused."""
    try:
        result = deep_link_response_accept(
            token=request.POST.get("JWT", ""),
            issuer=request_issuer(request),
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    return render(
        request,
        "lti/deep_link_done.html",
        {"resources": result.resources, "line_items": result.line_items, "message": result.message},
    )


@require_GET
def openid_configuration_view(request: HttpRequest) -> JsonResponse:
    """The platform's OpenID configuration (LTI Dynamic Registration reads it)."""
    return JsonResponse(platform_configuration(issuer=request_issuer(request)))


# A machine-to-machine endpoint authenticated by the one-time registration token.
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def registration_view(request: HttpRequest) -> JsonResponse:
    """LTI Dynamic Registration endpoint: register the posted tool under the bearer
    registration token's API client; RFC 7591 errors name the field."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise RegistrationRefused(
                "Authorization: a bearer registration token is required",
                field="registration_token",
                error="invalid_token",
                status_code=401,
            )
        answer = tool_register(token=token.strip(), body=body)
    except RegistrationRefused as exc:
        return JsonResponse(
            {"error": exc.error, "error_description": exc.message}, status=exc.status_code
        )
    return JsonResponse(answer)


# Tool side: an LMS's browser redirect / form post; pylti1p3 checks state and nonce.
# LMSes usually open tools in a frame of their own (another origin).
@xframe_options_exempt
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def lms_login_view(request: HttpRequest) -> HttpResponse:
    """Timeback as a tool: an LMS's third-party initiated login."""
    try:
        response: HttpResponse = lms_login(request=request, base=request_issuer(request))
    except ApplicationError as exc:
        return _refused(request, exc)
    return response


@xframe_options_exempt
@csrf_exempt
@never_cache
@require_http_methods(["POST"])
def lms_launch_view(request: HttpRequest) -> HttpResponse:
    """Timeback as a tool: the LMS's id_token; signs the user in and lands them (students
    on their dashboard, teachers on their class)."""
    try:
        launch = lms_launch(request=request, base=request_issuer(request))
    except ApplicationError as exc:
        return _refused(request, exc)
    auth_login(request, launch.user.login, backend="django.contrib.auth.backends.ModelBackend")
    if launch.deep_link is not None:  # after login(), which may start a new session
        request.session[_DEEP_LINK_KEY] = launch.deep_link
    return redirect(launch.landing)


_DEEP_LINK_KEY = "lti_tool_deep_link"


@xframe_options_exempt
@login_required
@require_http_methods(["GET", "POST"])
def lms_deep_link_view(request: HttpRequest) -> HttpResponse:
    """Timeback as a tool answering an LMS's deep-linking request: pick Timeback courses
    (GET), then post the signed response to the LMS (POST, an auto-submitting form)."""
    pending = request.session.get(_DEEP_LINK_KEY)
    if not pending:
        return _refused(
            request,
            ApplicationError(
                "No deep-linking request is waiting; start it from your LMS", field="launch"
            ),
        )
    if request.method == "GET":
        courses = lms_deep_link_courses(platform_id=pending["platform"])
        return render(request, "lti/tool_deep_link.html", {"courses": courses})
    try:
        return_url, token = lms_deep_link_answer(
            pending=pending, course_ids=request.POST.getlist("course"), base=request_issuer(request)
        )
    except ApplicationError as exc:
        return _refused(request, exc)
    del request.session[_DEEP_LINK_KEY]
    return render(request, "lti/deep_link_post.html", {"return_url": return_url, "jwt": token})


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(
        request,
        "lti/refused.html",
        {"message": exc.message, "field": exc.field or ""},
        status=exc.status_code,
    )
