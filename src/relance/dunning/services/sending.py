"""Turning a plan into reminders, and delivering them without lying or repeating.

Each reminder moves pending → sending → sent | failed | uncertain:
- the claim (pending → sending) is one committed UPDATE, so two workers can
  never both hold the same reminder;
- invoices are checked again just before sending: one paid, paused or
  cancelled meanwhile is dropped from the message;
- only a message the server accepted raises the invoices' level, sets their
  last reminder date and removes their « à relancer » tag;
- a temporary failure is retried later (5 min, 30 min, 2 h), a permanent one
  fails at once with the server's answer and frees the level;
- a message found "sending" after a crash becomes "uncertain": it may have
  left, so it is never sent again unless a user asks.
"""

import functools
import logging
import os
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from itertools import islice

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core.clock import company_today
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.sql import (
    Sql,
    Updates,
    any_of,
    db_value,
    null_safe_equal,
    rows_update,
)
from relance.dunning import rules
from relance.dunning.messages import Composed, compose, email_build
from relance.dunning.models import DunningStep, Reminder, ReminderInvoice
from relance.dunning.planning import Code, Plan, PlanError
from relance.dunning.selectors import invoice_facts, rule_steps, step_list_active
from relance.dunning.services.state import invoices_refresh, state_of
from relance.invoices.models import Customer, Invoice
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
}
RETRY_AFTER = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
STALE_AFTER = timedelta(minutes=15)  # far beyond one SMTP conversation
Status = Reminder.Status
logger = logging.getLogger(__name__)


@dataclass
class Created:
    reminders: list[Reminder] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)


@dataclass
class Delivered:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)
    retrying: list[Reminder] = field(default_factory=list)
    uncertain: list[Reminder] = field(default_factory=list)
    cancelled: list[Reminder] = field(default_factory=list)

    def add(self, other: "Delivered") -> None:
        for name in ("sent", "failed", "retrying", "uncertain", "cancelled"):
            getattr(self, name).extend(getattr(other, name))


def message_id_new(company: Company) -> str:
    """A globally unique Message-ID in the company's own mail domain."""
    domain = company.sender_email.rpartition("@")[2] or "relance.invalid"
    return make_msgid(idstring="relance", domain=domain)


def reminders_create(
    *, plan: Plan, user=None, origin: str = Reminder.Origin.USER, run=None
) -> Created:
    """Record the plan's messages as pending reminders (nothing is sent yet).

    All at once; if a message lost a race meanwhile (another reminder took one
    of its levels), message by message in savepoints, skipping the losers.
    Messages are rendered when they leave, with the invoices as they are then.
    """
    if plan.problems:
        raise ApplicationError(plan.problems[0])
    try:
        with transaction.atomic():
            reminders = Reminder.objects.bulk_create(
                [_reminder_new(plan, m, user, origin, run) for m in plan.messages],
                batch_size=1000,
            )
            ReminderInvoice.objects.bulk_create(
                [
                    line
                    for reminder, message in zip(reminders, plan.messages, strict=True)
                    for line in _lines_new(reminder, message)
                ],
                batch_size=1000,
            )
        return Created(reminders=reminders)
    except IntegrityError:
        return _create_each(plan, user, origin, run)


def _reminder_new(plan: Plan, message, user, origin, run) -> Reminder:
    return Reminder(
        company=plan.company,
        customer=message.customer,
        step=message.step,
        recipients=message.recipients,
        message_id=message_id_new(plan.company),
        origin=origin,
        triggered_by=user,
        run=run,
    )


def _lines_new(reminder: Reminder, message) -> list[ReminderInvoice]:
    return [
        ReminderInvoice(
            company=reminder.company,
            reminder=reminder,
            invoice=line.invoice,
            level=line.level,
            amount_due=line.invoice.amount_due,
        )
        for line in message.lines
    ]


