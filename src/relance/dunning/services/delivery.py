"""Delivering pending reminders without lying or repeating.

Each reminder moves pending → sending → sent | failed | uncertain:
- the claim (pending → sending) is one committed UPDATE, so two workers can
  never both hold the same reminder;
- invoices are checked again just before sending: one paid, paused or
  cancelled meanwhile is dropped from the message;
- only a message the server accepted raises the invoices' level, sets their
  last reminder date and removes their « à relancer » tag;
- a temporary failure is retried later (5 min, 30 min, 2 h), a permanent one
  fails at once with the server's answer and frees the level;
- a message found "sending" after a crash becomes "uncertain" (`recovery.py`).
- a letter step's reminder asks no server: its letter is made and the levels
  raised at once (`_letter_only`); a « Courriel et courrier » step's letter
  is made when its email is recorded as sent (ADR 12); a call or task
  step's reminder makes its task the same way (ADR 16).

The pipeline, top-down: load a batch of reminders (`_load`), check and render
each (`_prepare`, which writes nothing), close those that will not leave
(`_close_unsent`), then claim the others a group at a time and hand them to
the SMTP thread (`_Pipeline`), recording each answer (`_record`) and raising
the levels of what left (`_levels_raise`). See docs/adr/0009.
"""

import functools
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core.calendar import Calendar, company_calendar
from relance.core.clock import company_today
from relance.core.languages import written_in
from relance.core.models import Company
from relance.core.pdfs import PdfUnavailable
from relance.core.quota import has_quota, quota_take
from relance.core.sql import (
    Sql,
    Updates,
    any_of,
    db_value,
    null_safe_equal,
    rows_update,
)
from relance.dunning import rules
from relance.dunning.context import Stage
from relance.dunning.languages import Texts, step_texts
from relance.dunning.letters import letter_body_render
from relance.dunning.messages import Composed, compose, composed_masked, email_build
from relance.dunning.models import (
    CustomerDunning,
    DunningStep,
    PortalLink,
    Reminder,
    ReminderInvoice,
)
from relance.dunning.selectors import invoice_facts, rule_steps, step_list_active
from relance.dunning.services.letters import letter_create
from relance.dunning.services.plans import customers_state_refresh
from relance.dunning.services.portal_links import (
    portal_digest,
    portal_expiry,
    portal_token_new,
    portal_url,
)
from relance.dunning.services.recovery import reminders_recover, worker_name
from relance.dunning.services.reminders import reminder_write
from relance.dunning.services.state import invoices_refresh, state_of
from relance.dunning.services.worklist import task_create
from relance.dunning.statements import customer_statement, statement_pdf
from relance.invoices.models import Customer, Invoice
from relance.law.penalties import RateMissing, RateTable
from relance.law.selectors import (
    invoices_late_payment,
    payments_of,
    rate_missing_text,
    rate_table,
)
from relance.mailing import templating
from relance.mailing.delivery import Outcome, Result, transport_open
from relance.mailing.mime import Attachment, Email

# Why an invoice was taken out of a message just before it left.
DROPPED = {
    rules.Reason.NOTHING_DUE: gettext_lazy("réglée entre-temps"),
    rules.Reason.PAUSED: gettext_lazy("mise en pause entre-temps"),
    rules.Reason.CUSTOMER_PAUSED: gettext_lazy("client mis en pause entre-temps"),
    rules.Reason.EINVOICE_BLOCKED: gettext_lazy(
        "bloquée par la facturation électronique"
    ),
    rules.Reason.LAST_STEP_REACHED: gettext_lazy("dernière étape déjà atteinte"),
    rules.Reason.CREDIT_NOTE: gettext_lazy("c'est un avoir"),
}
RETRY_AFTER = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
BATCH = 100  # reminders loaded together when delivering
GROUP = 4  # messages claimed together (one commit)
IN_FLIGHT = 8  # claimed messages handed to the SMTP thread at most
PROGRESS_EVERY = 0.25  # seconds: the last answers recorded at most this often
Status = Reminder.Status
logger = logging.getLogger(__name__)


