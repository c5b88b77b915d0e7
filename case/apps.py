from django.apps import AppConfig


class CaseConfig(AppConfig):
    name = "case"
    verbose_name = "CASE 1.1 academic standards"
