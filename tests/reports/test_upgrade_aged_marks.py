"""Migration reports 0005 on an installed database: the marks standing are
copied into reports_agedmark, the snapshot kept; the triggers then add a
row of their own for each write, a customer marked already too (not on
SQLite: one writer at a time); back to 0004, the marks are copied back,
one a customer, and the triggers mark as before."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tests.migrations import aged_snapshot_add, leaves, migrate

BEFORE = "0004_indicator_snapshot_per_day"


def _before():
    return migrate(
        [(app, BEFORE if app == "reports" else leaf) for app, leaf in leaves()]
    )


def _customers(model) -> list[int]:
    return sorted(model.objects.values_list("customer_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_marks_standing_are_copied_and_each_write_adds_its_own():
    old = _before()
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    company = Company.objects.create(name="Durand")
    a, b = (
        Customer.objects.create(company=company, code=code, name=code)
        for code in ("411A", "411B")
    )
    invoices = [
        Invoice.objects.create(
            company=company,
            customer=customer,
            number=f"F-{customer.code}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal("100.00"),
            amount_due=Decimal("100.00"),
        )
        for customer in (a, b)
    ]
    aged_snapshot_add(old, company.pk)
    AgedStale = old.get_model("reports", "AgedStale")
    AgedStale.objects.all().delete()  # PostgreSQL's triggers marked both
    AgedStale.objects.create(customer_id=a.pk, company_id=company.pk)

    new = migrate(leaves())
    AgedMark = new.get_model("reports", "AgedMark")
    assert _customers(AgedMark) == [a.pk]
    assert (
        new.get_model("reports", "AgedSnapshot").objects.get().company_id == company.pk
    )
    Invoice = new.get_model("invoices", "Invoice")
    # Each transaction writing a customer's invoices adds one row for it,
    # though it was marked (PostgreSQL); SQLite keeps one a customer.
    for _ in range(2):
        with transaction.atomic():
            Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(
                amount_due=Decimal("40")
            )
            Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(
                amount_due=Decimal("30")
            )
    if connection.vendor == "postgresql":
        assert _customers(AgedMark) == sorted([a.pk, a.pk, a.pk, b.pk, b.pk])
    else:
        assert _customers(AgedMark) == sorted([a.pk, b.pk])
    # Moved to the other customer: both marked (the one it left too).
    AgedMark.objects.all().delete()
    Invoice.objects.filter(pk=invoices[0].pk).update(customer_id=b.pk)
    assert set(AgedMark.objects.values_list("customer_id", flat=True)) == {a.pk, b.pk}

    old = _before()
    AgedStale = old.get_model("reports", "AgedStale")
    assert _customers(AgedStale) == sorted([a.pk, b.pk])
    AgedStale.objects.all().delete()
    old.get_model("invoices", "Invoice").objects.filter(pk=invoices[1].pk).update(
        amount_due=Decimal("20")
    )
    assert _customers(AgedStale) == [b.pk]
    migrate(leaves())
