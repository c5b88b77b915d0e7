"""Test settings: eager Celery unless a test starts a real worker, fast hasher, locmem cache."""

from timeback.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test process keeps the interpreter's collector: importing timeback.wsgi must not freeze
# the test run (tests/common/test_gc.py sets it where it tests it).
GC_GEN0_THRESHOLD = 0

# The official QTI schemas, where ../shared is present (it always is on CI).
_QTI_XSD = BASE_DIR.parent / "shared" / "fixtures" / "qti" / "xsd"  # noqa: F405
QTI_SCHEMA_DIR = str(_QTI_XSD) if _QTI_XSD.is_dir() else ""
_CASE_SCHEMA = BASE_DIR.parent / "shared" / "fixtures" / "case" / "json_schema"  # noqa: F405
_CASE_SCHEMA = _CASE_SCHEMA / "case-v1p1-cfpackage.official.json"
CASE_PACKAGE_SCHEMA = str(_CASE_SCHEMA) if _CASE_SCHEMA.is_file() else ""
