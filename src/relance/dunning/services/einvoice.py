"""E-invoicing lifecycle statuses (CDAR codes 200–213) coming in from the
platform (a CDAR file), the ERP (API, the invoice file's column) or a user,
and what each one does to the dunning (docs/einvoicing.md):

- 212 « Encaissée »: the payment is recorded (`payments.payments_record`,
  the one way), for the amount and date the status gives, else for what was
  still due on the status date; never more than is due now (a payment the
  bank statement already brought is not counted twice);
- 207 « En litige » and 208 « Suspendue »: the invoice is paused, the status
  as the reason; a later status of another code lifts that pause;
- 210 « Refusée », 213 « Rejetée » (and 211, 212): never dunned
  (`rules.EINVOICE_BLOCKING`); the summary says why.

The history keeps every status; `Invoice.einvoice_status` is the code of
the latest by status date. A status already recorded (same invoice, code,
status date and platform message id) is left out: a message received twice
does nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.money import format_date
from relance.core.sql import rows_set
from relance.core.validators import DATE_MAX, date_out_of_range
from relance.dunning.services.pauses import InvoicePause, invoices_pause_set
from relance.dunning.services.payments import payments_record
from relance.dunning.services.state import invoices_refresh
from relance.invoices import importing
from relance.invoices.cdar import CdarMessage, cdar_read
from relance.invoices.models import EInvoiceStatusEvent, Invoice, PauseKind, Payment
from relance.invoices.services import NewPayment

Code = Invoice.EInvoiceStatus
PAUSING = {
    Code.DISPUTED.value: PauseKind.DISPUTE,
    Code.SUSPENDED.value: PauseKind.OTHER,
}
# A pause needs an end; the status itself keeps the invoice out of the
# dunning for as long as it is the latest (rules.EINVOICE_BLOCKING).
PAUSE_DAYS = 365
CHUNK = 5000


@dataclass(frozen=True)
class NewStatus:
    """A lifecycle status to record on one invoice."""

    invoice: Invoice
    code: str
    on: date  # the date of the status
    source: str = EInvoiceStatusEvent.Source.API
    amount_paid: Decimal | None = None  # 212: the amount cashed
    paid_on: date | None = None  # 212: the day it was cashed
    reason: str = ""
    message_id: str = ""
    # The invoice's own field (an import column, the API's invoice): nothing
    # when the invoice's current status is already this one.
    unless_current: bool = False


@dataclass
class Recorded:
    events: list[EInvoiceStatusEvent] = field(default_factory=list)
    known: int = 0  # statuses left out: recorded before
    payments: list[Payment] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)  # invoice ids
    lifted: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "recorded": len(self.events),
            "known": self.known,
            "payments": [
                {
                    "invoice": payment.invoice.number,
                    "amount": str(payment.amount),
                    "date": payment.date.isoformat(),
                }
                for payment in self.payments
            ],
            "paused": len(self.paused),
            "lifted": len(self.lifted),
        }


def einvoice_status_check(status: NewStatus, today: date) -> list[tuple[str, str]]:
    """What is wrong with one status, as (field, French message)."""
    problems = []
    if status.code not in Code.values:
        problems.append(
            (
                "code",
                _("statut « %(code)s » inconnu : un code de 200 à 213 est attendu")
                % {"code": status.code},
            )
        )
    for name, day in (("date", status.on), ("paid_on", status.paid_on)):
        if day is None:
            continue
        if message := date_out_of_range(day):
            problems.append((name, message))
        elif day > today:
            problems.append(
                (
                    name,
                    _("date après aujourd'hui (%(date)s)")
                    % {"date": format_date(today)},
                )
            )
    if status.amount_paid is not None and status.amount_paid <= 0:
        problems.append(("amount", _("le montant doit être positif")))
    if len(status.message_id) > 100:
        problems.append(("message_id", _("%(n)s caractères au plus") % {"n": 100}))
    return problems


def einvoice_status_record(
    *, company: Company, statuses: list[NewStatus], today: date, user=None
) -> Recorded:
    """Record these statuses, all or none (ApplicationError naming the
    field: an invoice of another company is « Facture introuvable. »), and
    what they do: payments, pauses set or lifted, each invoice's current
    code, then its dunning state on `today`. A fixed number of statements
    per 5,000 invoices, whatever the number of statuses."""
    for status in statuses:
        for name, message in einvoice_status_check(status, today):
            raise ApplicationError(message, field=name)
    recorded = Recorded()
    if not statuses:
        return recorded
    with transaction.atomic():
        ids = sorted({status.invoice.pk for status in statuses})
        invoices = {}
        for start in range(0, len(ids), CHUNK):
            invoices.update(
                Invoice.objects.select_for_update()
                .filter(company=company)
                .in_bulk(ids[start : start + CHUNK])
            )
        if len(invoices) != len(ids):
            raise ApplicationError(_("Facture introuvable."), field="invoice")
        known = _known_keys(ids)
        current = {pk: invoice.einvoice_status for pk, invoice in invoices.items()}
        now = utc_now()
        for status in statuses:
            key = (status.invoice.pk, status.code, status.on, status.message_id)
            if key in known or (
                status.unless_current and current[status.invoice.pk] == status.code
            ):
                recorded.known += 1
                continue
            known.add(key)
            current[status.invoice.pk] = status.code
            recorded.events.append(
                EInvoiceStatusEvent(
                    company_id=company.pk,
                    invoice=invoices[status.invoice.pk],
                    code=status.code,
                    status_on=status.on,
                    received_at=now,
                    source=status.source,
                    amount_paid=status.amount_paid,
                    paid_on=status.paid_on,
                    reason=status.reason.strip()[:500],
                    message_id=status.message_id,
                )
            )
        if not recorded.events:
            return recorded
        EInvoiceStatusEvent.objects.bulk_create(recorded.events, batch_size=1000)
        touched = sorted({event.invoice_id for event in recorded.events})
        latest = _latest(touched)
        _current_set(invoices, latest, now)
        _pauses_follow(company, invoices, latest, today, recorded)
        recorded.payments = payments_record(
            company=company,
            payments=_payments(invoices, recorded.events),
            today=today,
            user=user,
        )
        invoices_refresh(company=company, today=today, invoice_ids=touched)
    return recorded


def _known_keys(ids: list[int]) -> set[tuple]:
    return {
        key
        for start in range(0, len(ids), CHUNK)
        for key in EInvoiceStatusEvent.objects.filter(
            invoice_id__in=ids[start : start + CHUNK]
        ).values_list("invoice_id", "code", "status_on", "message_id")
    }


def _latest(ids: list[int]) -> dict[int, EInvoiceStatusEvent]:
    """Each invoice's latest status: by status date, then as received."""
    latest = {}
    for start in range(0, len(ids), CHUNK):
        for event in EInvoiceStatusEvent.objects.filter(
            invoice_id__in=ids[start : start + CHUNK]
        ).order_by("invoice_id", "status_on", "id"):
            latest[event.invoice_id] = event
    return latest


