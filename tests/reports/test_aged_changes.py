"""A past day kept by no snapshot (ADR 29, amended in the fourteenth round): read from
the nearest kept day's lines and the changes of the days between, true as
the live balance; the customers written since read live; a day out of the
changes' span, or a build meanwhile, computed live."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from relance.invoices.models import Invoice
from relance.reports import selectors
from relance.reports.aged_snapshot import aged_snapshot_build, aged_snapshots_roll
from relance.reports.models import (
    AgedChange,
    AgedChangeSpan,
    AgedLine,
    AgedMark,
    AgedSnapshot,
)
from relance.reports.selectors import aged_balance
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    pay,
)

TODAY = date(2026, 4, 15)
END = date(2026, 3, 31)  # the last month end, kept beside today
NOW = datetime(2026, 4, 15, 6, tzinfo=UTC)


def lines(balance) -> dict:
    return {c.code: c.line.as_dict() for c in balance.customers} | {
        "total": balance.total.as_dict()
    }


def live(company, on) -> dict:
    """The balance computed from the invoices and payments alone."""
    return lines(
        selectors._lines_read(
            company,
            on,
            "EUR",
            (),
            order=selectors._order_by("total", True),
            limit=None,
            offset=0,
        )
    )


def row(not_due="0.00", late_1_30="0.00", late_31_60="0.00", total=None) -> dict:
    amounts = {
        "not_due": not_due,
        "1_30": late_1_30,
        "31_60": late_31_60,
        "61_90": "0.00",
        "over_90": "0.00",
    }
    return amounts | {"total": total or f"{sum(map(Decimal, amounts.values())):.2f}"}


@pytest.fixture
def company():
    """A garage owing an invoice due on 20 March, paid in part on 5 April;
    a bakery invoiced on 8 April (owing nothing on the month end), with a
    credit note of 1 April."""
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    late = make_invoice(
        garage, issue_date=date(2026, 2, 18), due_date=date(2026, 3, 20)
    )  # 1 200,00
    pay(late, on=date(2026, 4, 5), amount="200.00")
    make_invoice(
        bakery,
        issue_date=date(2026, 4, 8),
        due_date=date(2026, 5, 8),
        total=Decimal("300.00"),
    )
    make_credit_note(bakery, issue_date=date(2026, 4, 1), total=Decimal("50.00"))
    aged_snapshot_build(company=company, on=TODAY, now=NOW, past=[END])
    return company


@pytest.mark.django_db
def test_a_day_between_two_kept_days_is_the_live_balance_read_from_the_changes(
    company,
):
    assert set(AgedSnapshot.objects.values_list("on", flat=True)) == {TODAY, END}
    [span] = AgedChangeSpan.objects.values_list("after", "until")
    assert span == (date(2026, 2, 28), TODAY)  # 31 days before the oldest
    days = {
        # 20 March: due that day, not late yet.
        date(2026, 3, 20): {"411GAR": row(not_due="1200.00"), "total": row("1200.00")},
        # Late from the 21st, 1 200,00 until the payment of 5 April; the
        # credit note counted from its date, 1 day late on 2 April.
        date(2026, 4, 2): {
            "411GAR": row(late_1_30="1200.00"),
            "411BOU": row(late_1_30="-50.00"),
            "total": row(late_1_30="1150.00"),
        },
        date(2026, 4, 5): {
            "411GAR": row(late_1_30="1000.00"),
            "411BOU": row(late_1_30="-50.00"),
            "total": row(late_1_30="950.00"),
        },
        # The bakery's invoice issued on the 8th.
        date(2026, 4, 11): {
            "411GAR": row(late_1_30="1000.00"),
            "411BOU": row(not_due="300.00", late_1_30="-50.00"),
            "total": row(not_due="300.00", late_1_30="950.00"),
        },
    }
    for day, expected in days.items():
        assert selectors._derived(company, day, "EUR") is not None, day
        assert lines(aged_balance(company=company, on=day)) == expected, day
        assert live(company, day) == expected, day
    # 4 April is nearer the month end (4 days) than today (11): read from
    # the month end plus the changes of 1–4 April. A change of 1 April
    # altered shows there (so the changes are read), not on 11 April (read
    # from today back).
    altered = AgedChange.objects.filter(day=date(2026, 4, 1))
    assert altered.count() == 1  # the credit note's
    altered.update(b_over_90=Decimal("7.00"))
    assert lines(aged_balance(company=company, on=date(2026, 4, 4)))["411BOU"] == row(
        late_1_30="-50.00"
    ) | {"over_90": "7.00", "total": "-43.00"}
    assert (
        lines(aged_balance(company=company, on=date(2026, 4, 11)))
        == days[date(2026, 4, 11)]
    )


@pytest.mark.django_db
def test_a_customer_written_since_is_read_live_the_others_from_the_changes(company):
    garage = Invoice.objects.get(customer__code="411GAR")
    # A payment of 30 March recorded late: the garage is marked.
    pay(garage, on=date(2026, 3, 30), amount="100.00")
    on = date(2026, 4, 2)
    expected = {
        "411GAR": row(late_1_30="1100.00"),
        "411BOU": row(late_1_30="-50.00"),
        "total": row(late_1_30="1050.00"),
    }
    assert lines(aged_balance(company=company, on=on)) == expected == live(company, on)
    # The bakery is read from the changes: a change of 1 April altered
    # shows.
    AgedChange.objects.filter(day=date(2026, 4, 1)).update(b_over_90=Decimal("7.00"))
    assert lines(aged_balance(company=company, on=on))["411BOU"]["over_90"] == "7.00"


@pytest.mark.django_db
def test_a_day_out_of_the_span_or_a_build_meanwhile_is_computed_live(company):
    before = date(2026, 2, 27)  # the span starts after 28 February
    assert selectors._derived(company, before, "EUR") is None
    assert lines(aged_balance(company=company, on=before)) == live(company, before)
    later = date(2026, 4, 20)  # after today's build
    assert selectors._derived(company, later, "EUR") is None
    _sql, _params, held = selectors._derived(company, date(2026, 4, 2), "EUR")
    assert selectors._derived_holds(held)
    aged_snapshot_build(company=company, on=TODAY, now=NOW, past=[END])
    assert not selectors._derived_holds(held)


@pytest.mark.django_db
def test_the_roll_builds_the_changes_a_company_lacks_and_drops_them_when_owed_nothing(
    company,
):
    """An installation upgraded has its snapshots but no changes: the roll
    builds them. A company owing nothing keeps none."""
    AgedChangeSpan.objects.all().delete()
    AgedChange.objects.all().delete()
    assert aged_snapshots_roll(now=NOW) == [company]
    assert AgedChangeSpan.objects.filter(company_id=company.pk, until=TODAY).exists()
    assert AgedChange.objects.filter(company_id=company.pk).count() > 0
    assert aged_snapshots_roll(now=NOW) == []
    Invoice.objects.filter(company_id=company.pk).update(
        status="cancelled", amount_due=0, credit_left=0
    )
    aged_snapshot_build(company=company, on=TODAY, now=NOW)
    assert not AgedChange.objects.filter(company_id=company.pk).exists()
    assert not AgedChangeSpan.objects.filter(company_id=company.pk).exists()


def _interleaved(monkeypatch, company, where: str) -> None:
    """A build of the company runs whole while this one has its changes
    computed (`where`: "staged", before it writes any; "pause", between two
    of its transactions), after a payment of 10 March recorded late, which
    the other build's first transaction unmarks. SQLite's builds may run
    side by side; on PostgreSQL the same session takes the lock again."""
    from contextlib import contextmanager

    from relance.reports import aged_snapshot

    garage = Invoice.objects.get(customer__code="411GAR")
    done = []

    def other_build():
        if done:
            return
        done.append(True)
        pay(garage, on=date(2026, 3, 10), amount="400.00")
        monkeypatch.setattr(aged_snapshot, "STAGED", "reports_agedchange_other")
        aged_snapshot_build(company=company, on=TODAY, now=NOW, past=[END])
        monkeypatch.setattr(aged_snapshot, "STAGED", "reports_agedchange_staged")

    if where == "staged":
        staged = aged_snapshot._staged

        @contextmanager
        def staged_then_other(*args):
            with staged(*args) as table:
                other_build()
                yield table

        monkeypatch.setattr(aged_snapshot, "_staged", staged_then_other)
    else:
        monkeypatch.setattr(aged_snapshot, "CHANGES_DAYS_A_TRANSACTION", 7)
        monkeypatch.setattr(aged_snapshot, "WRITERS_TURN", 0)
        if connection.vendor != "sqlite":
            pytest.skip("PostgreSQL does not pause between the transactions")
        monkeypatch.setattr(aged_snapshot.time, "sleep", lambda _s: other_build())


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["staged", "pause"])
def test_a_build_beside_another_leaves_the_other_s_changes_standing(
    monkeypatch, company, where
):
    """Its changes, computed before the other build unmarked the payment,
    would move 1 200,00 into « 1 à 30 j » on 21 March where 800,00 were
    owed: read from the month end back, 15 March would show 1 200,00 not
    due and -400,00 late. It stops writing, the other's changes stand, and
    every day of the span read from them is the live balance."""
    _interleaved(monkeypatch, company, where)
    aged_snapshot_build(company=company, on=TODAY, now=NOW, past=[END])
    assert not AgedMark.objects.exists()
    [(after, until)] = AgedChangeSpan.objects.values_list("after", "until")
    day = date(2026, 3, 15)
    assert lines(aged_balance(company=company, on=day))["411GAR"] == row(
        not_due="800.00"
    )
    for n in range(1, (until - after).days):
        on = after + timedelta(days=n)
        assert selectors._derived(company, on, "EUR") is not None, on
        assert lines(aged_balance(company=company, on=on)) == live(company, on), on


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's statistics: PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_a_first_build_leaves_its_lines_and_changes_analysed():
    """Found by the fifteenth round's bench: a first build (nothing
    replaced) left the month ends' lines and the changes unanalysed, and a
    day between two kept days was planned as a nested loop (minutes)."""
    garage = make_customer(make_company(), code="411GAR", name="Garage")
    late = make_invoice(garage, issue_date=date(2026, 2, 18), due_date=END)
    pay(late, on=date(2026, 4, 5), amount="200.00")
    company = garage.company
    aged_snapshot_build(company=company, on=TODAY, now=NOW, past=[END])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN"
            " ('reports_agedline', 'reports_agedchange') ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("reports_agedchange", AgedChange.objects.count()),
            ("reports_agedline", AgedLine.objects.count()),
        ]
