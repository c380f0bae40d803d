"""Migration reports 0011: the indicators' sums by day, new tables and
empty. An installation of the previous release keeps its invoices,
payments and indicators' snapshots; a past day is computed live until the
roll builds the sums, then read from them, the same; back to 0010, the
tables go and nothing else."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from tests.migrations import app_at, leaves, migrate

BEFORE = "0010_aged_changes"
NOW = datetime(2026, 6, 15, 6, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_data_kept_forth_the_sums_built_by_the_roll_and_dropped_back():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    Payment = old.get_model("invoices", "Payment")
    Snapshot = old.get_model("reports", "IndicatorSnapshot")
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
    Snapshot.objects.create(
        company_id=durand.pk,
        currency="EUR",
        on=date(2026, 5, 31),
        computed_at=NOW,
        figures={},
        answer="{}",
    )

    new = migrate(leaves())
    assert new.get_model("reports", "IndicatorSnapshot").objects.count() == 1
    assert new.get_model("reports", "DaySum").objects.count() == 0
    assert new.get_model("invoices", "Payment").objects.count() == 1

    from relance.core.models import Company as Now
    from relance.reports.indicator_queries import indicators
    from relance.reports.indicator_sums import indicator_sums_roll, indicators_summed

    company = Now.objects.get(pk=durand.pk)
    on = date(2026, 3, 10)  # 7 days late, 300,00 paid after
    assert indicators_summed(company=company, on=on) is None  # no sums yet
    assert indicator_sums_roll(now=NOW) == [company]
    figures, built_at = indicators_summed(company=company, on=on)
    assert built_at == NOW
    assert figures.overdue_now == Decimal("900.00")
    assert figures.as_dict() == indicators(company=company, on=on).as_dict()

    back = app_at("reports", BEFORE)
    assert "reports_daysum" not in connection.introspection.table_names()
    assert "reports_indicatorsumspan" not in connection.introspection.table_names()
    assert back.get_model("invoices", "Invoice").objects.count() == 1
    assert back.get_model("reports", "IndicatorSnapshot").objects.count() == 1
    migrate(leaves())
