from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "relance.core"
    label = "core"
    verbose_name = "Société et utilisateurs"

    def ready(self):
        from relance.core import checks  # noqa: F401  (registers them)