@dataclass
class Delivered:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)
    retrying: list[Reminder] = field(default_factory=list)
    uncertain: list[Reminder] = field(default_factory=list)
    cancelled: list[Reminder] = field(default_factory=list)
    # Outside the sending calendar or over the mail server's quota: each
    # waits for its `next_attempt_at` (ADR 22).
    scheduled: list[Reminder] = field(default_factory=list)
    recovered: int = 0  # found "sending" after a crash, now uncertain

    def add(self, other: "Delivered") -> None:
        for name in (
            "sent",
            "failed",
            "retrying",
            "uncertain",
            "cancelled",
            "scheduled",
        ):
            getattr(self, name).extend(getattr(other, name))
        self.recovered += other.recovered


@dataclass(frozen=True)
class _Steps:
    """A company's active steps, as the rules and the templates need them."""

    rules: list[rules.Step]
    names: dict[int, str]  # level → step name
    texts: Texts  # each step's text per language

    @classmethod
    def of(cls, company: Company, plan_id: int) -> "_Steps":
        """The active steps of the plan the reminder's step belongs to: the
        customer's plan when the reminder was planned."""
        active = step_list_active(company=company, plan=plan_id)
        return cls(
            rule_steps(active),
            {level: step.name for level, step in enumerate(active, 1)},
            step_texts(active),
        )


@dataclass
class Outgoing:
    """A reminder ready to leave: its invoices checked again, its message
    rendered and written out."""

    reminder: Reminder
    today: date
    steps: list[rules.Step]
    live: list[ReminderInvoice]
    dropped: list[ReminderInvoice]
    composed: Composed | None  # None: a letter only; as recorded (no token)
    email: Email | None
    claimed: bool = False
    late: list | None = None  # the law's amounts today, for a letter
    letter_body: str | None = None  # set when a letter goes too
    portal_digest: str = ""  # the message quotes a new private link (ADR 18)


@dataclass
class Unsent:
    """A reminder that will not leave: nothing left to send (cancelled) or a
    template that cannot be rendered (failed)."""

    reminder: Reminder
    status: str
    error: str
    dropped: list[ReminderInvoice]


def reminders_deliver_due(
    *, now: datetime, company: Company | None = None
) -> Delivered:
    """One pass over the queue: mark crashed sends uncertain, then deliver every
    pending reminder whose time has come (first tries and retries)."""
    recovered = reminders_recover(now=now)
    due = Reminder.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if company is not None:
        due = due.filter(company=company)
    ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True))
    delivered = reminders_deliver(reminder_ids=ids, now=now)
    delivered.recovered = recovered
    return delivered


def reminders_deliver(
    *,
    reminder_ids: Iterable[int],
    now: datetime,
    today: date | None = None,
) -> Delivered:
    """Deliver these reminders over one connection. `today` forces the date
    recorded on invoices (default: each company's date at `now`).

    Each message is claimed (committed "sending") before it is handed to the
    SMTP conversation, which runs in a helper thread, and its outcome is
    committed once the server has answered. Meanwhile the next messages are
    checked, rendered, written out and claimed, GROUP at a time in one
    transaction with the outcomes received so far: at most IN_FLIGHT of them
    are "sending" at once (and would be uncertain after a crash), and the
    server always has the next one waiting.
    """
    ids = list(reminder_ids)
    delivered = Delivered()
    steps: dict[int, _Steps] = {}  # each plan's, read once
    rates = rate_table()  # the law's, for the amounts the templates may quote
    pipeline = _Pipeline(_Clock(now), delivered)
    calendars: dict[int, Calendar] = {}
    try:
        for start in range(0, len(ids), BATCH):
            batch, payments = _load(ids[start : start + BATCH], now)
            batch = _outside_calendar(batch, now, calendars, delivered)
            for reminder, lines in batch:
                prepared = _prepare(
                    reminder, lines, now, today, steps, rates=rates, payments=payments
                )
                if isinstance(prepared, Unsent):
                    _close_unsent(prepared, now, delivered)
                elif prepared.email is None:
                    _letter_only(prepared, pipeline.clock(), delivered)
                else:
                    pipeline.push(prepared)
        pipeline.finish()
    finally:
        pipeline.close()
    _customers_refresh(delivered, now, today)
    return delivered


