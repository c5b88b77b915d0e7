"""The official Python client (timeback-core) against a live server.

The client needs Python >= 3.12, so it runs in its own virtualenv (``scripts/compat_venv.sh``
builds ``.venv-compat``); point ``TIMEBACK_COMPAT_PYTHON`` at that interpreter. Without one
the test is skipped.

Besides rostering and the gradebook, the client sends Caliper learning events for the student
it rostered (from a sensor registered to its API client) and reads the analytics back; the
live server processes them with the in-process (eager) pipeline. Its QTI client writes and
reads items, stimuli and tests, edits a test's structure, scores and validates. Its CASE
client uploads our small framework (``tests.case.fixtures``), reads it back in every way it
can, and updates and upserts packages.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from roster.models import AcademicSession, Org
from tenancy.scopes import CALIPER_SCOPES, CASE_SCOPES, ONEROSTER_SCOPES, QTI_SCOPES
from tenancy.services import api_client_create
from tests.case.fixtures import package as case_package

pytestmark = pytest.mark.compat

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_client.py")
CLIENT_ID = "compat-client"
CLIENT_SECRET = "compat-secret-only-for-this-test"
SENSOR = "https://compat-app.example.org/sensors/main"


def _compat_python() -> str:
    """The interpreter with timeback-core, or skip with the reason."""
    candidate = os.environ.get("TIMEBACK_COMPAT_PYTHON", "")
    if not candidate:
        default = ROOT / ".venv-compat" / "bin" / "python"
        if not default.exists():
            if os.environ.get("CI"):
                pytest.fail("CI must run the official client: .ci/run builds .venv-compat")
            pytest.skip(
                "TIMEBACK_COMPAT_PYTHON is not set and .venv-compat is absent: run "
                "scripts/compat_venv.sh to build a Python >= 3.12 venv with timeback-core"
            )
        candidate = str(default)
    probe = subprocess.run(
        [
            candidate,
            "-c",
            "import sys, timeback_core; assert sys.version_info >= (3, 12); print('ok')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(
            f"{candidate} is not a Python >= 3.12 with timeback-core: {probe.stderr.strip()[-300:]}"
        )
    return candidate


@pytest.mark.django_db(transaction=True)
def test_official_client_round_trip(live_server: object, tmp_path: Path) -> None:
    python = _compat_python()
    framework = tmp_path / "case-package.json"
    framework.write_text(json.dumps(case_package()), encoding="utf-8")
    district = Org.objects.create(
        sourced_id="compat-district", name="Compat District", type="district"
    )
    year = AcademicSession.objects.create(
        sourced_id="compat-sy",
        title="2025-2026",
        type="schoolYear",
        start_date=dt.date(2025, 8, 1),
        end_date=dt.date(2026, 6, 30),
        school_year="2026",
        org=district,
        org_scope=district,
    )
    AcademicSession.objects.create(
        sourced_id="compat-term",
        title="Fall",
        type="term",
        start_date=dt.date(2025, 8, 1),
        end_date=dt.date(2025, 12, 20),
        school_year="2026",
        parent=year,
        org=district,
        org_scope=district,
    )
    api_client_create(
        name="Official client check",
        org_sourced_id=district.sourced_id,
        scopes=[*ONEROSTER_SCOPES, *CALIPER_SCOPES, *QTI_SCOPES, *CASE_SCOPES],
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sensors=[SENSOR],
    )
    command = [
        python,
        str(RUNNER),
        "--base-url",
        live_server.url,  # type: ignore[attr-defined]
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--district",
        district.sourced_id,
        "--term",
        "compat-term",
        "--prefix",
        "compat",
        "--sensor",
        SENSOR,
        "--case-package",
        str(framework),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=ROOT
    )
    sys.stdout.write(completed.stdout)
    assert completed.returncode == 0, (
        "the official client found incompatibilities:\n" + completed.stdout + completed.stderr
    )
