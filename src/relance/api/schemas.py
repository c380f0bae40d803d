"""What the API reads and writes. Strings refuse control characters, numbers
have bounds: bad input is a 4xx naming the field, never a server error."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from relance.core.validators import date_out_of_range

BIG = 9_223_372_036_854_775_807  # the largest database id


def text(max_length: int, min_length: int = 0):
    return Annotated[
        str,
        StringConstraints(
            max_length=max_length, min_length=min_length, pattern=r"^[^\x00-\x1f\x7f]*$"
        ),
    ]


def _in_range(value: dt.date) -> dt.date:
    refusal = date_out_of_range(value)
    if refusal:
        raise ValueError(refusal)
    return value


# A date that comes in: between 01/01/2000 and 31/12/2099 (core.validators).
Day = Annotated[dt.date, AfterValidator(_in_range)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Id = Annotated[int, Field(ge=1, le=BIG)]


class LineError(Schema):
    line: int | None
    column: str
    message: str


class Error(Schema):
    """A refusal: what is wrong, which field; every line of a refused import."""

    detail: str
    field: str | None = None
    errors: list[LineError] = []


class CustomerIn(Schema):
    code: text(40, 1)
    name: text(200, 1)
    kind: Literal["business", "consumer"] = "business"
    email: text(254) = ""
    dunning_email: text(254) = ""
    phone: text(30) = ""
    # Its reminders' language (templates, dates and amounts, statement and
    # letter): an ISO 639-1 code among the company's languages (« fr », « en »
    # and those added in its settings); left out: unchanged (French for a new
    # customer).
    language: text(5) | None = None
    # The user who follows it (calls and tasks go to them), by email: one of
    # the company's users; "" for nobody; left out: unchanged.
    owner_email: text(254) | None = None
    # The dunning plan it follows, by name: "" for the company's default;
    # left out: unchanged.
    plan: text(100) | None = None


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    email: str
    dunning_email: str
    phone: str
    language: str
    paused_until: dt.date | None
    pause_reason: str
    owner_email: str

    @staticmethod
    def resolve_owner_email(obj) -> str:
        return obj.owner.email if obj.owner_id else ""

    plan: str  # the plan chosen for it; "" when it follows the default

    @staticmethod
    def resolve_plan(obj) -> str:
        own = getattr(obj, "dunning", None)
        return own.plan.name if own is not None and own.plan_id else ""


class DunningPlanOut(Schema):
    id: int
    name: str
    is_default: bool


class NoteIn(Schema):
    # Line breaks allowed; 5,000 characters at most, said by the service.
    text: Annotated[
        str,
        StringConstraints(
            max_length=20_000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
        ),
    ]


class NoteOut(Schema):
    id: int
    text: str
    author: str  # the user's name, « API », or empty
    created_at: dt.datetime


class EventOut(Schema):
    """One line of a customer's history (docs/api.md)."""

    date: dt.date
    time: dt.time | None  # in the company's time zone, when known
    source: str
    title: str
    detail: str
    text: str
    status: str
    who: str
    amount: Decimal | None
    currency: str
    invoice_id: int | None
    invoice_number: str
    reminder_id: int | None
    letter_id: int | None


class ChangeOut(Schema):
    """Who changed what (docs/api.md): the changed fields only, raw values
    (dates ISO, amounts as text), and the lines as the page shows them."""

    id: int
    at: dt.datetime
    kind: str  # step, customer, plan, company
    by: str  # « Marie Dupont », « API (jeton « ERP ») », « système »
    origin: str  # user, api, system
    subject_id: int | None
    subject_label: str
    customer_id: int | None
    before: dict
    after: dict
    title: str
    lines: list[str]


class TimelineOut(Schema):
    events: list[EventOut]
    more: bool


# The lifecycle statuses of the French e-invoicing reform (CDAR codes).
EInvoiceCode = Literal[
    "200", "201", "202", "203", "204", "205", "206",
    "207", "208", "209", "210", "211", "212", "213",
]  # fmt: skip


