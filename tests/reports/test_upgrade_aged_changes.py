"""Migration reports 0010: the changes' tables, new and empty. An
installation of the previous release keeps its invoices, payments,
snapshots, lines and marks, and its triggers still mark; a past day between
two kept days is computed live until the roll builds the changes, then read
from them, the same; back to 0009, the tables go and nothing else."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from tests.migrations import (
    aged_snapshot_add,
    aged_triggers_all_there,
    app_at,
    leaves,
    migrate,
)

BEFORE = "0009_aged_mark_whole_company"


@pytest.mark.django_db(transaction=True)
def test_data_kept_forth_the_changes_built_by_the_roll_and_dropped_back():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    Payment = old.get_model("invoices", "Payment")
    durand = Company.objects.create(name="Durand")
    garage = Customer.objects.create(company=durand, code="411G", name="Garage")
    invoice = Invoice.objects.create(
        company=durand,
        customer=garage,
        number="F1",
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        total=Decimal("900.00"),
        amount_due=Decimal("600.00"),
    )
    Payment.objects.create(
        company=durand, invoice=invoice, date=date(2026, 3, 20), amount=Decimal(300)
    )
    aged_snapshot_add(old, durand.pk)
    Mark = old.get_model("reports", "AgedMark")
    Mark.objects.create(company_id=durand.pk, customer_id=garage.pk)
    marks = sorted(Mark.objects.values_list("company_id", "customer_id"))

    new = migrate(leaves())
    assert aged_triggers_all_there()
    assert new.get_model("reports", "AgedChange").objects.count() == 0
    Mark = new.get_model("reports", "AgedMark")
    assert sorted(Mark.objects.values_list("company_id", "customer_id")) == marks
    assert new.get_model("reports", "AgedSnapshot").objects.count() == 1
    assert new.get_model("invoices", "Payment").objects.count() == 1

    from relance.core.models import Company as Now
    from relance.reports import selectors
    from relance.reports.aged_snapshot import aged_snapshots_roll
    from relance.reports.models import AgedChangeSpan

    company = Now.objects.get(pk=durand.pk)
    on = date(2026, 3, 10)  # 7 days late, 300,00 paid after
    expected = {
        "not_due": "0.00",
        "1_30": "900.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "0.00",
        "total": "900.00",
    }
    assert selectors._derived(company, on, "EUR") is None  # no changes yet
    [line] = selectors.aged_balance(company=company, on=on).customers
    assert line.line.as_dict() == expected
    assert aged_snapshots_roll(now=datetime(2026, 4, 2, 6, tzinfo=UTC)) == [company]
    assert AgedChangeSpan.objects.filter(company_id=durand.pk).exists()
    assert selectors._derived(company, on, "EUR") is not None
    [line] = selectors.aged_balance(company=company, on=on).customers
    assert line.line.as_dict() == expected

    back = app_at("reports", BEFORE)
    assert aged_triggers_all_there()
    assert "reports_agedchange" not in connection.introspection.table_names()
    assert back.get_model("invoices", "Invoice").objects.count() == 1
    assert back.get_model("reports", "AgedSnapshot").objects.count() == 13
    migrate(leaves())
    assert aged_triggers_all_there()
