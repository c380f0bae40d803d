"""The invoices' dunning state indexed outside their table (DunningIndex,
ADR 19 amended 2026-12-05): every way of writing an invoice keeps the index
equal to the invoices' own columns, the triggers come back when a migration
dropped them, an installed database gets its rows by the upgrade, the list
« À relancer » reads it in its date orders, and no index of the invoices'
table names the state (so that writing it can be a HOT update)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection

from relance.core.sql import triggers_named
from relance.invoices.dunning_index import triggers_ensure
from relance.invoices.models import DunningIndex, Invoice
from relance.invoices.selectors import InvoiceQuery, invoice_search
from tests.factories import make_company, make_customer, make_invoice
from tests.migrations import leaves, leaves_but, migrate

MADE = "relance.invoices.migrations.0018_dunning_index"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _indexed() -> set[tuple]:
    return set(
        DunningIndex.objects.values_list(
            "invoice_id",
            "company_id",
            "to_remind",
            "next_reminder_on",
            "issue_date",
            "due_date",
        )
    )


def _expected() -> set[tuple]:
    """What the index must hold: each invoice dated or tagged."""
    return {
        (pk, company, tag, planned, issued, due)
        for pk, company, tag, planned, issued, due in Invoice.objects.values_list(
            "pk",
            "company_id",
            "to_remind",
            "next_reminder_on",
            "issue_date",
            "due_date",
        )
        if planned is not None or tag
    }


@pytest.mark.django_db
def test_every_way_of_writing_an_invoice_keeps_the_index():
    durand, martin = make_company(), make_company()
    one, other = make_customer(durand), make_customer(martin)
    first = make_invoice(one, to_remind=True, next_reminder_on=date(2026, 2, 3))
    plain = make_invoice(one)  # neither dated nor tagged: no row
    assert _indexed() == {
        (
            first.pk,
            durand.pk,
            True,
            date(2026, 2, 3),
            date(2026, 1, 1),
            date(2026, 1, 31),
        )
    }
    Invoice.objects.bulk_create(
        [
            Invoice(
                company=martin,
                customer=other,
                number=f"B{n}",
                issue_date=date(2026, 1, n + 1),
                due_date=date(2026, 2, n + 1),
                total=Decimal(100),
                amount_due=Decimal(100),
                to_remind=n % 3 == 0,
                next_reminder_on=date(2026, 3, n + 1) if n % 2 else None,
            )
            for n in range(12)
        ]
    )
    assert len(_indexed()) == 1 + 8  # n = 0, 1, 3, 5, 6, 7, 9, 11
    assert _indexed() == _expected()

    # A queryset update: tagged, dated, undated, a due date moved.
    Invoice.objects.filter(company=martin, number__in=["B1", "B2"]).update(
        to_remind=True
    )
    Invoice.objects.filter(company=martin, number="B7").update(
        next_reminder_on=None
    )  # B7 neither dated nor tagged now: its row goes
    Invoice.objects.filter(company=martin, number="B5").update(
        due_date=date(2026, 4, 1)
    )
    Invoice.objects.filter(company=martin).update(amount_due=Decimal(50))  # no change
    assert _indexed() == _expected()
    assert not DunningIndex.objects.filter(invoice__number="B7").exists()
    assert DunningIndex.objects.get(invoice__number="B5").due_date == date(2026, 4, 1)

    # save(), twice (the second unchanged), and plain SQL.
    plain.next_reminder_on = date(2026, 5, 5)
    plain.save()
    plain.save()
    first.to_remind = False
    first.next_reminder_on = None
    first.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_invoice SET to_remind = %s, issue_date = %s"
            " WHERE company_id = %s",
            [True, date(2025, 12, 1), durand.pk],
        )
    assert _indexed() == _expected()
    assert DunningIndex.objects.filter(company_id=durand.pk).count() == 2

    # Deleted, and moved to another company.
    Invoice.objects.filter(company=martin, number__in=["B0", "B4"]).delete()
    moved = Invoice.objects.get(company=martin, number="B6")
    Invoice.objects.filter(pk=moved.pk).update(company=durand, customer=one)
    assert _indexed() == _expected()
    assert DunningIndex.objects.get(pk=moved.pk).company_id == durand.pk
    assert len(_indexed()) == 9


def _triggers() -> set[str]:
    return triggers_named(connection, "invoices_dunning_index")


@pytest.mark.django_db(transaction=True)
def test_triggers_a_migration_dropped_come_back_and_the_rows_are_written_again():
    customer = make_customer(make_company())
    make_invoice(customer, to_remind=True, next_reminder_on=date(2026, 2, 3))
    assert triggers_ensure() is False
    with connection.schema_editor() as editor:
        import_module(MADE).triggers_drop(None, editor)
    assert _triggers() == set()
    unseen = make_invoice(customer, next_reminder_on=date(2026, 2, 9))
    assert not DunningIndex.objects.filter(pk=unseen.pk).exists()
    assert triggers_ensure() is True
    assert _triggers() == {
        "invoices_dunning_index_insert",
        "invoices_dunning_index_delete",
        "invoices_dunning_index_update",
    }
    assert len(_indexed()) == 2
    assert _indexed() == _expected()
    make_invoice(customer, to_remind=True)
    assert len(_indexed()) == 3


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_indexes_the_invoices_standing_and_drops_the_state_indexes():
    old = migrate(leaves_but({"invoices": "0017_customer_language_choices"}))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    company = Company.objects.create(name="A")
    customer = Customer.objects.create(company=company, code="411", name="X")
    states = [(True, date(2026, 2, 3)), (False, date(2026, 3, 3)), (False, None)]
    for n, (tag, planned) in enumerate(states):
        Invoice.objects.create(
            company=company,
            customer=customer,
            number=f"F{n}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal(100),
            amount_due=Decimal(100),
            to_remind=tag,
            next_reminder_on=planned,
        )
    assert "invoice_dated_idx" in _invoice_indexes()
    new = migrate(leaves())
    rows = new.get_model("invoices", "DunningIndex").objects.order_by("invoice__number")
    assert [
        (row.invoice.number, row.to_remind, row.next_reminder_on) for row in rows
    ] == [("F0", True, date(2026, 2, 3)), ("F1", False, date(2026, 3, 3))]
    state = {"invoice_dated_idx", "invoice_to_remind_issue_idx"}
    assert state & _invoice_indexes() == set()
    Invoice = new.get_model("invoices", "Invoice")
    Invoice.objects.filter(number="F1").update(to_remind=True)
    assert rows.get(invoice__number="F1").to_remind is True
    # And back: the invoices' indexes again, no trigger left behind.
    migrate(leaves_but({"invoices": "0017_customer_language_choices"}))
    assert state <= _invoice_indexes()
    assert _triggers() == set()
    Invoice.objects.filter(number="F2").update(next_reminder_on=date(2026, 4, 1))
    migrate(leaves())
    assert len(rows.all()) == 3


def _invoice_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, "invoices_invoice"
        )
    return set(constraints)


@pytest.mark.django_db
def test_no_index_of_the_invoices_names_their_dunning_state():
    """Writing the tag or the planned date must not write the invoice into
    its other indexes (PostgreSQL's HOT update): no index may hold them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, "invoices_invoice"
        )
    named = {
        name
        for name, constraint in constraints.items()
        if constraint["index"]
        and {"to_remind", "next_reminder_on"} & set(constraint["columns"] or ())
    }
    assert named == set()
    if connection.vendor == "postgresql":  # nor any index's condition
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index"
                " WHERE indrelid = 'invoices_invoice'::regclass"
                " AND (pg_get_expr(indpred, indrelid) ~ 'to_remind|next_reminder_on')"
            )
            assert cursor.fetchall() == []
            cursor.execute(
                "SELECT reloptions FROM pg_class"
                " WHERE oid = 'invoices_invoice'::regclass"
            )
            assert cursor.fetchone()[0] == ["fillfactor=90"]


