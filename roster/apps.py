from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "roster"
    verbose_name = "OneRoster 1.2"
