"""Items scored by an external service (com.alpha-1edtech.ExternalApiScore), against a real
HTTP server on this machine; hosts not allowed are never called."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from qti.processing import ItemScorer, QtiProcessingError

RECEIVED: list[dict[str, Any]] = []


class _Scorer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        RECEIVED.append(body)
        if self.path == "/broken":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"outcomes": {"SCORE": "lots"}}')
            return
        if self.path == "/down":
            self.send_response(503)
            self.end_headers()
            return
        words = len(str(body["responses"].get("RESPONSE") or "").split())
        answer = {"outcomes": {body["outcomeIdentifier"]: min(words, 10) / 10}}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scorer_url(settings: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scorer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.QTI_EXTERNAL_SCORER_HOSTS = ["127.0.0.1"]
    RECEIVED.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def essay(url: str) -> str:
    return f"""<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
  identifier="essay-x" title="Essay" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body><qti-extended-text-interaction response-identifier="RESPONSE"/></qti-item-body>
  <qti-response-processing>
    <qti-set-outcome-value identifier="SCORE">
      <qti-custom-operator class="com.alpha-1edtech.ExternalApiScore" definition="{url}"/>
    </qti-set-outcome-value>
  </qti-response-processing>
</qti-assessment-item>"""


def test_the_external_service_scores_the_item(scorer_url: str) -> None:
    result = ItemScorer.from_xml(essay(scorer_url + "/score")).score(
        {"RESPONSE": "one two three four five"}
    )
    assert result.score == 0.5
    (sent,) = RECEIVED
    assert sent["itemIdentifier"] == "essay-x" and sent["outcomeIdentifier"] == "SCORE"
    assert sent["responses"] == {"RESPONSE": "one two three four five"}
    assert sent["rawXml"].startswith("<qti-assessment-item")


@pytest.mark.parametrize(
    ("path", "message"),
    [("/broken", "no number at outcomes.SCORE"), ("/down", "answered HTTP 503")],
)
def test_a_failing_scorer_is_an_error_naming_it(scorer_url: str, path: str, message: str) -> None:
    with pytest.raises(QtiProcessingError, match=message):
        ItemScorer.from_xml(essay(scorer_url + path)).score({"RESPONSE": "x"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest", "host '169.254.169.254' is not one this server"),
        ("file:///etc/passwd", "must be an http"),
    ],
)
def test_hosts_not_allowed_are_never_called(scorer_url: str, url: str, message: str) -> None:
    with pytest.raises(QtiProcessingError, match=message):
        ItemScorer.from_xml(essay(url)).score({"RESPONSE": "x"})
    assert RECEIVED == []
