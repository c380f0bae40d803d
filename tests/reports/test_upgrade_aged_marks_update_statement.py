"""Migration reports 0008 (PostgreSQL): the marks of updated invoices
written once a statement; back to 0007, the row trigger marks updates
again. Both ways, one UPDATE of several invoices marks each customer it
changes once in its transaction, the customer an invoice leaves and the one
it joins, and an UPDATE of columns the balance does not read marks no one.
(SQLite keeps its row triggers: the same marks.)"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F

from relance.core.sql import triggers_named
from tests.migrations import aged_snapshot_add, app_at, leaves, migrate, trigger_level

BEFORE = "0007_aged_marks_on_insert_statement"


def _update_and_count(apps, company, customers) -> list[int]:
    """In one transaction: one UPDATE lowering the amount due of the first
    two customers' invoices (two each), one moving an invoice of the first
    to the third, then the first again; after it, an UPDATE of the tag
    only. The customers marked, in order: the first three, once each."""
    Invoice = apps.get_model("invoices", "Invoice")
    Mark = apps.get_model("reports", "AgedMark")
    Mark.objects.all().delete()
    a, b, c, _d = customers
    invoices = Invoice.objects.filter(company_id=company.pk)
    with transaction.atomic():
        invoices.filter(customer_id__in=[a.pk, b.pk]).update(
            amount_due=F("amount_due") - 1
        )
        moved = invoices.filter(customer_id=a.pk).order_by("pk").first()
        Invoice.objects.filter(pk=moved.pk).update(customer_id=c.pk)
        invoices.filter(customer_id=a.pk).update(amount_due=F("amount_due") - 1)
    invoices.update(to_remind=True, next_level=2)
    marked = sorted(Mark.objects.values_list("customer_id", flat=True))
    Invoice.objects.filter(pk=moved.pk).update(customer_id=a.pk)  # for the next
    return marked


@pytest.mark.django_db(transaction=True)
def test_updates_mark_each_customer_they_change_once_a_transaction_both_ways():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    company = Company.objects.create(name="Durand")
    customers = [
        Customer.objects.create(company=company, code=f"411{c}", name=c) for c in "ABCD"
    ]
    for n, customer in enumerate(customers * 2):
        Invoice.objects.create(
            company_id=company.pk,
            customer_id=customer.pk,
            number=f"F{n}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal(100),
            amount_due=Decimal(100),
        )
    aged_snapshot_add(old, company.pk)
    everyone = sorted(customer.pk for customer in customers[:3])
    postgres = connection.vendor == "postgresql"
    if postgres:
        assert trigger_level("reports_aged_invoice_update") == "row"
    assert _update_and_count(old, company, customers) == everyone

    new = migrate(leaves())
    if postgres:
        assert trigger_level("reports_aged_invoice_update") == "statement"
        assert "reports_aged_invoice_update" in triggers_named(
            connection, "reports_aged_"
        )
    assert _update_and_count(new, company, customers) == everyone

    back = app_at("reports", BEFORE)
    if postgres:
        assert trigger_level("reports_aged_invoice_update") == "row"
    assert _update_and_count(back, company, customers) == everyone
    migrate(leaves())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ids")
def test_an_update_matching_no_invoice_gives_its_transaction_no_id():
    """The daily job's UPDATE with nothing to tag stays a read-only
    transaction: the statement trigger returns before it asks for an id."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE invoices_invoice SET to_remind = true WHERE id = -1")
        cursor.execute("SELECT pg_current_xact_id_if_assigned()")
        assert cursor.fetchone() == (None,)
