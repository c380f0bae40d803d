"""A customer's history read from each source, bounded: the newest `limit + 1`
rows of each (one query each, by the customer), turned into `Event`s in the
reader's language, then merged by `reports.timeline.merge`. However many
events a customer has, a page reads at most `limit + 1` rows per source.

Who did each: a user's name, « Tâche planifiée », « API », « Import »…
where the row says it; nothing where it does not.

One more source: a function `(customer, tz, limit, today) -> list[Event]`
added to SOURCES (and its rank to `reports.timeline.RANKS`)."""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from relance.core.models import ChangeRecord
from relance.core.money import format_date
from relance.dunning.models import (
    CustomerNote,
    InboundMessage,
    Letter,
    Origin,
    PauseOrigin,
    PauseRecord,
    PortalAnswer,
    Reminder,
    Task,
)
from relance.invoices.models import (
    Customer,
    EInvoiceStatusEvent,
    Invoice,
    PauseKind,
    Payment,
)
from relance.reports.changes import change_lines, change_title, change_who
from relance.reports.timeline import Event, Page, merge, promise_outcome

LIMIT = 50  # events on the first page
LIMIT_MAX = 1000  # at most, however far « Voir plus » goes

REMINDER_TONES = {
    Reminder.Status.SENT: "success",
    Reminder.Status.FAILED: "danger",
    Reminder.Status.BOUNCED: "danger",
    Reminder.Status.UNCERTAIN: "warning",
}


def customer_timeline(
    *, customer: Customer, today: date, limit: int = LIMIT, time_zone: str
) -> Page:
    """The customer's `limit` newest events, newest first, and whether
    older ones exist."""
    limit = max(1, min(limit, LIMIT_MAX))
    tz = ZoneInfo(time_zone or "Europe/Paris")
    return merge((read(customer, tz, limit + 1, today) for read in SOURCES), limit)


def _local(moment: datetime, tz: ZoneInfo) -> dict:
    local = moment.astimezone(tz)
    return {"day": local.date(), "at": local.time().replace(microsecond=0)}


def _user(user) -> str:
    return str(user) if user is not None else ""


INVOICE_FIELDS = (
    "pk",
    "number",
    "kind",
    "issue_date",
    "due_date",
    "total",
    "currency",
    "status",
)


def _invoices(customer, tz, n, today) -> list[Event]:
    rows = (
        Invoice.objects.filter(customer=customer)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issue_date", "-id")
        .values(*INVOICE_FIELDS)[:n]
    )
    events = []
    for row in rows:
        credit = row["kind"] == Invoice.Kind.CREDIT_NOTE
        cancelled = row["status"] == Invoice.Status.CANCELLED
        events.append(
            Event(
                day=row["issue_date"],
                source="invoice",
                pk=row["pk"],
                title=_("Avoir émis") if credit else _("Facture émise"),
                detail=""
                if credit
                else _("échéance le %(date)s") % {"date": format_date(row["due_date"])},
                status=Invoice.Status(row["status"]).label if cancelled else "",
                tone="danger" if cancelled else "neutral",
                amount=row["total"],
                currency=row["currency"],
                invoice_id=row["pk"],
                invoice_number=row["number"],
            )
        )
    return events


def _reminders(customer, tz, n, today) -> list[Event]:
    reminders = (
        Reminder.objects.filter(customer=customer)
        .select_related("step", "triggered_by")
        .prefetch_related("lines__invoice")
        .annotate(moment=Coalesce("sent_at", "created_at"))
        .order_by("-moment", "-id")[:n]
    )
    events = []
    for reminder in reminders:
        letter = reminder.channel == Reminder.Channel.LETTER
        title = (
            _("Relance « %(step)s » par courrier")
            if letter
            else _("Relance « %(step)s » par courriel")
        ) % {"step": reminder.step.name}
        numbers = ", ".join(
            line.invoice.number + (f" ({line.dropped})" if line.dropped else "")
            for line in reminder.lines.all()
        )
        detail = numbers
        if not letter and reminder.recipients:
            detail = f"{', '.join(reminder.recipients)} · {numbers}"
        if reminder.origin == Origin.SCHEDULE:
            who = _("Tâche planifiée")
        else:
            who = _user(reminder.triggered_by)
        events.append(
            Event(
                **_local(reminder.moment, tz),
                source="reminder",
                pk=reminder.pk,
                title=title,
                detail=detail,
                text=reminder.error,
                status=reminder.get_status_display(),
                tone=REMINDER_TONES.get(reminder.status, "neutral"),
                who=who,
                reminder_id=reminder.pk,
            )
        )
    return events


