"""The aged balance's snapshots under concurrent reads, writes and builds
(ADR 29, amended 2026-12-05): a read racing a build, two builds of one
company, two writers marking two customers in opposite orders, writes
between a build's transactions. Reproductions of a review's findings."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections, transaction

from relance.invoices.models import Invoice
from relance.reports import aged_snapshot as snap
from relance.reports import selectors
from relance.reports.aged_snapshot import aged_snapshot_build, aged_snapshots_roll
from relance.reports.models import AgedMark, AgedSnapshot
from relance.reports.selectors import aged_balance
from tests.factories import make_company, make_customer, make_invoice, pay

ON = date(2026, 3, 31)
END = date(2026, 2, 28)
NOW = datetime(2026, 3, 31, 6, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)


def total(company, on=ON) -> str:
    return aged_balance(company=company, on=on).total.as_dict()["total"]


class Stop(Exception):
    pass


def _first_transaction_only(company, monkeypatch) -> None:
    """A build that commits its first transaction (snapshots dropped,
    marks deleted) and stops before any day's, as one does for the
    seconds its days take."""

    def stop(*args, **kwargs):
        raise Stop

    with monkeypatch.context() as patch:
        patch.setattr(snap, "owed_lines_sql", stop)
        with pytest.raises(Stop):
            aged_snapshot_build(company=company, on=ON, now=NOW, past=[END])


def _garage(company):
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    late = make_invoice(garage, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
    return garage, late  # 1 200,00 owed


def test_a_build_starting_once_the_marks_are_read_sends_the_read_live(monkeypatch):
    """A payment committed before the read; a build's first transaction
    commits between the read's marks and its snapshot: the snapshot is
    gone, the read is live, the payment in it."""
    company = make_company()
    _, late = _garage(company)
    aged_snapshot_build(company=company, on=ON, now=NOW, past=[END])
    pay(late, on=date(2026, 3, 30), amount="200.00")
    real = selectors._snapshot_id
    calls = []

    def build_first(*args):
        if not calls:
            calls.append(1)
            _first_transaction_only(company, monkeypatch)
        return real(*args)

    monkeypatch.setattr(selectors, "_snapshot_id", build_first)
    assert total(company) == "1000.00"
    assert calls == [1]


def test_a_build_between_the_snapshot_and_its_lines_sends_the_read_live(monkeypatch):
    """The day turned: a build for the next day drops yesterday's lines
    between the read's look for yesterday's snapshot and its lines. The
    snapshot is looked for again, and the read done live."""
    company = make_company()
    _garage(company)
    aged_snapshot_build(company=company, on=ON, now=NOW)
    real = selectors._snapshot_id
    calls = []

    def next_day_built(*args):
        found = real(*args)
        if not calls:
            calls.append(1)
            aged_snapshot_build(company=company, on=ON + timedelta(days=1), now=NOW)
        return found

    monkeypatch.setattr(selectors, "_snapshot_id", next_day_built)
    assert total(company) == "1200.00"
    assert not AgedSnapshot.objects.filter(on=ON).exists()


def test_writes_between_a_build_s_transactions_are_in_every_day(monkeypatch):
    """A write after the first transaction (SQLite: no snapshot then, so
    unmarked) is seen by every day; one between two days' builds is seen
    by the next and marked for the one before."""
    company = make_company()
    _, late = _garage(company)
    late.due_date = date(2026, 2, 15)
    late.save()
    aged_snapshot_build(company=company, on=ON, now=NOW, past=[END])
    real = snap.transaction.atomic
    opened = []

    def atomic(*args, **kwargs):
        opened.append(1)
        if len(opened) == 2:  # the first committed, today's not begun
            pay(late, on=date(2026, 2, 20), amount="100.00")
        if len(opened) == 3:  # today's committed, the month end's not begun
            pay(late, on=date(2026, 2, 21), amount="50.00")
        return real(*args, **kwargs)

    monkeypatch.setattr(snap.transaction, "atomic", atomic)
    aged_snapshot_build(company=company, on=ON, now=NOW, past=[END])
    monkeypatch.undo()
    assert total(company) == "1050.00"
    assert total(company, END) == "1050.00"


def test_two_builds_of_a_company_take_turns_and_lose_no_write(monkeypatch):
    """PostgreSQL: build A has read a day's sums and not committed; a
    payment commits; build B waits for A instead of deleting the
    payment's mark, and the roll meanwhile leaves the company alone."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    company = make_company()
    _, late = _garage(company)
    aged_snapshot_build(company=company, on=ON, now=NOW)
    a_read, a_go, errors, roles = threading.Event(), threading.Event(), [], {}
    real_create = AgedSnapshot.objects.create

    def create(**fields):
        if roles.get(threading.get_ident()) == "A":
            a_read.set()
            a_go.wait(20)
        return real_create(**fields)

    def build(role):
        roles[threading.get_ident()] = role
        try:
            aged_snapshot_build(company=company, on=ON, now=NOW)
        except Exception as error:  # reported below
            errors.append((role, error))
        finally:
            connections.close_all()

    monkeypatch.setattr(AgedSnapshot.objects, "create", create)
    a = threading.Thread(target=build, args=("A",))
    a.start()
    assert a_read.wait(10)
    pay(late, on=date(2026, 3, 30), amount="300.00")
    b = threading.Thread(target=build, args=("B",))
    b.start()
    time.sleep(0.5)
    assert b.is_alive(), "B did not wait for A"
    assert AgedMark.objects.filter(company_id=company.pk).exists()
    assert aged_snapshots_roll(now=NOW) == []  # A builds it: left alone
    a_go.set()
    a.join(20)
    b.join(20)
    assert errors == []
    assert total(company) == "900.00"


def test_two_writers_marking_two_customers_in_opposite_orders_do_not_wait():
    """PostgreSQL: each transaction changes an invoice of A then of B, the
    other B then A, neither customer marked yet. With one mark a customer
    (a unique key) the second writer of each waited for the other: a
    deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    company = make_company()
    a, b = (make_customer(company, code=code, name=code) for code in ("A", "B"))
    a1, a2, b1, b2 = (
        make_invoice(customer, issue_date=date(2026, 1, 1), due_date=date(2026, 3, 15))
        for customer in (a, a, b, b)
    )
    aged_snapshot_build(company=company, on=ON, now=NOW)
    both, errors = threading.Barrier(2), []

    def writer(one, two):
        try:
            with transaction.atomic():
                Invoice.objects.filter(pk=one.pk).update(due_date=date(2026, 3, 1))
                both.wait(5)
                Invoice.objects.filter(pk=two.pk).update(due_date=date(2026, 3, 1))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=(a1, b1)),
        threading.Thread(target=writer, args=(b2, a2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert set(AgedMark.objects.values_list("customer_id", flat=True)) == {a.pk, b.pk}