class InvoiceIn(Schema):
    """One invoice, with the column names of the CSV import; created or
    updated by its number."""

    number: text(60, 1)
    customer_code: text(40, 1)
    customer_name: text(200) | None = None
    customer_email: text(254) | None = None
    customer_kind: (
        Literal["business", "consumer", "professionnel", "particulier"] | None
    ) = None
    issue_date: Day
    due_date: Day
    total: Money
    amount_due: Money | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None
    status: (
        Literal[
            "open",
            "paid",
            "cancelled",
            "draft",
            "ouverte",
            "payée",
            "annulée",
            "brouillon",
        ]
        | None
    ) = None
    payment_terms: text(200) | None = None
    # Its own online payment link (https://, ≤ 500 characters; the
    # placeholders of the company's template allowed): shown on the
    # customer's page before the company's. Left out or empty: kept.
    payment_url: text(500) | None = None
    # A credit note (« avoir »): never dunned; allocated at once to the
    # invoice it names, if any (by its number: this company's, same customer).
    kind: Literal["invoice", "credit_note", "facture", "avoir"] | None = None
    credited_invoice: text(60) | None = None
    # The e-invoicing lifecycle status (CDAR code), its date (today when left
    # out) and reason: recorded in the invoice's history, unless it is the
    # invoice's current status already (docs/einvoicing.md).
    einvoice_status: EInvoiceCode | None = None
    einvoice_status_date: Day | None = None
    einvoice_status_reason: text(500) | None = None


class InvoiceOut(Schema):
    id: int
    number: str
    customer_code: str
    customer_name: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    total: Decimal
    amount_due: Decimal
    status: str
    einvoice_status: str
    dunning_level: int
    last_reminder_on: dt.date | None
    to_remind: bool
    next_step: str | None
    next_reminder_on: dt.date | None
    paused_until: dt.date | None
    pause_kind: str
    pause_reason: str
    has_pdf: bool  # GET /invoices/{id}/pdf answers it
    payment_url: str  # its own payment link, or ""
    kind: str  # invoice or credit_note
    credited_invoice: str | None  # a credit note: the number of the invoice it credits
    credit_left: Decimal  # a credit note: what is left to allocate (0 for an invoice)


class InvoiceSavedOut(InvoiceOut):
    """An invoice just created or updated, with what looks wrong in it but
    was saved all the same (`column`, `message`; `line` is null)."""

    warnings: list[LineError] = []


BATCH_MAX = 1000  # objects in one batch call


class ObjectError(Schema):
    """What is wrong with the object at `index` (from 0) of a batch."""

    index: int | None
    field: str
    message: str


class BatchRefused(Schema):
    """A batch refused, nothing saved: every problem with its object's index
    (or, for a refusal of the whole batch, the `field` at fault)."""

    detail: str
    field: str | None = None
    errors: list[ObjectError] = []


InvoicesBatchIn = Annotated[list[InvoiceIn], Field(min_length=1, max_length=BATCH_MAX)]


class InvoiceSaved(Schema):
    index: int
    id: int
    number: str


class InvoicesBatchOut(Schema):
    """What the batch did: counts, each object's invoice id in the order
    sent, and what was saved but looks like a typo (a far due date)."""

    created: int
    updated: int
    unchanged: int
    invoices: list[InvoiceSaved]
    warnings: list[ObjectError]


class PauseIn(Schema):
    kind: Literal["dispute", "promise", "other"]
    until: Day
    reason: text(255) = ""


class PaymentIn(Schema):
    invoice_number: text(60, 1)
    date: Day
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    method: Literal["transfer", "direct_debit", "card", "cheque", "cash", "other"] = (
        "transfer"
    )
    reference: text(100) = ""


class PaymentOut(Schema):
    id: int
    invoice_number: str
    date: dt.date
    amount: Decimal
    method: str
    reference: str
    cancelled_at: dt.datetime | None = None
    cancel_reason: str = ""
    credit_note: str | None = None  # an allocation: the credit note's number


class AllocationIn(Schema):
    """Part of a credit note allocated to an invoice of the same customer."""

    credit_note_number: text(60, 1)
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


PaymentsBatchIn = Annotated[list[PaymentIn], Field(min_length=1, max_length=BATCH_MAX)]


