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

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import make_msgid

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.messages import Composed, compose, email_build
from relance.dunning.models import Reminder, ReminderInvoice
from relance.dunning.planning import Code, Plan, PlanError
from relance.dunning.selectors import invoice_facts, rule_steps, step_list_active
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from relance.mailing import templating
from relance.mailing.delivery import Outcome, transport_open

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

    Each message is written in its own savepoint: a message that lost a race
    (another reminder took the level meanwhile) is skipped, not the run.
    """
    if plan.problems:
        raise ApplicationError(plan.problems[0])
    company = plan.company
    created = Created()
    for message in plan.messages:
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    company=company,
                    customer=message.customer,
                    step=message.step,
                    recipients=message.recipients,
                    message_id=message_id_new(company),
                    origin=origin,
                    triggered_by=user,
                    run=run,
                )
                ReminderInvoice.objects.bulk_create(
                    ReminderInvoice(
                        company=company,
                        reminder=reminder,
                        invoice=line.invoice,
                        level=line.level,
                        amount_due=line.invoice.amount_due,
                    )
                    for line in message.lines
                )
                _store_content(reminder, message.invoices, plan.today)
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


def _store_content(reminder: Reminder, invoices: list[Invoice], today: date) -> bool:
    """Render the reminder's message now; False (and the reason) if it cannot be."""
    try:
        composed = compose(
            company=reminder.company,
            customer=reminder.customer,
            invoices=invoices,
            step=reminder.step,
            today=today,
        )
    except templating.TemplateRefused as error:
        reminder.error = _("Modèle de l'étape « %(step)s » : %(error)s") % {
            "step": reminder.step.name,
            "error": error,
        }
        return False
    reminder.subject = composed.subject
    reminder.body_text = composed.text
    reminder.body_html = composed.html
    reminder.save(update_fields=["subject", "body_text", "body_html", "updated_at"])
    return True


def reminders_deliver(
    *,
    reminder_ids: Iterable[int],
    now: datetime,
    today: date | None = None,
) -> Delivered:
    """Deliver these reminders over one connection; each outcome is committed
    before the next message goes. `today` forces the date recorded on invoices
    (default: each company's date at `now`)."""
    delivered = Delivered()
    transport = transport_open()
    try:
        for reminder_id in reminder_ids:
            _deliver_one(reminder_id, transport, now, today, delivered)
    finally:
        transport.close()
    return delivered


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


def _claim(reminder_id: int, now: datetime) -> bool:
    claimed = (
        Reminder.objects.filter(pk=reminder_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Status.SENDING,
            claimed_at=now,
            claimed_by=worker_name(),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    return claimed == 1


def _deliver_one(reminder_id, transport, now, forced_today, delivered) -> None:
    if not _claim(reminder_id, now):
        return  # another worker has it, it is done, or its retry is not due
    reminder = Reminder.objects.select_related("company", "customer", "step").get(
        pk=reminder_id
    )
    company = reminder.company
    today = forced_today or rules.company_today(company.time_zone, now)
    lines = list(
        reminder.lines.filter(holds_level=True)
        .select_related("invoice", "invoice__customer")
        .order_by("invoice__due_date", "invoice__number")
    )
    live = _check_again(company, lines, today)
    if not live:
        _finish(
            reminder,
            Status.CANCELLED,
            now,
            _(
                "Annulée : les factures ont été réglées, annulées ou mises en pause "
                "avant l'envoi."
            ),
        )
        delivered.cancelled.append(reminder)
        return
    invoices = [line.invoice for line in live]
    if not _store_content(reminder, invoices, today):
        _finish(reminder, Status.FAILED, now, reminder.error)
        delivered.failed.append(reminder)
        return
    email = email_build(
        company=company,
        to=reminder.recipients,
        composed=_composed_of(reminder),
        message_id=reminder.message_id,
        automatic=reminder.origin == Reminder.Origin.SCHEDULE,
        attachments=_attachments(reminder, invoices),
    )
    result = transport.send(email)
    if result.outcome == Outcome.SENT:
        with transaction.atomic():
            _finish(reminder, Status.SENT, now, "", sent=True)
            for line in live:
                Invoice.objects.filter(pk=line.invoice_id).update(
                    dunning_level=line.level, last_reminder_on=today, updated_at=now
                )
            invoices_refresh(
                company=company, today=today, invoice_ids=[i.pk for i in invoices]
            )
        delivered.sent.append(reminder)
    elif result.outcome == Outcome.UNCERTAIN:
        _finish(reminder, Status.UNCERTAIN, now, result.detail)
        delivered.uncertain.append(reminder)
    elif result.outcome == Outcome.TEMPORARY and reminder.attempts <= len(RETRY_AFTER):
        later = now + RETRY_AFTER[reminder.attempts - 1]
        Reminder.objects.filter(pk=reminder.pk).update(
            status=Status.PENDING,
            next_attempt_at=later,
            error=_("%(error)s — nouvelle tentative prévue (essai %(n)s sur %(max)s).")
            % {
                "error": result.detail,
                "n": reminder.attempts,
                "max": len(RETRY_AFTER) + 1,
            },
            updated_at=now,
        )
        reminder.refresh_from_db()
        delivered.retrying.append(reminder)
    else:
        detail = result.detail
        if result.outcome == Outcome.TEMPORARY:
            detail = _("%(error)s (abandon après %(n)s essais)") % {
                "error": detail,
                "n": reminder.attempts,
            }
        _finish(reminder, Status.FAILED, now, detail)
        delivered.failed.append(reminder)


def _check_again(company, lines, today) -> list[ReminderInvoice]:
    """Lines still worth sending; the others are dropped with their reason."""
    steps = rule_steps(step_list_active(company=company))
    live = []
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
            dropped = DROPPED[rules.Reason.NOTHING_DUE]
        elif reason == rules.Reason.NOT_OPEN:
            dropped = _("facture %(status)s entre-temps") % {
                "status": invoice.get_status_display().lower()
            }
        else:
            dropped = DROPPED.get(reason, reason)
        line.holds_level = False
        line.dropped = str(dropped)
        line.save(update_fields=["holds_level", "dropped"])
    return live


def _composed_of(reminder: Reminder) -> Composed:
    return Composed(reminder.subject, reminder.body_text, reminder.body_html)


def _attachments(
    reminder: Reminder, invoices: list[Invoice]
) -> list[tuple[str, bytes]]:
    if not reminder.step.attach_pdf:
        return []
    files = []
    for invoice in invoices:
        if invoice.pdf:
            with invoice.pdf.open("rb") as pdf:
                files.append((f"Facture {invoice.number}.pdf", pdf.read()))
    return files


def _finish(reminder, status, now, error, *, sent=False) -> None:
    """Record a final outcome; a reminder that did not go frees its levels."""
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(
            status=status,
            error=error,
            sent_at=now if sent else None,
            next_attempt_at=None,
            updated_at=now,
        )
        if status not in Reminder.HOLDING:
            reminder.lines.update(holds_level=False)
    reminder.refresh_from_db()


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
    today = rules.company_today(company.time_zone, now)
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