def _outside_calendar(batch, now: datetime, calendars: dict, delivered: Delivered):
    """The batch less the emails whose company may not send now (its
    sending calendar): each waits for the next allowed moment, one UPDATE
    per moment. A reminder sent with « Envoyer maintenant » goes anyway; a
    letter or a task leaves no server and is made at once."""
    kept, waiting = [], {}
    for reminder, lines in batch:
        company = reminder.company
        if company.pk not in calendars:
            calendars[company.pk] = company_calendar(company)
        at = calendars[company.pk].next_allowed(now)
        if reminder.send_anytime or at == now or not reminder.step.sends_email:
            kept.append((reminder, lines))
            continue
        waiting.setdefault(at, []).append(reminder)
    for at, reminders in waiting.items():
        _postpone([r.pk for r in reminders], at, now)
        for reminder in reminders:
            reminder.next_attempt_at = at
        delivered.scheduled.extend(reminders)
    return kept


def _postpone(ids: list[int], at: datetime, now: datetime) -> int:
    return Reminder.objects.filter(pk__in=ids, status=Status.PENDING).update(
        next_attempt_at=at, updated_at=now
    )


def _customers_refresh(delivered: Delivered, now: datetime, today: date | None):
    """One customer, one rhythm: a reminder sent about some invoices moves
    the planned date of the customer's other invoices (the minimum gap counts
    from the customer's last reminder). Recomputed once per company."""
    reached: dict[int, tuple[Company, set[int], list[int]]] = {}
    for reminder in delivered.sent:
        company = reminder.company
        entry = reached.setdefault(company.pk, (company, set(), []))
        entry[1].add(reminder.customer_id)
        entry[2].append(reminder.pk)
    for company, customer_ids, reminder_ids in reached.values():
        customers_state_refresh(
            company=company,
            customer_ids=sorted(customer_ids),
            today=today or company_today(company, now),
            except_reminders=reminder_ids,
        )


