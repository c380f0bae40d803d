"""Amounts and dates written the French way: 1 234,56 € and 31/01/2023; or
the English way: €1,234.56 and 31 Jan 2023. Without a language, the active
one (the reader's, on a page); French when none is. Any other language
(German, Spanish…) the way Django's locale formats write it: 1.234,56 € and
31. Januar 2023 (the symbol after the amount, as in French)."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import dateformat, numberformat, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
NBSP = "\u00a0"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def active_language() -> str:
    """The active language as the formats know it: "en" or else "fr"."""
    return "en" if (translation.get_language() or "").startswith("en") else "fr"


def format_amount(
    amount: Decimal, currency: str = "EUR", language: str | None = None
) -> str:
    """`1 234,56 €` in French, `€1,234.56` in English (no-break spaces)."""
    language = language or active_language()
    amount = quantize(Decimal(amount))
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = f"{int(units):,}"
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if language == "en":
        return f"{sign}{symbol}{groups}.{cents}"
    if language != "fr":
        return f"{sign}{_number(abs(amount), language)}{NBSP}{symbol}"
    return f"{sign}{groups.replace(',', NBSP)},{cents}{NBSP}{symbol}"


def _number(amount: Decimal, language: str) -> str:
    """Two decimals as Django's formats for `language` group them."""
    return numberformat.format(
        amount,
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        decimal_pos=2,
        grouping=get_format("NUMBER_GROUPING", language, use_l10n=True) or 3,
        thousand_sep=get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        force_grouping=True,
        use_l10n=True,
    )


def format_date(value: date | None, language: str | None = None) -> str:
    """`31/01/2023` in French, `31 Jan 2023` in English."""
    if value is None:
        return ""
    language = language or active_language()
    if language == "en":
        return value.strftime("%d %b %Y").lstrip("0")
    if language != "fr":  # Django's long date format, its month names
        with translation.override(language):
            return dateformat.format(
                value, get_format("DATE_FORMAT", language, use_l10n=True)
            )
    return value.strftime("%d/%m/%Y")


def format_rate(value: Decimal, language: str = "fr") -> str:
    """A rate as people write it: `12,15` in French, `12.15` in English (no
    trailing zeros; the « % » is the caller's)."""
    text = format(Decimal(value).normalize(), "f")
    if language not in ("en", "fr"):
        separator = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
        return text.replace(".", separator)
    return text if language == "en" else text.replace(".", ",")


DAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre "
    "novembre décembre",
    "en": "January February March April May June July August September October "
    "November December",
}


def format_moment(moment: datetime, now: datetime) -> str:
    """When something will happen, both given in the zone to show:
    « aujourd'hui à 14:00 », « demain à 08:00 », « lundi 16 juillet à 08:00 »
    (« Monday 16 July at 08:00 » in English)."""
    language = active_language()
    at = f"{moment:%H:%M}"
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days
    if days == 0:
        return _("aujourd'hui à %(time)s") % {"time": at}
    if days == 1:
        return _("demain à %(time)s") % {"time": at}
    weekday = DAYS[language].split()[moment.weekday()]
    month = MONTHS[language].split()[moment.month - 1]
    day = f"{weekday} {moment.day} {month}"
    if moment.year != now.year:
        day += f" {moment.year}"
    return _("%(day)s à %(time)s") % {"day": day, "time": at}