def _letters_sent(customer, tz, n, today) -> list[Event]:
    letters = Letter.objects.filter(customer=customer, sent_on__isnull=False).order_by(
        "-sent_on", "-id"
    )[:n]
    return [
        Event(
            day=letter.sent_on,
            source="letter_sent",
            pk=letter.pk,
            title=_("Mise en demeure envoyée en recommandé"),
            detail=_("n° %(number)s, courrier du %(date)s")
            % {"number": letter.tracking_number, "date": format_date(letter.dated_on)},
            reminder_id=letter.reminder_id,
            letter_id=letter.pk,
        )
        for letter in letters
    ]


def _letters_received(customer, tz, n, today) -> list[Event]:
    letters = Letter.objects.filter(
        customer=customer, received_on__isnull=False
    ).order_by("-received_on", "-id")[:n]
    return [
        Event(
            day=letter.received_on,
            source="letter_received",
            pk=letter.pk,
            title=_("Avis de réception de la mise en demeure"),
            detail=_("recommandé n° %(number)s") % {"number": letter.tracking_number},
            tone="success",
            reminder_id=letter.reminder_id,
            letter_id=letter.pk,
        )
        for letter in letters
    ]


def _payments(customer, tz, n, today) -> list[Event]:
    payments = (
        Payment.objects.filter(invoice__customer=customer)
        .select_related("invoice", "credit_note", "created_by")
        .order_by("-date", "-id")[:n]
    )
    events = []
    for payment in payments:
        credit = payment.method == Payment.Method.CREDIT_NOTE
        if credit:
            detail = _("avoir %(number)s") % {"number": payment.credit_note.number}
        else:
            detail = payment.get_method_display()
        if payment.reference:
            detail += " · " + _("réf. %(reference)s") % {"reference": payment.reference}
        cancelled = payment.cancelled_at is not None
        events.append(
            Event(
                day=payment.date,
                source="payment",
                pk=payment.pk,
                title=_("Avoir imputé") if credit else _("Règlement reçu"),
                detail=detail,
                text=payment.cancel_reason if cancelled else "",
                status=_("Annulé") if cancelled else "",
                tone="danger" if cancelled else "success",
                who=_user(payment.created_by),
                amount=payment.amount,
                currency=payment.invoice.currency,
                invoice_id=payment.invoice_id,
                invoice_number=payment.invoice.number,
            )
        )
    return events


def _pause_title(record: PauseRecord) -> str:
    if record.invoice_id is None:
        return _("Pause des relances du client")
    return _("Pause : %(kind)s") % {"kind": PauseKind(record.kind).label}


def _pause_who(user, origin: str) -> str:
    if user is not None:
        return str(user)
    if origin and origin != PauseOrigin.USER:
        return PauseOrigin(origin).label
    return ""


PROMISE_STATUS = {
    "kept": (lambda: _("Promesse tenue"), "success"),
    "broken": (lambda: _("Promesse non tenue"), "danger"),
    "pending": (lambda: _("Promesse en cours"), "warning"),
    "lifted": (lambda: _("Levée avant son terme"), "neutral"),
}