@pytest.mark.django_db
def test_the_list_to_remind_reads_the_index_in_its_date_orders():
    company = make_company()
    customer = make_customer(company)
    dates = [
        (date(2026, 1, 5), date(2026, 2, 20)),
        (date(2026, 1, 9), date(2026, 2, 1)),
    ]
    tagged = [
        make_invoice(
            customer,
            number=f"T{n}",
            issue_date=issued,
            due_date=due,
            to_remind=True,
            next_reminder_on=due,
        )
        for n, (issued, due) in enumerate(dates)
    ]
    make_invoice(
        customer,
        number="U",
        issue_date=date(2026, 1, 7),
        next_reminder_on=date(2026, 9, 1),
    )
    make_invoice(make_customer(make_company()), number="X", to_remind=True)

    def listed(sort: str) -> list[str]:
        query = InvoiceQuery(filters=["to_remind"], sort=sort)
        found = invoice_search(company=company, query=query, today=date(2026, 3, 1))
        return [invoice.number for invoice in found]

    assert listed("-issue_date") == ["T1", "T0"]
    assert listed("issue_date") == ["T0", "T1"]
    assert listed("due_date") == ["T1", "T0"]
    assert listed("days_late") == ["T0", "T1"]  # the least late first
    assert listed("number") == ["T0", "T1"]
    tagged[1].to_remind = False
    tagged[1].save()
    assert listed("-issue_date") == ["T0"]


