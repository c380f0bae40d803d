"""The summary of a reminder run: the messages that would go out, and every
invoice that would not, with its reason. Reads only; nothing is written."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import starmap

from django.db import router
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core.garbage import collection_paused
from relance.core.models import Company, Grouping
from relance.core.money import format_amount, format_date
from relance.core.sql import ids_condition, values_read
from relance.dunning import rules
from relance.dunning.languages import fallback_note, step_text, step_texts
from relance.dunning.messages import address_valid, recipient_of
from relance.dunning.models import DunningStep, Reminder, ReminderInvoice
from relance.dunning.selectors import (
    customer_rhythms,
    invoice_facts,
    plans_active,
    rule_steps,
)
from relance.invoices.models import (
    Customer,
    EInvoiceStatusEvent,
    Invoice,
    PauseKind,
    address_lines_of,
    email_refused_is,
)
from relance.law import limitation

# Why an invoice is left out of a run: each of the rules' reasons
# (rules.Reason, same names and values), and what only a run can find.
# Stable: the API and tests use them.
Code = StrEnum(
    "Code",
    [
        ("NOT_FOUND", "not_found"),
        *((reason.name, reason.value) for reason in rules.Reason),
        ("NO_EMAIL", "no_email"),
        ("INVALID_EMAIL", "invalid_email"),
        ("REFUSED_EMAIL", "refused_email"),
        ("NO_TEMPLATE", "no_template"),
        ("NO_POSTAL_ADDRESS", "no_postal_address"),
        ("NO_PHONE", "no_phone"),
        ("ALREADY_PENDING", "already_pending"),
        ("TIME_BARRED", "time_barred"),
        ("PAYMENT_SUGGESTED", "payment_suggested"),
    ],
    module=__name__,
)


# What the user can fix (an address, a template, a wrong number): errors.
# The rest is left out on purpose (paid, paused, not due yet…): no error.
FIXABLE = frozenset(
    {
        Code.NOT_FOUND,
        Code.NO_EMAIL,
        Code.INVALID_EMAIL,
        Code.REFUSED_EMAIL,
        Code.NO_TEMPLATE,
        Code.NO_POSTAL_ADDRESS,
        Code.NO_PHONE,
    }
)

# The heading of each group of errors in the summary, and how to fix it.
GROUPS = {
    Code.NOT_FOUND: (gettext_lazy("Factures introuvables"), ""),
    Code.NOT_OPEN: (
        gettext_lazy("Factures non ouvertes (brouillon, payée, annulée)"),
        "",
    ),
    Code.NOTHING_DUE: (gettext_lazy("Factures sans reste dû"), ""),
    Code.CREDIT_NOTE: (gettext_lazy("Avoirs (jamais relancés)"), ""),
    Code.EINVOICE_BLOCKED: (
        gettext_lazy("Bloquées par la facturation électronique"),
        "",
    ),
    Code.LAST_STEP_REACHED: (gettext_lazy("Dernière étape déjà atteinte"), ""),
    Code.PAUSED: (
        gettext_lazy("En litige ou en pause"),
        gettext_lazy("Levez la pause sur la facture."),
    ),
    Code.CUSTOMER_PAUSED: (
        gettext_lazy("Clients en pause"),
        gettext_lazy("Levez la pause sur le client."),
    ),
    Code.NOT_DUE_YET: (gettext_lazy("Pas encore à relancer"), ""),
    Code.NO_EMAIL: (
        gettext_lazy("Clients sans adresse e-mail"),
        gettext_lazy("Ajoutez un courriel de relance au client."),
    ),
    Code.INVALID_EMAIL: (
        gettext_lazy("Adresses e-mail invalides"),
        gettext_lazy("Corrigez le courriel de relance du client."),
    ),
    Code.REFUSED_EMAIL: (
        gettext_lazy("Adresses refusées par le serveur du client"),
        gettext_lazy(
            "Un message y a été refusé pour de bon : corrigez le courriel de "
            "relance du client."
        ),
    ),
    Code.NO_TEMPLATE: (
        gettext_lazy("Étapes sans modèle de courriel"),
        gettext_lazy(
            "Complétez l'objet et le corps de l'étape dans « Configurer mes relances »."
        ),
    ),
    Code.NO_POSTAL_ADDRESS: (
        gettext_lazy("Clients sans adresse postale"),
        gettext_lazy(
            "Ajoutez l'adresse du client : la mise en demeure part par courrier."
        ),
    ),
    Code.NO_PHONE: (
        gettext_lazy("Téléphone manquant"),
        gettext_lazy(
            "Ajoutez le téléphone du client : l'étape est un appel téléphonique."
        ),
    ),
    Code.ALREADY_PENDING: (gettext_lazy("Relance déjà en cours ou envoyée"), ""),
    Code.PAYMENT_SUGGESTED: (
        gettext_lazy("Paiement probable reçu (relevé bancaire)"),
        gettext_lazy(
            "Confirmez le paiement d'un clic, ou rejetez-le sur la page « Banque » "
            "pour relancer."
        ),
    ),
    Code.TIME_BARRED: (
        gettext_lazy("Factures prescrites"),
        gettext_lazy(
            "Elles ne peuvent plus être réclamées en justice. Les relancer reste "
            "possible : « Relancer quand même »."
        ),
    ),
}


# What a plan reads of each selected invoice and keeps of it (ADR 24): no
# model object per row, only these columns, as slotted rows.
INVOICE_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "status",
    "kind",
    "amount_due",
    "currency",
    "issue_date",
    "due_date",
    "dunning_level",
    "last_reminder_on",
    "paused_until",
    "pause_kind",
    "pause_reason",
    "einvoice_status",
    "payment_suggested_on",
)


@dataclass(slots=True, eq=False)
class InvoiceRow:
    """One selected invoice as the rules and texts of a plan read it (the
    same attribute names as `Invoice`, so `invoice_facts` reads it too);
    `customer`: its customer's row, shared by its invoices."""

    id: int
    number: str
    customer_id: int
    status: str
    kind: str
    amount_due: Decimal
    currency: str
    issue_date: date
    due_date: date
    dunning_level: int
    last_reminder_on: date | None
    paused_until: date | None
    pause_kind: str
    pause_reason: str
    einvoice_status: str
    payment_suggested_on: date | None
    customer: "CustomerRow | None" = None

    @property
    def pk(self) -> int:
        return self.id