def _pauses_set(customer, tz, n, today) -> list[Event]:
    paid_on = Subquery(
        Payment.objects.filter(invoice=OuterRef("invoice"), cancelled_at__isnull=True)
        .values("invoice")
        .annotate(last=Max("date"))
        .values("last")[:1]
    )
    records = (
        PauseRecord.objects.filter(customer=customer)
        .select_related("invoice", "set_by")
        .annotate(paid_on=paid_on)
        .order_by("-set_at", "-id")[:n]
    )
    events = []
    for record in records:
        details = [_("jusqu'au %(date)s") % {"date": format_date(record.until)}]
        if record.reason:
            details.append(record.reason)
        if not record.set_at_known:
            details.append(_("date de mise en pause inconnue"))
        status, tone = "", "warning"
        if record.kind == PauseKind.PROMISE and record.invoice_id:
            paid = (
                record.paid_on if record.invoice.status == Invoice.Status.PAID else None
            )
            lifted = record.lifted_at and record.lifted_at.astimezone(tz).date()
            outcome = promise_outcome(
                until=record.until, paid_on=paid, lifted_on=lifted, today=today
            )
            label, tone = PROMISE_STATUS[outcome]
            status = label()
        events.append(
            Event(
                **_local(record.set_at, tz),
                source="pause",
                pk=record.pk,
                title=_pause_title(record),
                detail=" · ".join(details),
                status=status,
                tone=tone,
                who=_pause_who(record.set_by, record.origin),
                invoice_id=record.invoice_id,
                invoice_number=record.invoice.number if record.invoice else "",
            )
        )
    return events


def _pauses_lifted(customer, tz, n, today) -> list[Event]:
    records = (
        PauseRecord.objects.filter(customer=customer, lifted_at__isnull=False)
        .select_related("invoice", "lifted_by")
        .order_by("-lifted_at", "-id")[:n]
    )
    return [
        Event(
            **_local(record.lifted_at, tz),
            source="pause_lifted",
            pk=record.pk,
            title=_("Pause levée"),
            detail=_pause_title(record),
            who=_pause_who(record.lifted_by, record.lifted_origin),
            invoice_id=record.invoice_id,
            invoice_number=record.invoice.number if record.invoice else "",
        )
        for record in records
    ]


INBOUND_TITLES = {
    InboundMessage.Kind.BOUNCE: lambda: _("Courriel non remis"),
    InboundMessage.Kind.AUTO_REPLY: lambda: _("Réponse automatique reçue"),
    InboundMessage.Kind.REPLY: lambda: _("Réponse du client reçue"),
    InboundMessage.Kind.UNKNOWN: lambda: _("Courriel reçu"),
}


def _inbound(customer, tz, n, today) -> list[Event]:
    messages = (
        InboundMessage.objects.filter(customer=customer)
        .annotate(moment=Coalesce("received_at", "created_at"))
        .defer("raw")
        .order_by("-moment", "-id")[:n]
    )
    events = []
    for message in messages:
        bounce = message.kind == InboundMessage.Kind.BOUNCE
        detail = " · ".join(part for part in (message.sender, message.subject) if part)
        text = f"{message.recipient} : {message.reason}" if bounce else message.excerpt
        events.append(
            Event(
                **_local(message.moment, tz),
                source="inbound",
                pk=message.pk,
                title=INBOUND_TITLES[message.kind](),
                detail=detail,
                text=text,
                status=message.handled_note if message.handled else "",
                tone="danger" if bounce else "accent",
                reminder_id=message.reminder_id,
            )
        )
    return events


EINVOICE_WHO = {
    EInvoiceStatusEvent.Source.API: lambda: _("API"),
    EInvoiceStatusEvent.Source.IMPORT: lambda: _("Import"),
    EInvoiceStatusEvent.Source.CDAR: lambda: _("Plateforme (message CDAR)"),
}


def _einvoice(customer, tz, n, today) -> list[Event]:
    rows = (
        EInvoiceStatusEvent.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .order_by("-status_on", "-id")[:n]
    )
    return [
        Event(
            day=row.status_on,
            source="einvoice",
            pk=row.pk,
            title=_("Facture électronique : %(status)s")
            % {"status": row.get_code_display()},
            detail=row.reason,
            who=EINVOICE_WHO[row.source]() if row.source in EINVOICE_WHO else "",
            amount=row.amount_paid,
            currency=row.invoice.currency,
            invoice_id=row.invoice_id,
            invoice_number=row.invoice.number,
        )
        for row in rows
    ]


