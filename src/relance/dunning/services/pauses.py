"""Pausing the dunning of an invoice (dispute, payment promise) or a customer.

A pause holds until its date, inclusive, and ends by itself: no job needs to
lift it. It takes effect at once on the stored state.

Every pause set here is also recorded (`PauseRecord`: who, when, kind, end,
reason), and the record of the pause in force is closed (`lifted_at`) when it
is lifted or replaced; a pause past its date is left as it ended, by itself.
`by` is the user who set or lifted it when a person did; `origin` says
through what (a user's page, the API, a reply, an e-invoicing status).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.sql import rows_set
from relance.dunning.models import PauseOrigin, PauseRecord
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice, PauseKind


def _check_until(until: date, today: date) -> None:
    if until < today:
        raise ApplicationError(
            _("La date de fin de pause doit être aujourd'hui ou plus tard."),
            field="paused_until",
        )


def invoice_pause(
    *,
    invoice: Invoice,
    until: date,
    kind: str,
    reason: str,
    today: date,
    by=None,
    origin: str = PauseOrigin.USER,
) -> Invoice:
    _check_until(until, today)
    if kind not in PauseKind.values:
        raise ApplicationError(_("Type de pause inconnu."), field="pause_kind")
    if kind == PauseKind.DISPUTE and not reason.strip():
        raise ApplicationError(_("Indiquez le motif du litige."), field="pause_reason")
    with transaction.atomic():
        invoice.paused_until = until
        invoice.pause_kind = kind
        invoice.pause_reason = reason.strip()
        invoice.save(
            update_fields=["paused_until", "pause_kind", "pause_reason", "updated_at"]
        )
        _records_close(invoice_ids=[invoice.pk], today=today, by=by, origin=origin)
        _records_open([invoice], by=by, origin=origin)
        invoices_refresh(
            company=_company(invoice), today=today, invoice_ids=[invoice.pk]
        )
    invoice.refresh_from_db()
    return invoice


def invoice_pause_lift(
    *, invoice: Invoice, today: date, by=None, origin: str = PauseOrigin.USER
) -> Invoice:
    with transaction.atomic():
        invoice.paused_until = None
        invoice.pause_kind = ""
        invoice.pause_reason = ""
        invoice.save(
            update_fields=["paused_until", "pause_kind", "pause_reason", "updated_at"]
        )
        _records_close(invoice_ids=[invoice.pk], today=today, by=by, origin=origin)
        invoices_refresh(
            company=_company(invoice), today=today, invoice_ids=[invoice.pk]
        )
    invoice.refresh_from_db()
    return invoice


@dataclass(frozen=True)
class InvoicePause:
    """A pause to set on one invoice (`invoices_pause_set`)."""

    until: date
    kind: str
    reason: str


def invoices_pause_set(
    *,
    company: Company,
    invoices: list[Invoice],
    pauses: dict[int, InvoicePause | None],
    today: date,
    refresh: bool = True,
    origin: str = PauseOrigin.EINVOICE,
    by=None,
) -> None:
    """Set or lift (None) the pause of many of the company's invoices at
    once (an e-invoicing status « en litige » or « suspendue », docs/einvoicing.md): one
    UPDATE per 200 rows, then their dunning state for `today` unless the
    caller brings it up to date itself (`refresh=False`)."""
    changed = []
    now = utc_now()
    for invoice in invoices:
        if invoice.pk not in pauses or invoice.company_id != company.pk:
            continue
        pause = pauses[invoice.pk]
        invoice.paused_until = pause.until if pause else None
        invoice.pause_kind = pause.kind if pause else ""
        invoice.pause_reason = pause.reason.strip()[:255] if pause else ""
        invoice.updated_at = now
        changed.append(invoice)
    with transaction.atomic():
        rows_set(
            Invoice,
            changed,
            ["paused_until", "pause_kind", "pause_reason", "updated_at"],
        )
        _records_close(
            invoice_ids=[invoice.pk for invoice in changed],
            today=today,
            by=by,
            origin=origin,
        )
        _records_open(
            [invoice for invoice in changed if invoice.paused_until],
            by=by,
            origin=origin,
        )
        if refresh and changed:
            invoices_refresh(
                company=company,
                today=today,
                invoice_ids=[invoice.pk for invoice in changed],
            )


def customer_pause(
    *,
    customer: Customer,
    until: date | None,
    reason: str,
    today: date,
    by=None,
    origin: str = PauseOrigin.USER,
) -> Customer:
    """Pause every invoice of a customer until `until`; None lifts the pause."""
    if until is not None:
        _check_until(until, today)
    with transaction.atomic():
        customer.paused_until = until
        customer.pause_reason = reason.strip() if until else ""
        customer.save(update_fields=["paused_until", "pause_reason", "updated_at"])
        _records_close(customer_ids=[customer.pk], today=today, by=by, origin=origin)
        if until is not None:
            _customer_records_open(
                customer.company_id,
                [customer.pk],
                until,
                customer.pause_reason,
                by=by,
                origin=origin,
            )
        ids = list(customer.invoices.values_list("pk", flat=True))
        invoices_refresh(company=_company(customer), today=today, invoice_ids=ids)
    return customer


def customers_pause_at_least(
    *,
    company: Company,
    customer_ids: list[int],
    until: date,
    reason: str,
    today: date,
    origin: str = PauseOrigin.REPLY,
) -> list[int]:
    """Pause these customers of the company until `until`, leaving alone
    those already paused as long or longer; set-based (many replies at
    once). Returns the invoice ids whose state was recomputed."""
    _check_until(until, today)
    with transaction.atomic():
        paused = Customer.objects.filter(company=company, pk__in=customer_ids).filter(
            Q(paused_until__isnull=True) | Q(paused_until__lt=until)
        )
        ids = list(paused.values_list("pk", flat=True))
        if not ids:
            return []
        Customer.objects.filter(pk__in=ids).update(
            paused_until=until, pause_reason=reason.strip()[:255]
        )
        _records_close(customer_ids=ids, today=today, by=None, origin=origin)
        _customer_records_open(
            company.pk, ids, until, reason.strip()[:255], by=None, origin=origin
        )
        invoice_ids = list(
            Invoice.objects.filter(customer_id__in=ids).values_list("pk", flat=True)
        )
        invoices_refresh(company=company, today=today, invoice_ids=invoice_ids)
    return invoice_ids


def _records_close(
    *,
    today: date,
    by,
    origin: str,
    invoice_ids: list[int] | None = None,
    customer_ids: list[int] | None = None,
) -> None:
    """Close the records of the pauses in force (their date not passed) on
    these invoices, or on these customers themselves: lifted or replaced now."""
    if invoice_ids is not None:
        scope = Q(invoice_id__in=invoice_ids)
    else:
        scope = Q(customer_id__in=customer_ids, invoice__isnull=True)
    PauseRecord.objects.filter(scope, lifted_at__isnull=True, until__gte=today).update(
        lifted_at=utc_now(), lifted_by=by, lifted_origin=origin
    )


def _records_open(invoices: list[Invoice], *, by, origin: str) -> None:
    now = utc_now()
    PauseRecord.objects.bulk_create(
        [
            PauseRecord(
                company_id=invoice.company_id,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
                kind=invoice.pause_kind,
                until=invoice.paused_until,
                reason=invoice.pause_reason,
                origin=origin,
                set_by=by,
                set_at=now,
            )
            for invoice in invoices
        ],
        batch_size=500,
    )


def _customer_records_open(
    company_id: int, customer_ids: list[int], until: date, reason: str, *, by, origin
) -> None:
    now = utc_now()
    PauseRecord.objects.bulk_create(
        [
            PauseRecord(
                company_id=company_id,
                customer_id=pk,
                until=until,
                reason=reason,
                origin=origin,
                set_by=by,
                set_at=now,
            )
            for pk in customer_ids
        ],
        batch_size=500,
    )


def _company(row: Invoice | Customer) -> Company:
    return Company.objects.get(pk=row.company_id)
