from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "relance.reports"
    label = "reports"
    verbose_name = "Tableaux de bord"
    default_auto_field = "django.db.models.BigAutoField"
