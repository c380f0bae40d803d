"""The aged balance's snapshot (ADR 29): read for its day, true at every
moment — a write after it marks its customer, who is read live — and built
again by the roll when a company's day turns."""

import threading
from calendar import monthrange
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from relance.core.sql import triggers_named
from relance.invoices.models import Invoice, Payment
from relance.reports.aged_snapshot import aged_snapshot_build, aged_snapshots_roll
from relance.reports.models import AgedLine, AgedMark, AgedSnapshot
from relance.reports.selectors import aged_balance
from tests.factories import make_company, make_customer, make_invoice, pay
from tests.threads import held_open, in_thread

ON = date(2026, 3, 31)
NOW = datetime(2026, 3, 31, 6, tzinfo=UTC)


def marked() -> set[int]:
    """The customers marked changed since the snapshots."""
    return set(AgedMark.objects.values_list("customer_id", flat=True))


def amounts(balance) -> dict:
    return {c.code: c.line.as_dict()["total"] for c in balance.customers} | {
        "total": balance.total.as_dict()["total"]
    }


@pytest.mark.django_db
def test_a_write_after_the_snapshot_marks_its_customer_who_is_read_live():
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    late = make_invoice(
        garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15)
    )  # 1 200,00, 16 days late
    make_invoice(
        bakery,
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 4, 30),
        total=Decimal("250.00"),
    )
    assert aged_snapshot_build(company=company, on=ON, now=NOW) == 2
    assert AgedMark.objects.count() == 0
    assert AgedSnapshot.objects.get().on == ON
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "1200.00",
        "411BOU": "250.00",
        "total": "1450.00",
    }
    # A payment (the one way payments are recorded) marks the garage only.
    pay(late, on=date(2026, 3, 30), amount="200.00")
    assert marked() == {garage.pk}
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "1000.00",
        "411BOU": "250.00",
        "total": "1250.00",
    }
    # A queryset update bypasses signals, not the triggers: the bakery's
    # invoice moved over 90 days late.
    Invoice.objects.filter(customer=bakery).update(
        issue_date=date(2025, 11, 1), due_date=date(2025, 12, 1)
    )
    assert marked() == {garage.pk, bakery.pk}
    [line] = [
        c for c in aged_balance(company=company, on=ON).customers if c.pk == bakery.pk
    ]
    assert line.line.as_dict()["over_90"] == "250.00"
    # A customer renamed: its line, copied with the name, is read live.
    AgedMark.objects.all().delete()
    bakery.name = "Boulangerie Martin et fils"
    bakery.save()
    assert marked() == {bakery.pk}
    assert [c.name for c in aged_balance(company=company, on=ON).customers] == [
        "Garage Dupuis",
        "Boulangerie Martin et fils",
    ]
    # A column the balance does not read marks no one.
    AgedMark.objects.all().delete()
    Invoice.objects.filter(customer=garage).update(to_remind=True, dunning_level=2)
    assert AgedMark.objects.count() == 0
    # Another day than the snapshot's, or a filter, is computed live.
    assert AgedLine.objects.filter(customer_id=bakery.pk).get().b_not_due == Decimal(
        "250.00"
    )
    assert amounts(aged_balance(company=company, on=date(2026, 4, 1))) == {
        "411GAR": "1000.00",
        "411BOU": "250.00",
        "total": "1250.00",
    }


@pytest.mark.django_db
def test_the_roll_builds_each_company_s_today_and_month_ends_once_a_day():
    company = make_company(time_zone="Europe/Paris")
    make_invoice(make_customer(company), issue_date=date(2026, 3, 1), due_date=ON)
    assert aged_snapshots_roll(now=NOW) == [company]
    assert aged_snapshots_roll(now=NOW) == []
    days = [date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 31)]
    days += [date(2025, m, monthrange(2025, m)[1]) for m in range(12, 2, -1)]
    assert (
        list(
            AgedSnapshot.objects.filter(company_id=company.pk)
            .order_by("-on")
            .values_list("on", flat=True)
        )
        == days
    )
    # Owed since 1 March only: a line today, none at the month ends before.
    assert list(AgedLine.objects.values_list("on", "total")) == [
        (ON, Decimal("1200.00"))
    ]
    # 23:30 UTC on 31 March is already 1 April in Paris: built again, with
    # March's end among the month ends.
    later = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert aged_snapshots_roll(now=later) == [company]
    assert AgedSnapshot.objects.filter(company_id=company.pk).latest("on").on == date(
        2026, 4, 1
    )
    assert AgedSnapshot.objects.filter(company_id=company.pk).count() == 13
    assert sorted(AgedLine.objects.values_list("on", "total")) == [
        (ON, Decimal("1200.00")),
        (date(2026, 4, 1), Decimal("1200.00")),
    ]