def _current_set(invoices: dict, latest: dict, now) -> None:
    changed = []
    for pk, event in latest.items():
        invoice = invoices[pk]
        if invoice.einvoice_status != event.code:
            invoice.einvoice_status = event.code
            invoice.updated_at = now
            changed.append(invoice)
    rows_set(Invoice, changed, ["einvoice_status", "updated_at"])


def pause_reason(code: str, reason: str) -> str:
    """The pause's reason for a status: its code first (how a later status
    knows the pause is the status's to lift), its label, the platform's
    reason."""
    text = f"{code} « {Code(code).label} »"
    return f"{text} : {reason}" if reason else text


def _pauses_follow(company, invoices, latest, today, recorded) -> None:
    """Pause the invoices whose latest status is 207 or 208 (unless that
    pause is already theirs); lift the pause a 207 or 208 had set when a
    later status of another code came."""
    pauses: dict[int, InvoicePause | None] = {}
    until = min(today + timedelta(days=PAUSE_DAYS), DATE_MAX)
    for pk, event in latest.items():
        invoice = invoices[pk]
        if event.code in PAUSING:
            wanted = pause_reason(event.code, event.reason)[:255]
            if invoice.pause_reason != wanted or not invoice.paused_until:
                pauses[pk] = InvoicePause(until, PAUSING[event.code], wanted)
                recorded.paused.append(pk)
        elif invoice.pause_reason[:4] in {f"{code} " for code in PAUSING}:
            pauses[pk] = None
            recorded.lifted.append(pk)
    invoices_pause_set(
        company=company,
        invoices=[invoices[pk] for pk in pauses],
        pauses=pauses,
        today=today,
        refresh=False,
    )


