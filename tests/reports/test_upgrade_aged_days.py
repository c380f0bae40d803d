"""Migration reports 0006 on an installed database: the snapshot's lines
standing get its day and are still read; SQLite's guarded triggers are put
back after the table's rebuild; back to 0005, a company keeps its latest
day's snapshot only."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import aged_snapshot_add, app_at, leaves, migrate

BEFORE = "0005_aged_mark_rows"
ON = date(2026, 3, 31)


@pytest.mark.django_db(transaction=True)
def test_the_lines_standing_get_their_snapshot_s_day_and_the_triggers_stay():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    company = Company.objects.create(name="Durand")
    customer = Customer.objects.create(company=company, code="411A", name="A")
    aged_snapshot_add(old, company.pk, on=ON)
    amounts = dict.fromkeys(
        ("b_not_due", "b_1_30", "b_31_60", "b_61_90", "b_over_90"), Decimal(0)
    )
    old.get_model("reports", "AgedLine").objects.create(
        company_id=company.pk,
        currency="EUR",
        customer_id=customer.pk,
        code="411A",
        name="A",
        **amounts | {"b_1_30": Decimal("75.00")},
        total=Decimal("75.00"),
    )
    old.get_model("reports", "AgedMark").objects.all().delete()

    new = migrate(leaves())
    from relance.reports.selectors import aged_balance

    AgedLine = new.get_model("reports", "AgedLine")
    assert list(AgedLine.objects.values_list("on", "total")) == [(ON, Decimal("75.00"))]
    from relance.core.models import Company as Current

    balance = aged_balance(company=Current.objects.get(pk=company.pk), on=ON)
    assert balance.total.as_dict()["1_30"] == "75.00"  # from the line, not live
    # The triggers still mark (on SQLite, guarded by the snapshot).
    Invoice = new.get_model("invoices", "Invoice")
    Invoice.objects.create(
        company_id=company.pk,
        customer_id=customer.pk,
        number="F1",
        issue_date=ON,
        due_date=ON,
        total=Decimal("10.00"),
        amount_due=Decimal("10.00"),
    )
    assert list(
        new.get_model("reports", "AgedMark").objects.values_list(
            "customer_id", flat=True
        )
    ) == [customer.pk]
    # A month end beside today's, then back: the latest day's only.
    aged_snapshot_add(new, company.pk, on=date(2026, 2, 28))
    AgedLine.objects.create(
        company_id=company.pk,
        currency="EUR",
        on=date(2026, 2, 28),
        customer_id=customer.pk,
        code="411A",
        name="A",
        **amounts,
        total=Decimal(0),
    )
    old = app_at("reports", BEFORE)
    assert list(
        old.get_model("reports", "AgedSnapshot").objects.values_list("on", flat=True)
    ) == [ON]
    assert old.get_model("reports", "AgedLine").objects.get().total == Decimal("75.00")
    migrate(leaves())