@pytest.mark.django_db
def test_a_month_end_is_read_from_its_snapshot_and_stays_true_after_writes():
    """The balance at the last month end, built with today's: read from its
    lines; a payment dated after it changes nothing there; one dated
    before it (a statement imported late) or a new invoice issued before
    it marks the customer, read live."""
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    late = make_invoice(
        garage, issue_date=date(2026, 1, 10), due_date=date(2026, 2, 9)
    )  # 1 200,00
    make_invoice(
        bakery,
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        total=Decimal("250.00"),
    )
    today = date(2026, 4, 15)
    end = date(2026, 3, 31)
    aged_snapshot_build(company=company, on=today, now=NOW, past=[end])
    assert AgedSnapshot.objects.filter(on=end).exists()
    at_end = aged_balance(company=company, on=end)
    assert [c.line.as_dict() for c in at_end.customers] == [
        {
            "not_due": "0.00",
            "1_30": "0.00",
            "31_60": "1200.00",
            "61_90": "0.00",
            "over_90": "0.00",
            "total": "1200.00",
        },
        {
            "not_due": "0.00",
            "1_30": "250.00",
            "31_60": "0.00",
            "61_90": "0.00",
            "over_90": "0.00",
            "total": "250.00",
        },
    ]
    pay(late, on=date(2026, 4, 10), amount="500.00")  # after the month end
    assert amounts(aged_balance(company=company, on=end)) == {
        "411GAR": "1200.00",
        "411BOU": "250.00",
        "total": "1450.00",
    }
    assert amounts(aged_balance(company=company, on=today)) == {
        "411GAR": "700.00",
        "411BOU": "250.00",
        "total": "950.00",
    }
    pay(late, on=date(2026, 3, 20), amount="100.00")  # before it, recorded late
    make_invoice(
        bakery,
        number="F-LATE",
        issue_date=date(2026, 3, 30),
        due_date=date(2026, 4, 29),
        total=Decimal("80.00"),
    )
    assert amounts(aged_balance(company=company, on=end)) == {
        "411GAR": "1100.00",
        "411BOU": "330.00",
        "total": "1430.00",
    }
    # A build again drops the marks: the month end now read from new lines.
    aged_snapshot_build(company=company, on=today, now=NOW, past=[end])
    assert AgedMark.objects.count() == 0
    assert set(AgedLine.objects.filter(on=end).values_list("customer_id", "total")) == {
        (garage.pk, Decimal("1100.00")),
        (bakery.pk, Decimal("330.00")),
    }
    assert amounts(aged_balance(company=company, on=end)) == {
        "411GAR": "1100.00",
        "411BOU": "330.00",
        "total": "1430.00",
    }


@pytest.mark.django_db
def test_the_command_builds_the_snapshots_and_prints_the_same_balance():
    import json
    from io import StringIO

    from django.core.management import call_command

    from relance.core.clock import company_today

    company = make_company()
    customer = make_customer(company, code="411GAR", name="Garage Dupuis")
    today = company_today(company)
    make_invoice(
        customer, issue_date=today, due_date=today, total=Decimal("99.90")
    )  # due today: not late yet
    runs = []
    for options in ([], ["--snapshot"]):
        out = StringIO()
        call_command(
            "aged-balance", "--json", "--company", str(company.pk), *options, stdout=out
        )
        runs.append(json.loads(out.getvalue()))
    assert AgedSnapshot.objects.filter(company_id=company.pk).latest("on").on == today
    assert AgedSnapshot.objects.filter(company_id=company.pk).count() == 13
    assert runs[0] == runs[1]
    assert runs[1]["customers"][0]["not_due"] == "99.90"
    assert runs[1]["total"]["total"] == "99.90"


