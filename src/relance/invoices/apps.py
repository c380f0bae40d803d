from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "relance.invoices"
    label = "invoices"
    verbose_name = "Clients et factures"
