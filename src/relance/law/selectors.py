"""Reads: the rate table, and what the law gives on an invoice at a date."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _

from relance.core.models import Company
from relance.core.money import format_date
from relance.invoices.models import Invoice, Payment
from relance.invoices.selectors import contract_penalty_rate
from relance.law.models import Rate
from relance.law.penalties import (
    CustomerKind,
    Debt,
    Outcome,
    RateKind,
    RateMissing,
    RateTable,
    half_year_label,
    half_year_start,
    late_payment,
)


def rate_table() -> RateTable:
    return RateTable(
        [
            (RateKind(kind), start, value)
            for kind, start, value in Rate.objects.values_list("kind", "start", "value")
        ]
    )


def rates_missing(*, on: date, rates: RateTable | None = None) -> list[str]:
    """What the table lacks for `on`'s half-year, in words (empty: complete)."""
    rates = rates or rate_table()
    label = half_year_label(on)
    missing = []
    for kind in (RateKind.LEGAL_OTHER, RateKind.LEGAL_PRIVATE):
        if rates.legal(kind, on) is None:
            missing.append(
                _("%(rate)s du semestre %(half)s inconnu : ajoutez-le.")
                % {"rate": Rate.Kind(kind).label, "half": label}
            )
    try:
        rates.on(RateKind.ECB, half_year_start(on))
    except RateMissing:
        missing.append(
            _("%(rate)s au %(date)s inconnu : ajoutez-le.")
            % {
                "rate": Rate.Kind.ECB.label,
                "date": format_date(half_year_start(on)),
            }
        )
    return missing


def rate_missing_text(missing: RateMissing) -> str:
    return _(
        "%(rate)s inconnu au %(date)s : ajoutez-le dans « Configuration › Taux » "
        "(ou « relance rates set »)."
    ) % {"rate": Rate.Kind(missing.kind).label, "date": format_date(missing.on)}


def payments_of(invoices: Iterable[Invoice]) -> dict[int, list[tuple]]:
    """Each invoice's payments not cancelled, as (date, amount): one query."""
    found: dict[int, list[tuple]] = {}
    rows = Payment.objects.filter(
        invoice__in=[invoice.pk for invoice in invoices], cancelled_at__isnull=True
    ).values_list("invoice_id", "date", "amount")
    for invoice_id, day, amount in rows:
        found.setdefault(invoice_id, []).append((day, amount))
    return found


def invoices_late_payment(
    invoices: Sequence[Invoice],
    *,
    on: date,
    company: Company,
    rates: RateTable | None = None,
    payments: dict[int, list[tuple]] | None = None,
) -> list[Outcome]:
    """Penalties and indemnity (or a consumer's legal interest) of each
    invoice of `company` on `on` (customers loaded). Two queries at most:
    the rate table and the payments, unless given.

    Raises RateMissing when a rate the computation needs is not known.
    """
    rates = rates or rate_table()
    if payments is None:
        payments = payments_of(invoices)
    outcomes = []
    for invoice in invoices:
        debt = Debt(
            customer_kind=CustomerKind(invoice.customer.kind),
            due_date=invoice.due_date,
            amount_due=invoice.amount_due,
            payments=payments.get(invoice.pk, []),
            open=invoice.status in (Invoice.Status.OPEN, Invoice.Status.PAID),
            notice_received_on=invoice.formal_notice_received_on,
        )
        outcomes.append(
            late_payment(
                debt,
                on,
                rates,
                fixed_rate=contract_penalty_rate(
                    customer=invoice.customer, company=company
                ),
                basis=company.penalty_day_basis,
            )
        )
    return outcomes


def invoice_late_payment(
    invoice: Invoice, *, on: date, rates: RateTable | None = None
) -> Outcome:
    """One invoice's (see invoices_late_payment)."""
    [outcome] = invoices_late_payment(
        [invoice], on=on, company=invoice.company, rates=rates
    )
    return outcome
