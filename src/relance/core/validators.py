"""Django validators built on `identifiers` (French messages)."""

from datetime import date
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relance.core import identifiers
from relance.core.money import format_date

# Every date that comes in (files, API, forms, command line) lies between
# these: an ERP's "no due date" of 31/12/9999 is refused, not stored, so no
# date computed from it can overflow (docs/security.md).
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)


def date_out_of_range(value: date) -> str | None:
    """Why `value` is refused (French), or None when it is in range."""
    if DATE_MIN <= value <= DATE_MAX:
        return None
    return gettext("date hors des limites acceptées (du %(min)s au %(max)s)") % {
        "min": format_date(DATE_MIN),
        "max": format_date(DATE_MAX),
    }


def validate_date_range(value: date) -> None:
    message = date_out_of_range(value)
    if message:
        raise ValidationError(message, "date_range")


def validate_siren(value: str) -> None:
    _check_key(identifiers.compact(value), 9, identifiers.siren_valid, "SIREN")


def validate_siret(value: str) -> None:
    _check_key(identifiers.compact(value), 14, identifiers.siret_valid, "SIRET")


def _check_key(value: str, length: int, valid, name: str) -> None:
    """A SIREN or SIRET: its digits, then its check key (Luhn), each refusal
    saying which."""
    if not value:
        return
    if len(value) != length or not value.isdigit():
        raise ValidationError(
            _("%(name)s invalide : %(n)s chiffres attendus."),
            name.lower(),
            params={"name": name, "n": length},
        )
    if not valid(value):
        raise ValidationError(
            _(
                "%(name)s invalide : la clé de contrôle ne correspond pas (un "
                "chiffre mal recopié ?)."
            ),
            name.lower(),
            params={"name": name},
        )


def validate_french_postal_code(value: str) -> None:
    if value and not (len(value.strip()) == 5 and value.strip().isdigit()):
        raise ValidationError(
            _("Code postal invalide : 5 chiffres attendus."), "postal_code"
        )


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


LETTER_DEADLINE_MAX = 60  # days: beyond two months, a formal notice loses its point


def validate_letter_deadline(value: int) -> None:
    if not 1 <= value <= LETTER_DEADLINE_MAX:
        raise ValidationError(
            _("Entre 1 et %(max)s jours."),
            "letter_deadline",
            params={"max": LETTER_DEADLINE_MAX},
        )
