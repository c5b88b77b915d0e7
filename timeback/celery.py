"""The Celery application; configuration lives in timeback/settings/celery.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings.local")

app = Celery("timeback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
