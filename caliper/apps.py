from django.apps import AppConfig


class CaliperConfig(AppConfig):
    name = "caliper"
    verbose_name = "Caliper 1.2"
