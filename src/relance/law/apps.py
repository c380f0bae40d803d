from django.apps import AppConfig


class LawConfig(AppConfig):
    name = "relance.law"
    label = "law"
    verbose_name = "Droit des retards de paiement"
    default_auto_field = "django.db.models.BigAutoField"
