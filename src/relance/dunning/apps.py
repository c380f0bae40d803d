from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DunningConfig(AppConfig):
    name = "relance.dunning"
    label = "dunning"
    verbose_name = "Relances"

    def ready(self):
        from relance.dunning.tagged_count import triggers_ensure

        post_migrate.connect(triggers_ensure, sender=self)