def _create_each(plan: Plan, user, origin, run) -> Created:
    created = Created()
    for message in plan.messages:
        try:
            with transaction.atomic():
                reminder = _reminder_new(plan, message, user, origin, run)
                reminder.save()
                ReminderInvoice.objects.bulk_create(_lines_new(reminder, message))
        except IntegrityError:
            created.errors.extend(
                PlanError(
                    line.invoice,
                    line.invoice.number,
                    Code.ALREADY_PENDING,
                    _("Une relance « %(step)s » vient d'être créée pour cette facture.")
                    % {"step": line.step.name},
                )
                for line in message.lines
            )
            continue
        created.reminders.append(reminder)
    return created


@dataclass
class Outgoing:
    """A reminder ready to leave: its invoices checked again, its message
    rendered and written out."""

    reminder: Reminder
    today: date
    steps: list[rules.Step]
    live: list[ReminderInvoice]
    dropped: list[ReminderInvoice]
    composed: Composed
    email: Email
    claimed: bool = False


BATCH = 100  # reminders loaded together when delivering
GROUP = 4  # messages claimed together (one commit)
IN_FLIGHT = 8  # claimed messages handed to the SMTP thread at most


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
    server always has the next one waiting. See docs/adr/0009.
    """
    with _prompt_thread_switches():
        return _deliver(list(reminder_ids), now, today)


def _deliver(ids: list[int], now: datetime, today: date | None) -> Delivered:
    delivered = Delivered()
    steps: dict[int, list[rules.Step]] = {}
    transport = transport_open()
    courier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relance-smtp")
    inflight: deque[tuple[Outgoing, Future]] = deque()
    try:
        ready = (
            outgoing
            for start in range(0, len(ids), BATCH)
            for outgoing in _prepared(
                ids[start : start + BATCH], now, today, steps, delivered
            )
        )
        while group := list(islice(ready, GROUP)):
            answered = []
            while inflight and (
                len(inflight) + len(group) > IN_FLIGHT or inflight[0][1].done()
            ):
                answered.append(inflight.popleft())
            with transaction.atomic():
                updates = Updates()
                _record(answered, now, delivered, updates)
                for outgoing in group:
                    _claim(outgoing, now, updates)
                updates.run()
            for outgoing in group:
                if outgoing.claimed:
                    future = courier.submit(transport.send, outgoing.email)
                    inflight.append((outgoing, future))
        for _outgoing, future in inflight:
            future.result()  # the last answers, recorded together
        _record_alone(list(inflight), now, delivered)
        inflight.clear()
    finally:
        if inflight:
            _record_if_possible(list(inflight), now, delivered)
        courier.shutdown(wait=True)
        transport.close()
    return delivered


SWITCH_INTERVAL = 0.00005  # seconds; Python's default is 0.005
_switching = threading.Lock()
_deliveries = 0
_usual_interval = 0.005


@contextmanager
def _prompt_thread_switches():
    """While delivering, let a thread waiting for the interpreter get it within
    50 µs: the SMTP thread waits for it after each of the server's four
    answers per message, and with the usual 5 ms the main thread's rendering
    would hold it back (measured: a third fewer messages per second)."""
    global _deliveries, _usual_interval
    with _switching:
        if not _deliveries:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _deliveries += 1
    try:
        yield
    finally:
        with _switching:
            _deliveries -= 1
            if not _deliveries:
                sys.setswitchinterval(_usual_interval)


def _record_alone(answered, now, delivered) -> None:
    with transaction.atomic():
        updates = Updates()
        _record(answered, now, delivered, updates)
        updates.run()


def _record_if_possible(inflight, now, delivered) -> None:
    """After an error, still record the answers to the messages in flight,
    one by one; failing that (or if sending one crashed), it stays "sending"
    and becomes uncertain. The error itself goes on."""
    for outgoing, future in inflight:
        try:
            _record_alone([(outgoing, future)], now, delivered)
        except BaseException:
            pk = outgoing.reminder.pk
            logger.exception("Outcome of reminder %s not recorded", pk)


def _prepared(ids, now, forced_today, steps, delivered):
    """The batch's reminders still pending, ready to leave, in the order given.

    Those with nothing left to send are cancelled, those whose template cannot
    be rendered fail, here and now.
    """
    reminders = Reminder.objects.filter(pk__in=ids, status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    found = {r.pk: r for r in reminders.select_related("customer")}
    # The batch's few companies and steps, loaded once and shared.
    companies = Company.objects.in_bulk({r.company_id for r in found.values()})
    templates = DunningStep.objects.in_bulk({r.step_id for r in found.values()})
    for reminder in found.values():
        reminder.company = companies[reminder.company_id]
        reminder.step = templates[reminder.step_id]
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
    for pk in ids:
        reminder = found.get(pk)
        if reminder is None:
            continue  # another worker has it, it is done, or its retry is not due
        company = reminder.company
        today = forced_today or company_today(company, now)
        if company.pk not in steps:
            steps[company.pk] = rule_steps(step_list_active(company=company))
        live, dropped = _check_again(company, steps[company.pk], lines[pk], today)
        if not live:
            message = _(
                "Annulée : les factures ont été réglées, annulées ou mises en pause "
                "avant l'envoi."
            )
            if _close_unsent(reminder, Status.CANCELLED, message, dropped, now):
                delivered.cancelled.append(reminder)
            continue
        invoices = [line.invoice for line in live]
        try:
            composed = compose(
                company=company,
                customer=reminder.customer,
                invoices=invoices,
                step=reminder.step,
                today=today,
            )
        except templating.TemplateRefused as error:
            message = _("Modèle de l'étape « %(step)s » : %(error)s") % {
                "step": reminder.step.name,
                "error": error,
            }
            if _close_unsent(reminder, Status.FAILED, message, dropped, now):
                delivered.failed.append(reminder)
            continue
        email = email_build(
            company=company,
            to=reminder.recipients,
            composed=composed,
            message_id=reminder.message_id,
            automatic=reminder.origin == Reminder.Origin.SCHEDULE,
            attachments=_attachments(reminder, invoices),
        )
        yield Outgoing(
            reminder, today, steps[company.pk], live, dropped, composed, email
        )


def reminders_deliver_due(
    *, now: datetime, company: Company | None = None
) -> Delivered:
    """One pass over the queue: mark crashed sends uncertain, then deliver every
    pending reminder whose time has come (first tries and retries)."""
    reminders_recover(now=now)
    due = Reminder.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if company is not None:
        due = due.filter(company=company)
    ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True))
    return reminders_deliver(reminder_ids=ids, now=now)


def worker_name() -> str:
    """Who claims a reminder: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimer_is_dead(claimed_by: str) -> bool:
    """True when the claiming process ran on this machine and is gone."""
    host, _sep, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reminders_recover(*, now: datetime) -> int:
    """Reminders left "sending" by a crash become "uncertain", never resent.

    A claim is stale when its process, on this machine, is gone; or, from
    another machine, when it is older than STALE_AFTER.
    """
    sending = Reminder.objects.filter(status=Status.SENDING)
    dead = [
        pk
        for pk, claimed_by in sending.values_list("pk", "claimed_by")
        if _claimer_is_dead(claimed_by)
    ]
    return sending.filter(Q(claimed_at__lt=now - STALE_AFTER) | Q(pk__in=dead)).update(
        status=Status.UNCERTAIN,
        error=_(
            "Envoi interrompu (arrêt du programme pendant l'envoi) : le message est "
            "peut-être parti. Vérifiez auprès du client avant de le renvoyer."
        ),
        updated_at=now,
    )


