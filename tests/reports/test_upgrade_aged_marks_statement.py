"""Migration reports 0007 (PostgreSQL): the marks of inserted invoices and
payments written once a statement, the row triggers of deletes kept; back
to 0006, the row triggers mark inserts again. Both ways, an insert marks
its customer once in its transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from relance.core.sql import triggers_named
from tests.migrations import aged_snapshot_add, app_at, leaves, migrate

BEFORE = "0006_aged_snapshot_days"


def _insert_two(apps, company, customer, prefix: str) -> None:
    """Two invoices of the customer in one statement, then a payment, in
    one transaction: one mark."""
    Invoice = apps.get_model("invoices", "Invoice")
    with transaction.atomic():
        made = Invoice.objects.bulk_create(
            [
                Invoice(
                    company_id=company.pk,
                    customer_id=customer.pk,
                    number=f"{prefix}{n}",
                    issue_date=date(2026, 1, 1),
                    due_date=date(2026, 1, 31),
                    total=Decimal(100),
                    amount_due=Decimal(100),
                )
                for n in range(2)
            ]
        )
        apps.get_model("invoices", "Payment").objects.create(
            company_id=company.pk,
            invoice_id=made[0].pk,
            date=date(2026, 2, 1),
            amount=1,
        )


@pytest.mark.django_db(transaction=True)
def test_inserts_mark_their_customer_once_a_transaction_both_ways():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    company = Company.objects.create(name="Durand")
    customer = Customer.objects.create(company=company, code="411A", name="A")
    aged_snapshot_add(old, company.pk)
    Mark = old.get_model("reports", "AgedMark")
    _insert_two(old, company, customer, "A")
    assert list(Mark.objects.values_list("customer_id", flat=True)) == [customer.pk]

    new = migrate(leaves())
    postgres = connection.vendor == "postgresql"
    # (SQLite's row triggers have these names since 0001.)
    inserts = {"reports_aged_invoice_insert", "reports_aged_payment_insert"}
    if postgres:
        assert inserts <= triggers_named(connection, "reports_aged_")
    _insert_two(new, company, customer, "B")
    marks = 2 if postgres else 1  # SQLite: one a customer
    assert Mark.objects.filter(customer_id=customer.pk).count() == marks

    back = app_at("reports", BEFORE)
    if postgres:
        assert inserts & triggers_named(connection, "reports_aged_") == set()
    _insert_two(back, company, customer, "C")
    assert Mark.objects.filter(customer_id=customer.pk).count() == (
        3 if postgres else 1
    )
    migrate(leaves())
