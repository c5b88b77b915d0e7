"""The only place that reads the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (never committed) may set anything .env.example lists.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

__all__ = ["BASE_DIR", "env"]