def _set(reminder: Reminder, **values) -> None:
    """Write these fields of the reminder, in the database and in hand."""
    rows_update(Reminder, values, "id = %s", [reminder.pk])
    for name, value in values.items():
        setattr(reminder, name, value)


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


def _close_unsent(reminder, status, error, dropped, now) -> bool:
    """Cancel or fail a pending reminder that will not leave; False if it is
    no longer pending (another worker has it)."""
    with transaction.atomic():
        closed = Reminder.objects.filter(pk=reminder.pk, status=Status.PENDING).update(
            status=status, error=error, next_attempt_at=None, updated_at=now
        )
        if closed:
            _drop(dropped)
            reminder.lines.update(holds_level=False)
    if closed:
        reminder.status, reminder.error, reminder.next_attempt_at = status, error, None
    return bool(closed)


def _drop(lines: list[ReminderInvoice]) -> None:
    for line in lines:
        ReminderInvoice.objects.filter(pk=line.pk).update(
            holds_level=False, dropped=line.dropped
        )


def _record(
    answered: list[tuple[Outgoing, Future]], now: datetime, delivered, updates: Updates
) -> None:
    """Record what the server answered to these messages (inside the caller's
    transaction; the messages that left are recorded by `updates`, in one
    statement)."""
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
            _levels_raise(outgoing, now, updates)
            delivered.sent.append(outgoing.reminder)
            left.append(outgoing.reminder.pk)
        else:
            _record_unsent(outgoing.reminder, result, now, delivered)
    if left:
        updates.add(Reminder, sent, *any_of("id", left))


