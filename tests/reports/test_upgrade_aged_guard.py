"""Migration reports 0002 on an installed database: the snapshot and its
marks are kept; on SQLite the triggers then mark only a company that has a
snapshot, and going back to 0001 makes them mark every company again."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from tests.migrations import aged_snapshot_add, leaves, migrate


def _invoice(apps, company, code):
    Customer = apps.get_model("invoices", "Customer")
    Invoice = apps.get_model("invoices", "Invoice")
    customer = Customer.objects.create(company=company, code=code, name=code)
    return Invoice.objects.create(
        company=company,
        customer=customer,
        number=f"F-{code}",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal("100.00"),
        amount_due=Decimal("100.00"),
    )


@pytest.mark.django_db(transaction=True)
def test_the_guard_keeps_the_snapshot_and_marks_only_companies_that_have_one():
    sqlite = connection.vendor == "sqlite"
    old = migrate(
        [
            (app, "0001_aged_snapshot" if app == "reports" else leaf)
            for app, leaf in leaves()
        ]
    )
    Company = old.get_model("core", "Company")
    built, fresh = (Company.objects.create(name=name) for name in ("Durand", "Neuve"))
    kept = _invoice(old, built, "411DUR")
    other = _invoice(old, fresh, "411NEU")
    aged_snapshot_add(old, built.pk)
    AgedStale = old.get_model("reports", "AgedStale")
    AgedStale.objects.all().delete()  # the invoices' inserts marked them

    new = migrate(leaves())
    Invoice = new.get_model("invoices", "Invoice")
    AgedStale = new.get_model("reports", "AgedMark")
    assert new.get_model("reports", "AgedSnapshot").objects.get().company_id == built.pk
    Invoice.objects.filter(pk__in=[kept.pk, other.pk]).update(amount_due=Decimal("40"))
    marked = set(AgedStale.objects.values_list("customer_id", flat=True))
    assert marked == (
        {kept.customer_id} if sqlite else {kept.customer_id, other.customer_id}
    )

    AgedStale.objects.all().delete()
    old = migrate(
        [
            (app, "0001_aged_snapshot" if app == "reports" else leaf)
            for app, leaf in leaves()
        ]
    )
    old.get_model("invoices", "Invoice").objects.filter(pk=other.pk).update(
        amount_due=Decimal("30")
    )
    AgedStale = old.get_model("reports", "AgedStale")
    assert list(AgedStale.objects.values_list("customer_id", flat=True)) == [
        other.customer_id
    ]
    migrate(leaves())
