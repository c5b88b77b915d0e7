"""Production: PostgreSQL, Redis, Celery workers, gunicorn. Everything from the environment."""

from django.core.exceptions import ImproperlyConfigured

from timeback.env import env
from timeback.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# "None" lets schools' LMSes show Timeback inside their frames (the LTI tool side needs its
# session on the LMS's cross-site form post); "Lax" is safer where Timeback is only opened as
# a window of its own.
SESSION_COOKIE_SAMESITE = env.str("SESSION_COOKIE_SAMESITE", default="Lax")
if SESSION_COOKIE_SAMESITE not in ("Lax", "Strict", "None"):
    raise ImproperlyConfigured("SESSION_COOKIE_SAMESITE must be Lax, Strict or None")
SECURE_CONTENT_TYPE_NOSNIFF = True