def _record_unsent(reminder: Reminder, result: Result, now, delivered) -> None:
    """A message the server did not take: uncertain, retried later, or failed
    (which frees its levels)."""
    if result.outcome == Outcome.UNCERTAIN:
        _set(reminder, status=Status.UNCERTAIN, error=result.detail, updated_at=now)
        delivered.uncertain.append(reminder)
    elif result.outcome == Outcome.TEMPORARY and reminder.attempts <= len(RETRY_AFTER):
        _set(
            reminder,
            status=Status.PENDING,
            next_attempt_at=now + RETRY_AFTER[reminder.attempts - 1],
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
        _set(
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
            invoice_facts(invoice), level=line.level, last_reminder_on=today
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


def _check_again(company, steps, lines, today):
    """The lines still worth sending, and the others with why they are dropped
    (marked in hand; written once the reminder is claimed)."""
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


def _attachments(reminder: Reminder, invoices: list[Invoice]) -> list[Attachment]:
    if not reminder.step.attach_pdf:
        return []
    files = []
    for invoice in invoices:
        if invoice.pdf:
            with invoice.pdf.open("rb") as pdf:
                files.append(Attachment(f"Facture {invoice.number}.pdf", pdf.read()))
    return files


def _finish(reminder, status, now, error, *, sent=False) -> None:
    """Record a final outcome; a reminder that did not go frees its levels."""
    with transaction.atomic():
        _set(
            reminder,
            status=status,
            error=error,
            sent_at=now if sent else None,
            next_attempt_at=None,
            updated_at=now,
        )
        if status not in Reminder.HOLDING:
            reminder.lines.update(holds_level=False)


def reminder_resend(*, reminder: Reminder, now: datetime) -> Delivered:
    """A user's « Renvoyer » on an uncertain or failed reminder."""
    if reminder.status == Status.UNCERTAIN:
        Reminder.objects.filter(pk=reminder.pk, status=Status.UNCERTAIN).update(
            status=Status.PENDING, next_attempt_at=None, updated_at=now
        )
        return reminders_deliver(reminder_ids=[reminder.pk], now=now)
    raise ApplicationError(
        _("Seule une relance incertaine peut être renvoyée telle quelle.")
    )


def reminder_confirm_sent(*, reminder: Reminder, now: datetime) -> Reminder:
    """A user checked that an uncertain reminder did reach the customer."""
    if reminder.status != Status.UNCERTAIN:
        raise ApplicationError(_("Seule une relance incertaine peut être confirmée."))
    company = reminder.company
    today = company_today(company, now)
    with transaction.atomic():
        _finish(reminder, Status.SENT, now, "", sent=True)
        lines = list(reminder.lines.filter(holds_level=True))
        for line in lines:
            Invoice.objects.filter(
                pk=line.invoice_id, dunning_level__lt=line.level
            ).update(dunning_level=line.level, last_reminder_on=today, updated_at=now)
        invoices_refresh(
            company=company,
            today=today,
            invoice_ids=[line.invoice_id for line in lines],
        )
    return reminder


def reminder_cancel(*, reminder: Reminder, now: datetime) -> Reminder:
    """Give up a reminder that has not surely left (pending or uncertain)."""
    if reminder.status not in (Status.PENDING, Status.UNCERTAIN):
        raise ApplicationError(
            _("Seule une relance en attente ou incertaine peut être annulée.")
        )
    _finish(reminder, Status.CANCELLED, now, _("Annulée par l'utilisateur."))
    return reminder