def _load(ids: list[int], now: datetime):
    """The batch's reminders still pending and due, in the order given, each
    with the lines that hold a level (invoices loaded), and the payments of
    those invoices. Reads only."""
    reminders = Reminder.objects.filter(pk__in=ids, status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    found = {r.pk: r for r in reminders.select_related("customer")}
    # The batch's few companies and steps, loaded once and shared.
    companies = Company.objects.in_bulk({r.company_id for r in found.values()})
    templates = DunningStep.objects.in_bulk({r.step_id for r in found.values()})
    # Each customer's own minimum gap (ADR 21), for the state after sending.
    gaps = dict(
        CustomerDunning.objects.filter(
            customer_id__in={r.customer_id for r in found.values()},
            min_gap_days__isnull=False,
        ).values_list("customer_id", "min_gap_days")
    )
    for reminder in found.values():
        reminder.company = companies[reminder.company_id]
        reminder.step = templates[reminder.step_id]
        reminder.customer_gap = gaps.get(reminder.customer_id)
    lines: dict[int, list[ReminderInvoice]] = {pk: [] for pk in found}
    for line in (
        ReminderInvoice.objects.filter(reminder__in=list(found), holds_level=True)
        .select_related("invoice")
        .order_by("invoice__due_date", "invoice__number")
    ):
        customer = found[line.reminder_id].customer
        if line.invoice.customer_id == customer.pk:
            line.invoice.customer = customer
        lines[line.reminder_id].append(line)
    payments = payments_of(
        [line.invoice for invoice_lines in lines.values() for line in invoice_lines]
    )
    # A missing one: another worker has it, it is done, or its retry is not due.
    return [(found[pk], lines[pk]) for pk in ids if pk in found], payments


def _prepare(
    reminder: Reminder,
    lines: list[ReminderInvoice],
    now: datetime,
    forced_today: date | None,
    steps: dict[int, _Steps],
    *,
    rates: RateTable,
    payments: dict[int, list[tuple]],
) -> Outgoing | Unsent:
    """Check the reminder's invoices again and render its message (with the
    law's amounts, from the pass's rates and the batch's payments). Writes
    nothing: what is dropped is marked in hand, written once claimed."""
    company = reminder.company
    today = forced_today or company_today(company, now)
    plan_id = reminder.step.plan_id
    if plan_id not in steps:
        steps[plan_id] = _Steps.of(company, plan_id)
    active = steps[plan_id]
    live, dropped = _check_again(company, active.rules, lines, today)
    if not live:
        return Unsent(
            reminder,
            Status.CANCELLED,
            _(
                "Annulée : les factures ont été réglées, annulées ou mises en pause "
                "avant l'envoi."
            ),
            dropped,
        )
    refused = reminder.customer.email_refused.strip().casefold()
    if refused and refused in (a.strip().casefold() for a in reminder.recipients):
        # A bounce came back from this address since the reminder was
        # queued: never again, until the customer's address changes.
        message = _(
            "Adresse « %(address)s » refusée par le serveur du client "
            "(%(reason)s) : corrigez-la, puis relancez."
        ) % {
            "address": reminder.customer.email_refused,
            "reason": reminder.customer.email_refused_reason,
        }
        return Unsent(reminder, Status.FAILED, message, dropped)
    if reminder.step.makes_task:
        # A call or a task: nothing to write, no server (ADR 16).
        return Outgoing(reminder, today, active.rules, live, dropped, None, None)
    invoices = [line.invoice for line in live]
    # Each invoice at its own stage (they differ in a merged message).
    stages = [
        Stage(line.level, active.names.get(line.level, reminder.step.name))
        for line in live
    ]
    # Whatever goes wrong while writing this message fails this message
    # alone, with its reason: never the others of the batch, nor another
    # company's, nor the next pass.
    letter_body = None
    try:
        late = invoices_late_payment(
            invoices, on=today, company=company, rates=rates, payments=payments
        )
        if reminder.step.sends_letter:
            letter_body = letter_body_render(
                company=company,
                customer=reminder.customer,
                invoices=invoices,
                step=reminder.step,
                today=today,
                late=late,
            )
        if not reminder.step.sends_email:
            return Outgoing(
                reminder,
                today,
                active.rules,
                live,
                dropped,
                None,
                None,
                late=late,
                letter_body=letter_body,
            )
        # A new private link for each message (ADR 18): its token is only
        # in the email; the history keeps the message with « … » instead.
        token = portal_token_new()
        sent = compose(
            company=company,
            customer=reminder.customer,
            invoices=invoices,
            step=reminder.step,
            today=today,
            stages=stages,
            late=late,
            portal_url=portal_url(token),
            texts=active.texts,
        )
        composed = composed_masked(sent, token)
        quoted = composed != sent
        email = email_build(
            company=company,
            to=reminder.recipients,
            composed=sent,
            message_id=reminder.message_id,
            automatic=reminder.origin == Reminder.Origin.SCHEDULE,
            attachments=_attachments(reminder, invoices, today),
        )
    except RateMissing as missing:
        return Unsent(reminder, Status.FAILED, rate_missing_text(missing), dropped)
    except PdfUnavailable:
        message = _(
            "Le relevé de compte à joindre ne peut pas être produit sur ce serveur "
            "(WeasyPrint ne trouve pas Pango) : installez-le, ou décochez « Joindre "
            "le relevé de compte » dans l'étape « %(step)s »."
        ) % {"step": reminder.step.name}
        return Unsent(reminder, Status.FAILED, message, dropped)
    except templating.TemplateRefused as error:
        if reminder.step.sends_letter and letter_body is None:
            message = _(
                "Texte de la mise en demeure (« Configuration › Société ») : %(error)s"
            ) % {"error": error}
            return Unsent(reminder, Status.FAILED, message, dropped)
        message = _("Modèle de l'étape « %(step)s » : %(error)s") % {
            "step": reminder.step.name,
            "error": error,
        }
        return Unsent(reminder, Status.FAILED, message, dropped)
    except Exception:
        logger.exception("Reminder %s could not be written", reminder.pk)
        message = _(
            "Le message de l'étape « %(step)s » n'a pas pu être écrit (erreur "
            "interne, notée dans le journal du serveur). La facture reste à "
            "relancer : vérifiez le modèle et les pièces jointes, puis relancez."
        ) % {"step": reminder.step.name}
        return Unsent(reminder, Status.FAILED, message, dropped)
    return Outgoing(
        reminder,
        today,
        active.rules,
        live,
        dropped,
        composed,
        email,
        late=late,
        letter_body=letter_body,
        portal_digest=portal_digest(token) if quoted else "",
    )


def _check_again(company, steps, lines, today):
    """The lines still worth sending, and the others with why they are dropped
    (marked in hand; written once the reminder is claimed or closed)."""
    live, dropped = [], []
    for line in lines:
        invoice = line.invoice
        facts = invoice_facts(invoice)
        verdict = rules.verdict(facts, steps, today, company.min_gap_days, manual=True)
        reason = verdict.reason
        if reason is None and invoice.dunning_level != line.level - 1:
            reason = _("niveau déjà atteint")
        if reason is None:
            live.append(line)
            continue
        if reason == rules.Reason.NOT_OPEN and invoice.status == Invoice.Status.PAID:
            why = DROPPED[rules.Reason.NOTHING_DUE]
        elif reason == rules.Reason.NOT_OPEN:
            why = _("facture %(status)s entre-temps") % {
                "status": invoice.get_status_display().lower()
            }
        else:
            why = DROPPED.get(reason, reason)
        line.holds_level = False
        line.dropped = str(why)
        dropped.append(line)
    return live, dropped


def _attachments(
    reminder: Reminder, invoices: list[Invoice], today: date
) -> list[Attachment]:
    """The invoices' PDFs, and the customer's statement, as the step asks,
    named in the customer's language (« Facture F1.pdf », « Invoice F1.pdf »).
    Raises core.pdfs.PdfUnavailable when the statement cannot be made."""
    files = []
    customer = reminder.customer
    if reminder.step.attach_pdf:
        for invoice in invoices:
            if invoice.pdf:
                with invoice.pdf.open("rb") as pdf, written_in(customer.language):
                    name = _("Facture %(number)s.pdf") % {"number": invoice.number}
                    files.append(Attachment(name, pdf.read()))
    if reminder.step.attach_statement:
        statement = customer_statement(customer=customer, on=today)
        pdf = statement_pdf(statement, language=customer.language)
        with written_in(customer.language):
            title = _("Relevé de compte")  # the statement's own title
        files.append(Attachment(f"{title} {customer.code}.pdf", pdf))
    return files


def _close_unsent(unsent: Unsent, now: datetime, delivered: Delivered) -> None:
    """Cancel or fail a pending reminder that will not leave; nothing if it is
    no longer pending (another worker has it)."""
    reminder = unsent.reminder
    with transaction.atomic():
        closed = Reminder.objects.filter(pk=reminder.pk, status=Status.PENDING).update(
            status=unsent.status,
            error=unsent.error,
            next_attempt_at=None,
            updated_at=now,
        )
        if closed:
            _drop(unsent.dropped)
            reminder.lines.update(holds_level=False)
    if not closed:
        return
    reminder.status, reminder.error = unsent.status, unsent.error
    reminder.next_attempt_at = None
    if unsent.status == Status.CANCELLED:
        delivered.cancelled.append(reminder)
    else:
        delivered.failed.append(reminder)


class _Clock:
    """The pass's time, moving on from `now` as the pass goes: each claim and
    each answer is recorded at its own moment, so a long pass's last claims
    are not taken for stale ones by another machine's recovery."""

    def __init__(self, now: datetime):
        self.start, self.started = now, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


class _Pipeline:
    """Messages claimed GROUP at a time, in one commit with the answers
    received so far, then handed to one SMTP thread; at most IN_FLIGHT are
    claimed and unanswered at once."""

    def __init__(self, clock: _Clock, delivered: Delivered):
        self.clock, self.delivered = clock, delivered
        self.transport = transport_open()
        self.courier = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="relance-smtp"
        )
        self.group: list[Outgoing] = []
        self.inflight: deque[tuple[Outgoing, Future]] = deque()
        self.quota_full: dict[int, datetime] = {}  # company → when it may go on

    def push(self, outgoing: Outgoing) -> None:
        self.group.append(outgoing)
        if len(self.group) == GROUP:
            self._claim_and_send()

    def finish(self) -> None:
        """Send what is left, and record the last answers as they come, at
        most every PROGRESS_EVERY: the progress the user watches moves as
        messages leave from a slow server, rather than jumping from « 0 / 3 »
        to the end; a fast one still gets one commit."""
        if self.group:
            self._claim_and_send()
        last = time.monotonic()
        while self.inflight:
            done = sum(1 for _item in itertools.takewhile(_answered, self.inflight))
            waited = time.monotonic() - last
            if done == len(self.inflight) or (done and waited >= PROGRESS_EVERY):
                answered = list(itertools.islice(self.inflight, done))
                _record_alone(answered, self.clock, self.delivered)
                for _recorded in answered:
                    self.inflight.popleft()  # close() leaves them alone
                last = time.monotonic()
                continue
            timeout = max(PROGRESS_EVERY - waited, 0) if done else None
            wait([self.inflight[done][1]], timeout=timeout)

    def close(self) -> None:
        """After an error, still record what the server answered."""
        if self.inflight:
            _record_if_possible(list(self.inflight), self.clock, self.delivered)
        self.courier.shutdown(wait=True)
        self.transport.close()

    def _claim_and_send(self) -> None:
        group, self.group = self.group, []
        answered = []
        while self.inflight and (
            len(self.inflight) + len(group) > IN_FLIGHT or self.inflight[0][1].done()
        ):
            answered.append(self.inflight.popleft())
        now = self.clock()
        with transaction.atomic():
            updates = Updates()
            _record(answered, self.clock, now, self.delivered, updates)
            group = self._within_quota(group, now)
            for outgoing in group:
                _claim(outgoing, now, updates)
            updates.run()
            _portal_links_create(group, now)
        for outgoing in group:
            if outgoing.claimed:
                future = self.courier.submit(self.transport.send, outgoing.email)
                self.inflight.append((outgoing, future))

    def _within_quota(self, group: list[Outgoing], now: datetime) -> list[Outgoing]:
        """The group less what the companies' mail server quotas refuse now
        (core/quota.py); the rest waits, its `next_attempt_at` set."""
        kept, by_company = [], {}
        for outgoing in group:
            company = outgoing.reminder.company
            if has_quota(company):
                by_company.setdefault(company.pk, []).append(outgoing)
            else:
                kept.append(outgoing)
        for members in by_company.values():
            company = members[0].reminder.company
            full = self.quota_full.get(company.pk)
            if full and full > now:
                granted, resume_at = 0, full
            else:
                grant = quota_take(company=company, count=len(members), now=now)
                granted, resume_at = grant.granted, grant.resume_at
            kept += members[:granted]
            if resume_at is None:
                continue
            self.quota_full[company.pk] = resume_at
            waiting = [o.reminder for o in members[granted:]]
            _postpone([r.pk for r in waiting], resume_at, now)
            for reminder in waiting:
                reminder.next_attempt_at = resume_at
            self.delivered.scheduled.extend(waiting)
        return kept


