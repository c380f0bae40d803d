from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.template.defaultfilters import floatformat

from relance.core.languages import formats_language
from relance.core.money import active_language, format_amount, format_date

register = template.Library()


@register.filter
def money(value, currency="EUR"):
    """1 234,56 € (French) or €1,234.56 (English)."""
    if value is None or value == "":
        return ""
    return format_amount(Decimal(value), currency or "EUR", formats_language())


@register.filter
def day(value: date | None):
    """31/01/2023 (French) or 31 Jan 2023 (English)."""
    if not value:
        return ""
    if hasattr(value, "astimezone"):
        value = value.astimezone().date() if value.tzinfo else value.date()
    return format_date(value, formats_language())


@register.filter
def moment(value, time_zone="Europe/Paris"):
    """A stored instant in the company's time zone: 31/01/2023 09:30."""
    if not value:
        return ""
    local = value.astimezone(ZoneInfo(time_zone or "Europe/Paris"))
    return f"{format_date(local.date(), formats_language())} {local:%H:%M}"


@register.filter
def percent(value, digits="-2"):
    """A rate: 12,40 % in French, 12.40% in English (digits as floatformat)."""
    number = floatformat(value, digits)
    return f"{number}%" if active_language() == "en" else f"{number} %"


@register.simple_tag
def colon():
    """The colon after a label, as each language writes it: « Objet : »,
    "Subject:"."""
    return ":" if active_language() == "en" else " :"


@register.simple_tag(takes_context=True)
def query(context, **changes):
    """The current query string with some parameters changed (None removes)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("page", None) if "page" not in changes else None
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
