"""Reads: the rate table, and what the law gives on an invoice at a date."""

from datetime import date

from django.utils.translation import gettext as _

from relance.core.money import format_date
from relance.invoices.models import Invoice, Payment
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


def invoice_debt(invoice: Invoice) -> Debt:
    payments = Payment.objects.filter(
        invoice=invoice, cancelled_at__isnull=True
    ).values_list("date", "amount")
    return Debt(
        customer_kind=CustomerKind(invoice.customer.kind),
        due_date=invoice.due_date,
        amount_due=invoice.amount_due,
        payments=list(payments),
        open=invoice.status in (Invoice.Status.OPEN, Invoice.Status.PAID),
    )


def invoice_late_payment(
    invoice: Invoice, *, on: date, rates: RateTable | None = None
) -> Outcome:
    """Penalties and indemnity (or a consumer's legal interest) on `on`.

    Raises RateMissing when a rate the computation needs is not known.
    """
    company = invoice.company
    agreed = invoice.customer.agreed_penalty_rate
    return late_payment(
        invoice_debt(invoice),
        on,
        rates or rate_table(),
        fixed_rate=agreed if agreed is not None else company.penalty_rate,
        basis=company.penalty_day_basis,
    )
