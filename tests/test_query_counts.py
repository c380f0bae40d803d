"""What must not grow: the SQL statements of the summary, of one delivery
task, of the invoice list and of imports and payments. Each test runs the
same thing on a small and on a bigger set and compares the counts, so an
N+1 query fails here before it reaches a million invoices."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relance.core import sql
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import GROUP, reminders_deliver
from relance.dunning.services.intake import invoices_take_in, payments_take_in
from relance.dunning.services.payments import payments_record
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from relance.invoices.services import NewPayment
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def statements(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def due_invoices(company, customers: int, each: int) -> list[Invoice]:
    invoices = []
    for _ in range(customers):
        customer = make_customer(company)
        invoices += [make_invoice(customer) for _ in range(each)]
    invoices_refresh(company=company, today=TODAY)
    return invoices


def test_the_summary_costs_the_same_for_2_or_40_invoices(company):
    def summary(invoices):
        ids = [invoice.pk for invoice in invoices]
        return statements(
            lambda: reminder_plan(company=company, today=TODAY, invoices=ids)
        )

    few = summary(due_invoices(company, customers=2, each=1))
    many = summary(due_invoices(company, customers=10, each=4))
    assert many == few


def test_a_delivery_task_reads_the_same_for_4_or_12_messages(
    company, smtp_server, monkeypatch
):
    """Reads are per batch of reminders, never per message. Writes: each
    message's claim, each invoice's new level (checked against the state it
    was read in), and the messages that left marked sent together, at most
    once per group claimed (GROUP messages) and once at the end."""
    # On PostgreSQL the per-message UPDATEs go through core/sql.py's pipeline,
    # beside Django's cursor: counted where they are run.
    direct = []
    run_all = sql._execute_all

    def counted(statements):
        direct.extend(statement for statement, _params in statements)
        return run_all(statements)

    monkeypatch.setattr(sql, "_execute_all", counted)

    def deliver(customers, each):
        due_invoices(company, customers=customers, each=each)
        plan = reminder_plan(company=company, today=TODAY)
        ids = [r.pk for r in reminders_create(plan=plan).reminders]
        direct.clear()
        with CaptureQueriesContext(connection) as captured:
            reminders_deliver(reminder_ids=ids, now=NOW)
        statements = [query["sql"] for query in captured.captured_queries]
        if connection.vendor == "postgresql":
            statements += direct
        kinds = Counter()
        for statement in statements:
            if "SAVEPOINT" in statement:
                continue  # the test's transaction: BEGIN/COMMIT otherwise
            kind = statement.split()[0]
            if kind == "UPDATE" and '"claimed_by"' in statement:
                kind = "claim"
            elif kind == "UPDATE" and '"sent_at"' in statement:
                kind = "sent"
            elif kind == "UPDATE" and "invoices_invoice" in statement:
                kind = "level"
            kinds[kind] += 1
        return kinds

    four, twelve = deliver(4, 1), deliver(12, 1)
    assert twelve["SELECT"] == four["SELECT"]
    assert (four["claim"], four["level"]) == (4, 4)
    assert (twelve["claim"], twelve["level"]) == (12, 12)
    assert 1 <= twelve["sent"] <= 12 // GROUP + 1
    assert set(twelve) == {"SELECT", "claim", "level", "sent"}
    two_each = deliver(4, 2)
    assert two_each["SELECT"] == four["SELECT"]
    assert (two_each["claim"], two_each["level"]) == (4, 8)


def test_importing_a_file_costs_the_same_for_3_or_35_rows(company):
    """(Up to 39 rows: SQLite takes at most 999 values a statement, 25
    columns an invoice, so a bigger file is written in more statements, one
    per batch.)"""

    def import_rows(first, count, amount="100,00"):
        lines = ["numero;code_client;client;date;echeance;montant"]
        lines += [
            f"F{n};C{n % 7};Client {n % 7};01/01/2026;31/01/2026;{amount}"
            for n in range(first, first + count)
        ]
        content = ("\n".join(lines) + "\n").encode()
        return statements(
            lambda: invoices_take_in(
                company=company, content=content, filename="f.csv", today=TODAY
            )
        )

    # The customers known first: a chunk with known customers reads their
    # rhythms and pauses (3 statements) for its new invoices' state.
    import_rows(200, 7)
    assert import_rows(0, 3) == import_rows(100, 35)
    # The same invoices again, with new amounts: updated.
    assert import_rows(0, 3, "90,00") == import_rows(100, 35, "90,00")


def test_importing_payments_costs_the_same_for_3_or_40_rows(company):
    invoices = due_invoices(company, customers=9, each=7)

    def pay_rows(rows):
        lines = ["facture;date;montant;reference"]
        lines += [f"{i.number};02/03/2026;10,00;VIR {i.number}" for i in rows]
        content = ("\n".join(lines) + "\n").encode()
        return statements(
            lambda: payments_take_in(
                company=company, content=content, filename="p.csv", today=TODAY
            )
        )

    # A new installation's first import analyses its tables, once they
    # hold rows (an empty table analysed has no statistics yet).
    pay_rows(invoices[-1:])
    assert pay_rows(invoices[:3]) == pay_rows(invoices[3:43])


def test_recording_payments_costs_the_same_for_1_or_30(company):
    invoices = due_invoices(company, customers=31, each=1)

    def record(rows):
        payments = [NewPayment(invoice=i, on=TODAY, amount=Decimal("10")) for i in rows]
        return statements(
            lambda: payments_record(company=company, payments=payments, today=TODAY)
        )

    assert record(invoices[:1]) == record(invoices[1:31])


def test_a_bank_statement_costs_the_same_for_3_or_40_credits(company):
    """Matched, suggested and unmatched credits alike (issue 15 §5)."""
    from relance.bank.services import transactions_push

    invoices = due_invoices(company, customers=20, each=5)

    def push(rows, tag):
        objects = []
        for n, invoice in enumerate(rows):
            # paid in part; more than what is due (a suggestion); unmatched
            label = "VIREMENT" if n % 3 == 2 else f"FACTURE {invoice.number}"
            amount = ["10.00", "5000.00", "999.99"][n % 3]
            objects.append(
                {"id": f"{tag}-{n}", "date": TODAY, "amount": amount, "label": label}
            )
        return statements(
            lambda: transactions_push(company=company, objects=objects, today=TODAY)
        )

    assert push(invoices[:3], "a") == push(invoices[3:43], "b")
