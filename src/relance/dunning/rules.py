"""The dunning rules, as pure functions.

Standard library only: no Django, no database, no clock. `today` is always an
argument: the company's date in its own time zone (`core.clock.company_today`).

Vocabulary
- A company's active steps, in order, are levels 1, 2, … n.
- An invoice's `level` is the last step it was reminded at (0: never).
- Its next step is always `level + 1`: steps are never skipped.
- A step's date comes from its trigger: the due date, the invoice date or
  the previous reminder, plus a number of days (negative: before).
- Each customer follows one dunning plan: `steps` are that plan's active
  steps (none: the customer is never reminded automatically).
- The next step is due when today has reached its date (a threshold, never
  an exact-day match) and the minimum gap since the customer's last reminder
  (whichever invoice it was about) has passed: one customer, one rhythm. The
  gap is the company's, or the customer's own (`InvoiceFacts.min_gap_days`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo


class Trigger(StrEnum):
    AFTER_DUE_DATE = "after_due_date"
    AFTER_ISSUE_DATE = "after_issue_date"
    AFTER_PREVIOUS = "after_previous_reminder"


class Reason(StrEnum):
    """Why an invoice is not to be reminded now (stable codes)."""

    NOT_OPEN = "not_open"
    CREDIT_NOTE = "credit_note"
    NOTHING_DUE = "nothing_due"
    EINVOICE_BLOCKED = "einvoice_blocked"
    LAST_STEP_REACHED = "last_step_reached"
    PAUSED = "paused"
    CUSTOMER_PAUSED = "customer_paused"
    NOT_DUE_YET = "not_due_yet"


OPEN = "open"
INVOICE = "invoice"  # the kind that is dunned; a credit note (« avoir ») never is

# E-invoicing lifecycle statuses (CDAR codes) that stop dunning: disputed,
# suspended, refused, payment sent, cashed, rejected.
EINVOICE_BLOCKING = frozenset({"207", "208", "210", "211", "212", "213"})


@dataclass(frozen=True, slots=True)
class Step:
    trigger: Trigger
    days: int


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What the rules need to know of an invoice and its customer."""

    status: str
    amount_due: Decimal
    issue_date: date
    due_date: date
    level: int = 0
    last_reminder_on: date | None = None
    paused_until: date | None = None
    customer_paused_until: date | None = None
    einvoice_status: str = ""
    kind: str = INVOICE
    # The customer's last reminder, about any of its invoices, and its own
    # minimum gap (None: the company's).
    customer_last_reminder_on: date | None = None
    min_gap_days: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one invoice on one day.

    `reason` is None when the next step is due. `next_level` and `planned_on`
    say which step comes next and from when it will be due, whenever the
    invoice is still in the dunning (also while paused or not due yet).
    """

    reason: Reason | None
    next_level: int | None = None
    planned_on: date | None = None

    @property
    def due(self) -> bool:
        return self.reason is None


def plus_days(day: date, days: int) -> date:
    """`day` moved by `days`, held within the calendar (date.min..date.max):
    a date computed from an extreme one is never unreadable."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def step_date(step: Step, invoice: InvoiceFacts) -> date:
    """The date from which `step` can be sent, by its trigger alone.

    "After the previous reminder" counts from the last reminder, or from the
    due date when there was none (the first step, or data without a date).
    """
    if step.trigger == Trigger.AFTER_ISSUE_DATE:
        start = invoice.issue_date
    elif step.trigger == Trigger.AFTER_PREVIOUS and invoice.last_reminder_on:
        start = invoice.last_reminder_on
    else:
        start = invoice.due_date
    return plus_days(start, step.days)


def pause_end(invoice: InvoiceFacts) -> date | None:
    """The last paused day (invoice or customer), or None. Inclusive."""
    ends = [d for d in (invoice.paused_until, invoice.customer_paused_until) if d]
    return max(ends) if ends else None


