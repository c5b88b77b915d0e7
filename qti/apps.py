from django.apps import AppConfig


class QtiConfig(AppConfig):
    name = "qti"
    verbose_name = "QTI 3.0"

    def ready(self) -> None:
        from qti.services.external_scoring import external_scoring_register

        external_scoring_register()
