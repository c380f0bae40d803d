from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "relance.mailing"
    label = "mailing"
