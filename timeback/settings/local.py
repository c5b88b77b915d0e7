"""Local development: `make run`."""

from timeback.env import env
from timeback.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