@pytest.mark.django_db
def test_relance_daily_full_writes_again_what_a_write_unseen_left_wrong():
    """A write the triggers did not see (here, the index written by hand)
    leaves the index and the kept count's recount (which reads the index)
    wrong; `relance daily --full` puts the index right, then counts."""
    from relance.dunning.services.daily import daily_runs_now
    from relance.dunning.tagged_count import tagged_counts, tagged_counts_reset
    from tests.factories import make_steps

    company = make_company()
    make_steps(company)  # step 1: three days after the due date
    customer = make_customer(company)
    tagged = make_invoice(customer, due_date=date(2026, 1, 2))
    dated = make_invoice(customer, due_date=date(2026, 1, 20))
    plain = make_invoice(
        customer, due_date=date(2026, 1, 20), amount_due=0, status=Invoice.Status.PAID
    )
    daily_runs_now(now=NOW, on=date(2026, 1, 6), companies=[company])
    assert _indexed() == _expected()
    assert len(_indexed()) == 2
    with connection.cursor() as cursor:  # unseen: wrong, missing, extra
        cursor.execute(
            "UPDATE invoices_dunningindex SET to_remind = %s, due_date = %s"
            " WHERE invoice_id = %s",
            [False, date(2027, 1, 1), tagged.pk],
        )
        cursor.execute(
            "DELETE FROM invoices_dunningindex WHERE invoice_id = %s", [dated.pk]
        )
        cursor.execute(
            "INSERT INTO invoices_dunningindex (invoice_id, company_id, to_remind,"
            " next_reminder_on, issue_date, due_date) VALUES (%s, %s, %s, %s, %s, %s)",
            [plain.pk, company.pk, False, None, date(2026, 1, 1), date(2026, 1, 20)],
        )
    tagged_counts_reset(company_ids=[company.pk])  # counts the index: wrong
    assert tagged_counts(company_ids=[company.pk]) == {company.pk: 0}
    [run] = daily_runs_now(now=NOW, on=date(2026, 1, 6), companies=[company], full=True)
    assert (run.full, run.to_remind) == (True, 1)
    assert _indexed() == _expected()
    assert len(_indexed()) == 2
    assert DunningIndex.objects.get(pk=tagged.pk).to_remind is True
