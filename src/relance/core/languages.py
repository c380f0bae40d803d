"""The languages a company writes to its customers in (issue 18 §2; ADR
28): French always, English shipped, and others a company
adds from a list of common ones (ISO 639-1 codes).

Relance's own words (table headings, a letter's frame, a statement) exist in
French and English only: a customer writing in another language gets them in
English (`catalogue`), with their own language's dates and amounts
(`written_in`, `formats_language`). Pure but for Django's translation."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

BASE = "fr"  # always offered; a step's own subject and body
SHIPPED = ("fr", "en")  # every company has them
CATALOGUES = ("fr", "en")  # Relance's own words exist in these

# Each language a company may add, by code, as French names it: the import's
# « allemand », the summary's « modèle allemand absent ». Django ships the
# date and number formats of each.
NAMES = {
    "fr": _("français"),
    "en": _("anglais"),
    "de": _("allemand"),
    "es": _("espagnol"),
    "it": _("italien"),
    "nl": _("néerlandais"),
    "pt": _("portugais"),
    "pl": _("polonais"),
    "ro": _("roumain"),
    "sv": _("suédois"),
    "da": _("danois"),
    "fi": _("finnois"),
    "cs": _("tchèque"),
    "el": _("grec"),
    "hu": _("hongrois"),
}
CODES = tuple(NAMES)
CHOICES = [(code, capfirst(name)) for code, name in NAMES.items()]
ADDABLE = [(code, label) for code, label in CHOICES if code not in SHIPPED]


def name(code: str) -> str:
    """« allemand » (in the reader's language), or the code when unknown."""
    return str(NAMES.get(code, code))


def company_languages(chosen) -> list[str]:
    """A company's languages as stored: French and English first, then the
    added ones in the order of NAMES; unknown codes dropped."""
    chosen = set(chosen or ())
    return [
        *SHIPPED,
        *(code for code in CODES if code in chosen and code not in SHIPPED),
    ]


def refusal(code: str, chosen) -> str:
    """Why a customer cannot be written to in `code` by a company with the
    languages `chosen` (French), or ""."""
    if code in company_languages(chosen):
        return ""
    if code not in NAMES:
        return str(_("langue inconnue « %(code)s »") % {"code": code})
    return str(
        _(
            "langue « %(name)s » non ajoutée aux langues des relances de la "
            "société (Paramètres de la société)"
        )
        % {"name": name(code)}
    )


def catalogue(code: str) -> str:
    """The language of Relance's own words for a customer writing in `code`:
    French or English themselves, English for any other."""
    return code if code in CATALOGUES else "en"


_formats: ContextVar[str | None] = ContextVar("relance_formats", default=None)


@contextmanager
def written_in(code: str) -> Iterator[None]:
    """Write for a customer in `code`: Relance's words in `catalogue(code)`,
    dates and amounts in `code` (the template filters read
    `formats_language`)."""
    code = code or BASE
    token = _formats.set(code)
    try:
        with translation.override(catalogue(code)):
            yield
    finally:
        _formats.reset(token)


def formats_language() -> str:
    """The language dates and amounts are written in: the customer's inside
    `written_in`, else the active one (the reader's)."""
    return _formats.get() or translation.get_language() or BASE