class PaymentsBatchOut(Schema):
    """`created`: payments recorded; `unchanged`: objects already recorded
    (same invoice, date, amount and reference), left out."""

    created: int
    unchanged: int
    payments: list[PaymentOut]


class PaymentCancelIn(Schema):
    reason: text(255, 1)


class StepTextIO(Schema):
    subject: text(255) = ""
    body: Annotated[str, StringConstraints(max_length=20_000)] = ""


class StepIO(Schema):
    name: text(100, 1)
    trigger: Literal["after_due_date", "after_issue_date", "after_previous_reminder"]
    days: Annotated[int, Field(ge=-365, le=3650)]
    subject: text(255) = ""
    body: Annotated[str, StringConstraints(max_length=20_000)] = ""
    attach_pdf: bool = True
    attach_statement: bool = False
    formal_notice: bool = False
    channel: Literal["email", "letter", "both", "call", "task"] = "email"
    active: bool = True
    # The texts in languages other than French (the step's own subject and
    # body): {"en": {"subject": …, "body": …}}; left out: kept as they are.
    texts: (
        dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")], StepTextIO]
        | None
    ) = None


class StepsIn(Schema):
    steps: Annotated[list[StepIO], Field(min_length=1, max_length=50)]


class RunIn(Schema):
    """Which invoices: their numbers, or every one due today (all_due)."""

    invoices: Annotated[list[text(60, 1)], Field(max_length=10_000)] = []
    all_due: bool = False
    manual: bool = Field(
        False, description="one invoice reminded by hand: may go before its date"
    )
    time_barred: bool = Field(
        False, description="also remind invoices that can no longer be sued for"
    )
    date: Day | None = None
    send_now: bool = Field(
        False,
        description="send at once, even outside the company's sending days and "
        "hours (otherwise the reminders wait for its next allowed moment)",
    )


class PlannedMessageOut(Schema):
    customer: str
    to: list[str]
    step: str
    invoices: list[str]
    invoice_steps: list[str] = Field(
        description="each invoice's own step, in the order of `invoices`"
    )
    language: str = Field(
        "fr", description="the template's language: the customer's, or the fallback"
    )
    language_note: str = Field(
        "", description="set when the customer's language has no template"
    )
    total: Decimal


class PlanErrorOut(Schema):
    invoice: str
    code: str
    message: str


class PlanOut(Schema):
    date: dt.date
    to_send: int
    messages: list[PlannedMessageOut]
    errors: list[PlanErrorOut]
    warnings: list[PlanErrorOut] = Field(
        description="invoices that go out, with something to know: not due "
        "yet, time-barred (confirmed), soon time-barred"
    )
    problems: list[str]


class RunStartedOut(Schema):
    run: int
    to_send: int
    errors: list[PlanErrorOut]
    leaves_at: dt.datetime | None = Field(
        None,
        description="outside the company's sending days and hours: when the "
        "reminders will leave (null: now)",
    )


class RunReminderOut(Schema):
    id: int
    customer: str
    step: str
    status: str
    error: str
    invoices: list[str]


class RunOut(Schema):
    run: int
    total: int
    sent: int
    failed: int
    cancelled: int
    uncertain: int
    retrying: int
    waiting: int
    scheduled: int = Field(
        description="waiting for the sending calendar or the mail server's quota"
    )
    scheduled_at: dt.datetime | None = Field(
        description="the earliest moment the scheduled ones may leave"
    )
    finished: bool
    reminders: list[RunReminderOut]


class ReminderOut(Schema):
    id: int
    customer: str
    step: str
    status: str
    error: str
    recipients: list[str]
    subject: str
    body_text: str
    message_id: str
    origin: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    invoices: list[str]


class DailyIn(Schema):
    date: Day | None = None
    force: bool = Field(False, description="accept a date before the last daily run's")
    full: bool = Field(
        False,
        description="recompute every invoice, not only those whose date has come "
        "(done by itself after a change of steps or minimum gap)",
    )


class DailyOut(Schema):
    date: dt.date
    tagged: int
    untagged: int
    to_remind: int


