"""The aged balance (« balance âgée ») as a pure function: the reference the
SQL of selectors.py is held to by a property test. Standard library only.

An invoice counts, at a date, for what was still owed on it that day: its
amount due now plus the payments dated after that day. It falls in a bucket
by its days late on that day, counted from the day after the due date: due
that day or later is « not due », due the day before is 1 day late.

A credit note (« avoir ») counts, negative, for what was still to allocate
of it that day (what is left now plus its allocations dated after that day),
in the bucket of its own date, as if it had fallen due the day it was
issued: the customer's total is what it owed less the credit it had. A
customer is left out when all its amounts are zero.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

# (key, last day late in it); the last bucket has no end.
BUCKETS = (
    ("not_due", 0),
    ("1_30", 30),
    ("31_60", 60),
    ("61_90", 90),
    ("over_90", None),
)
KEYS = tuple(key for key, _end in BUCKETS)
ZERO = Decimal("0.00")


def due_ranges(on: date) -> dict[str, tuple[date | None, date | None]]:
    """Per bucket, the due dates (first, last, both included; None: no
    bound) of the invoices in it on `on`."""
    ranges, last = {}, None
    for key, end in BUCKETS:
        first = on - timedelta(days=end) if end is not None else None
        ranges[key] = (first, last)
        last = first - timedelta(days=1) if first else None
    return ranges


def bucket_of(due_date: date, on: date) -> str:
    late = (on - due_date).days
    for key, end in BUCKETS:
        if end is None or late <= end:
            return key
    raise AssertionError  # the last bucket has no end


@dataclass
class Line:
    """One customer's amounts (or the total's)."""

    amounts: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(KEYS, ZERO)
    )

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    def add(self, key: str, amount: Decimal) -> None:
        self.amounts[key] += amount

    def as_dict(self) -> dict[str, str]:
        values = {**self.amounts, "total": self.total}
        return {key: f"{value:.2f}" for key, value in values.items()}


@dataclass(frozen=True)
class Owed:
    """What the reference needs of an invoice."""

    customer: int
    issue_date: date
    due_date: date
    amount_due: Decimal  # now
    counts: bool  # open or paid (not a draft, not cancelled)
    paid_after: Decimal = ZERO  # payments dated after the balance's date
    # A credit note: `amount_due` is what is left to allocate now, and
    # `paid_after` its allocations dated after the balance's date.
    credit_note: bool = False


def aged_balance(invoices: Iterable[Owed], on: date) -> dict[int, Line]:
    """Per customer, the amounts owed on `on` by bucket; customers owing
    nothing are left out."""
    lines: dict[int, Line] = {}
    for invoice in invoices:
        if not invoice.counts or invoice.issue_date > on:
            continue
        owed = invoice.amount_due + invoice.paid_after
        if invoice.credit_note:
            owed, day = -owed, invoice.issue_date
        else:
            day = invoice.due_date
        if owed:
            line = lines.setdefault(invoice.customer, Line())
            line.add(bucket_of(day, on), owed)
    return {pk: line for pk, line in lines.items() if any(line.amounts.values())}


def total_of(lines: Iterable[Line]) -> Line:
    total = Line()
    for line in lines:
        for key, amount in line.amounts.items():
            total.add(key, amount)
    return total
