"""French late-payment law, as pure functions (docs/legal.md).

Standard library only: no Django, no database, no clock.

Between businesses (Code de commerce L441-10 II):
- penalties run from the day after the due date, without any reminder, on
  the amount still due, to the payment date (or to the date asked for an
  invoice still open); a partial payment reduces the base from its date;
- the default rate is the ECB main refinancing rate + 10 points: the rate in
  force on 1 January for the days of the first half-year, on 1 July for those
  of the second, so a delay across 30 June or 31 December is split;
- a contractual rate may replace it, never below three times the legal
  interest rate (« tous les autres cas ») of the period;
- the amount is base × rate × days / basis (365 by default), summed over the
  periods and rounded to the cent once, at the end;
- plus a flat 40 € recovery indemnity per late invoice, once, never prorated
  (D441-5).

Against a consumer: no penalty and no indemnity, ever. Legal interest at the
legal rate (the creditor being a business: « tous les autres cas ») runs from
the day the formal notice was received (Code civil 1231-6), when there is one.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ECB_MARGIN = Decimal("10")  # points added to the ECB rate (L441-10 II)
FLOOR_FACTOR = 3  # a contractual rate: at least 3 × the legal rate
INDEMNITY = Decimal("40.00")  # D441-5, per late invoice


class RateKind(StrEnum):
    ECB = "ecb"  # ECB main refinancing rate, from the day a change took effect
    LEGAL_PRIVATE = "legal_private"  # legal rate, creditor a private person
    LEGAL_OTHER = "legal_other"  # legal rate, every other case


class CustomerKind(StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"


class RateMissing(Exception):
    """No known rate for a date: the table must be completed first."""

    def __init__(self, kind: RateKind, on: date):
        self.kind, self.on = kind, on
        super().__init__(f"{kind} rate unknown on {on.isoformat()}")


@dataclass(frozen=True)
class RateTable:
    """Dated rates, in percent: each value holds from its start date on until
    the next one of the same kind. Legal rates start on 1 January or 1 July."""

    rows: Sequence[tuple[RateKind, date, Decimal]]
    _sorted: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_kind: dict[RateKind, list[tuple[date, Decimal]]] = {}
        for kind, start, value in self.rows:
            by_kind.setdefault(RateKind(kind), []).append((start, value))
        for values in by_kind.values():
            values.sort()
        object.__setattr__(self, "_sorted", by_kind)

    def on(self, kind: RateKind, day: date) -> Decimal:
        """The rate of `kind` in force on `day`."""
        found = None
        for start, value in self._sorted.get(kind, ()):
            if start > day:
                break
            found = value
        if found is None:
            raise RateMissing(kind, day)
        return found

    def legal(self, kind: RateKind, day: date) -> Decimal | None:
        """The legal rate of `day`'s half-year, or None when not yet known
        (a legal rate is fixed per half-year, never carried over)."""
        start = half_year_start(day)
        for row_start, value in self._sorted.get(kind, ()):
            if row_start == start:
                return value
        return None

    def penalty_rate(self, day: date) -> Decimal:
        """The default penalty rate for a day: ECB rate on the first day of
        its half-year + 10 points."""
        return self.on(RateKind.ECB, half_year_start(day)) + ECB_MARGIN


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def half_year_label(day: date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


@dataclass(frozen=True)
class Period:
    """Days `start`..`end` (both counted) at one base and one rate."""

    start: date
    end: date
    base: Decimal
    rate: Decimal  # percent a year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Outcome:
    customer_kind: CustomerKind
    principal: Decimal  # still due on the date asked
    days_late: int
    penalties: Decimal  # business customers only
    indemnity: Decimal  # business customers only
    legal_interest: Decimal  # consumers, from the formal notice's receipt
    periods: tuple[Period, ...]

    @property
    def total(self) -> Decimal:
        return self.principal + self.penalties + self.indemnity + self.legal_interest

    def as_dict(self) -> dict:
        """Plain data (amounts as strings, two decimals), as the command
        line and the API give it."""
        return {
            "customer_kind": str(self.customer_kind),
            "principal": money(self.principal),
            "days_late": self.days_late,
            "penalties": money(self.penalties),
            "indemnity": money(self.indemnity),
            "legal_interest": money(self.legal_interest),
            "total": money(self.total),
            "periods": [
                {
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "days": p.days,
                    "base": money(p.base),
                    "rate": f"{p.rate.quantize(CENT, rounding=ROUND_HALF_UP)}",
                }
                for p in self.periods
            ],
        }


def money(amount: Decimal) -> str:
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)}"


@dataclass(frozen=True)
class Debt:
    """What the law needs to know of an invoice."""

    customer_kind: CustomerKind
    due_date: date
    amount_due: Decimal  # still due now, payments recorded taken off
    payments: Sequence[tuple[date, Decimal]] = ()  # (date, amount), not cancelled
    open: bool = True  # False: cancelled or draft, nothing is owed
    notice_received_on: date | None = None  # formal notice received (consumers)


def late_payment(
    debt: Debt,
    on: date,
    rates: RateTable,
    *,
    fixed_rate: Decimal | None = None,
    basis: int = 365,
) -> Outcome:
    """Penalties, indemnity (or a consumer's legal interest) of `debt` on `on`.

    The base on a day is what was still owed that day: the amount due now
    plus the payments made that day or later (a payment counts from its date:
    the day it arrives is still late, the next is not). An invoice settled
    without a dated payment (an ERP's « payée ») is taken as settled on time.

    Raises RateMissing when a day's rate is not in the table.
    """
    kind = CustomerKind(debt.customer_kind)
    payments = sorted((d, Decimal(a)) for d, a in debt.payments if a)
    principal = debt.amount_due + sum((a for d, a in payments if d > on), Decimal(0))
    if not debt.open:
        return Outcome(kind, Decimal("0.00"), 0, *([Decimal("0.00")] * 3), ())
    end = on
    if debt.amount_due == 0:
        # Settled: on its last payment; without one, on time (date unknown).
        end = min(on, payments[-1][0]) if payments else debt.due_date
    days_late = max(0, (end - debt.due_date).days)
    zero = Decimal("0.00")
    if kind == CustomerKind.CONSUMER:
        interest, periods = zero, ()
        start = debt.notice_received_on
        if start is not None and start < end:
            periods = tuple(
                _periods(
                    start,
                    end,
                    debt,
                    payments,
                    lambda day: _legal(rates, day),
                )
            )
            interest = _amount(periods, basis)
        return Outcome(kind, principal, days_late, zero, zero, interest, periods)
    if days_late == 0:
        return Outcome(kind, principal, 0, zero, zero, zero, ())

    def rate_of(day: date) -> Decimal:
        return fixed_rate if fixed_rate is not None else rates.penalty_rate(day)

    periods = tuple(_periods(debt.due_date, end, debt, payments, rate_of))
    penalties = _amount(periods, basis)
    return Outcome(kind, principal, days_late, penalties, INDEMNITY, zero, periods)


def _legal(rates: RateTable, day: date) -> Decimal:
    value = rates.legal(RateKind.LEGAL_OTHER, day)
    if value is None:
        raise RateMissing(RateKind.LEGAL_OTHER, day)
    return value


def _periods(after: date, end: date, debt: Debt, payments, rate_of):
    """The days after `after` up to `end`, cut at each half-year's end and at
    each payment, with the base and rate of each stretch; stretches of
    nothing owed are left out."""
    cuts = {end, *(d for d, _paid in payments if after < d < end)}
    day = half_year_end(after + timedelta(days=1))
    while day < end:
        cuts.add(day)
        day = half_year_end(day + timedelta(days=1))
    start = after + timedelta(days=1)
    for stop in sorted(cuts):
        base = debt.amount_due + sum((a for d, a in payments if d >= stop), Decimal(0))
        if base > 0:
            yield Period(start, stop, base, rate_of(start))
        start = stop + timedelta(days=1)


def _amount(periods: Iterable[Period], basis: int) -> Decimal:
    exact = sum((p.base * p.rate / 100 * p.days / basis for p in periods), Decimal(0))
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_rate(rates: RateTable, day: date) -> Decimal | None:
    """The lowest contractual penalty rate for `day`'s half-year (3 × the
    legal rate, « tous les autres cas »), or None when that rate is unknown."""
    legal = rates.legal(RateKind.LEGAL_OTHER, day)
    return None if legal is None else legal * FLOOR_FACTOR