# What a plan reads of each customer; the row keeps what the rules, the
# texts and the consumers use, worked out once per customer.
CUSTOMER_COLUMNS = (
    "id",
    "company_id",
    "name",
    "kind",
    "language",
    "phone",
    "email",
    "dunning_email",
    "paused_until",
    "pause_reason",
    "email_refused",
    "email_refused_reason",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
)
# The columns of a customer's row that are `Customer` fields as they are.
CUSTOMER_KEPT = (*CUSTOMER_COLUMNS[:10], "email_refused_reason")


class CustomerRow:
    """A customer as a plan reads it (its CUSTOMER_COLUMNS, shared by its
    invoices). What is worked out of them (its address lines, its recipient,
    whether that address was refused, whether it is valid) is made when first
    asked, once: a plan of 100,000 customers asks most of them only for their
    recipient (ADR 24, amended 2026-12-04)."""

    __slots__ = (
        *CUSTOMER_COLUMNS,
        "_address_lines",
        "_recipient",
        "_refused",
        "recipient_valid",
    )

    @property
    def pk(self) -> int:
        return self.id

    reminder_email = Customer.reminder_email

    @classmethod
    def of(cls, values: tuple) -> "CustomerRow":
        """The row of a customer's CUSTOMER_COLUMNS, in that order."""
        row = cls.__new__(cls)
        (
            row.id,
            row.company_id,
            row.name,
            row.kind,
            row.language,
            row.phone,
            row.email,
            row.dunning_email,
            row.paused_until,
            row.pause_reason,
            row.email_refused,
            row.email_refused_reason,
            row.address_line1,
            row.address_line2,
            row.postal_code,
            row.city,
        ) = values
        row._address_lines = row._recipient = row._refused = None
        # Whether `recipient` is a valid address: checked once, when needed.
        row.recipient_valid = None
        return row

    @property
    def address_lines(self) -> tuple[str, ...]:
        if self._address_lines is None:
            self._address_lines = tuple(
                address_lines_of(
                    self.address_line1, self.address_line2, self.postal_code, self.city
                )
            )
        return self._address_lines

    @property
    def recipient(self) -> str:
        """`messages.recipient_of`."""
        if self._recipient is None:
            self._recipient = recipient_of(self)
        return self._recipient

    @property
    def reminder_email_refused(self) -> bool:
        if self._refused is None:
            # No address refused (most customers): none of its addresses is.
            self._refused = bool(self.email_refused) and email_refused_is(
                self.reminder_email, self.email_refused
            )
        return self._refused

    def model(self) -> Customer:
        """The `Customer`, these fields read and the others deferred (read
        from the database if asked for): made when asked, not kept."""
        return model_of(Customer, {name: getattr(self, name) for name in CUSTOMER_KEPT})


@dataclass(slots=True)
class PlannedLine:
    """One invoice of a message: what the consumers read of it (its id,
    number, amount, currency and due date), its level and step; `invoice`
    makes its `Invoice` when asked (a window's rows, a test). Not frozen:
    nothing hashes a line, and a frozen dataclass's `__init__` sets each
    field through `object.__setattr__` (100,000 lines, ADR 24)."""

    invoice_id: int
    number: str
    customer_id: int
    amount_due: Decimal
    currency: str
    due_date: date
    level: int
    step: DunningStep

    @property
    def invoice(self) -> Invoice:
        return model_of(
            Invoice,
            {
                "id": self.invoice_id,
                "number": self.number,
                "customer_id": self.customer_id,
                "amount_due": self.amount_due,
                "currency": self.currency,
                "due_date": self.due_date,
            },
        )


