"""Writes: the rate table, and the checks on a contractual penalty rate."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from relance.core.errors import ApplicationError
from relance.core.models import Company, Membership
from relance.core.money import format_date, format_rate
from relance.core.validators import date_out_of_range
from relance.law.models import Rate
from relance.law.penalties import RateKind, floor_rate, half_year_label
from relance.law.selectors import rate_table


def rates_writable_by(user) -> bool:
    """Who may change the rate table, shared by every company of the
    installation: its operators (staff), or the admins of its only company.
    With several companies, one company's admin must not change another's
    penalties; the operator does (`relance rates set`, the admin site)."""
    if user is None or not user.is_active:
        return False
    if user.is_staff:
        return True
    return (
        single_company()
        and Membership.objects.filter(user=user, role=Membership.Role.ADMIN).exists()
    )


def single_company() -> bool:
    """The installation serves one company (an API token of it may then
    change the rates too)."""
    return Company.objects.count() == 1


RATES_LOCKED = _lazy(
    "Les taux valent pour toutes les sociétés de cette installation : seul "
    "l'exploitant peut les modifier (« relance rates set »)."
)


def rate_set(
    *, kind: str, start: date, value, source: str, user=None
) -> tuple[Rate, bool]:
    """Add a rate, or change the one of that kind and start date; returns it
    and whether it is new. Every value checked, the field named."""
    if kind not in set(RateKind):
        choices = ", ".join(k.value for k in RateKind)
        raise ApplicationError(
            _("valeur attendue parmi %(choices)s.") % {"choices": choices},
            field="kind",
        )
    if not isinstance(start, date):
        raise ApplicationError(_("une date est attendue."), field="start")
    out_of_range = date_out_of_range(start)
    if out_of_range:
        raise ApplicationError(out_of_range, field="start")
    if kind != RateKind.ECB and (start.day, start.month) not in ((1, 1), (1, 7)):
        raise ApplicationError(
            _(
                "un taux de l'intérêt légal vaut pour un semestre : il commence "
                "le 1er janvier ou le 1er juillet (pas le %(date)s)."
            )
            % {"date": format_date(start)},
            field="start",
        )
    value = _percent(value, field="value", low=Decimal("-10"))
    source = (source or "").strip()
    if not source:
        raise ApplicationError(
            _("indiquez la source (publication officielle, lien)."), field="source"
        )
    if len(source) > 500:
        raise ApplicationError(_("500 caractères au plus."), field="source")
    with transaction.atomic():
        rate, created = Rate.objects.update_or_create(
            kind=kind,
            start=start,
            defaults={"value": value, "source": source, "updated_by": user},
        )
    return rate, created


def penalty_rate_check(value, *, on: date, field: str = "penalty_rate"):
    """A contractual penalty rate, refused below 3 × the legal rate of `on`'s
    half-year (Code de commerce L441-10 II). None: the law's default."""
    if value is None or value == "":
        return None
    rate = _percent(value, field=field, low=Decimal(0))
    floor = floor_rate(rate_table(), on)
    if floor is not None and rate < floor:
        raise ApplicationError(
            _(
                "%(rate)s %% est inférieur au minimum légal du semestre %(half)s : "
                "trois fois le taux de l'intérêt légal, soit %(floor)s %% "
                "(article L441-10 du Code de commerce)."
            )
            % {
                "rate": format_rate(rate),
                "half": half_year_label(on),
                "floor": format_rate(floor),
            },
            field=field,
        )
    return rate


def _percent(value, *, field: str, low: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("un pourcentage est attendu, par exemple 12,15."), field=field
        ) from None
    if not number.is_finite() or not low <= number <= 100:
        raise ApplicationError(
            _("un pourcentage entre %(low)s et 100 est attendu.")
            % {"low": format_rate(low)},
            field=field,
        )
    if number != number.quantize(Decimal("0.001")):
        raise ApplicationError(
            _("trois décimales au plus (par exemple 12,150)."), field=field
        )
    return number