def _claim(outgoing: Outgoing, now: datetime, updates: Updates) -> None:
    """Take the reminder for sending, with the content about to leave;
    `outgoing.claimed` says, once the updates ran, whether it was still free."""
    reminder, composed = outgoing.reminder, outgoing.composed
    values = {
        "status": Status.SENDING,
        "claimed_at": now,
        "claimed_by": worker_name(),
        "subject": composed.subject,
        "body_text": composed.text,
        "body_html": composed.html,
        "updated_at": now,
    }

    def claimed(count: int) -> None:
        if not count:
            return  # another worker took it meanwhile
        outgoing.claimed = True
        for name, value in values.items():
            setattr(reminder, name, value)
        reminder.attempts += 1
        _drop(outgoing.dropped)

    updates.add(
        Reminder,
        {**values, "attempts": Sql("attempts + 1")},
        "id = %s AND status = 'pending' "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= %s)",
        [reminder.pk, db_value(Reminder, "next_attempt_at", now)],
        then=claimed,
    )


def _portal_links_create(group: list[Outgoing], now: datetime) -> None:
    """The private links the claimed messages quote, made before they leave
    (one INSERT); each customer's other live links now expire with them (one
    UPDATE per company)."""
    made = [o for o in group if o.claimed and o.portal_digest]
    if not made:
        return
    links = [
        PortalLink(
            company=o.reminder.company,
            customer_id=o.reminder.customer_id,
            reminder_id=o.reminder.pk,
            token_hash=o.portal_digest,
            created_at=now,
            expires_at=portal_expiry(company=o.reminder.company, now=now),
        )
        for o in made
    ]
    PortalLink.objects.bulk_create(links)
    by_company: dict[int, tuple[datetime, set[int]]] = {}
    for link in links:
        expires, customers = by_company.setdefault(
            link.company_id, (link.expires_at, set())
        )
        customers.add(link.customer_id)
    for expires, customers in by_company.values():
        PortalLink.objects.filter(
            customer_id__in=customers,
            revoked_at__isnull=True,
            expires_at__lt=expires,
        ).update(expires_at=expires)