class DailyRunOut(Schema):
    id: int
    date: dt.date
    origin: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    tagged: int
    untagged: int
    to_remind: int
    sent: int
    failed: int
    error: str


class PenaltyPeriodOut(Schema):
    start: dt.date
    end: dt.date
    days: int
    base: str = Field(description="amount still due over the period")
    rate: str = Field(description="percent a year")


class PenaltiesOut(Schema):
    """What the law gives on an invoice at a date (docs/legal.md)."""

    invoice: str
    date: dt.date
    customer_kind: Literal["business", "consumer"]
    principal: str
    days_late: int
    penalties: str = Field(description="business customers only")
    indemnity: str = Field(description="40.00 per late invoice, business only")
    legal_interest: str = Field(description="consumers, from the formal notice")
    total: str
    periods: list[PenaltyPeriodOut]


class AgedAmountsOut(Schema):
    """Amounts owed at the date, by days late (strings, two decimals)."""

    not_due: str
    late_1_30: str = Field(alias="1_30")
    late_31_60: str = Field(alias="31_60")
    late_61_90: str = Field(alias="61_90")
    over_90: str
    total: str


class AgedCustomerOut(AgedAmountsOut):
    code: str
    name: str


class AgedBalanceOut(Schema):
    """« Balance âgée » (docs/reports.md)."""

    date: dt.date
    currency: str
    total: AgedAmountsOut
    customers: list[AgedCustomerOut]
    count: int = Field(description="customers owing, on every page")


class DsoMonthOut(Schema):
    first: dt.date
    last: dt.date
    sales: str = Field(description="net sales: invoices less credit notes")
    days: str = Field(description="days of the month counted, one decimal")


class DsoOut(Schema):
    method: Literal["countback"]
    days: str = Field(description="one decimal")
    receivables: str
    more_than_12_months: bool
    months: list[DsoMonthOut]


class TrendPointOut(Schema):
    date: dt.date
    amount: str


class PayTimesOut(Schema):
    code: str
    name: str
    invoices: int
    from_issue_date: str = Field(description="average days, one decimal")
    from_due_date: str = Field(description="average days, one decimal")


class StepYieldOut(Schema):
    level: int
    name: str
    sent: int
    paid_within_15_days: int
    share: str = Field(description="per cent, one decimal")
    amount_sent: str
    amount_paid: str


class TallyOut(Schema):
    count: int
    amount: str = Field(description="the invoices' totals")


class PromisesOut(Schema):
    kept: TallyOut
    broken: TallyOut
    pending: TallyOut


class LatePayerOut(Schema):
    code: str
    name: str
    overdue: str
    days_late: int


class IndicatorsOut(Schema):
    """« Indicateurs » (docs/reports.md gives each formula)."""

    date: dt.date
    currency: str
    dso: DsoOut
    overdue: str
    overdue_trend: list[TrendPointOut]
    days_to_pay: list[PayTimesOut]
    steps: list[StepYieldOut]
    promises: PromisesOut
    late_payers: list[LatePayerOut]
    computed_at: dt.datetime | None = Field(
        None,
        description="When the figures were computed: a day's are the company's "
        "snapshot of that day, today's computed again every hour, the last "
        "twelve month ends' every day, another past day's at its first reading "
        "and kept a day; null when computed live (a day after today, or more "
        "past days than are kept).",
    )


class RateIO(Schema):
    kind: Literal["ecb", "legal_private", "legal_other"]
    start: Day
    value: Annotated[Decimal, Field(ge=-10, le=100, decimal_places=3)]
    source: text(500, 1)


class EInvoiceStatusIn(Schema):
    """A lifecycle status of one invoice, as its e-invoicing platform sent
    it: 212 records the payment (`amount` and `paid_on` when given), 207
    and 208 pause the dunning, 210 and 213 stop it."""

    code: EInvoiceCode
    date: Day  # the status's date
    reason: text(500) = ""
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)] | None = (
        None
    )
    paid_on: Day | None = None
    message_id: text(100) = ""  # the platform's: a status sent twice counts once


class EInvoiceStatusByNumberIn(EInvoiceStatusIn):
    invoice_number: text(60, 1)


