"""Payments, whichever way they come in (the invoice page, the API, a file,
the demo): recorded, and the dunning state of their invoices right at once,
in the same transaction. A paid invoice is never reminded again."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.money import format_date
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Payment
from relance.invoices.services import NewPayment, payment_void, payments_add


def payments_record(
    *, company: Company, payments: list[NewPayment], today: date, user=None
) -> list[Payment]:
    """Record these payments (all or none, `invoices.services.payments_add`
    says what is refused, and a payment dated after `today`) and bring their
    invoices' dunning state up to date on `today`."""
    for payment in payments:
        if payment.on > today:
            raise ApplicationError(
                _("Un règlement ne peut pas être daté après aujourd'hui (%(date)s).")
                % {"date": format_date(today)},
                field="date",
            )
    with transaction.atomic():
        recorded = payments_add(company=company, payments=payments, user=user)
        invoices_refresh(
            company=company,
            today=today,
            invoice_ids=sorted({payment.invoice_id for payment in recorded}),
        )
    return recorded


def payment_cancel(*, payment: Payment, reason: str, today: date, user=None) -> Payment:
    """Cancel a payment recorded by mistake (who, when, why are kept): its
    invoice owes it again, and its dunning state follows at once."""
    with transaction.atomic():
        payment = payment_void(payment=payment, reason=reason, user=user)
        invoices_refresh(
            company=payment.invoice.company,
            today=today,
            invoice_ids=[payment.invoice_id],
        )
    return payment