def _payments(invoices: dict, events: list[EInvoiceStatusEvent]) -> list[NewPayment]:
    """The payments of the new 212 statuses: the amount given, else what was
    due on the status date (the total less the payments dated until then);
    at most what is due now, nothing for an invoice not open."""
    cashed = [event for event in events if event.code == Code.CASHED]
    if not cashed:
        return []
    paid_before = _paid_until(cashed)
    due = {pk: invoice.amount_due for pk, invoice in invoices.items()}
    payments = []
    for event in sorted(cashed, key=lambda e: (e.status_on, e.invoice_id)):
        invoice = invoices[event.invoice_id]
        if invoice.status != Invoice.Status.OPEN or invoice.is_credit_note:
            continue
        on = event.paid_on or event.status_on
        wanted = event.amount_paid
        if wanted is None:
            wanted = invoice.total - paid_before.get((invoice.pk, on), Decimal(0))
        amount = min(wanted, due[invoice.pk])
        if amount <= 0:
            continue
        due[invoice.pk] -= amount
        reference = f"CDAR {event.message_id}" if event.message_id else _("Statut 212")
        payments.append(
            NewPayment(invoice=invoice, on=on, amount=amount, reference=reference[:100])
        )
    return payments


def _paid_until(events: list[EInvoiceStatusEvent]) -> dict[tuple, Decimal]:
    """For each (invoice, day) of these statuses with no amount, what its
    payments not cancelled and dated that day or before add up to."""
    wanted = {
        (event.invoice_id, event.paid_on or event.status_on)
        for event in events
        if event.amount_paid is None
    }
    if not wanted:
        return {}
    ids = sorted({pk for pk, _day in wanted})
    by_invoice: dict[int, list[tuple[date, Decimal]]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in (
            Payment.objects.filter(
                invoice_id__in=ids[start : start + CHUNK], cancelled_at__isnull=True
            )
            .values("invoice_id", "date")
            .annotate(amount=Sum("amount"))
            .order_by()
        ):
            by_invoice.setdefault(row["invoice_id"], []).append(
                (row["date"], row["amount"])
            )
    return {
        (pk, day): sum(
            (amount for paid_on, amount in by_invoice.get(pk, ()) if paid_on <= day),
            Decimal(0),
        )
        for pk, day in wanted
    }


def einvoice_cdar_take_in(
    *, company: Company, content: bytes, today: date, dry_run: bool = False
) -> tuple[CdarMessage, Recorded]:
    """A CDAR file from the platform: every status checked (its invoice one
    of the company's by number, its code, its dates, the seller's SIREN when
    the company has one), then all recorded or none. Refused lists every
    problem by the status's rank in the message (`line`) and the XML element
    at fault (`column`)."""
    message = cdar_read(content)
    numbers = sorted({status.invoice_number for status in message.statuses} - {""})
    found = {
        invoice.number: invoice
        for start in range(0, len(numbers), CHUNK)
        for invoice in Invoice.objects.filter(
            company=company, number__in=numbers[start : start + CHUNK]
        )
    }
    report = importing.Report()
    statuses = []
    for read in message.statuses:
        problems = list(read.problems)
        invoice = found.get(read.invoice_number)
        if read.invoice_number and invoice is None:
            problems.append(
                (
                    "IssuerAssignedID",
                    _("facture « %(n)s » inconnue") % {"n": read.invoice_number},
                )
            )
        siren = (company.siren or "").replace(" ", "")
        if siren and read.seller_siren and read.seller_siren != siren:
            problems.append(
                (
                    "IssuerTradeParty",
                    _("facture d'un autre vendeur (SIREN %(siren)s)")
                    % {"siren": read.seller_siren},
                )
            )
        if not problems:
            status = NewStatus(
                invoice=invoice,
                code=read.code,
                on=read.on,
                source=EInvoiceStatusEvent.Source.CDAR,
                amount_paid=read.amount_paid,
                paid_on=read.paid_on,
                reason=read.reason,
                message_id=message.message_id,
            )
            problems = [
                (CDAR_ELEMENTS.get(name, name), text)
                for name, text in einvoice_status_check(status, today)
            ]
            statuses.append(status)
        report.errors.extend(
            importing.RowError(read.position, name, text) for name, text in problems
        )
    if report.errors:
        raise importing.Refused(report)
    with transaction.atomic():
        recorded = einvoice_status_record(
            company=company, statuses=statuses, today=today
        )
        if dry_run:
            transaction.set_rollback(True)
    return message, recorded


# The XML element a status's field comes from, to name it in a refusal.
CDAR_ELEMENTS = {
    "code": "ProcessConditionCode",
    "date": "IssueDateTime",
    "paid_on": "ReferenceDateTime",
    "amount": "ValueAmount",
    "message_id": "ID",
}


def einvoice_statuses_take_in(
    *, company: Company, rows: list[tuple], today: date, source: str
) -> Recorded:
    """The statuses an invoice file or the API gives along with invoices
    (`importing.Report.einvoice_statuses`: invoice id, code, date or None,
    reason): dated `today` when the row gives no date, and nothing new for
    an invoice whose current status is already that one (the same file
    imported again records nothing)."""
    return einvoice_status_record(
        company=company,
        statuses=[
            NewStatus(
                invoice=Invoice(pk=pk, company_id=company.pk),
                code=code,
                on=on or today,
                source=source,
                reason=reason,
                unless_current=True,
            )
            for pk, code, on, reason in rows
        ],
        today=today,
    )


def einvoice_status_of_object(raw: dict, invoice: Invoice) -> list[tuple]:
    """The status an API object (one invoice) gives, as a Report row."""
    values, _problems = importing.clean_invoice_row(raw)
    if not values.get("einvoice_status"):
        return []
    return [
        (
            invoice.pk,
            values["einvoice_status"],
            values.get("einvoice_status_date"),
            values.get("einvoice_status_reason", ""),
        )
    ]


def einvoice_statuses_batch_take_in(
    *, company: Company, objects: list[dict], today: date, source: str
) -> Recorded:
    """Statuses pushed together by invoice number (an API batch: `code`,
    `date`, `reason`, `amount`, `paid_on`, `message_id`), all or nothing:
    Refused lists every problem by the object's index (`line`)."""
    numbers = sorted({str(o.get("invoice_number", "")) for o in objects} - {""})
    found = {
        invoice.number: invoice
        for start in range(0, len(numbers), CHUNK)
        for invoice in Invoice.objects.filter(
            company=company, number__in=numbers[start : start + CHUNK]
        ).only("pk", "number", "company_id")
    }
    report = importing.Report()
    statuses = []
    for index, raw in enumerate(objects):
        invoice = found.get(raw.get("invoice_number"))
        if invoice is None:
            report.errors.append(
                importing.RowError(
                    index,
                    "invoice_number",
                    _("facture « %(n)s » inconnue") % {"n": raw.get("invoice_number")},
                )
            )
            continue
        status = NewStatus(
            invoice=invoice,
            code=raw["code"],
            on=raw["date"],
            source=source,
            amount_paid=raw.get("amount"),
            paid_on=raw.get("paid_on"),
            reason=raw.get("reason") or "",
            message_id=raw.get("message_id") or "",
        )
        report.errors.extend(
            importing.RowError(index, name, text)
            for name, text in einvoice_status_check(status, today)
        )
        statuses.append(status)
    if report.errors:
        raise importing.Refused(report)
    return einvoice_status_record(company=company, statuses=statuses, today=today)
