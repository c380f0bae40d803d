"""A company marked whole (migration reports 0009, ADR 29 amended): on
PostgreSQL a statement changing more customers of a company than a read
names (`selectors.STALE_MOST`) writes one mark of the company instead of
one a customer; such a mark, on either database, sends the company's
balance live until the next build."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F

from relance.core.sql import rows_insert
from relance.invoices.models import Customer, Invoice
from relance.reports.aged_snapshot import aged_snapshot_build
from relance.reports.models import AgedMark, AgedSnapshot
from relance.reports.selectors import (
    STALE_MOST,
    _order_by,
    _snapshot_read,
    aged_balance,
)
from tests.factories import make_company, make_customer, make_invoice, pay

ON = date(2026, 3, 31)
NOW = datetime(2026, 3, 31, 6, tzinfo=UTC)
ORDER = _order_by("total", True)
DATES = (date(2026, 1, 1), date(2026, 3, 15))  # issued, due
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's row triggers mark customers"
)


def marks(company) -> list:
    return sorted(
        AgedMark.objects.filter(company_id=company.pk).values_list(
            "customer_id", flat=True
        ),
        key=lambda customer: customer or 0,
    )


def _invoices_of_new_customers(company, count: int, prefix: str) -> list[int]:
    """`count` customers, an invoice of 10,00 each (due 15 March), each
    written by ONE statement; the invoices' ids."""
    customers = rows_insert(
        Customer,
        ["company_id", "code", "name"],
        [(company.pk, f"{prefix}{n}", f"Client {n}") for n in range(count)],
        returning=True,
    )
    return rows_insert(
        Invoice,
        [
            *("company_id", "customer_id", "number", "issue_date", "due_date"),
            *("total", "amount_due"),
        ],
        [
            (company.pk, customer, f"{prefix}-F{n}", *DATES, Decimal(10), Decimal(10))
            for n, customer in enumerate(customers)
        ],
        returning=True,
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_changing_more_customers_than_a_read_names_marks_the_company():
    company = make_company()
    garage = make_customer(company, code="411GAR")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert marks(company) == []

    # As many customers as a read names: each its mark.
    _invoices_of_new_customers(company, STALE_MOST, "A")
    assert AgedMark.objects.filter(company_id=company.pk).count() == STALE_MOST
    assert None not in marks(company)

    aged_snapshot_build(company=company, on=ON, now=NOW)
    with transaction.atomic():
        # One more: the company's mark alone.
        invoices = _invoices_of_new_customers(company, STALE_MOST + 1, "B")
        assert marks(company) == [None]
        # Later in the transaction: no customer's mark, no second one.
        pay(late, on=date(2026, 3, 30), amount="200.00")
        Invoice.objects.filter(pk=invoices[0]).update(amount_due=Decimal(5))
        assert marks(company) == [None]
    assert marks(company) == [None]
    # Read live: the payment and the update are in it.
    assert _snapshot_read(company, ON, "EUR", ORDER, 10, 0) is None
    balance = aged_balance(company=company, on=ON, limit=1)
    assert balance.count == 1 + STALE_MOST + STALE_MOST + 1
    assert balance.total.as_dict()["total"] == str(
        Decimal("1000.00") + 10 * (2 * STALE_MOST + 1) - 5
    )
    # The next build reads every write and clears the mark.
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert marks(company) == []

    # An UPDATE of the invoices of more customers than that: one mark too.
    Invoice.objects.filter(company_id=company.pk, number__startswith="B-").update(
        amount_due=F("amount_due") - 1
    )
    assert marks(company) == [None]


@pytest.mark.django_db
def test_a_company_marked_whole_is_read_live_until_the_next_build():
    """On either database, as PostgreSQL writes it: the balance live (a
    payment after the snapshot in it), the snapshot read again once built."""
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    aged_snapshot_build(company=company, on=ON, now=NOW)
    pay(late, on=date(2026, 3, 30), amount="200.00")
    AgedMark.objects.all().delete()  # the customer's mark gone: the company's
    AgedMark.objects.create(company_id=company.pk, customer_id=None)
    assert _snapshot_read(company, ON, "EUR", ORDER, 10, 0) is None
    assert aged_balance(company=company, on=ON).total.as_dict()["total"] == "1000.00"
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert marks(company) == []
    rows, count, _amounts = _snapshot_read(company, ON, "EUR", ORDER, 10, 0)
    assert (count, [row[1] for row in rows]) == (1, ["411GAR"])
    assert AgedSnapshot.objects.filter(company_id=company.pk).exists()