EInvoiceStatusesBatchIn = Annotated[
    list[EInvoiceStatusByNumberIn], Field(min_length=1, max_length=BATCH_MAX)
]


class EInvoiceStatusOut(Schema):
    id: int
    invoice_number: str
    code: str
    label: str
    date: dt.date
    received_at: dt.datetime
    source: str  # api, import, cdar or web
    reason: str
    amount: Decimal | None
    paid_on: dt.date | None
    message_id: str


class EInvoiceRecordedOut(Schema):
    """What the statuses did: `recorded`, `known` (sent before, left out),
    the payments their 212 recorded, the invoices paused and the pauses
    lifted."""

    recorded: int
    known: int
    payments: list[PaymentOut]
    paused: int
    lifted: int


class BankTransactionIn(Schema):
    """A bank transaction; a credit when its amount is positive."""

    id: text(120) = ""  # the bank's id: the same id is never taken twice
    date: Day
    amount: Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    label: text(1000) = ""
    reference: text(60) = ""  # a structured creditor reference (RF…)
    payer_name: text(200) = ""
    payer_iban: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 ]{0,42}$")] = ""


BankTransactionsIn = Annotated[
    list[BankTransactionIn], Field(min_length=1, max_length=BATCH_MAX)
]


class BankPaid(Schema):
    invoice: str  # its number
    amount: Decimal
    transaction: int  # the transaction's id in Relance


class BankImportOut(Schema):
    """What a statement or a push did: `transactions` credits read, `new`
    ones not seen before, the payments recorded (`matched`), the payments
    to confirm (`suggested`), and the credits left `unmatched`."""

    format: str
    transactions: int
    new: int
    matched: list[BankPaid]
    suggested: list[BankPaid]
    unmatched: int


class LetterLineOut(Schema):
    """An invoice a letter claims, amounts frozen at the letter's date."""

    invoice: str
    issue_date: dt.date
    due_date: dt.date
    principal: str
    days_late: int
    penalties: str
    indemnity: str
    legal_interest: str


class LetterOut(Schema):
    """A formal notice as a letter: waiting, sent (registered post) or
    received (acknowledgement of receipt). Amounts as strings, two decimals."""

    id: int
    customer: str
    customer_code: str
    consumer: bool
    step: str
    reminder_id: int
    status: Literal["waiting", "sent", "received"]
    dated_on: dt.date
    pay_by: dt.date
    currency: str
    invoices: list[LetterLineOut]
    principal: str
    penalties: str
    indemnity: str
    legal_interest: str
    total: str
    tracking_number: str
    sent_on: dt.date | None
    received_on: dt.date | None


class LetterSentIn(Schema):
    """« Envoyé en recommandé »: the number (8 to 20 letters and digits once
    spaces and dashes are taken out) and the day it was posted."""

    number: text(40, 1)
    date: Day


class LetterReceivedIn(Schema):
    """The date of the acknowledgement of receipt (AR)."""

    date: Day


class TaskInvoiceOut(Schema):
    number: str
    due_date: dt.date
    amount_due: str
    currency: str
    days_late: int


class TaskOut(Schema):
    """A call or a task made by a step « Appel téléphonique » or « Tâche »."""

    id: int
    kind: Literal["call", "task"]
    status: Literal["open", "done"]
    customer: str
    customer_code: str
    phone: str
    step: str
    reminder_id: int
    due_on: dt.date
    assignee_email: str
    invoices: list[TaskInvoiceOut]
    outcome: Literal["", "reached", "promise", "dispute", "unreachable", "callback"]
    outcome_on: dt.date | None
    note: str
    done_by_email: str
    done_at: dt.datetime | None


class TaskOutcomeIn(Schema):
    """What came of it: `reached` or `unreachable` (closes; `note` optional),
    `promise` (`date` needed: its invoices paused as a promise until then),
    `dispute` (`note` is the reason; `date` optional, 90 days by default),
    `callback` (`date` needed: the task moves there and stays open)."""

    outcome: Literal["reached", "promise", "dispute", "unreachable", "callback"]
    date: Day | None = None
    note: text(2000) = ""
