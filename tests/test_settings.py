"""Settings come from the environment; production passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "timeback.settings.production",
            "SECRET_KEY": "k" * 10 + "-production-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
            "ALLOWED_HOSTS": "timeback.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key() -> None:
    result = _run(
        "check",
        env={"DJANGO_SETTINGS_MODULE": "timeback.settings.production", "SECRET_KEY": ""},
    )
    assert result.returncode != 0


def test_defaults_are_sqlite_and_in_process_celery() -> None:
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE']);"
        "print(settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _run("shell", "-c", code, env={"DJANGO_SETTINGS_MODULE": "timeback.settings.local"})
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert "True" in result.stdout


def test_database_url_and_redis_url_switch_to_postgres_and_a_broker() -> None:
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE']);"
        "print(settings.CELERY_BROKER_URL);"
        "print(settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _run(
        "shell",
        "-c",
        code,
        env={
            "DJANGO_SETTINGS_MODULE": "timeback.settings.local",
            "DATABASE_URL": "postgres://u@db.example:5432/x",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    assert "redis://cache.example:6379/0" in result.stdout
    assert "False" in result.stdout


def test_production_session_cookie_samesite_is_configurable_and_checked() -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "timeback.settings.production",
        "SECRET_KEY": "k" * 10 + "-production-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "timeback.example.org",
    }
    framed = _run("check", "--deploy", env={**env, "SESSION_COOKIE_SAMESITE": "None"})
    assert framed.returncode == 0, framed.stdout + framed.stderr
    wrong = _run("check", env={**env, "SESSION_COOKIE_SAMESITE": "sometimes"})
    assert wrong.returncode != 0
    assert "SESSION_COOKIE_SAMESITE must be Lax, Strict or None" in wrong.stderr
