"""The Celery application; configuration lives in timeback/settings/celery.py."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from common.gc import gc_tune_server_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings.local")

app = Celery("timeback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _worker_gc_tune(**_: Any) -> None:
    """Each pool process, once forked with the application loaded (see common/gc.py)."""
    gc_tune_server_process()