def _letter_new(outgoing: Outgoing) -> None:
    letter_create(
        reminder=outgoing.reminder,
        lines=outgoing.live,
        late=outgoing.late,
        today=outgoing.today,
        body=outgoing.letter_body,
    )


def _subject_without_server(step: DunningStep) -> str:
    if step.channel == DunningStep.Channel.CALL:
        return _("Appel téléphonique à passer : %(step)s") % {"step": step.name}
    if step.channel == DunningStep.Channel.TASK:
        return _("Tâche à faire : %(step)s") % {"step": step.name}
    return _("Mise en demeure par courrier : %(step)s") % {"step": step.name}


def _letter_only(outgoing: Outgoing, now: datetime, delivered: Delivered) -> None:
    """A reminder of a « Courrier » step: no server to ask. Its letter is
    made (it waits in « Courriers à envoyer ») and its invoices reach their
    levels at once, as a sent email's do; all in one transaction, and only if
    the reminder is still pending (another worker may have it). A reminder of
    an « Appel téléphonique » or « Tâche » step goes the same way, its task
    made instead of a letter (it waits in « Mes tâches du jour », ADR 16)."""
    reminder = outgoing.reminder
    values = {
        "status": Status.SENT,
        "subject": _subject_without_server(reminder.step),
        "body_text": "",
        "body_html": "",
        "error": "",
        "claimed_at": now,
        "claimed_by": worker_name(),
        "sent_at": now,
        "next_attempt_at": None,
        "updated_at": now,
    }
    with transaction.atomic():
        claimed = Reminder.objects.filter(pk=reminder.pk, status=Status.PENDING).update(
            **values, attempts=reminder.attempts + 1
        )
        if not claimed:
            return
        for name, value in values.items():
            setattr(reminder, name, value)
        reminder.attempts += 1
        _drop(outgoing.dropped)
        if reminder.step.makes_task:
            task_create(reminder=reminder, lines=outgoing.live, today=outgoing.today)
        else:
            _letter_new(outgoing)
        updates = Updates()
        _levels_raise(outgoing, now, updates)
        updates.run()
    delivered.sent.append(reminder)


