"""Reading rows at once (`core.sql.values_read`) by a list of ids given as
one parameter (`core.sql.ids_condition`): exactly the rows, and the values,
Django's own `values_list` gives (ADR 24, amended 2026-12-04)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from relance.core.sql import ids_condition, values_read
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice

pytestmark = pytest.mark.django_db

COLUMNS = (
    "id",
    "number",
    "customer_id",
    "amount_due",
    "issue_date",
    "due_date",
    "last_reminder_on",
    "paused_until",
    "status",
    "created_at",
)


@pytest.fixture
def invoices():
    company = make_company()
    customer = make_customer(company)
    return [
        make_invoice(
            customer,
            issue_date=date(2025, 12, 1) + timedelta(days=n % 7),
            due_date=date(2026, 1, 1) + timedelta(days=n),
            total=Decimal("10.01") * (n + 1),
            last_reminder_on=date(2026, 2, 1) if n % 3 == 0 else None,
            paused_until=date(2026, 3, 1) if n % 5 == 0 else None,
        )
        for n in range(30)
    ]


def read(ids):
    condition, params = ids_condition(f"{Invoice._meta.db_table}.id", ids)
    queryset = (
        Invoice.objects.extra(where=[condition], params=params)
        .order_by("id")
        .values_list(*COLUMNS)
    )
    return values_read(queryset, repeated=("status",))


def expected(ids):
    return list(Invoice.objects.filter(pk__in=ids).order_by("id").values_list(*COLUMNS))


def test_the_rows_read_are_those_django_reads(invoices):
    ids = [invoice.pk for invoice in invoices[::2]]
    rows = read(ids)
    assert rows == expected(ids)
    assert [row[0] for row in rows] == sorted(ids)
    first = rows[0]
    assert isinstance(first[3], Decimal) and type(first[4]) is date
    assert first[9] == invoices[0].created_at  # a datetime, aware


def test_an_empty_list_reads_nothing(invoices):
    assert read([]) == []


def test_one_id_reads_its_row(invoices):
    [row] = read([invoices[7].pk])
    assert row == expected([invoices[7].pk])[0]
    assert row[4:6] == (invoices[7].issue_date, invoices[7].due_date)


def test_100_000_ids_in_one_parameter_read_the_rows_that_exist(invoices):
    known = [invoice.pk for invoice in invoices]
    missing = range(max(known) + 1, max(known) + 1 + 100_000 - len(known))
    ids = [*known[::-1], *missing]
    assert len(ids) == 100_000
    _condition, params = ids_condition("id", ids)
    assert len(params) == 1
    assert read(ids) == expected(known)