def _notes(customer, tz, n, today) -> list[Event]:
    notes = (
        CustomerNote.objects.filter(customer=customer)
        .select_related("author")
        .order_by("-created_at", "-id")[:n]
    )
    return [
        Event(
            **_local(note.created_at, tz),
            source="note",
            pk=note.pk,
            title=_("Note"),
            text=note.text,
            tone="accent",
            who=_user(note.author) or (_("API") if note.origin == "api" else ""),
        )
        for note in notes
    ]


TASK_TONES = {
    Task.Outcome.REACHED: "success",
    Task.Outcome.PROMISE: "warning",
    Task.Outcome.DISPUTE: "danger",
    Task.Outcome.UNREACHABLE: "neutral",
}


def _tasks(customer, tz, n, today) -> list[Event]:
    """Calls and tasks done, with their outcome (the call itself, when its
    step went, is a reminder above)."""
    tasks = (
        Task.objects.filter(customer=customer, done_at__isnull=False)
        .select_related("done_by")
        .order_by("-done_at", "-id")[:n]
    )
    events = []
    for task in tasks:
        detail = task.get_outcome_display()
        if task.outcome_on:
            detail = _("%(outcome)s au %(date)s") % {
                "outcome": detail,
                "date": format_date(task.outcome_on),
            }
        events.append(
            Event(
                **_local(task.done_at, tz),
                source="task",
                pk=task.pk,
                title=task.get_kind_display(),
                detail=detail,
                text=task.note,
                tone=TASK_TONES.get(task.outcome, "neutral"),
                who=_user(task.done_by),
            )
        )
    return events


def _changes(customer, tz, n, today) -> list[Event]:
    """Who changed the customer (language, owner, address…): `ChangeRecord`.
    Its pauses are `PauseRecord`s above, not repeated here."""
    records = ChangeRecord.objects.filter(
        company_id=customer.company_id, customer_id=customer.pk
    ).order_by("-at", "-id")[:n]
    return [
        Event(
            **_local(record.at, tz),
            source="change",
            pk=record.pk,
            title=change_title(record),
            detail=" · ".join(change_lines(record)),
            who=change_who(record),
        )
        for record in records
    ]


PORTAL_TONES = {
    PortalAnswer.Kind.PAID: "success",
    PortalAnswer.Kind.PROMISE: "warning",
    PortalAnswer.Kind.DISPUTE: "danger",
}


def _portal_answers(customer, tz, n, today) -> list[Event]:
    """The customer's answers on their private page (issue 17 §3)."""
    answers = (
        PortalAnswer.objects.filter(customer=customer)
        .prefetch_related("invoices")
        .order_by("-created_at", "-id")[:n]
    )
    events = []
    for answer in answers:
        numbers = ", ".join(i.number for i in answer.invoices.all())
        if answer.kind == PortalAnswer.Kind.PAID:
            detail = _("payé le %(date)s") % {"date": format_date(answer.paid_on)}
        elif answer.kind == PortalAnswer.Kind.PROMISE:
            detail = _("paiement promis le %(date)s") % {
                "date": format_date(answer.promised_on)
            }
        else:
            detail = answer.get_reason_display()
        events.append(
            Event(
                **_local(answer.created_at, tz),
                source="portal_answer",
                pk=answer.pk,
                title=_("Réponse sur l'espace client : %(kind)s")
                % {"kind": answer.get_kind_display()},
                detail=f"{numbers} · {detail}",
                text=answer.text,
                status=(_("Vérifiée") if answer.checked_at else _("À vérifier"))
                if answer.kind == PortalAnswer.Kind.PAID
                else "",
                tone=PORTAL_TONES[answer.kind],
                who=_("Client"),
                amount=answer.amount,
            )
        )
    return events


SOURCES: list[Callable[..., list[Event]]] = [
    _invoices,
    _reminders,
    _letters_sent,
    _letters_received,
    _payments,
    _pauses_set,
    _pauses_lifted,
    _inbound,
    _einvoice,
    _notes,
    _tasks,
    _changes,
    _portal_answers,
]
