"""Reading values the way French files write them. Pure functions.

Dates « 31/01/2023 » or ISO « 2023-01-31 »; amounts « 1 234,56 », « 1234.56 »,
« 1.234,56 € »; statuses and kinds in French or English.
"""

import functools
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from relance.core.languages import NAMES
from relance.core.validators import date_out_of_range


class ValueRefused(ValueError):
    """A value that cannot be read; the message says why, in French."""


def normalize_header(text: str) -> str:
    """« Date d'échéance » → date_d_echeance; « N° » → n."""
    if type(text) is str:
        return _normalized(text)
    return _normalize(text)


@functools.lru_cache(maxsize=4096)  # a file's kinds and statuses recur
def _normalized(text: str) -> str:
    return _normalize(text)


def _normalize(text) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def parse_date(value) -> date:
    """A date from a cell or a field: 31/01/2026, 31.01.2026, 2026-01-31, or
    a date already; refused out of the accepted range (DATE_MIN..DATE_MAX)."""
    if type(value) is str:
        return _parse_date_text(value)
    return _parse_date(value)


@functools.lru_cache(maxsize=8192)  # a file's dates recur: each read once
def _parse_date_text(text: str) -> date:
    return _parse_date(text)


def _parse_date(value) -> date:
    day = _read_date(value)
    refusal = date_out_of_range(day)
    if refusal:
        raise ValueRefused(refusal)
    return day


def _read_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        raise ValueRefused(_("date impossible « %(v)s »") % {"v": text}) from None
    raise ValueRefused(
        _("date illisible « %(v)s » (attendu : 31/01/2023 ou 2023-01-31)") % {"v": text}
    )


def parse_amount(value) -> Decimal:
    """An amount from a cell or a field (« 1 234,56 », 1234.56), to the cent."""
    if type(value) is str:
        return _parse_amount_text(value)
    return _parse_amount(value)


@functools.lru_cache(maxsize=8192)  # a file's amounts often recur
def _parse_amount_text(text: str) -> Decimal:
    return _parse_amount(text)


def _parse_amount(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueRefused(_("montant illisible « %(v)s »") % {"v": value})
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = str(value).strip()
        cleaned = re.sub(r"[\s\u00a0\u202f€]|EUR", "", text)
        if "," in cleaned and "." in cleaned:
            # The last separator is the decimal one: 1.234,56 or 1,234.56.
            if cleaned.rfind(",") > cleaned.rfind("."):
                cleaned = cleaned.replace(".", "").replace(",", ".")
            else:
                cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
            raise ValueRefused(
                _("montant illisible « %(v)s » (attendu : 1 234,56)") % {"v": text}
            )
        amount = Decimal(cleaned)
    if not amount.is_finite():
        raise ValueRefused(_("montant illisible « %(v)s »") % {"v": value})
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValueRefused(
            _("montant « %(v)s » : deux décimales au plus") % {"v": value}
        )
    if abs(amount) >= Decimal("1e12"):
        raise ValueRefused(_("montant « %(v)s » trop grand") % {"v": value})
    return amount.quantize(Decimal("0.01"))


STATUSES = {
    "open": "open",
    "ouverte": "open",
    "ouvert": "open",
    "a_payer": "open",
    "paid": "paid",
    "payee": "paid",
    "paye": "paid",
    "reglee": "paid",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "annulee": "cancelled",
    "annule": "cancelled",
    "draft": "draft",
    "brouillon": "draft",
}
KINDS = {
    "business": "business",
    "professionnel": "business",
    "pro": "business",
    "entreprise": "business",
    "b2b": "business",
    "consumer": "consumer",
    "particulier": "consumer",
    "b2c": "consumer",
}


# The customer's language (`langue`): it picks their templates and formats.
# Its code (« de ») or its French name (« allemand »), of any language a
# company may add (core/languages.py); the company's own list is checked by
# the import (importing.language_problems).
@functools.cache
def languages_read() -> dict[str, str]:
    names = {"french": "fr", "english": "en"}
    with translation.override("fr"):
        for code, name in NAMES.items():
            names[code] = code
            names[normalize_header(str(name))] = code
    return names


# A document's kind: an invoice, or a credit note (« avoir »).
DOCUMENT_KINDS = {
    "invoice": "invoice",
    "facture": "invoice",
    "fa": "invoice",
    "credit_note": "credit_note",
    "avoir": "credit_note",
    "av": "credit_note",
    "credit": "credit_note",
}


def parse_choice(value, choices: dict[str, str], expected: str) -> str:
    key = normalize_header(value)
    if key not in choices:
        raise ValueRefused(
            _("valeur inconnue « %(v)s » (attendu : %(expected)s)")
            % {"v": value, "expected": expected}
        )
    return choices[key]


def parse_einvoice_status(value, labels: dict[str, str]) -> str:
    """An e-invoicing lifecycle status: its code (« 212 », « 212 - Encaissée »)
    or its French label (« Encaissée »); `labels` maps each label, as
    normalize_header writes it, to its code."""
    text = str(value).strip()
    found = re.match(r"(2\d\d)\b", text)
    if found and found.group(1) in labels.values():
        return found.group(1)
    code = labels.get(normalize_header(text))
    if code is None:
        raise ValueRefused(
            _(
                "statut de facture électronique inconnu « %(v)s » (attendu : un "
                "code de 200 à 213, ou son libellé, par exemple « Encaissée »)"
            )
            % {"v": text[:40]}
        )
    return code
