"""What the customer's page shows: read only, one customer's rows only."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.dunning.rules import days_late
from relance.invoices.models import Customer, Invoice
from relance.invoices.selectors import customer_open_invoices


@dataclass(frozen=True)
class OpenInvoice:
    invoice: Invoice
    days_late: int


def portal_invoices(*, customer: Customer, today: date) -> list[OpenInvoice]:
    """The customer's open invoices with something still due, oldest due first."""
    invoices = customer_open_invoices(customer=customer)
    return [OpenInvoice(i, days_late(i.due_date, today)) for i in invoices]


def portal_invoice(*, customer: Customer, pk: int) -> Invoice | None:
    """One of the invoices the page lists (another's, or a closed one: None)."""
    return (
        customer_open_invoices(customer=customer)
        .filter(pk=pk)
        .only("pk", "number", "pdf", "company_id", "customer_id")
        .first()
    )


def total_due(invoices: list[OpenInvoice], currency: str = "EUR") -> Decimal:
    return sum(
        (o.invoice.amount_due for o in invoices if o.invoice.currency == currency),
        Decimal(0),
    )