@pytest.mark.django_db(transaction=True)
def test_triggers_a_later_migration_dropped_are_put_back_and_the_snapshot_dropped():
    from django.db import connection

    from relance.reports.aged_snapshot import triggers_ensure

    company = make_company()
    customer = make_customer(company)
    make_invoice(customer, issue_date=date(2026, 3, 1), due_date=ON)
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert triggers_ensure() is False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(  # one of 0007's, after 0005's
                "DROP TRIGGER reports_aged_payment_insert ON invoices_payment"
            )
        else:
            cursor.execute("DROP TRIGGER reports_aged_payment_insert")
    assert triggers_ensure() is True
    assert AgedSnapshot.objects.count() == 0
    assert triggers_ensure() is False
    aged_snapshot_build(company=company, on=ON, now=NOW)
    pay(Invoice.objects.get(), on=ON, amount="1.00")
    # This company's marks: a transactional test starts from a flushed
    # database, but a row another test's process wrote after the flush
    # leaves its own mark (seen once in a full run).
    marked = AgedMark.objects.filter(company_id=company.pk)
    assert set(marked.values_list("customer_id", flat=True)) == {customer.pk}


@pytest.mark.django_db(transaction=True)
def test_without_a_snapshot_sqlite_marks_no_one_and_the_build_reads_every_write():
    """ADR 29 amended: on SQLite a company without a snapshot is read live,
    so its writes mark no one (an import of 100,000 invoices wrote 100,000
    marks for nothing); once built, they do. PostgreSQL marks always (a
    writer there could miss a build being committed)."""
    from django.db import connection

    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    pay(late, on=date(2026, 3, 30), amount="200.00")
    garage.name = "Garage Dupuis et fils"
    garage.save()
    marked = AgedMark.objects.filter(company_id=company.pk)
    if connection.vendor == "sqlite":
        assert marked.count() == 0
    else:
        assert set(marked.values_list("customer_id", flat=True)) == {garage.pk}
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert marked.count() == 0
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "1000.00",
        "total": "1000.00",
    }
    other = make_company()
    make_invoice(make_customer(other), issue_date=ON, due_date=ON)
    assert set(
        AgedMark.objects.filter(company_id=other.pk).values_list(
            "customer_id", flat=True
        )
    ) == (
        set()
        if connection.vendor == "sqlite"
        else {Invoice.objects.filter(company=other).get().customer_id}
    )
    Invoice.objects.filter(pk=late.pk).update(due_date=date(2026, 1, 15))
    assert set(marked.values_list("customer_id", flat=True)) == {garage.pk}
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "1000.00",
        "total": "1000.00",
    }
    [line] = aged_balance(company=company, on=ON).customers
    assert line.line.as_dict()["61_90"] == "1000.00"


def _build_beside(company, errors: list) -> threading.Thread:
    """Today's build in a thread of its own (its own connection)."""
    return in_thread(
        lambda: aged_snapshot_build(company=company, on=ON, now=NOW), errors
    )


@pytest.mark.django_db(transaction=True)
def test_a_build_while_a_writer_of_a_marked_customer_has_not_committed_keeps_its_mark():
    """PostgreSQL: the garage is marked already when a payment's
    transaction writes its invoice; the build runs before that commits, so
    it cannot see the payment. Its customer must stay marked (read live),
    or the snapshot would say 1 000,00 until the next day's roll."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(
        garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15)
    )  # 1 200,00
    aged_snapshot_build(company=company, on=ON, now=NOW)
    pay(late, on=date(2026, 3, 29), amount="200.00")  # the garage marked
    assert marked() == {garage.pk}
    errors = []
    with held_open(lambda: pay(late, on=date(2026, 3, 30), amount="300.00"), errors):
        build = _build_beside(company, errors)
        build.start()
        build.join(10)
        assert not build.is_alive(), "the build waited for the writer"
    assert errors == []
    assert marked() == {garage.pk}
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "700.00",
        "total": "700.00",
    }


@pytest.mark.django_db(transaction=True)
def test_a_writer_during_a_build_does_not_wait_and_stays_marked():
    """PostgreSQL: the build has deleted the marks and not committed (held
    here in a transaction around it); a payment on a customer it cleared
    neither waits for it nor loses its mark."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    aged_snapshot_build(company=company, on=ON, now=NOW)
    pay(late, on=date(2026, 3, 29), amount="200.00")
    errors = []

    def build():  # held here in a transaction around it
        aged_snapshot_build(company=company, on=ON, now=NOW)

    with held_open(build, errors):
        paid = in_thread(
            lambda: pay(late, on=date(2026, 3, 30), amount="300.00"), errors
        )
        paid.start()
        paid.join(10)
        assert not paid.is_alive(), "the payment waited for the build"
    assert errors == []
    assert marked() == {garage.pk}
    assert amounts(aged_balance(company=company, on=ON)) == {
        "411GAR": "700.00",
        "total": "700.00",
    }


