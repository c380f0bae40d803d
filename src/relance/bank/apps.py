from django.apps import AppConfig


class BankConfig(AppConfig):
    name = "relance.bank"
    label = "bank"
    verbose_name = "Banque"
