"""A small LTI 1.3 tool built on pylti1p3, served by the test server next to the platform:
the end-to-end tests launch it over HTTP from a real browser. It validates the launch,
posts a score through AGS, reads the NRPS roster, and answers a deep-linking request.

Its configuration (``CONFIG``) is filled by the test before the browser starts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfDict

CONFIG: dict[str, Any] = {}


def _conf() -> ToolConfDict:
    conf = ToolConfDict(
        {
            CONFIG["issuer"]: [
                {
                    "default": True,
                    "client_id": CONFIG["client_id"],
                    "auth_login_url": CONFIG["issuer"] + "/lti/authorize",
                    "auth_token_url": CONFIG["issuer"] + "/lti/token",
                    "key_set_url": CONFIG["issuer"] + "/lti/jwks",
                    "key_set": None,
                    "deployment_ids": [CONFIG["deployment_id"]],
                }
            ]
        }
    )
    conf.set_private_key(CONFIG["issuer"], CONFIG["private_key"], client_id=CONFIG["client_id"])
    conf.set_public_key(CONFIG["issuer"], CONFIG["public_key"], client_id=CONFIG["client_id"])
    return conf


@xframe_options_exempt  # a tool runs in its platform's frame
@csrf_exempt
def login(request: HttpRequest) -> HttpResponse:
    target = request.build_absolute_uri("/test-tool/launch")
    response: HttpResponse = DjangoOIDCLogin(request, _conf()).redirect(target)
    return response


@xframe_options_exempt
@csrf_exempt
def launch(request: HttpRequest) -> HttpResponse:
    message = DjangoMessageLaunch(request, _conf())
    data = message.get_launch_data()
    if message.is_deep_link_launch():
        resource = (
            DeepLinkResource()
            .set_url(request.build_absolute_uri("/test-tool/launch?activity=e2e"))
            .set_title("E2E activity")
            .set_lineitem(LineItem().set_score_maximum(5).set_label("E2E quiz").set_tag("e2e"))
        )
        html: str = message.get_deep_link().output_response_form([resource])
        return HttpResponse(html)
    members = message.get_nrps().get_members() if message.has_nrps() else []
    posted = "no"
    if message.has_ags():
        grade = (
            Grade()
            .set_score_given(4)
            .set_score_maximum(5)
            .set_timestamp(dt.datetime.now(dt.UTC).isoformat())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(data["sub"])
        )
        line = LineItem().set_tag("e2e-launch").set_score_maximum(5).set_label("E2E launch")
        message.get_ags().put_grade(grade, line)
        posted = "yes"
    return HttpResponse(
        f'<p id="tool-result" data-sub="{data["sub"]}" data-members="{len(members)}" '
        f'data-grade="{posted}">launched</p>'
    )


def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public key, as pylti1p3 publishes it (kid = the key's thumbprint)."""
    return JsonResponse({"keys": [dict(Registration.get_jwk(CONFIG["public_key"]))]})


def register(request: HttpRequest) -> HttpResponse:
    """LTI Dynamic Registration, tool side: read the platform configuration, post the
    registration with the one-time token, keep the client_id and deployment_id."""
    config_url = request.GET["openid_configuration"]
    config = requests.get(config_url, timeout=10).json()
    if (
        requests.utils.urlparse(config["issuer"]).netloc
        != requests.utils.urlparse(config_url).netloc
    ):
        return HttpResponse("issuer host mismatch", status=400)
    base = request.build_absolute_uri("/test-tool")
    answer = requests.post(
        config["registration_endpoint"],
        json={
            "application_type": "web",
            "response_types": ["id_token"],
            "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": f"{base}/login",
            "redirect_uris": [f"{base}/launch"],
            "client_name": "E2E Tool",
            "jwks_uri": f"{base}/jwks",
            "token_endpoint_auth_method": "private_key_jwt",
            "scope": " ".join(CONFIG["scopes"]),
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                "domain": request.get_host(),
                "target_link_uri": f"{base}/launch",
                "messages": [{"type": "LtiDeepLinkingRequest"}],
            },
        },
        headers={"Authorization": f"Bearer {request.GET['registration_token']}"},
        timeout=10,
    )
    answer.raise_for_status()
    body = answer.json()
    CONFIG.update(
        issuer=config["issuer"],
        client_id=body["client_id"],
        deployment_id=body["https://purl.imsglobal.org/spec/lti-tool-configuration"][
            "deployment_id"
        ],
    )
    return HttpResponse(
        f'<p id="registered" data-client-id="{body["client_id"]}">registered</p>'
        "<script>(window.opener || window.parent).postMessage("
        '{subject: "org.imsglobal.lti.close"}, "*");</script>'
    )


urlpatterns = [
    path("test-tool/jwks", jwks),
    path("test-tool/register", register),
    path("test-tool/login", login),
    path("test-tool/launch", launch),
    path("", include("timeback.urls")),
]
