"""Pausing the dunning of an invoice (dispute, payment promise) or a customer.

A pause holds until its date, inclusive, and ends by itself: no job needs to
lift it. It takes effect at once on the stored state.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.sql import rows_set
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice, PauseKind


def _check_until(until: date, today: date) -> None:
    if until < today:
        raise ApplicationError(
            _("La date de fin de pause doit être aujourd'hui ou plus tard."),
            field="paused_until",
        )


def invoice_pause(
    *, invoice: Invoice, until: date, kind: str, reason: str, today: date
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
        invoices_refresh(
            company=_company(invoice), today=today, invoice_ids=[invoice.pk]
        )
    invoice.refresh_from_db()
    return invoice


def invoice_pause_lift(*, invoice: Invoice, today: date) -> Invoice:
    with transaction.atomic():
        invoice.paused_until = None
        invoice.pause_kind = ""
        invoice.pause_reason = ""
        invoice.save(
            update_fields=["paused_until", "pause_kind", "pause_reason", "updated_at"]
        )
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
        if refresh and changed:
            invoices_refresh(
                company=company,
                today=today,
                invoice_ids=[invoice.pk for invoice in changed],
            )


def customer_pause(
    *, customer: Customer, until: date | None, reason: str, today: date
) -> Customer:
    """Pause every invoice of a customer until `until`; None lifts the pause."""
    if until is not None:
        _check_until(until, today)
    with transaction.atomic():
        customer.paused_until = until
        customer.pause_reason = reason.strip() if until else ""
        customer.save(update_fields=["paused_until", "pause_reason", "updated_at"])
        ids = list(customer.invoices.values_list("pk", flat=True))
        invoices_refresh(company=_company(customer), today=today, invoice_ids=ids)
    return customer


def _company(row: Invoice | Customer) -> Company:
    return Company.objects.get(pk=row.company_id)
