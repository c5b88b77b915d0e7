"""A real LTI 1.3 tool for the tests: pylti1p3's Django classes, configured for our platform,
driven with Django request objects (the browser is the test client; the tool's session and
cookies are carried between its login and launch requests as a browser would)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import requests
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.tool_config import ToolConfDict
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from lti.selectors import platform_jwks

__all__ = ["DjangoAdapter", "PyltiTool"]


class DjangoAdapter(BaseAdapter):
    """A transport for ``requests`` that answers through Django's test client: pylti1p3's
    own service calls (token request, NRPS, AGS) reach the platform's views unchanged."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        parts = urllib.parse.urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "HTTP_" + k.upper().replace("-", "_"): v
            for k, v in request.headers.items()
            if k.lower() not in ("content-type", "content-length", "host")
        }
        answer = self.client.generic(
            request.method,
            path,
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""),
            **headers,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(dict(answer.headers.items()))
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@dataclass
class PyltiTool:
    """The tool side of one browser: ``login`` answers the platform's login initiation with
    the redirect to the authorization endpoint; ``launch`` validates the posted id_token."""

    issuer: str
    client_id: str
    deployment_id: str
    auth_login_url: str
    private_key_pem: str = ""
    public_key_pem: str = ""
    session: SessionStore = field(default_factory=SessionStore)
    cookies: dict[str, str] = field(default_factory=dict)

    def config(self) -> ToolConfDict:
        conf = self._config()
        if self.private_key_pem:
            conf.set_private_key(self.issuer, self.private_key_pem, client_id=self.client_id)
            conf.set_public_key(self.issuer, self.public_key_pem, client_id=self.client_id)
        return conf

    def _config(self) -> ToolConfDict:
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
        data: dict[str, Any] = self.message_launch(form).get_launch_data()
        return data

    def message_launch(self, form: dict[str, str], client: Client | None = None) -> Any:
        """pylti1p3's validated launch object; its services (NRPS, AGS) call the platform
        through ``client`` (Django's test client)."""
        session = requests.Session()
        if client is not None:
            session.mount("http://testserver/", DjangoAdapter(client))
        request = self._request("POST", "/lti/launch", form)
        launch = DjangoMessageLaunch(request, self.config(), requests_session=session)
        launch.validate()
        return launch
