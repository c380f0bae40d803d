"""Migration 0007 on an installed database: existing invoices and payments
become kind « invoice » and ordinary payments, their amounts untouched."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import leaves, leaves_but, migrate


def every_app_but_invoices_at(leaf: str) -> list:
    """Every app at its latest migration, the invoices at `leaf` (the bank,
    which needs the invoices' latest, left out: unapplied with them)."""
    return leaves_but({"invoices": leaf})


@pytest.mark.django_db(transaction=True)
def test_existing_invoices_keep_their_amounts_and_become_invoices():
    old = migrate(every_app_but_invoices_at("0006_agreed_penalty_rate"))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    Payment = old.get_model("invoices", "Payment")
    company = Company.objects.create(name="Bâtiments Durand")
    customer = Customer.objects.create(company=company, code="411A", name="A")
    invoice = Invoice.objects.create(
        company=company,
        customer=customer,
        number="FC1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal("1200.00"),
        amount_due=Decimal("700.00"),
        status="open",
    )
    Payment.objects.create(
        company=company,
        invoice=invoice,
        date=date(2026, 2, 1),
        amount=Decimal("500.00"),
        method="cheque",
    )
    new = migrate(every_app_but_invoices_at("0007_credit_notes"))
    Invoice = new.get_model("invoices", "Invoice")
    Payment = new.get_model("invoices", "Payment")
    after = Invoice.objects.get(pk=invoice.pk)
    assert (after.kind, after.total, after.amount_due, after.status) == (
        "invoice",
        Decimal("1200.00"),
        Decimal("700.00"),
        "open",
    )
    assert (after.credit_left, after.credited_invoice_id) == (Decimal("0.00"), None)
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.credit_note_id) == (
        "cheque",
        Decimal("500.00"),
        None,
    )
    migrate(leaves())