@dataclass(slots=True)
class PlannedMessage:
    """One email: one customer, one or more invoices; at the same step but
    under « Un seul courriel par client », where it takes the highest step's
    template and each invoice keeps its own stage."""

    row: CustomerRow  # the customer's
    recipients: list[str]
    lines: list[PlannedLine]
    language: str = "fr"  # the template's (dunning/languages.py)
    # « modèle anglais absent : envoyé en français », or "".
    language_note: str = ""

    @property
    def customer(self) -> Customer:
        return self.row.model()

    @property
    def step(self) -> DunningStep:
        if len(self.lines) == 1:  # most messages
            return self.lines[0].step
        return max(self.lines, key=lambda line: line.level).step

    @property
    def invoices(self) -> list[Invoice]:
        return [line.invoice for line in self.lines]

    @property
    def mixed_steps(self) -> bool:
        return len({line.level for line in self.lines}) > 1

    @property
    def currency(self) -> str:
        return self.lines[0].currency

    @property
    def total(self) -> Decimal:
        return sum((line.amount_due for line in self.lines), Decimal(0))

    def as_dict(self) -> dict:
        """As `relance remind --json` shows it (the API adds the total)."""
        return {
            "customer": self.row.name,
            "to": self.recipients,
            "step": self.step.name,
            "invoices": [line.number for line in self.lines],
            "invoice_steps": [line.step.name for line in self.lines],
            "language": self.language,
            "language_note": self.language_note,
        }


def _invoice_of(invoice_id: int | None, number: str) -> Invoice | None:
    if invoice_id is None:
        return None
    return model_of(Invoice, {"id": invoice_id, "number": number})


@dataclass(frozen=True, slots=True)
class PlanError:
    invoice_id: int | None  # None: not found
    reference: str
    code: Code
    message: str

    @property
    def invoice(self) -> Invoice | None:
        return _invoice_of(self.invoice_id, self.reference)

    def as_dict(self) -> dict:
        """As the API and `relance remind --json` show it."""
        return {
            "invoice": self.reference,
            "code": str(self.code),
            "message": self.message,
        }


