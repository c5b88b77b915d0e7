from django.apps import AppConfig


class QtiConfig(AppConfig):
    name = "qti"
    verbose_name = "QTI 3.0"