def _drop(lines: list[ReminderInvoice]) -> None:
    for line in lines:
        ReminderInvoice.objects.filter(pk=line.pk).update(
            holds_level=False, dropped=line.dropped
        )


def _answered(item: tuple[Outgoing, Future]) -> bool:
    return item[1].done()


def _record_alone(answered, clock: _Clock, delivered) -> None:
    with transaction.atomic():
        updates = Updates()
        _record(answered, clock, clock(), delivered, updates)
        updates.run()


def _record_if_possible(inflight, clock: _Clock, delivered) -> None:
    """After an error, still record the answers to the messages in flight,
    one by one; failing that (or if sending one crashed), it stays "sending"
    and becomes uncertain. The error itself goes on."""
    for outgoing, future in inflight:
        try:
            _record_alone([(outgoing, future)], clock, delivered)
        except BaseException:
            pk = outgoing.reminder.pk
            logger.exception("Outcome of reminder %s not recorded", pk)


def _record(
    answered: list[tuple[Outgoing, Future]],
    clock: _Clock,
    now: datetime,
    delivered,
    updates: Updates,
) -> None:
    """Record what the server answered to these messages at `now` (inside the
    caller's transaction; the messages that left are recorded by `updates`,
    in one statement). Retries are planned from the pass's start, so that the
    passes that follow on the minute find them due on time."""
    sent = {
        "status": Status.SENT,
        "error": "",
        "sent_at": now,
        "next_attempt_at": None,
        "updated_at": now,
    }
    left = []
    for outgoing, future in answered:
        result = future.result()
        if result.outcome == Outcome.SENT:
            for name, value in sent.items():
                setattr(outgoing.reminder, name, value)
            if outgoing.letter_body is not None:  # « Courriel et courrier »
                _letter_new(outgoing)
            _levels_raise(outgoing, now, updates)
            delivered.sent.append(outgoing.reminder)
            left.append(outgoing.reminder.pk)
        else:
            _record_unsent(outgoing.reminder, result, now, clock.start, delivered)
    if left:
        updates.add(Reminder, sent, *any_of("id", left))


