from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "relance.reports"
    label = "reports"
    verbose_name = "Tableaux de bord"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from relance.reports.aged_snapshot import triggers_ensure

        post_migrate.connect(triggers_ensure, sender=self)
