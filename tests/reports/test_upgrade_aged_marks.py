"""Migration reports 0005 on an installed database (PostgreSQL: a writer's
mark is held until it commits): the snapshot and its marks are kept, the
triggers mark through `reports_aged_mark` after it and as before without
it, both ways."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from tests.migrations import leaves, migrate

BEFORE = "0004_indicator_snapshot_per_day"


def _functions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'reports_aged_%%'"
        )
        return {row[0] for row in cursor.fetchall()}


def _before():
    return migrate(
        [(app, BEFORE if app == "reports" else leaf) for app, leaf in leaves()]
    )


@pytest.mark.django_db(transaction=True)
def test_the_held_marks_keep_the_snapshot_and_its_marks_and_mark_as_before():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's triggers are not changed by 0005")
    old = _before()
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    company = Company.objects.create(name="Durand")
    customers = [
        Customer.objects.create(company=company, code=code, name=code)
        for code in ("411A", "411B")
    ]
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
        for customer in customers
    ]
    old.get_model("reports", "AgedSnapshot").objects.create(
        company_id=company.pk,
        currency="EUR",
        on=date(2026, 3, 31),
        built_at=datetime(2026, 3, 31, 6, tzinfo=UTC),
    )
    AgedStale = old.get_model("reports", "AgedStale")
    AgedStale.objects.exclude(customer_id=customers[0].pk).delete()
    assert "reports_aged_mark" not in _functions()

    new = migrate(leaves())
    assert "reports_aged_mark" in _functions()
    AgedStale = new.get_model("reports", "AgedStale")
    assert list(AgedStale.objects.values_list("customer_id", flat=True)) == [
        customers[0].pk
    ]
    assert (
        new.get_model("reports", "AgedSnapshot").objects.get().company_id == company.pk
    )
    Invoice = new.get_model("invoices", "Invoice")
    # A customer marked already and one not: both marked once.
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(
        amount_due=Decimal("40")
    )
    assert set(AgedStale.objects.values_list("customer_id", flat=True)) == {
        c.pk for c in customers
    }
    # Moved to the other customer: both marked (the one it left too).
    AgedStale.objects.all().delete()
    Invoice.objects.filter(pk=invoices[0].pk).update(customer_id=customers[1].pk)
    assert set(AgedStale.objects.values_list("customer_id", flat=True)) == {
        c.pk for c in customers
    }

    AgedStale.objects.all().delete()
    old = _before()
    assert "reports_aged_mark" not in _functions()
    old.get_model("invoices", "Invoice").objects.filter(pk=invoices[1].pk).update(
        amount_due=Decimal("30")
    )
    assert list(
        old.get_model("reports", "AgedStale").objects.values_list(
            "customer_id", flat=True
        )
    ) == [customers[1].pk]
    migrate(leaves())
