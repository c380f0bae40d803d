"""What comes back to the company's mailbox, taken in once and acted upon.

- A **bounce** (`mailing/inbound.py` reads it) names the reminder it returns
  (its Message-ID in the returned copy, else the latest reminder sent to the
  refused address). A failed delivery makes the reminder « non remise »: its
  invoices go back to the level they had before it (their last reminder date
  too) and the state is recomputed, so they are « à relancer » again. A
  permanent failure (5.x.x) marks the customer's reminder address refused:
  the summary shows it as an error to fix, and nothing is sent to it until
  the address changes. A delay report is only recorded.
- An **automatic reply** is recorded and changes nothing.
- A **reply** to a reminder (In-Reply-To/References) is attached to the
  reminder and its customer, waits in « Réponses à traiter », and pauses the
  customer's dunning `Company.reply_pause_days` days.
- Anything else is **unknown**: kept, never acted upon.

A message is known by its Message-ID (or the hash of its bytes), per
company: taken in twice, it changes nothing. Only the company's own
reminders are ever found.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from relance.core.clock import company_today, local_date
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.dunning.models import (
    InboundMessage,
    PauseOrigin,
    Reminder,
    ReminderInvoice,
)
from relance.dunning.services.pauses import customers_pause_at_least, invoice_pause
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice, PauseKind
from relance.mailing import imap, inbound
from relance.mailing.inbound import Parsed, Unreadable

Kind = InboundMessage.Kind
Status = Reminder.Status


@dataclass
class InboundReport:
    """What one file (or one fetch) brought: `read` counts every message
    read; the others only the messages taken in for the first time."""

    read: int = 0
    bounces: list[dict] = field(default_factory=list)
    auto_replies: int = 0
    replies: list[dict] = field(default_factory=list)
    unknown: int = 0
    # Messages left in the mailbox, unread, and why (IMAP only; not in as_dict).
    skipped: list[str] = field(default_factory=list)

    def add(self, other: "InboundReport") -> None:
        self.read += other.read
        self.bounces += other.bounces
        self.auto_replies += other.auto_replies
        self.replies += other.replies
        self.unknown += other.unknown
        self.skipped += other.skipped

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "bounces": self.bounces,
            "auto_replies": self.auto_replies,
            "replies": self.replies,
            "unknown": self.unknown,
        }


def mailbox_file_read(*, files: list[tuple[str, bytes]]) -> list[Parsed]:
    """Every message of these files (name, bytes), read and classified; the
    first bad one refuses them all (Unreadable, in French)."""
    parsed = []
    for filename, data in files:
        for number, raw in enumerate(inbound.file_messages(data, filename), 1):
            parsed.append(inbound.message_read(raw, number, filename))
    if len(parsed) > inbound.MAX_MESSAGES:
        raise Unreadable(
            _("%(count)s messages en une fois : %(limit)s au plus.")
            % {"count": len(parsed), "limit": inbound.MAX_MESSAGES}
        )
    return parsed


def mailbox_import(
    *, company: Company, files: list[tuple[str, bytes]], now: datetime
) -> InboundReport:
    """Take in the messages of these files for the company: all or nothing."""
    try:
        parsed = mailbox_file_read(files=files)
    except Unreadable as error:
        raise ApplicationError(str(error)) from None
    return messages_take_in(company=company, messages=parsed, now=now)


def mailbox_fetch(
    *, company: Company, now: datetime, url: str | None = None
) -> InboundReport:
    """Take in the unread messages of the IMAP mailbox (`RELANCE_INBOX_URL`,
    or `url`) for the company, batch by batch, through `messages_take_in`
    like a file. A batch's messages are marked read (or moved) only once
    taken in: a crash in between leaves them unread, and reading them again
    changes nothing (known by their Message-ID). A message too big or that
    is no email is left unread and said in `skipped`; the others go on."""
    inbox = imap.inbox_parse(
        settings.RELANCE_INBOX_URL if url is None else url,
        ca_file=settings.RELANCE_INBOX_CA_FILE,
    )
    report = InboundReport()
    with imap.mailbox_open(inbox) as box:
        uids = box.unseen()[: inbound.MAX_MESSAGES]
        for batch in box.batches(uids, report.skipped):
            taken, parsed = [], []
            for uid, raw in batch:
                try:
                    parsed.append(inbound.message_read(raw, uid, inbox.folder))
                except Unreadable as error:
                    report.skipped.append(
                        _("%(error)s Laissé non lu.") % {"error": error}
                    )
                    continue
                taken.append(uid)
            report.add(messages_take_in(company=company, messages=parsed, now=now))
            box.taken(taken)
    return report


def messages_take_in(
    *, company: Company, messages: list[Parsed], now: datetime
) -> InboundReport:
    """Take these messages in, those already known left out. Two imports of
    the same messages at once: the second one to write finds them known
    when it tries again."""
    try:
        return _take_in(company, messages, now)
    except IntegrityError:
        return _take_in(company, messages, now)


def _take_in(company: Company, messages: list[Parsed], now: datetime) -> InboundReport:
    report = InboundReport(read=len(messages))
    today = company_today(company, now)
    unique = {message.message_id: message for message in messages}
    known = set(
        InboundMessage.objects.filter(
            company=company, message_id__in=list(unique)
        ).values_list("message_id", flat=True)
    )
    changed = _Changed()
    with transaction.atomic():
        for message in unique.values():
            if message.message_id in known:
                continue
            row = _row(company, message, now)
            if message.kind == inbound.BOUNCE:
                _bounce(company, message, row, now, report, changed)
            elif message.kind == inbound.AUTO_REPLY:
                row.kind = Kind.AUTO_REPLY
                row.reminder = _reminder_answered(company, message.answers)
                row.customer_id = row.reminder.customer_id if row.reminder else None
                report.auto_replies += 1
            else:
                _reply(company, message, row, report, changed)
            row.save()
        # The state of what changed, recomputed once, set-based.
        refreshed: set[int] = set()
        if changed.replied and company.reply_pause_days:
            refreshed.update(
                customers_pause_at_least(
                    company=company,
                    customer_ids=sorted(changed.replied),
                    until=today + timedelta(days=company.reply_pause_days),
                    reason=_("réponse du client à traiter"),
                    today=today,
                )
            )
        rest = sorted(changed.invoices - refreshed)
        if rest:
            invoices_refresh(company=company, today=today, invoice_ids=rest)
    return report


@dataclass
class _Changed:
    invoices: set[int] = field(default_factory=set)  # levels taken back
    replied: set[int] = field(default_factory=set)  # customers who answered


def _row(company: Company, message: Parsed, now: datetime) -> InboundMessage:
    return InboundMessage(
        company=company,
        message_id=message.message_id[:255],
        kind=Kind.UNKNOWN,
        sender=message.sender,
        subject=message.subject,
        excerpt=message.excerpt,
        raw=message.raw,
        raw_truncated=message.raw_truncated,
        received_at=message.received_at or now,
    )


def _reminder_answered(company: Company, ids: list[str]) -> Reminder | None:
    """The company's reminder one of these Message-IDs names (the first one
    found in their order)."""
    if not ids:
        return None
    # By Message-ID alone (its index), the company checked here: filtering
    # the company in SQL may take its index and read all its reminders.
    found = {
        reminder.message_id: reminder
        for reminder in Reminder.objects.filter(message_id__in=ids[:50])
        .select_related("customer")
        .order_by("pk")
        if reminder.company_id == company.pk
    }
    reminder = next((found[i] for i in ids if i in found), None)
    if reminder is not None:
        reminder.company = company
    return reminder


def _reminder_to(company: Company, address: str) -> Reminder | None:
    """The latest reminder sent to this address (a bounce without the
    returned message's Message-ID)."""
    customers = Customer.objects.filter(company=company).filter(
        Q(dunning_email__iexact=address) | Q(dunning_email="", email__iexact=address)
    )
    reminder = (
        Reminder.objects.filter(
            company=company,
            customer__in=customers,
            channel=Reminder.Channel.EMAIL,
            status__in=(Status.SENT, Status.BOUNCED),
        )
        .select_related("customer")
        .order_by("-sent_at", "-pk")
        .first()
    )
    if reminder is not None:
        reminder.company = company
    return reminder


def _bounce(company, message: Parsed, row, now, report, changed) -> None:
    row.kind = Kind.BOUNCE
    failure = next((f for f in message.failures if f.failed), None) or next(
        iter(message.failures), None
    )
    if failure is None:  # a delivery report naming nobody
        row.reminder = _reminder_answered(company, message.answers)
        row.customer_id = row.reminder.customer_id if row.reminder else None
        report.bounces.append(_bounce_entry(row, []))
        return
    row.recipient = failure.recipient
    row.permanent = failure.permanent
    row.reason = failure.reason or (
        _("échec définitif") if failure.permanent else _("échec temporaire")
    )
    reminder = _reminder_answered(company, message.answers) or _reminder_to(
        company, failure.recipient
    )
    row.reminder = reminder
    invoices: list[str] = []
    if reminder is not None:
        row.customer_id = reminder.customer_id
        if failure.failed and reminder.status in (Status.SENT, Status.UNCERTAIN):
            invoices, ids = _reminder_bounced(reminder, row.reason, now)
            changed.invoices.update(ids)
        customer = reminder.customer
    else:
        customer = _customer_at(company, failure.recipient)
        row.customer = customer
    if failure.permanent and customer is not None:
        customer_email_refuse(
            customer=customer, address=failure.recipient, reason=row.reason
        )
    report.bounces.append(_bounce_entry(row, invoices))


def _bounce_entry(row: InboundMessage, invoices: list[str]) -> dict:
    return {
        "reminder": row.reminder_id,
        "invoices": invoices,
        "recipient": row.recipient,
        "permanent": row.permanent,
        "reason": row.reason,
    }


def _customer_at(company: Company, address: str) -> Customer | None:
    if not address:
        return None
    found = list(
        Customer.objects.filter(company=company).filter(
            Q(dunning_email__iexact=address)
            | Q(dunning_email="", email__iexact=address)
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def reminder_bounce(
    *, reminder: Reminder, reason: str, today: date, now: datetime
) -> list[str]:
    """A sent reminder came back: « non remise ». Its invoices go back to the
    level and last reminder date they had before it (those it had raised),
    and their state is recomputed. Returns their numbers."""
    with transaction.atomic():
        numbers, ids = _reminder_bounced(reminder, reason, now)
        if ids:
            invoices_refresh(company=reminder.company, today=today, invoice_ids=ids)
    return numbers


def _reminder_bounced(
    reminder: Reminder, reason: str, now: datetime
) -> tuple[list[str], list[int]]:
    """reminder_bounce without the state's refresh (the caller's, once for
    many): the invoices' numbers and ids."""
    with transaction.atomic():
        # An uncertain one did leave: its bounce says so.
        updated = Reminder.objects.filter(
            pk=reminder.pk, status__in=(Status.SENT, Status.UNCERTAIN)
        ).update(
            status=Status.BOUNCED,
            error=_("Non remise : %(reason)s") % {"reason": reason},
            updated_at=now,
        )
        if not updated:
            return [], []
        reminder.status = Status.BOUNCED
        lines = list(reminder.lines.filter(holds_level=True).select_related("invoice"))
        reminder.lines.update(holds_level=False)
        ids = [line.invoice_id for line in lines]
        before = _last_sent_on(reminder, ids)
        for line in lines:
            # Only an invoice this reminder raised goes back (a later one
            # may have raised it since; it keeps its own level then).
            Invoice.objects.filter(pk=line.invoice_id, dunning_level=line.level).update(
                dunning_level=line.level - 1,
                last_reminder_on=before.get(line.invoice_id),
                updated_at=now,
            )
    return sorted(line.invoice.number for line in lines), ids


def _last_sent_on(reminder: Reminder, invoice_ids: list[int]) -> dict[int, date]:
    """Each invoice's last reminder date without this reminder, in the
    company's calendar."""
    rows = (
        ReminderInvoice.objects.filter(
            invoice_id__in=invoice_ids,
            holds_level=True,
            reminder__status=Status.SENT,
        )
        .exclude(reminder=reminder)
        .values("invoice_id")
        .annotate(last=Max("reminder__sent_at"))
    )
    zone = reminder.company.time_zone
    return {row["invoice_id"]: local_date(zone, row["last"]) for row in rows}


def customer_email_refuse(*, customer: Customer, address: str, reason: str) -> None:
    """A server refused this address for good: while it stays the customer's
    reminder address, no reminder goes to it (planning.Code.REFUSED_EMAIL)."""
    if address.strip().casefold() != customer.reminder_email.strip().casefold():
        return  # the address has changed since: nothing to fix
    Customer.objects.filter(pk=customer.pk).update(
        email_refused=address[:254], email_refused_reason=reason[:500]
    )
    customer.email_refused = address[:254]
    customer.email_refused_reason = reason[:500]


def _reply(company, message: Parsed, row, report, changed) -> None:
    reminder = _reminder_answered(company, message.answers)
    if reminder is None:
        row.kind = Kind.UNKNOWN
        report.unknown += 1
        return
    row.kind = Kind.REPLY
    row.reminder = reminder
    row.customer_id = reminder.customer_id
    report.replies.append({"reminder": reminder.pk, "customer": reminder.customer.code})
    changed.replied.add(reminder.customer_id)


# What a person does with a reply (« Réponses à traiter »).
DISPUTE = "dispute"
PROMISE = "promise"
PAYMENT = "payment"
CLOSE = "close"
ACTIONS = (DISPUTE, PROMISE, PAYMENT, CLOSE)


def inbound_reply_handle(
    *,
    message: InboundMessage,
    action: str,
    today: date,
    now: datetime,
    until: date | None = None,
    by=None,
) -> InboundMessage:
    """Turn a reply into a dispute or a promise on the reminder's invoices
    (until `until`), record that it led to a payment, or close it."""
    if message.kind != Kind.REPLY:
        raise ApplicationError(_("Seule une réponse de client se traite ainsi."))
    if message.handled:
        raise ApplicationError(_("Cette réponse est déjà traitée."))
    if action not in ACTIONS:
        raise ApplicationError(_("Suite inconnue."), field="action")
    notes = {
        DISPUTE: _("Litige"),
        PROMISE: _("Promesse de paiement"),
        PAYMENT: _("Règlement"),
        CLOSE: _("Classée sans suite"),
    }
    note = notes[action]
    with transaction.atomic():
        if action in (DISPUTE, PROMISE):
            if until is None:
                raise ApplicationError(_("Indiquez une date."), field="until")
            invoices = _open_invoices(message)
            if not invoices:
                raise ApplicationError(
                    _("Aucune facture ouverte dans la relance à laquelle il répond.")
                )
            received = message.received_at or now
            reason = _("réponse du %(date)s : %(subject)s") % {
                "date": local_date(message.company.time_zone, received).strftime(
                    "%d/%m/%Y"
                ),
                "subject": message.subject or _("(sans objet)"),
            }
            for invoice in invoices:
                invoice_pause(
                    invoice=invoice,
                    until=until,
                    kind=PauseKind.DISPUTE if action == DISPUTE else PauseKind.PROMISE,
                    reason=reason[:255],
                    today=today,
                    by=by,
                    origin=PauseOrigin.REPLY,
                )
            note = f"{note} ({until.strftime('%d/%m/%Y')})"
        updated = InboundMessage.objects.filter(pk=message.pk, handled=False).update(
            handled=True, handled_at=now, handled_note=note
        )
        if not updated:
            raise ApplicationError(_("Cette réponse est déjà traitée."))
    message.handled, message.handled_at, message.handled_note = True, now, note
    return message


def _open_invoices(message: InboundMessage) -> list[Invoice]:
    if message.reminder_id is None:
        return []
    return list(
        Invoice.objects.filter(
            company_id=message.company_id,
            reminder_lines__reminder_id=message.reminder_id,
            status=Invoice.Status.OPEN,
        )
        .distinct()
        .order_by("number")
    )


def reply_invoices(message: InboundMessage) -> list[Invoice]:
    """The open invoices of the reminder a reply answers (for a payment)."""
    return _open_invoices(message)
