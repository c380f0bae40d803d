from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InvoicesConfig(AppConfig):
    name = "relance.invoices"
    label = "invoices"
    verbose_name = "Clients et factures"

    def ready(self):
        from relance.invoices.dunning_index import triggers_ensure

        post_migrate.connect(triggers_ensure, sender=self)
