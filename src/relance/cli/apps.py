from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "relance.cli"
    label = "cli"
    verbose_name = "Ligne de commande"
