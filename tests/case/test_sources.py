"""Importing from a CASE server (a real HTTP server on this machine): one package by its
URL, or every framework a server lists; unreachable or broken servers are refused by name."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from case.models import CaseDocument
from case.services.packages import framework_package
from tests.case.fixtures import DOC, package

pytestmark = pytest.mark.django_db


class _Server(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        base = "/ims/case/v1p0"
        if self.path.startswith(f"{base}/CFDocuments"):
            body: Any = {"CFDocuments": [package()["CFDocument"]]}
        elif self.path == f"{base}/CFPackages/{DOC}":
            body = package()
        elif self.path == f"/wrapped/CFPackages/{DOC}":
            body = {"CFPackage": package()}
        elif self.path == "/html/CFPackages/x":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>")
            return
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_one_package_by_its_url(server: str) -> None:
    out = io.StringIO()
    call_command("case_import", f"{server}/ims/case/v1p0/CFPackages/{DOC}", stdout=out)
    assert "created 'Example Mathematics'" in out.getvalue()
    document = CaseDocument.objects.get(identifier=DOC)
    assert document.source == "url" and document.source_ref.endswith(DOC)
    assert framework_package(document=document) == package()


def test_every_framework_of_a_server(server: str) -> None:
    call_command("case_import", f"{server}/ims/case/v1p0", stdout=io.StringIO())
    assert CaseDocument.objects.count() == 1


def test_a_wrapped_package_is_unwrapped(server: str) -> None:
    call_command("case_import", f"{server}/wrapped/CFPackages/{DOC}", stdout=io.StringIO())
    assert framework_package(document=CaseDocument.objects.get()) == package()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/ims/case/v1p0/CFPackages/missing", "HTTP 404"),
        ("/nothing-here", "HTTP 404"),
        ("/html/CFPackages/x", "not JSON"),
    ],
)
def test_broken_servers_are_refused_by_name(server: str, path: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("case_import", f"{server}{path}", stdout=io.StringIO())
    assert not CaseDocument.objects.exists()


def test_an_unreachable_server(server: str) -> None:
    with pytest.raises(CommandError, match="no answer"):
        call_command("case_import", "http://127.0.0.1:9/ims/case/v1p0", stdout=io.StringIO())
