"""Issue 19 §5, ADR 13 amended in the fifteenth round: a past day's
indicators read from the sums by day are what the pure reference gives for
the history the sums were built from, whatever the day within their reach;
what is recorded later shows from the next build, or at once after
« Recalculer »; the roll builds them once a day."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.invoices.models import Customer, Invoice, Payment
from relance.reports import aged_snapshot
from relance.reports import indicators as ref
from relance.reports.aged_snapshot import aged_snapshots_build
from relance.reports.indicator_snapshot import (
    indicator_snapshot_rebuild,
    indicators_answer,
    indicators_read,
)
from relance.reports.indicator_sums import (
    SPAN_DAYS,
    indicator_sums_build,
    indicator_sums_roll,
    indicators_summed,
    reach,
)
from relance.reports.models import (
    AgedChangeSpan,
    DaySum,
    IndicatorSnapshot,
    IndicatorSumSpan,
    PaySum,
)
from relance.reports.selectors import late_leaders
from tests.factories import make_company
from tests.reports.test_indicators_sql import ON, doc, history_made

# The sums' today, 2026-06-15 in Paris: ON ± 60 days lies within their reach.
NOW = datetime(2026, 6, 15, 6, tzinfo=UTC)


def late_by_customer(docs, on) -> dict[int, Decimal]:
    """The reference's late amount of each customer owing one on `on`."""
    late: dict[int, Decimal] = {}
    for d in docs:
        if ref.is_late(d, on):
            late[d.customer] = late.get(d.customer, ref.ZERO) + ref.owed(d, on)
    return {customer: amount for customer, amount in late.items() if amount > 0}


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(doc, min_size=1, max_size=10),
    shift=st.integers(-60, 60),
    aged=st.booleans(),
)
def test_a_past_day_read_from_the_sums_is_the_reference_day(specs, shift, aged):
    on = ON + timedelta(days=shift)
    with transaction.atomic():
        company, docs, sent, promised = history_made(specs)
        if aged:  # the late payers' candidates read from the aged balance
            # (no pause between SQLite's transactions: no writer waits here)
            with mock.patch.object(aged_snapshot, "WRITERS_TURN", 0):
                aged_snapshots_build(company=company, now=NOW)
        assert indicator_sums_build(company=company, currency="EUR", now=NOW)
        figures, built_at = indicators_summed(company=company, on=on)
        assert built_at == NOW
        assert figures.overdue == {
            day: ref.overdue(docs, day) for day in ref.trend_dates(on)
        }
        assert figures.dso == ref.dso(docs, on)
        assert {c.pk: c.times for c in figures.days_to_pay} == ref.days_to_pay(docs, on)
        assert figures.steps == ref.step_yields(docs, sent, on)
        assert figures.promises == ref.promises(docs, promised, on)
        assert [
            (p.customer.pk, p.overdue, p.days_late) for p in figures.late_payers
        ] == [(p.customer, p.overdue, p.days_late) for p in ref.late_payers(docs, on)]
        late = late_by_customer(docs, on)
        for top in (1, 2):
            leaders = late_leaders(company=company, on=on, currency="EUR", top=top)
            if leaders is None:  # nothing owed today: no aged balance kept
                assert not AgedChangeSpan.objects.filter(company_id=company.pk)
                continue
            amounts = sorted(late.values(), reverse=True)
            least = amounts[top - 1] if len(amounts) >= top else ref.ZERO
            assert sorted(leaders) == sorted(
                (c, int(a * 100)) for c, a in late.items() if a >= least
            )
        transaction.set_rollback(True)


def invoice(company, customer, number, *, issue, due, total, due_now=None):
    return Invoice.objects.create(
        company=company,
        customer=customer,
        number=number,
        issue_date=issue,
        due_date=due,
        total=Decimal(total),
        amount_due=Decimal(total if due_now is None else due_now),
        status="open" if due_now != "0" else "paid",
    )


@pytest.fixture
def durand(db):
    company = make_company(name="Durand")
    garage = Customer.objects.create(company=company, code="411G", name="Garage")
    invoice(
        company,
        garage,
        "F1",
        issue=date(2026, 1, 10),
        due=date(2026, 2, 9),
        total="1200.00",
    )
    return company


DAY = date(2026, 4, 20)  # F1 70 days late, owed whole


def test_a_past_day_is_read_from_the_sums_and_kept_nowhere(durand):
    IndicatorSnapshot.objects.all().delete()
    indicator_sums_build(company=durand, currency="EUR", now=NOW)
    with _today(NOW):
        figures, computed_at = indicators_read(company=durand, on=DAY)
        answer = json.loads(indicators_answer(company=durand, on=DAY))
    assert computed_at == NOW
    assert figures.overdue_now == Decimal("1200.00")
    assert [(p.customer.code, p.overdue, p.days_late) for p in figures.late_payers] == [
        ("411G", Decimal("1200.00"), 70)
    ]
    assert answer["computed_at"] == "2026-06-15T06:00:00Z"
    assert answer["overdue"] == "1200.00"
    assert answer["late_payers"][0]["days_late"] == 70
    assert not IndicatorSnapshot.objects.exists()


