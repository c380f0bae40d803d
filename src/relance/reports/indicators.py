"""The cockpit's indicators as pure functions: the reference the SQL of
indicator_queries.py is held to by a property test. Standard library only
(and the timeline's pure verdict on a promise).

What was owed on an invoice on a day is what the aged balance counts
(aging.py): its amount due now plus its payments dated after that day; a
credit note counts, negative, for what was still to allocate of it that day,
as if it had fallen due on its own date. Payments include the allocations of
credit notes (ADR 0010), so partial payments and credit notes reduce every
amount here.

- **Overdue** on a day: what was owed that day on invoices due before it
  (late by one day or more), less the credit of credit notes dated before it:
  the aged balance's late columns.
- **DSO, countback method**: the receivables on the day (everything owed,
  late or not, less credit) are matched against the net sales of the
  month so far, then of each calendar month before it, newest first: a month
  whose sales the receivables cover counts all its days; the last month
  counts the share of its days the receivables left cover.
  DSO = days of the covered months + days of month × rest / its sales.
  A month without net sales counts all its days; at most 12 months.
- **Days to pay**: per customer, over the invoices paid in full (status paid)
  whose last payment is dated in the 365 days ending on the day: the
  average of (date of the last payment − invoice date), and of
  (date of the last payment − due date).
- **What each step brings in**: per level, the invoices reminded at that
  level (sent reminders, the invoice not taken out) between 380 and 15 days
  before the day, and those of them paid in full within 15 days after the
  reminder's date (last payment on that date or up to 15 days later).
- **Promises**: the payment promises recorded by the pauses (PauseRecord:
  a pause of kind « Promesse de paiement » on an invoice, set on or before
  the day; a lift dated after the day has not happened yet), each judged as
  the customer's timeline does (timeline.promise_outcome): kept when the
  invoice was paid in full (its last payment) on or before the promised
  date and the day; lifted or replaced before its date and before such a
  payment: no verdict, not counted; otherwise broken when the promised date
  is before the day, else pending. Each promise counts the invoice's total.
- **Top 10 late payers**: customers by overdue amount, then by days late of
  their oldest late invoice still owed that day, then the first created.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from relance.reports.timeline import promise_outcome as verdict

ZERO = Decimal("0.00")
MONTHS = 12  # trend points before the day, and DSO months at most
PAID_WINDOW = 365  # days to pay: invoices paid in the days ending on the day
STEP_DAYS = 15  # what a step brings in: paid within these days after it
STEP_WINDOW = 365  # reminders sent in these days, ending STEP_DAYS before
TOP = 10


@dataclass(frozen=True)
class Doc:
    """What the reference needs of an invoice or a credit note."""

    pk: int
    customer: int
    issue_date: date
    due_date: date
    total: Decimal
    left: Decimal  # amount due (invoice) or credit left (credit note), now
    counts: bool = True  # open or paid (not a draft, not cancelled)
    paid: bool = False  # status paid
    credit_note: bool = False
    # Live (not cancelled) payments on the invoice, or allocations of the
    # credit note: (date, amount).
    payments: tuple[tuple[date, Decimal], ...] = ()

    @property
    def paid_on(self) -> date | None:
        """The date an invoice paid in full was paid: its last payment's."""
        if not self.paid or self.credit_note or not self.payments:
            return None
        return max(day for day, _amount in self.payments)


@dataclass(frozen=True)
class Sent:
    """An invoice reminded at a level on a day."""

    invoice: int
    level: int
    on: date
    amount_due: Decimal


def owed(doc: Doc, on: date) -> Decimal:
    """What was owed on `doc` on `on` (negative for a credit note's credit)."""
    if not doc.counts or doc.issue_date > on:
        return ZERO
    amount = doc.left + sum((a for d, a in doc.payments if d > on), ZERO)
    return -amount if doc.credit_note else amount


def is_late(doc: Doc, on: date) -> bool:
    day = doc.issue_date if doc.credit_note else doc.due_date
    return day < on


def overdue(docs: Iterable[Doc], on: date) -> Decimal:
    return sum((owed(d, on) for d in docs if is_late(d, on)), ZERO)


def receivables(docs: Iterable[Doc], on: date) -> Decimal:
    return sum((owed(d, on) for d in docs), ZERO)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def trend_dates(on: date) -> list[date]:
    """The last day of each of the MONTHS months before `on`'s, oldest
    first, then `on`."""
    days, day = [], on.replace(day=1) - timedelta(days=1)
    for _ in range(MONTHS):
        days.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return [*reversed(days), on]


def months(on: date) -> list[tuple[date, date]]:
    """DSO's months, newest first: (first day, last day) of `on`'s month so
    far, then of each calendar month before it."""
    periods, last = [], on
    for _ in range(MONTHS):
        first = last.replace(day=1)
        periods.append((first, last))
        last = first - timedelta(days=1)
    return periods


def sales(docs: Iterable[Doc], first: date, last: date) -> Decimal:
    """Net sales issued between `first` and `last`: invoices' totals less
    credit notes'."""
    total = ZERO
    for doc in docs:
        if doc.counts and first <= doc.issue_date <= last:
            total += -doc.total if doc.credit_note else doc.total
    return total


@dataclass(frozen=True)
class Dso:
    days: Decimal  # one decimal
    receivables: Decimal
    # Per month used, newest first: (first day, last day, net sales, days counted)
    months: tuple[tuple[date, date, Decimal, Decimal], ...]
    capped: bool  # the receivables exceed MONTHS months of sales


