"""Integrations switched on by environment variables, each with a safe default."""

from timeback.env import env

# Public origin used to build absolute hrefs in API responses when behind a proxy.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")
