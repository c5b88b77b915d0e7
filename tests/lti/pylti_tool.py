"""A real LTI 1.3 tool for the tests: pylti1p3's Django classes, configured for our platform,
driven with Django request objects (the browser is the test client; the tool's session and
cookies are carried between its login and launch requests as a browser would)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.tool_config import ToolConfDict

from lti.selectors import platform_jwks

__all__ = ["PyltiTool"]


@dataclass
class PyltiTool:
    """The tool side of one browser: ``login`` answers the platform's login initiation with
    the redirect to the authorization endpoint; ``launch`` validates the posted id_token."""

    issuer: str
    client_id: str
    deployment_id: str
    auth_login_url: str
    session: SessionStore = field(default_factory=SessionStore)
    cookies: dict[str, str] = field(default_factory=dict)

    def config(self) -> ToolConfDict:
        return ToolConfDict(
            {
                self.issuer: [
                    {
                        "default": True,
                        "client_id": self.client_id,
                        "auth_login_url": self.auth_login_url,
                        "auth_token_url": self.issuer + "/lti/token",
                        "key_set_url": None,
                        "key_set": platform_jwks(),
                        "deployment_ids": [self.deployment_id],
                    }
                ]
            }
        )

    def _request(self, method: str, url: str, data: dict[str, str]) -> Any:
        factory = RequestFactory()
        request = factory.get(url, data) if method == "GET" else factory.post(url, data)
        request.session = self.session
        request.COOKIES.update(self.cookies)
        return request

    def login(self, login_url: str, target_link_uri: str) -> str:
        """The tool's OIDC login endpoint: returns the URL it redirects the browser to."""
        parts = urllib.parse.urlsplit(login_url)
        params = dict(urllib.parse.parse_qsl(parts.query))
        request = self._request("GET", parts.path, params)
        response = DjangoOIDCLogin(request, self.config()).redirect(target_link_uri)
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel.value
        self.session.save()
        return str(response["Location"])

    def launch(self, form: dict[str, str]) -> dict[str, Any]:
        """The tool's launch endpoint: pylti1p3 validates the id_token (signature by kid and
        alg from the platform's key set, iss, aud, nonce, state, deployment, version)."""
        request = self._request("POST", "/lti/launch", form)
        launch = DjangoMessageLaunch(request, self.config())
        data: dict[str, Any] = launch.get_launch_data()
        return data