def _record_unsent(
    reminder: Reminder, result: Result, now, retry_from, delivered
) -> None:
    """A message the server did not take: uncertain, retried later, or failed
    (which frees its levels)."""
    if result.outcome == Outcome.UNCERTAIN:
        reminder_write(
            reminder, status=Status.UNCERTAIN, error=result.detail, updated_at=now
        )
        delivered.uncertain.append(reminder)
    elif not result.tried:
        # The server was given up for this pass before this message: the
        # attempt is given back, and the message waits for the next try.
        reminder_write(
            reminder,
            status=Status.PENDING,
            attempts=reminder.attempts - 1,
            next_attempt_at=retry_from + RETRY_AFTER[0],
            error=_("%(error)s — nouvelle tentative prévue.")
            % {"error": result.detail},
            updated_at=now,
        )
        delivered.retrying.append(reminder)
    elif result.outcome == Outcome.TEMPORARY and reminder.attempts <= len(RETRY_AFTER):
        reminder_write(
            reminder,
            status=Status.PENDING,
            next_attempt_at=retry_from + RETRY_AFTER[reminder.attempts - 1],
            error=_("%(error)s — nouvelle tentative prévue (essai %(n)s sur %(max)s).")
            % {
                "error": result.detail,
                "n": reminder.attempts,
                "max": len(RETRY_AFTER) + 1,
            },
            updated_at=now,
        )
        delivered.retrying.append(reminder)
    else:
        detail = result.detail
        if result.outcome == Outcome.TEMPORARY:
            detail = _("%(error)s (abandon après %(n)s essais)") % {
                "error": detail,
                "n": reminder.attempts,
            }
        reminder_write(
            reminder,
            status=Status.FAILED,
            error=detail,
            next_attempt_at=None,
            updated_at=now,
        )
        reminder.lines.update(holds_level=False)
        delivered.failed.append(reminder)


def _levels_raise(outgoing: Outgoing, now: datetime, updates: Updates) -> None:
    """The message left: its invoices reach their levels, with their next step.

    The new state comes from rules.py on the invoice as it was read; an
    invoice changed since (paid, paused…) gets its state from the database.
    """
    company, today = outgoing.reminder.company, outgoing.today
    for line in outgoing.live:
        invoice = line.invoice
        facts = replace(
            invoice_facts(invoice),
            level=line.level,
            last_reminder_on=today,
            customer_last_reminder_on=today,
            min_gap_days=getattr(outgoing.reminder, "customer_gap", None),
        )
        tag, next_level, next_on = state_of(
            rules.verdict(facts, outgoing.steps, today, company.min_gap_days)
        )
        raised = {"dunning_level": line.level, "last_reminder_on": today}
        state = {
            "to_remind": tag,
            "next_level": next_level,
            "next_reminder_on": next_on,
        }

        def changed_meanwhile(written: int, pk=invoice.pk, raised=raised) -> None:
            if not written:
                rows_update(Invoice, {**raised, "updated_at": now}, "id = %s", [pk])
                invoices_refresh(company=company, today=today, invoice_ids=[pk])

        updates.add(
            Invoice,
            {**raised, **state, "updated_at": now},
            _unchanged(connection.vendor),
            _seen(invoice),
            then=changed_meanwhile,
        )


# The invoice is still as it was read (all that its state depends on).
_UNCHANGED_COLUMNS = (
    "status",
    "amount_due",
    "dunning_level",
    "paused_until",
    "einvoice_status",
)


@functools.cache
def _unchanged(vendor: str) -> str:
    customer_pause = (
        "(SELECT paused_until FROM invoices_customer c "
        "WHERE c.id = invoices_invoice.customer_id)"
    )
    return " AND ".join(
        ["id = %s"]
        + [null_safe_equal(column) for column in _UNCHANGED_COLUMNS]
        + [null_safe_equal(customer_pause)]
    )


def _seen(invoice: Invoice) -> list:
    values = [invoice.pk]
    values += [
        db_value(Invoice, name, getattr(invoice, name)) for name in _UNCHANGED_COLUMNS
    ]
    return [*values, db_value(Customer, "paused_until", invoice.customer.paused_until)]
