"""Many rows written at once (`core.sql.rows_insert`, `rows_write`): on
SQLite several rows a statement, as many as the library binds; each row
its own values and, asked for, its id in the rows' order."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.core import sql
from relance.invoices.models import Customer, Invoice
from tests.factories import make_company, make_customer

pytestmark = pytest.mark.django_db

ROWS = 1234  # more than one statement's worth
INVOICE_COLUMNS = (
    *("company_id", "customer_id", "number", "issue_date", "due_date"),
    *("total", "amount_due"),
)


def _customers(company, prefix="C"):
    return [
        (company.pk, f"{prefix}{n}", f"Client {n}", f"c{n}@example.fr")
        for n in range(ROWS)
    ]


def test_inserted_rows_are_given_their_ids_in_the_rows_order():
    company = make_company()
    ids = sql.rows_insert(
        Customer,
        ["company_id", "code", "name", "email"],
        _customers(company),
        returning=True,
    )
    assert len(ids) == ROWS
    stored = dict(Customer.objects.filter(company=company).values_list("id", "code"))
    assert [stored[pk] for pk in ids] == [f"C{n}" for n in range(ROWS)]
    assert Customer.objects.get(code="C1233").email == "c1233@example.fr"


def test_rows_written_by_key_each_get_their_own_values_and_no_other_changes():
    company = make_company()
    customer = make_customer(company)
    numbers = [f"F{n}" for n in range(ROWS)]
    sql.rows_insert(
        Invoice,
        INVOICE_COLUMNS,
        [
            (company.pk, customer.pk, n, date(2026, 1, 1), date(2026, 1, 31), 100, 100)
            for n in numbers
        ],
    )
    ids = dict(Invoice.objects.values_list("number", "id"))
    written = [
        (ids[f"F{n}"], Decimal(n % 100), "paid" if n % 2 else "open")
        for n in range(0, ROWS, 3)
    ]
    sql.rows_write(Invoice, ["amount_due", "status"], written)
    got = {
        number: (amount, status)
        for number, amount, status in Invoice.objects.values_list(
            "number", "amount_due", "status"
        )
    }
    for n in range(ROWS):
        if n % 3:  # not written: as inserted
            assert got[f"F{n}"] == (Decimal("100.00"), "open")
        else:
            assert got[f"F{n}"] == (Decimal(n % 100), "paid" if n % 2 else "open")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's variables")
def test_a_library_binding_fewer_variables_gets_fewer_rows_a_statement():
    """SQLite before 3.32 binds 999 variables a statement at most: the rows
    a statement takes follow the library's limit."""
    import sqlite3

    company = make_company()
    connection.ensure_connection()
    native = connection.connection
    limit = sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    before = native.getlimit(limit)
    native.setlimit(limit, 999)
    try:
        assert sql._rows_per_statement(4) == 249
        ids = sql.rows_insert(
            Customer,
            ["company_id", "code", "name", "email"],
            _customers(company, "L"),
            returning=True,
        )
    finally:
        native.setlimit(limit, before)
    assert len(ids) == ROWS == Customer.objects.filter(code__startswith="L").count()


def test_a_key_written_twice_keeps_its_last_row():
    company = make_company()
    customer = make_customer(company)
    customer_id = customer.pk
    sql.rows_write(
        Customer,
        ["name", "email"],
        [(customer_id, "Premier", "a@example.fr"), (customer_id, "Dernier", "")],
    )
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Dernier", "")


AWKWARD = [
    'a "quoted" name',
    "back\\slash\\",
    "NULL",
    "null",
    "{braces}, commas",
    "",
    " spaces  ",
    "l'apostrophe — « guillemets » 😀",
    "tab\there",
]


def test_each_kind_of_value_is_written_as_it_was_given():
    """On PostgreSQL each column goes as one array literal (core.sql
    _array_param): text with quotes, backslashes, braces, the word NULL;
    a missing value; dates, times and amounts; a choice's enum."""
    company = make_company()
    customers = [make_customer(company, code=f"K{n}") for n in range(len(AWKWARD))]
    moment = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    rows = [
        (
            customer.pk,
            name,
            Customer.Kind.BUSINESS if n % 2 else Customer.Kind.CONSUMER,
            None if n % 3 == 0 else date(2026, 1, n + 1),
            None if n % 4 == 0 else Decimal(f"{n}.{n}5"),
            moment,
        )
        for n, (customer, name) in enumerate(zip(customers, AWKWARD, strict=True))
    ]
    names = ["name", "kind", "paused_until", "agreed_penalty_rate", "updated_at"]
    sql.rows_write(Customer, names, rows)
    stored = {
        row[0]: row[1:]
        for row in Customer.objects.filter(company=company).values_list("pk", *names)
    }
    assert [stored[row[0]] for row in rows] == [row[1:] for row in rows]


# Any text PostgreSQL stores (no NUL), of any Unicode category but the
# surrogates no encoding writes.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_any_text_is_written_as_given(names):
    company = make_company()
    customers = [make_customer(company, code=f"K{n}") for n in range(len(names))]
    sql.rows_write(
        Customer,
        ["name"],
        [(c.pk, name) for c, name in zip(customers, names, strict=True)],
    )
    stored = dict(Customer.objects.filter(company=company).values_list("pk", "name"))
    assert [stored[c.pk] for c in customers] == names


def test_an_array_literal_is_made_of_known_kinds_only():
    """The text sent for a column (core.sql._array_param), and the list
    itself for a value it cannot write: a non-finite amount, bytes."""
    assert (
        sql._array_param(
            [Decimal("1.50"), None, 'a "b" \\ {c}, NULL', Customer.Kind.BUSINESS, True]
        )
        == '{1.50,NULL,"a \\"b\\" \\\\ {c}, NULL","business",t}'
    )
    assert sql._array_param([Decimal(1), Decimal("Infinity")]) == [
        Decimal(1),
        Decimal("Infinity"),
    ]
    assert type(sql._array_param([Decimal("sNaN")])) is list
    assert sql._array_param([b"x"]) == [b"x"]