def countback(owed_now: Decimal, month_sales: list[tuple[date, date, Decimal]]):
    """DSO by the countback method from the receivables and the months'
    sales (newest first)."""
    rest, days, used = owed_now, Decimal(0), []
    if rest <= 0:
        return Dso(ZERO.quantize(Decimal("0.1")), owed_now, (), False)
    for first, last, amount in month_sales:
        length = Decimal((last - first).days + 1)
        if amount <= 0 or rest >= amount:
            counted = length
            if amount > 0:
                rest -= amount
        else:
            counted = length * rest / amount
            rest = ZERO
        days += counted
        used.append((first, last, amount, counted.quantize(Decimal("0.1"))))
        if rest <= 0:
            break
    return Dso(
        days.quantize(Decimal("0.1"), ROUND_HALF_UP), owed_now, tuple(used), rest > 0
    )


def dso(docs: list[Doc], on: date) -> Dso:
    return countback(
        receivables(docs, on),
        [(first, last, sales(docs, first, last)) for first, last in months(on)],
    )


@dataclass(frozen=True)
class PayTimes:
    invoices: int
    days_from_issue: int  # sums; averages below
    days_from_due: int

    @property
    def average_from_issue(self) -> Decimal:
        return average(self.days_from_issue, self.invoices)

    @property
    def average_from_due(self) -> Decimal:
        return average(self.days_from_due, self.invoices)


def average(total: int, count: int) -> Decimal:
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def days_to_pay(docs: Iterable[Doc], on: date) -> dict[int, PayTimes]:
    first = on - timedelta(days=PAID_WINDOW - 1)
    out: dict[int, PayTimes] = {}
    for doc in docs:
        paid_on = doc.paid_on
        if paid_on is None or not doc.counts or not first <= paid_on <= on:
            continue
        was = out.get(doc.customer, PayTimes(0, 0, 0))
        out[doc.customer] = PayTimes(
            was.invoices + 1,
            was.days_from_issue + (paid_on - doc.issue_date).days,
            was.days_from_due + (paid_on - doc.due_date).days,
        )
    return out


def step_window(on: date) -> tuple[date, date]:
    """The reminders' dates (first, last) whose outcome is counted on `on`."""
    last = on - timedelta(days=STEP_DAYS)
    return last - timedelta(days=STEP_WINDOW - 1), last


@dataclass(frozen=True)
class StepYield:
    sent: int
    paid: int
    amount_sent: Decimal
    amount_paid: Decimal

    @property
    def share(self) -> Decimal:
        """Per cent of the invoices reminded, one decimal."""
        return average(self.paid * 100, self.sent) if self.sent else Decimal("0.0")


def step_yields(docs: Iterable[Doc], sent: Iterable[Sent], on: date):
    first, last = step_window(on)
    paid_on = {doc.pk: doc.paid_on for doc in docs if doc.counts}
    out: dict[int, StepYield] = {}
    for line in sent:
        if not first <= line.on <= last:
            continue
        day = paid_on.get(line.invoice)
        hit = day is not None and line.on <= day <= line.on + timedelta(STEP_DAYS)
        was = out.get(line.level, StepYield(0, 0, ZERO, ZERO))
        out[line.level] = StepYield(
            was.sent + 1,
            was.paid + hit,
            was.amount_sent + line.amount_due,
            was.amount_paid + (line.amount_due if hit else ZERO),
        )
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Tally:
    count: int = 0
    amount: Decimal = ZERO  # the invoices' totals

    def add(self, amount: Decimal) -> "Tally":
        return Tally(self.count + 1, self.amount + amount)


@dataclass(frozen=True)
class Promise:
    """A payment promise recorded by a pause on an invoice: the day it was
    set, the promised date (the pause's end), and the day it was lifted or
    replaced, if it was."""

    invoice: int  # the Doc's pk
    set_on: date
    until: date
    lifted_on: date | None = None


def promise_outcome(promise: Promise, doc: Doc, on: date) -> str | None:
    """« kept », « broken », « pending » on `on`; None when it does not count
    (set after the day, a credit note or an invoice not counted, issued
    after the day) or when it was lifted before its date (no verdict)."""
    if promise.set_on > on or doc.credit_note or not doc.counts:
        return None
    if doc.issue_date > on:
        return None
    lifted_on = promise.lifted_on
    if lifted_on is not None and lifted_on > on:
        lifted_on = None  # not lifted yet on the day
    outcome = verdict(
        until=promise.until, paid_on=doc.paid_on, lifted_on=lifted_on, today=on
    )
    return None if outcome == "lifted" else outcome


def promises(
    docs: Iterable[Doc], records: Iterable[Promise], on: date
) -> dict[str, Tally]:
    out = {"kept": Tally(), "broken": Tally(), "pending": Tally()}
    by_pk = {doc.pk: doc for doc in docs}
    for promise in records:
        doc = by_pk[promise.invoice]
        outcome = promise_outcome(promise, doc, on)
        if outcome:
            out[outcome] = out[outcome].add(doc.total)
    return out


@dataclass(frozen=True)
class LatePayer:
    customer: int
    overdue: Decimal
    days_late: int  # of its oldest late invoice still owed on the day


def late_payers(docs: list[Doc], on: date) -> list[LatePayer]:
    amounts: dict[int, Decimal] = {}
    oldest: dict[int, int] = {}
    for doc in docs:
        if not is_late(doc, on):
            continue
        amount = owed(doc, on)
        if not amount:
            continue
        amounts[doc.customer] = amounts.get(doc.customer, ZERO) + amount
        if not doc.credit_note:
            late = (on - doc.due_date).days
            oldest[doc.customer] = max(oldest.get(doc.customer, 0), late)
    payers = [
        LatePayer(pk, amount, oldest.get(pk, 0))
        for pk, amount in amounts.items()
        if amount > 0
    ]
    payers.sort(key=lambda p: (-p.overdue, -p.days_late, p.customer))
    return payers[:TOP]