@pytest.mark.django_db
def test_a_transaction_marks_a_customer_once_through_its_savepoints():
    """Each payment is recorded in a savepoint of the test's transaction:
    the payment and its invoice's update, twice, add one mark (PostgreSQL
    tells its own rows by their transaction's status, not its id)."""
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    aged_snapshot_build(company=company, on=ON, now=NOW)
    pay(late, on=date(2026, 3, 29), amount="200.00")
    pay(late, on=date(2026, 3, 30), amount="100.00")
    assert list(AgedMark.objects.values_list("customer_id", flat=True)) == [garage.pk]


@pytest.mark.django_db(transaction=True)
def test_rows_inserted_together_mark_each_customer_once_a_transaction():
    """A statement inserting several invoices or payments (an import's
    chunk) marks each of their customers once (PostgreSQL: once a statement,
    migration 0007), again none in the same transaction, and once more in
    another; the customers of payments are their invoices'."""
    company = make_company()
    garage, salon = (make_customer(company, code=code) for code in ("411G", "411S"))
    make_invoice(garage, issue_date=date(2026, 1, 1))  # a snapshot to keep
    aged_snapshot_build(company=company, on=ON, now=NOW)
    assert AgedSnapshot.objects.filter(company_id=company.pk).exists()

    def invoices(customer, *numbers):
        return [
            Invoice(
                company=company,
                customer=customer,
                number=number,
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 3, 15),
                total=Decimal("100.00"),
                amount_due=Decimal("100.00"),
            )
            for number in numbers
        ]

    def marks() -> list[int]:
        return sorted(AgedMark.objects.values_list("customer_id", flat=True))

    with transaction.atomic():
        made = Invoice.objects.bulk_create(
            invoices(garage, "F1", "F2") + invoices(salon, "F3")
        )
        Invoice.objects.bulk_create(invoices(garage, "F4"))  # marked already
    assert marks() == sorted([garage.pk, salon.pk])
    Payment.objects.bulk_create(
        [
            Payment(company=company, invoice=made[0], date=ON, amount=Decimal(10)),
            Payment(company=company, invoice=made[1], date=ON, amount=Decimal(10)),
        ]
    )
    # Another transaction: its own mark on PostgreSQL; SQLite (one writer
    # at a time) keeps one a customer.
    again = [garage.pk] if connection.vendor == "postgresql" else []
    assert marks() == sorted([garage.pk, salon.pk, *again])
    if connection.vendor == "postgresql":  # 0007's, once a statement
        assert {"reports_aged_invoice_insert", "reports_aged_payment_insert"} <= (
            triggers_named(connection, "reports_aged_")
        )


@pytest.mark.django_db(transaction=True)
def test_a_build_vacuums_only_lines_it_replaced_and_keeps_none_when_nothing_is_owed():
    """The roll builds a company owing nothing every quarter of an hour (it
    has no snapshot): on PostgreSQL that must not vacuum the lines' table
    each time; a build replacing lines does."""
    from django.test.utils import CaptureQueriesContext

    def vacuums(build) -> int:
        with CaptureQueriesContext(connection) as queries:
            build()
        return sum(q["sql"].startswith("VACUUM") for q in queries.captured_queries)

    postgres = connection.vendor == "postgresql"
    company = make_company()
    late = make_invoice(make_customer(company), issue_date=date(2026, 1, 1))
    build = lambda: aged_snapshot_build(company=company, on=ON, now=NOW)  # noqa: E731
    assert vacuums(build) == 0  # nothing replaced
    assert vacuums(build) == (1 if postgres else 0)
    assert AgedLine.objects.count() == 1
    Invoice.objects.filter(pk=late.pk).update(status="cancelled", amount_due=0)
    assert vacuums(build) == (1 if postgres else 0)  # its line deleted
    assert AgedLine.objects.count() == 0
    assert AgedSnapshot.objects.count() == 0
    assert vacuums(build) == 0
