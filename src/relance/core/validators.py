"""Django validators built on `identifiers` (French messages)."""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relance.core import identifiers


def validate_siren(value: str) -> None:
    if value and not identifiers.siren_valid(identifiers.compact(value)):
        raise ValidationError(_("SIREN invalide : 9 chiffres attendus."), "siren")


def validate_siret(value: str) -> None:
    if value and not identifiers.siret_valid(identifiers.compact(value)):
        raise ValidationError(_("SIRET invalide : 14 chiffres attendus."), "siret")


def validate_iban(value: str) -> None:
    if value and not identifiers.iban_valid(value):
        raise ValidationError(_("IBAN invalide."), "iban")


def validate_bic(value: str) -> None:
    if value and not identifiers.bic_valid(value):
        raise ValidationError(_("BIC invalide."), "bic")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("Fuseau horaire inconnu : %(tz)s"), params={"tz": value}
        )