class WarningKind(StrEnum):
    NOT_DUE = "not_due"  # reminded before its due date
    TIME_BARRED = "time_barred"  # reminded though it can no longer be sued for
    BARRED_SOON = "barred_soon"  # can be sued for a few months more
    UNALLOCATED_CREDIT = "unallocated_credit"  # the customer has credit to allocate


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something true of an invoice that goes out, to know before sending."""

    invoice_id: int
    number: str
    message: str
    kind: WarningKind = WarningKind.NOT_DUE

    @property
    def invoice(self) -> Invoice:
        return _invoice_of(self.invoice_id, self.number)

    def as_dict(self) -> dict:
        return {
            "invoice": self.number,
            "code": str(self.kind),
            "message": self.message,
        }


@dataclass
class Plan:
    company: Company
    today: date
    manual: bool
    messages: list[PlannedMessage] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)
    warnings: list[PlanWarning] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # stop the whole run
    bank_notice: str = ""  # the last bank statement is too old

    @property
    def not_due_warnings(self) -> list[PlanWarning]:
        return [w for w in self.warnings if w.kind == WarningKind.NOT_DUE]

    @property
    def limitation_warnings(self) -> list[PlanWarning]:
        return [
            w
            for w in self.warnings
            if w.kind in (WarningKind.TIME_BARRED, WarningKind.BARRED_SOON)
        ]

    @property
    def credit_warnings(self) -> list[PlanWarning]:
        return [w for w in self.warnings if w.kind == WarningKind.UNALLOCATED_CREDIT]

    @property
    def to_send(self) -> int:
        """Everything the run makes: messages, letters, calls and tasks."""
        return len(self.messages)

    @property
    def tasks_to_create(self) -> int:
        """The calls and tasks among them (no message: ADR 16)."""
        return sum(1 for message in self.messages if message.step.makes_task)

    @property
    def messages_to_send(self) -> int:
        return self.to_send - self.tasks_to_create

    @property
    def to_fix(self) -> list[PlanError]:
        """The errors a user can fix; the others are invoices left out."""
        return [error for error in self.errors if error.code in FIXABLE]

    @property
    def left_out(self) -> list[PlanError]:
        return [error for error in self.errors if error.code not in FIXABLE]

    def errors_by_code(self) -> dict[Code, list[PlanError]]:
        grouped: dict[Code, list[PlanError]] = {}
        for error in self.errors:
            grouped.setdefault(error.code, []).append(error)
        return grouped


@dataclass(frozen=True, slots=True)
class _Ways:
    """What a plan asks of a step for each of its invoices, worked out once
    per step (`DunningStep`'s properties: five calls an invoice, ADR 24)."""

    email: bool
    letter: bool
    call: bool
    task: bool
    formal_notice: bool
    template: bool

    @classmethod
    def of(cls, step: DunningStep) -> "_Ways":
        return cls(
            step.sends_email,
            step.sends_letter,
            step.channel == DunningStep.Channel.CALL,
            step.makes_task,
            step.formal_notice,
            step.has_template,
        )


STATUS_WORDS = {
    Reminder.Status.PENDING: gettext_lazy("en attente d'envoi"),
    Reminder.Status.SENDING: gettext_lazy("en cours d'envoi"),
    Reminder.Status.SENT: gettext_lazy("déjà envoyée"),
    Reminder.Status.UNCERTAIN: gettext_lazy("d'envoi incertain"),
}


def reminder_plan(
    *,
    company: Company,
    today: date,
    invoices: Iterable[Invoice | int | str] | None = None,
    manual: bool = False,
    time_barred: bool = False,
) -> Plan:
    """What a run would send today, and why each other invoice would not.

    `invoices`: invoices, ids or numbers of this company; None for every
    invoice due today. `manual` is a user's « Relancer » on one invoice: the
    step's date and the minimum gap do not hold it back. `time_barred`: the
    user confirmed reminding invoices that can no longer be sued for.
    """
    # A plan of 100,000 invoices allocates hundreds of thousands of objects,
    # none in a cycle: the collector traversed them again and again (a fifth
    # of its time, ADR 24).
    with collection_paused():
        return _plan(company, today, invoices, manual, time_barred)


def _plan(company, today, invoices, manual, time_barred) -> Plan:
    plan = Plan(company=company, today=today, manual=manual)
    plans, default_id = plans_active(company=company)
    if not company.sender_email:
        plan.problems.append(
            _(
                "Renseignez l'adresse d'expédition de la société avant d'envoyer "
                "des relances."
            )
        )
    if not any(plans.values()):
        plan.problems.append(
            _("Aucune étape de relance active : configurez vos relances.")
        )
    rows = _invoices(company, today, invoices, plan)
    held = _held_levels([invoice.id for invoice in rows])
    einvoice = _einvoice_latest(
        [i.id for i in rows if i.einvoice_status in rules.EINVOICE_BLOCKING]
    )
    # Each invoice follows its customer's plan, at its customer's rhythm.
    rhythms = customer_rhythms(
        company=company,
        customer_ids=[invoice.customer_id for invoice in rows],
        default_plan_id=default_id,
    )
    rule = {pk: rule_steps(steps) for pk, steps in plans.items()}
    ways = {pk: [_Ways.of(step) for step in steps] for pk, steps in plans.items()}
    groups: dict[tuple, PlannedMessage] = {}
    limits = {}  # see _limitation
    judged = {}  # _rules_key → (facts, verdict): see _rules_key
    for invoice in rows:
        rhythm = rhythms[invoice.customer_id]
        steps = plans.get(rhythm.plan_id, [])
        uses = ways.get(rhythm.plan_id, [])  # each step's _Ways
        key = _rules_key(invoice, rhythm)
        known = judged.get(key)
        if known is None:
            facts = invoice_facts(invoice, rhythm)
            verdict = rules.verdict(
                facts,
                rule.get(rhythm.plan_id, []),
                today,
                company.min_gap_days,
                manual=manual,
            )
            known = judged[key] = (facts, verdict)
        facts, verdict = known
        error = (
            _gap_refusal(invoice, facts, verdict, rule.get(rhythm.plan_id), company)
            or _refusal(invoice, verdict, steps, uses, held, einvoice)
            or _payment_suggested(invoice)
        )
        if error:
            plan.errors.append(error)
            continue
        barred = _limitation(invoice, today, time_barred, plan, limits)
        if barred:
            plan.errors.append(barred)
            continue
        customer = invoice.customer
        step = steps[verdict.next_level - 1]
        use = uses[verdict.next_level - 1]
        key = _message_key(company.grouping, invoice, use, verdict.next_level)
        line = PlannedLine(
            invoice.id,
            invoice.number,
            invoice.customer_id,
            invoice.amount_due,
            invoice.currency,
            invoice.due_date,
            verdict.next_level,
            step,
        )
        if invoice.due_date >= today:
            # By hand, or a step before the due date: it goes, but the user
            # sees it first (and the templates word it as a coming due date).
            plan.warnings.append(
                PlanWarning(
                    invoice.id,
                    invoice.number,
                    _("Pas encore échue — échéance le %(date)s.")
                    % {"date": format_date(invoice.due_date)},
                )
            )
        if key in groups:
            groups[key].lines.append(line)
        else:
            to = [customer.recipient] if use.email else []
            groups[key] = PlannedMessage(customer, to, [line])
    del rows  # the plan keeps its lines, not the rows read
    names = {}  # each name's sort key, made once
    plan.messages = sorted(
        groups.values(),
        key=lambda m: (
            names.get(m.row.name) or names.setdefault(m.row.name, sort_key(m.row.name)),
            m.lines[0].number,
        ),
    )
    for message in plan.messages:
        message.lines.sort(key=lambda line: (line.due_date, line.number))
    _languages(company, [step for each in plans.values() for step in each], plan)
    order = {code: index for index, code in enumerate(Code)}
    plan.errors.sort(key=lambda e: (order[e.code], e.reference))
    _credit_warnings(company, plan)
    plan.bank_notice = bank_notice(company, today)
    return plan


def _languages(company: Company, steps: list[DunningStep], plan: Plan) -> None:
    """Each message's language: the customer's, or the fallback's when its
    step has no text in it, which the summary notes (one query)."""
    texts = step_texts(steps) if plan.messages else {}
    known = {}  # (step, language) → (language, note): made once each
    for message in plan.messages:
        step = message.step
        if not step.sends_email:
            continue
        key = (step.pk, message.row.language)
        if key not in known:
            text = step_text(
                step=step,
                language=message.row.language,
                company_language=company.language,
                texts=texts,
            )
            known[key] = (text.language, fallback_note(text))
        message.language, message.language_note = known[key]


def _rules_key(invoice: InvoiceRow, rhythm) -> tuple:
    """What the rules' facts and verdict of an invoice depend on, beside the
    day, the company's gap and the plan's steps (the same for a whole plan):
    its kind, status, whether something is due, its e-invoicing status, its
    dates and level, its pause and its customer's, its customer's rhythm
    (`rhythm`, shared by the customers without their own: its identity
    stands for it, the rhythms living as long as the plan). A big selection
    holds a few hundred such keys: the verdict is worked out once per key,
    not per invoice (ADR 24, amended 2026-12-04). The facts kept are the
    first invoice's of its key; the plan reads of them only what the key
    holds (`_gap_refusal`: the dates, level and rhythm), never the amount."""
    return (
        id(rhythm),
        invoice.kind,
        invoice.status,
        invoice.amount_due > 0,
        invoice.einvoice_status,
        invoice.issue_date,
        invoice.due_date,
        invoice.dunning_level,
        invoice.last_reminder_on,
        invoice.paused_until,
        invoice.customer.paused_until,
    )


def _gap_refusal(invoice, facts, verdict, rule, company) -> PlanError | None:
    """One customer, one rhythm: the invoice's step has come, but its
    customer was reminded too recently (about this invoice or another)."""
    if verdict.reason != rules.Reason.NOT_DUE_YET:
        return None
    last = rules.last_contact(facts)
    gap_end = rules.gap_end(facts, company.min_gap_days)
    own = rules.step_date(rule[facts.level], facts)
    if not last or gap_end != verdict.planned_on or own >= gap_end:
        return None
    return PlanError(
        invoice.id,
        invoice.number,
        Code.NOT_DUE_YET,
        _(
            "Client déjà relancé le %(last)s : au moins %(days)s jours entre deux "
            "relances d'un même client, prochaine relance le %(date)s."
        )
        % {
            "last": format_date(last),
            "days": rules.gap_of(facts, company.min_gap_days),
            "date": format_date(gap_end),
        },
    )


def _payment_suggested(invoice: InvoiceRow) -> PlanError | None:
    """A bank credit may have paid it (`payment_suggested_on`, written by the
    bank services, ADR 11): held back until a user confirms or rejects it."""
    if not invoice.payment_suggested_on:
        return None
    return PlanError(
        invoice.id,
        invoice.number,
        Code.PAYMENT_SUGGESTED,
        _("Paiement probable reçu le %(date)s : à confirmer avant toute relance.")
        % {"date": format_date(invoice.payment_suggested_on)},
    )


def bank_statement_stale(company: Company, today: date) -> date | None:
    """The date of the company's last bank statement when it is older than
    its limit (`bank_max_age_days`); None when it is recent enough, or when
    the company never imported one (it does not use the bank feature). The
    one rule behind the summary's notice and the daily digest's line."""
    last = company.bank_statement_on
    if last is None or (today - last).days <= company.bank_max_age_days:
        return None
    return last


def bank_notice(company: Company, today: date) -> str:
    """« relevé bancaire non importé depuis le … » when the company's last
    statement is older than its limit (none when it never imported one)."""
    last = bank_statement_stale(company, today)
    if last is None:
        return ""
    return _(
        "Relevé bancaire non importé depuis le %(date)s : un règlement reçu depuis "
        "n'est peut-être pas enregistré. Importez le dernier relevé avant d'envoyer."
    ) % {"date": format_date(last)}


def _credit_warnings(company: Company, plan: Plan) -> None:
    """Warn of each credit note with something left to allocate whose
    customer is about to be reminded: allocating it first lowers, or
    settles, what the reminder asks for. One query."""
    customers = {message.row.id: message.row for message in plan.messages}
    if not customers:
        return
    # One query for the company's few credit notes left to allocate, those of
    # other customers dropped here: by chunks of customers, each query read
    # the company's open invoices again (20 times for 100,000 customers).
    credits = [
        credit
        for credit in Invoice.objects.filter(
            company=company,
            kind=Invoice.Kind.CREDIT_NOTE,
            status=Invoice.Status.OPEN,
            credit_left__gt=0,
        ).only("id", "number", "customer_id", "issue_date", "credit_left", "currency")
        if credit.customer_id in customers
    ]
    credits.sort(key=lambda credit: (credit.issue_date, credit.number))
    for credit in credits:
        plan.warnings.append(
            PlanWarning(
                credit.pk,
                credit.number,
                _(
                    "Avoir non imputé de %(amount)s pour %(customer)s : imputez-le "
                    "sur ses factures avant de le relancer."
                )
                % {
                    "amount": format_amount(credit.credit_left, credit.currency),
                    "customer": customers[credit.customer_id].name,
                },
                WarningKind.UNALLOCATED_CREDIT,
            )
        )


def _limitation(invoice, today, confirmed, plan, limits) -> PlanError | None:
    """A time-barred invoice is left out unless the user confirmed it; one
    about to be is announced (law/limitation.py). `limits`: (kind, due date)
    → (barred, barred soon), worked out once per pair in a plan."""
    kind, due = invoice.customer.kind, invoice.due_date
    state = limits.get((kind, due))
    if state is None:
        state = limits[kind, due] = (
            limitation.time_barred(kind, due, today),
            limitation.barred_soon(kind, due, today),
        )
    barred, soon = state
    if not barred and not soon:
        return None  # most invoices: no text to make
    end = format_date(limitation.last_day(kind, due))
    basis = (
        _("5 ans entre professionnels, article L110-4 du Code de commerce")
        if kind == "business"
        else _("2 ans contre un particulier, article L218-2 du Code de la consommation")
    )
    if barred:
        if not confirmed:
            return PlanError(
                invoice.id,
                invoice.number,
                Code.TIME_BARRED,
                _("Prescrite depuis le %(date)s (%(basis)s).")
                % {"date": end, "basis": basis},
            )
        plan.warnings.append(
            PlanWarning(
                invoice.id,
                invoice.number,
                _("Prescrite depuis le %(date)s : relancée à votre demande.")
                % {"date": end},
                WarningKind.TIME_BARRED,
            )
        )
    else:
        plan.warnings.append(
            PlanWarning(
                invoice.id,
                invoice.number,
                _(
                    "Prescrite après le %(date)s (%(basis)s) : au-delà, elle ne "
                    "pourra plus être réclamée en justice."
                )
                % {"date": end, "basis": basis},
                WarningKind.BARRED_SOON,
            )
        )
    return None


def _message_key(grouping: str, invoice: InvoiceRow, step: _Ways, level: int):
    """Which message an invoice goes in. Per customer and per step by
    default: each message's text is then true of every invoice it lists (a
    « Relance 3 » never speaks for an invoice never reminded). Merged per
    customer on request, with one exception: a formal notice only ever covers
    invoices that reached it."""
    if grouping == Grouping.INVOICE:
        return invoice.id
    customer = (invoice.customer_id, invoice.currency)
    if step.letter or step.task:  # the invoices of its step only
        return (invoice.customer_id, invoice.currency, level)
    if grouping == Grouping.CUSTOMER and not step.formal_notice:
        return (*customer, 0)
    return (*customer, level)


def sort_key(text: str) -> str:
    """Alphabetical order as people expect it: « Bâti » before « Boulangerie »."""
    if text.isascii():
        return text.casefold()  # nothing to decompose
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


CHUNK = 5000  # ids a query reads at most (SQLite's variables, PostgreSQL's plans)


def _invoices(company, today, selection, plan) -> list[InvoiceRow]:
    """The selected invoices as rows, by number, each with its customer's
    row; read by chunks of ids, each customer read once and shared by its
    invoices (a customer of 100 invoices is one row, not 100)."""
    queryset = Invoice.objects.filter(company=company)
    if selection is None:
        # The tag, or a planned date that has come (the daily job may not have
        # run yet today): the rules then decide for each.
        queryset = queryset.filter(
            Q(to_remind=True)
            | Q(status=Invoice.Status.OPEN, next_reminder_on__lte=today)
        )
        rows = sorted(_invoice_rows(queryset), key=_by_number)
        return _with_customers(company, rows)
    wanted = list(selection)
    objects = [item.pk for item in wanted if isinstance(item, Invoice)]
    ids = list(
        dict.fromkeys([item for item in wanted if isinstance(item, int)] + objects)
    )
    numbers = list(dict.fromkeys(item for item in wanted if isinstance(item, str)))
    found: dict[int, InvoiceRow] = {}
    for start in range(0, len(ids), CHUNK):
        # One parameter a chunk (Django would prepare each id: seconds).
        condition, params = ids_condition(
            f"{Invoice._meta.db_table}.id", ids[start : start + CHUNK]
        )
        # By id alone, the other companies' invoices dropped as read: with
        # the company in the statement, SQLite went through all the
        # company's invoices for each chunk (ADR 24).
        chunk = Invoice.objects.extra(where=[condition], params=params)
        found.update((row.id, row) for row in _invoice_rows(chunk, company))
    for start in range(0, len(numbers), CHUNK):
        chunk = queryset.filter(number__in=numbers[start : start + CHUNK])
        found.update((row.id, row) for row in _invoice_rows(chunk))
    rows = sorted(found.values(), key=_by_number)
    known_numbers = {row.number for row in rows}
    for item in ids:
        if item not in found:
            plan.errors.append(
                PlanError(None, str(item), Code.NOT_FOUND, _("Facture introuvable."))
            )
    for number in numbers:
        if number not in known_numbers:
            plan.errors.append(
                PlanError(None, number, Code.NOT_FOUND, _("Facture introuvable."))
            )
    return _with_customers(company, rows)


# The columns whose few values repeat, each given as one object (ADR 24).
INVOICE_REPEATED = ("status", "kind", "currency", "pause_kind", "einvoice_status")


def _invoice_rows(queryset, company=None) -> list[InvoiceRow]:
    """The rows of `queryset`'s invoices; with `company`, only its own
    (`queryset` then not filtered by it)."""
    if company is None:
        rows = values_read(
            queryset.values_list(*INVOICE_COLUMNS), repeated=INVOICE_REPEATED
        )
        return list(starmap(InvoiceRow, rows))
    rows = values_read(
        queryset.values_list("company_id", *INVOICE_COLUMNS),
        repeated=INVOICE_REPEATED,
    )
    return [InvoiceRow(*row[1:]) for row in rows if row[0] == company.pk]


def model_of(model, values: dict):
    """A model object of a row already read: these fields set, the others
    deferred (Django reads them if ever asked); made without
    `Model.__init__` (one descriptor call per field: with Django's row
    iterator, most of the time of a big plan). No signal is sent (the models
    made here have no receiver of `pre_init`/`post_init`)."""
    instance = model.__new__(model)
    state = ModelState()
    state.adding, state.db = False, router.db_for_read(model)
    instance.__dict__.update(values)
    instance._state = state
    return instance


def _by_number(row: InvoiceRow) -> tuple:
    return (row.number, row.id)


def _with_customers(company, invoices: list[InvoiceRow]) -> list[InvoiceRow]:
    """Give each invoice its customer's row, read once per customer by
    chunks."""
    wanted = list(dict.fromkeys(invoice.customer_id for invoice in invoices))
    customers = {}
    for start in range(0, len(wanted), CHUNK):
        condition, params = ids_condition(
            f"{Customer._meta.db_table}.id", wanted[start : start + CHUNK]
        )
        chunk = Customer.objects.filter(company=company).extra(
            where=[condition], params=params
        )
        for values in values_read(
            chunk.values_list(*CUSTOMER_COLUMNS), repeated=("kind", "language")
        ):
            row = CustomerRow.of(values)
            customers[row.id] = row
    for invoice in invoices:
        invoice.customer = customers[invoice.customer_id]
    return invoices


def _held_levels(invoice_ids: list[int]) -> dict[tuple[int, int], str]:
    """(invoice id, level) → status, for every reminder still holding its level."""
    held = {}
    column = f"{ReminderInvoice._meta.db_table}.invoice_id"
    for start in range(0, len(invoice_ids), CHUNK):
        condition, params = ids_condition(column, invoice_ids[start : start + CHUNK])
        lines = (
            ReminderInvoice.objects.filter(holds_level=True)
            .extra(where=[condition], params=params)
            .values_list("invoice_id", "level", "reminder__status")
        )
        held.update({(invoice, level): status for invoice, level, status in lines})
    return held


def _einvoice_latest(invoice_ids: list[int]) -> dict[int, EInvoiceStatusEvent]:
    """The latest e-invoicing status of each of these invoices that has a
    history (its date and reason say why it is not dunned)."""
    latest = {}
    for start in range(0, len(invoice_ids), 5000):
        for event in EInvoiceStatusEvent.objects.filter(
            invoice_id__in=invoice_ids[start : start + 5000]
        ).order_by("invoice_id", "status_on", "id"):
            latest[event.invoice_id] = event
    return latest


def _einvoice_message(invoice: InvoiceRow, event) -> str:
    # As `Invoice.get_einvoice_status_display` words it.
    label = dict(Invoice.EInvoiceStatus.choices).get(
        invoice.einvoice_status, invoice.einvoice_status
    )
    if event is None or event.code != invoice.einvoice_status:
        return _(
            "Statut de facturation électronique « %(status)s » : pas de relance."
        ) % {"status": label}
    message = _(
        "Statut de facturation électronique « %(status)s » du %(date)s : "
        "pas de relance."
    ) % {
        "status": label,
        "date": format_date(event.status_on),
    }
    if event.reason:
        message += " " + _("Motif : %(reason)s") % {"reason": event.reason}
    return message


def _refusal(invoice, verdict, steps, uses, held, einvoice) -> PlanError | None:
    """Why the rules' `verdict` or what a run needs (an address, a template,
    no reminder pending) leaves the invoice out; None when it goes. `uses`:
    the `_Ways` of each of `steps`."""
    reason = verdict.reason
    if reason is None:  # most invoices of a big selection
        return _run_refusal(invoice, verdict, steps, uses, held)

    def error(code: Code, message: str) -> PlanError:
        return PlanError(invoice.id, invoice.number, code, message)

    if reason == rules.Reason.CREDIT_NOTE:
        return error(
            Code.CREDIT_NOTE, _("C'est un avoir : un avoir n'est jamais relancé.")
        )
    if reason == rules.Reason.NOT_OPEN:
        return error(
            Code.NOT_OPEN,
            {
                Invoice.Status.DRAFT: _(
                    "Facture brouillon : elle n'est pas encore émise."
                ),
                Invoice.Status.PAID: _("Facture déjà payée."),
                Invoice.Status.CANCELLED: _("Facture annulée."),
            }.get(invoice.status, _("Facture non ouverte.")),
        )
    if reason == rules.Reason.NOTHING_DUE:
        return error(Code.NOTHING_DUE, _("Rien à payer : le reste dû est nul."))
    if reason == rules.Reason.EINVOICE_BLOCKED:
        return error(
            Code.EINVOICE_BLOCKED,
            _einvoice_message(invoice, (einvoice or {}).get(invoice.id)),
        )
    if reason == rules.Reason.LAST_STEP_REACHED:
        if not steps:
            return error(
                Code.LAST_STEP_REACHED, _("Aucune étape de relance configurée.")
            )
        last = steps[min(invoice.dunning_level, len(steps)) - 1].name
        return error(
            Code.LAST_STEP_REACHED,
            _("Dernière étape déjà atteinte (%(step)s).") % {"step": last},
        )
    if reason == rules.Reason.PAUSED:
        return error(Code.PAUSED, _pause_message(invoice))
    if reason == rules.Reason.CUSTOMER_PAUSED:
        customer = invoice.customer
        text = _("Client en pause jusqu'au %(date)s") % {
            "date": format_date(customer.paused_until)
        }
        return error(
            Code.CUSTOMER_PAUSED,
            f"{text} : {customer.pause_reason}."
            if customer.pause_reason
            else f"{text}.",
        )
    # NOT_DUE_YET, the rules' last reason.
    step = steps[verdict.next_level - 1]
    return error(
        Code.NOT_DUE_YET,
        _("Pas encore à relancer : « %(step)s » prévue le %(date)s.")
        % {"step": step.name, "date": format_date(verdict.planned_on)},
    )


def _run_refusal(invoice, verdict, steps, uses, held) -> PlanError | None:
    """What a run needs for an invoice the rules say is due: an address, a
    phone, a template, no reminder of that step pending."""

    def error(code: Code, message: str) -> PlanError:
        return PlanError(invoice.id, invoice.number, code, message)

    level = verdict.next_level
    use = uses[level - 1]
    customer = invoice.customer
    if use.letter and not customer.address_lines:
        return error(
            Code.NO_POSTAL_ADDRESS,
            _("Aucune adresse postale pour le client %(customer)s.")
            % {"customer": customer.name},
        )
    if use.call and not customer.phone.strip():
        return error(
            Code.NO_PHONE,
            _("Téléphone manquant pour le client %(customer)s.")
            % {"customer": customer.name},
        )
    if use.email:  # a letter, a call or a task needs no email address
        address = customer.recipient
        if not address:
            return error(
                Code.NO_EMAIL,
                _("Aucune adresse e-mail pour le client %(customer)s.")
                % {"customer": customer.name},
            )
        if not _recipient_valid(customer):
            return error(
                Code.INVALID_EMAIL,
                _(
                    "Adresse e-mail invalide pour le client %(customer)s : "
                    "« %(address)s »."
                )
                % {"customer": customer.name, "address": address},
            )
        if customer.reminder_email_refused:
            return error(
                Code.REFUSED_EMAIL,
                _(
                    "Adresse « %(address)s » refusée par le serveur du client "
                    "%(customer)s (%(reason)s) : à corriger."
                )
                % {
                    "address": address,
                    "customer": customer.name,
                    "reason": customer.email_refused_reason or _("échec définitif"),
                },
            )
        if not use.template:
            return error(
                Code.NO_TEMPLATE,
                _("L'étape « %(step)s » n'a pas de modèle de courriel.")
                % {"step": steps[level - 1].name},
            )
    status = held.get((invoice.id, level)) if held else None
    if status:
        return error(
            Code.ALREADY_PENDING,
            _("Une relance « %(step)s » est %(state)s pour cette facture.")
            % {
                "step": steps[level - 1].name,
                "state": STATUS_WORDS.get(status, status),
            },
        )
    return None


def _recipient_valid(customer: CustomerRow) -> bool:
    """Checked once per customer, not once per invoice (a customer of 100
    invoices)."""
    if customer.recipient_valid is None:
        customer.recipient_valid = address_valid(customer.recipient)
    return customer.recipient_valid


def _pause_message(invoice: InvoiceRow) -> str:
    until = format_date(invoice.paused_until)
    if invoice.pause_kind == PauseKind.DISPUTE:
        text = _("En litige jusqu'au %(date)s") % {"date": until}
    elif invoice.pause_kind == PauseKind.PROMISE:
        text = _("Promesse de paiement jusqu'au %(date)s") % {"date": until}
    else:
        text = _("Relances en pause jusqu'au %(date)s") % {"date": until}
    return f"{text} : {invoice.pause_reason}." if invoice.pause_reason else f"{text}."
