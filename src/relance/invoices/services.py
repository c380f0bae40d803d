"""Writes on customers, invoices and payments."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError, model_validate
from relance.core.money import format_amount
from relance.invoices.models import Customer, Invoice, Payment


def payment_register(
    *,
    invoice: Invoice,
    on: date,
    amount: Decimal,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    user=None,
) -> Payment:
    """Record a payment: what is due goes down; paid in full leaves the dunning.

    Refused: a cancelled or draft invoice, a zero or negative amount, and an
    amount above what is still due (an overpayment).
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise ApplicationError(_("Le montant doit être positif."), field="amount")
    if method not in Payment.Method.values:
        raise ApplicationError(_("Mode de règlement inconnu."), field="method")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == Invoice.Status.CANCELLED:
            raise ApplicationError(
                _("La facture %(number)s est annulée : aucun règlement possible.")
                % {"number": invoice.number},
                field="invoice",
            )
        if invoice.status == Invoice.Status.DRAFT:
            raise ApplicationError(
                _(
                    "La facture %(number)s est un brouillon : validez-la avant d'y "
                    "enregistrer un règlement."
                )
                % {"number": invoice.number},
                field="invoice",
            )
        if amount > invoice.amount_due:
            raise ApplicationError(
                _(
                    "Le règlement de %(amount)s dépasse le reste dû de la facture "
                    "%(number)s (%(due)s)."
                )
                % {
                    "amount": format_amount(amount, invoice.currency),
                    "number": invoice.number,
                    "due": format_amount(invoice.amount_due, invoice.currency),
                },
                field="amount",
            )
        payment = Payment.objects.create(
            company_id=invoice.company_id,
            invoice=invoice,
            date=on,
            amount=amount,
            method=method,
            reference=reference,
            created_by=user,
        )
        invoice.amount_due -= amount
        fields = ["amount_due", "updated_at"]
        if invoice.amount_due == 0:
            # Paid: out of the dunning at once, without waiting for the daily job.
            invoice.status = Invoice.Status.PAID
            invoice.to_remind = False
            invoice.next_level = None
            invoice.next_reminder_on = None
            fields += ["status", "to_remind", "next_level", "next_reminder_on"]
        invoice.save(update_fields=fields)
    return payment


CUSTOMER_FIELDS = ("name", "kind", "email", "dunning_email", "phone", "language")


def customer_update(*, customer, **values):
    """Change a customer's contact details (the dunning address above all)."""
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    for field, value in values.items():
        setattr(customer, field, value.strip() if isinstance(value, str) else value)
    model_validate(customer, values)
    customer.save(update_fields=[*values, "updated_at"])
    return customer


def customer_create(*, company, code: str, **values):
    """A new customer; its code must be new in the company."""
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    if Customer.objects.filter(company=company, code=code).exists():
        raise ApplicationError(
            _("Le code client %(code)s existe déjà.") % {"code": code}, field="code"
        )
    customer = Customer(company=company, code=code.strip(), **values)
    model_validate(customer, ["code", *values])
    customer.save()
    return customer