def test_what_is_recorded_later_shows_from_the_next_build_or_after_recalculer(
    durand,
):
    indicator_sums_build(company=durand, currency="EUR", now=NOW)
    f1 = Invoice.objects.get(number="F1")
    Payment.objects.create(
        company=durand, invoice=f1, date=date(2026, 3, 1), amount=Decimal("200.00")
    )
    Invoice.objects.filter(pk=f1.pk).update(amount_due=Decimal("1000.00"))
    later = NOW + timedelta(hours=2)
    with _today(later):
        figures, computed_at = indicators_read(company=durand, on=DAY)
        # The sums are those of their build, and say so.
        assert (figures.overdue_now, computed_at) == (Decimal("1200.00"), NOW)
        # « Recalculer »: the day computed live, kept, read before the sums.
        indicator_snapshot_rebuild(company=durand, on=DAY, now=later)
        figures, computed_at = indicators_read(company=durand, on=DAY)
        assert (figures.overdue_now, computed_at) == (Decimal("1000.00"), later)
    IndicatorSnapshot.objects.all().delete()
    tomorrow = NOW + timedelta(days=1)
    assert indicator_sums_roll(now=tomorrow) == [durand]
    figures, computed_at = indicators_summed(company=durand, on=DAY)
    assert (figures.overdue_now, computed_at) == (Decimal("1000.00"), tomorrow)


def test_the_sums_hold_within_their_reach_only(durand):
    span = indicator_sums_build(company=durand, currency="EUR", now=NOW)
    assert (span.first, span.until) == (
        date(2026, 6, 15) - timedelta(days=SPAN_DAYS),
        date(2026, 6, 15),
    )
    assert DaySum.objects.filter(company_id=durand.pk).count() == SPAN_DAYS + 1
    # The day itself is not over when the sums were built: computed live.
    assert indicators_summed(company=durand, on=date(2026, 6, 15)) is None
    assert indicators_summed(company=durand, on=date(2026, 6, 14)) is not None
    oldest = span.first
    while reach(oldest) < span.first:
        oldest += timedelta(days=1)
    assert indicators_summed(company=durand, on=oldest) is not None
    assert indicators_summed(company=durand, on=oldest - timedelta(days=1)) is None
    assert indicators_summed(company=durand, on=DAY, currency="USD") is None


def test_the_roll_builds_each_company_once_a_day_in_each_currency(durand):
    garage = Customer.objects.get(code="411G")
    invoice(
        durand,
        garage,
        "U1",
        issue=date(2026, 3, 1),
        due=date(2026, 3, 1),
        total="50.00",
        due_now="0",
    )
    Invoice.objects.filter(number="U1").update(currency="USD")
    f1 = Invoice.objects.get(number="F1")
    Payment.objects.create(
        company=durand, invoice=f1, date=date(2026, 3, 1), amount=Decimal("1200.00")
    )
    Invoice.objects.filter(pk=f1.pk).update(amount_due=0, status="paid")
    assert indicator_sums_roll(now=NOW) == [durand]
    assert indicator_sums_roll(now=NOW + timedelta(hours=3)) == []
    spans = IndicatorSumSpan.objects.filter(company_id=durand.pk)
    assert sorted(spans.values_list("currency", flat=True)) == ["EUR", "USD"]
    # F1 paid 20 days after its due date, 50 after its issue date.
    [line] = PaySum.objects.filter(company_id=durand.pk, currency="EUR")
    assert (line.day, line.invoices, line.from_issue, line.from_due) == (
        date(2026, 3, 1),
        1,
        50,
        20,
    )
    assert indicator_sums_roll(now=NOW + timedelta(days=1)) == [durand]
    assert PaySum.objects.filter(company_id=durand.pk, currency="EUR").count() == 1


def _today(now: datetime):
    import time_machine

    return time_machine.travel(now, tick=False)


def test_the_late_leaders_count_the_writes_made_since_the_aged_build(durand):
    """Customers changed after the aged balance's build are read live."""
    with mock.patch.object(aged_snapshot, "WRITERS_TURN", 0):
        aged_snapshots_build(company=durand, now=NOW)
    garage = Customer.objects.get(code="411G")
    assert late_leaders(company=durand, on=DAY, currency="EUR", top=1) == [
        (garage.pk, 120000)
    ]
    bakery = Customer.objects.create(company=durand, code="411B", name="Boulangerie")
    invoice(
        durand,
        bakery,
        "F2",
        issue=date(2026, 1, 5),
        due=date(2026, 2, 4),
        total="1500.00",
    )
    assert late_leaders(company=durand, on=DAY, currency="EUR", top=1) == [
        (bakery.pk, 150000)
    ]
    # A tie for the first place: both.
    cafe = Customer.objects.create(company=durand, code="411C", name="Café")
    invoice(
        durand,
        cafe,
        "F3",
        issue=date(2026, 3, 1),
        due=date(2026, 3, 31),
        total="1500.00",
    )
    leaders = late_leaders(company=durand, on=DAY, currency="EUR", top=1)
    assert sorted(leaders) == sorted([(bakery.pk, 150000), (cafe.pk, 150000)])
    # Paid in part since: the garage's 1 200,00 comes second alone.
    f3 = Invoice.objects.get(number="F3")
    Payment.objects.create(
        company=durand, invoice=f3, date=date(2026, 4, 1), amount=Decimal("400.00")
    )
    Invoice.objects.filter(pk=f3.pk).update(amount_due=Decimal("1100.00"))
    leaders = late_leaders(company=durand, on=DAY, currency="EUR", top=2)
    assert sorted(leaders) == sorted([(bakery.pk, 150000), (garage.pk, 120000)])