def gap_of(invoice: InvoiceFacts, min_gap_days: int) -> int:
    """The minimum gap between two reminders to the invoice's customer: its
    own when set, else the company's."""
    return min_gap_days if invoice.min_gap_days is None else invoice.min_gap_days


def last_contact(invoice: InvoiceFacts) -> date | None:
    """The customer's last reminder (this invoice's own at least)."""
    days = [
        d for d in (invoice.last_reminder_on, invoice.customer_last_reminder_on) if d
    ]
    return max(days) if days else None


def gap_end(invoice: InvoiceFacts, min_gap_days: int) -> date | None:
    """The first day the customer may be reminded again, or None."""
    last = last_contact(invoice)
    return plus_days(last, gap_of(invoice, min_gap_days)) if last else None


def planned_date(invoice: InvoiceFacts, step: Step, min_gap_days: int) -> date:
    """When the next step will be due: its own date, the minimum gap after the
    customer's last reminder, and the day after any pause, whichever comes
    last."""
    planned = step_date(step, invoice)
    gap = gap_end(invoice, min_gap_days)
    if gap:
        planned = max(planned, gap)
    end = pause_end(invoice)
    if end:
        planned = max(planned, plus_days(end, 1))
    return planned


def verdict(
    invoice: InvoiceFacts,
    steps: Sequence[Step],
    today: date,
    min_gap_days: int,
    *,
    manual: bool = False,
) -> Verdict:
    """Whether the invoice's next step is due today, and if not, why.

    `manual` is a user's « Relancer » on this invoice: the user decided, so the
    step's date and the minimum gap do not hold it back; everything else does.
    """
    if invoice.kind != INVOICE:
        return Verdict(Reason.CREDIT_NOTE)
    if invoice.status != OPEN:
        return Verdict(Reason.NOT_OPEN)
    if invoice.amount_due <= 0:
        return Verdict(Reason.NOTHING_DUE)
    if invoice.einvoice_status in EINVOICE_BLOCKING:
        return Verdict(Reason.EINVOICE_BLOCKED)
    if invoice.level >= len(steps):
        return Verdict(Reason.LAST_STEP_REACHED)
    next_level = invoice.level + 1
    planned = planned_date(invoice, steps[invoice.level], min_gap_days)
    if invoice.paused_until and today <= invoice.paused_until:
        return Verdict(Reason.PAUSED, next_level, planned)
    if invoice.customer_paused_until and today <= invoice.customer_paused_until:
        return Verdict(Reason.CUSTOMER_PAUSED, next_level, planned)
    if not manual and today < planned:
        return Verdict(Reason.NOT_DUE_YET, next_level, planned)
    return Verdict(None, next_level, planned)


def days_late(due_date: date, today: date) -> int:
    """Days past the due date (0 when not yet due)."""
    return max((today - due_date).days, 0)


def daily_run_date(time_zone: str, run_at: time, now: datetime) -> date | None:
    """The company's date if its daily job is due at `now` (its hour has come
    in its time zone), else None.

    A threshold, not an exact minute: a scheduler that was off at the hour
    runs the job when it starts. On the spring clock change an hour that does
    not exist (02:30) is reached at 03:00; on the autumn one an hour that
    occurs twice is reached the first time. The caller runs the job once per
    date.
    """
    local = now.astimezone(ZoneInfo(time_zone))
    return local.date() if local.time().replace(tzinfo=None) >= run_at else None


LATE_PAYERS_PLAN = "Mauvais payeurs"
LATE_PAYERS_DAYS = 60


def plan_suggestion(
    most_days_late: int, current_plan: str, plan_names: Sequence[str]
) -> str | None:
    """The plan a customer should move to, or None: a customer with an open
    invoice more than 60 days late goes to « Mauvais payeurs », when the
    company has such a plan and the customer is not on it already. A
    suggestion only: the user accepts it or not."""
    if most_days_late <= LATE_PAYERS_DAYS or current_plan == LATE_PAYERS_PLAN:
        return None
    return LATE_PAYERS_PLAN if LATE_PAYERS_PLAN in plan_names else None
