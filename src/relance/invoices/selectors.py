"""Reads on invoices."""

from django.db.models import QuerySet

from relance.core.models import Company
from relance.invoices.models import Invoice


def invoice_list(
    *, company: Company, to_remind: bool | None = None
) -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(company=company).select_related("customer")
    if to_remind is not None:
        invoices = invoices.filter(to_remind=to_remind)
    return invoices.order_by("due_date", "number")
