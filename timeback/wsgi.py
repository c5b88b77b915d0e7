import os

from django.core.wsgi import get_wsgi_application

from common.gc import gc_tune_server_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings.production")

application = get_wsgi_application()
gc_tune_server_process()
