"""The law's amounts, to the cent (law/penalties.py, pure)."""

from datetime import date
from decimal import Decimal

import pytest

from relance.law.penalties import (
    CustomerKind,
    Debt,
    Period,
    RateKind,
    RateMissing,
    RateTable,
    floor_rate,
    late_payment,
)

D = Decimal
RATES = RateTable(
    [
        (RateKind.ECB, date(2023, 9, 20), D("4.50")),
        (RateKind.ECB, date(2024, 6, 12), D("4.25")),
        (RateKind.ECB, date(2024, 12, 18), D("3.15")),
        (RateKind.ECB, date(2025, 2, 5), D("2.90")),
        (RateKind.ECB, date(2025, 6, 11), D("2.15")),
        (RateKind.LEGAL_OTHER, date(2025, 1, 1), D("3.71")),
        (RateKind.LEGAL_OTHER, date(2025, 7, 1), D("2.76")),
        (RateKind.LEGAL_PRIVATE, date(2025, 1, 1), D("7.21")),
    ]
)


def business(due, amount_due, payments=(), **fields):
    return Debt(CustomerKind.BUSINESS, due, D(amount_due), payments, **fields)


def test_the_ecb_rate_of_a_half_year_is_the_one_in_force_on_its_first_day():
    # Changed on 18 Dec 2024 and 5 Feb 2025: the first half of 2025 keeps 3.15.
    assert RATES.penalty_rate(date(2025, 3, 1)) == D("13.15")
    assert RATES.penalty_rate(date(2025, 6, 30)) == D("13.15")
    assert RATES.penalty_rate(date(2025, 7, 1)) == D("12.15")
    assert RATES.penalty_rate(date(2024, 12, 31)) == D("14.25")


def test_a_fixed_rate_over_thirty_days_as_the_published_example():
    """15 000 € × 15 % × 30 / 365 = 184,93 € (2M Consulting, « Le point sur
    les pénalités de retard », chap. 4; the example law-and-email.md §1.2
    cites)."""
    outcome = late_payment(
        business(date(2025, 3, 1), "15000.00"),
        date(2025, 3, 31),
        RATES,
        fixed_rate=D("15"),
    )
    assert (outcome.days_late, outcome.penalties) == (30, D("184.93"))
    assert outcome.indemnity == D("40.00")
    assert outcome.total == D("15224.93")


def test_a_delay_across_30_june_is_split_at_each_half_years_rate():
    outcome = late_payment(
        business(date(2025, 6, 15), "10000.00"), date(2025, 7, 15), RATES
    )
    assert outcome.periods == (
        Period(date(2025, 6, 16), date(2025, 6, 30), D("10000.00"), D("13.15")),
        Period(date(2025, 7, 1), date(2025, 7, 15), D("10000.00"), D("12.15")),
    )
    # 10 000 × (13,15 % × 15 + 12,15 % × 15) / 365 = 103,9726…
    assert outcome.penalties == D("103.97")
    assert [p.days for p in outcome.periods] == [15, 15]
    assert outcome.days_late == 30


def test_a_partial_payment_reduces_the_base_from_the_day_after_it():
    outcome = late_payment(
        business(date(2025, 1, 31), "6000.00", [(date(2025, 2, 15), D("4000.00"))]),
        date(2025, 3, 2),
        RATES,
    )
    assert [(p.start, p.end, p.base) for p in outcome.periods] == [
        (date(2025, 2, 1), date(2025, 2, 15), D("10000.00")),
        (date(2025, 2, 16), date(2025, 3, 2), D("6000.00")),
    ]
    # (10 000 × 15 + 6 000 × 15) × 13,15 % / 365 = 86,4657…
    assert outcome.penalties == D("86.47")
    assert outcome.principal == D("6000.00")


def test_a_paid_invoice_stops_at_its_payment_and_keeps_its_indemnity():
    outcome = late_payment(
        business(date(2025, 1, 31), "0.00", [(date(2025, 3, 2), D("10000.00"))]),
        date(2025, 12, 1),
        RATES,
    )
    assert (outcome.days_late, outcome.principal) == (30, D("0.00"))
    assert outcome.penalties == D("108.08")  # 10 000 × 13,15 % × 30 / 365
    assert outcome.indemnity == D("40.00")


def test_asked_before_a_later_payment_the_payment_is_still_owed():
    outcome = late_payment(
        business(date(2025, 1, 31), "0.00", [(date(2025, 3, 2), D("10000.00"))]),
        date(2025, 2, 10),
        RATES,
    )
    assert (outcome.principal, outcome.days_late) == (D("10000.00"), 10)


def test_paid_on_time_owes_nothing():
    outcome = late_payment(
        business(date(2025, 1, 31), "0.00", [(date(2025, 1, 31), D("500.00"))]),
        date(2025, 6, 1),
        RATES,
    )
    assert (outcome.penalties, outcome.indemnity, outcome.days_late) == (
        D("0.00"),
        D("0.00"),
        0,
    )


def test_a_360_day_basis_is_a_company_setting():
    outcome = late_payment(
        business(date(2025, 3, 1), "15000.00"),
        date(2025, 3, 31),
        RATES,
        fixed_rate=D("15"),
        basis=360,
    )
    assert outcome.penalties == D("187.50")


def test_a_consumer_is_never_charged_penalties_nor_indemnity():
    debt = Debt(CustomerKind.CONSUMER, date(2025, 1, 31), D("10000.00"))
    outcome = late_payment(debt, date(2025, 6, 1), RATES, fixed_rate=D("15"))
    assert (outcome.penalties, outcome.indemnity, outcome.legal_interest) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert outcome.days_late == 121
    assert outcome.total == D("10000.00")


def test_a_consumer_owes_legal_interest_from_the_formal_notice_received():
    debt = Debt(
        CustomerKind.CONSUMER,
        date(2025, 1, 31),
        D("10000.00"),
        notice_received_on=date(2025, 6, 10),
    )
    outcome = late_payment(debt, date(2025, 7, 10), RATES)
    assert [(p.start, p.end, p.rate) for p in outcome.periods] == [
        (date(2025, 6, 11), date(2025, 6, 30), D("3.71")),
        (date(2025, 7, 1), date(2025, 7, 10), D("2.76")),
    ]
    # 10 000 × (3,71 % × 20 + 2,76 % × 10) / 365 = 27,89…
    assert outcome.legal_interest == D("27.89")
    assert (outcome.penalties, outcome.indemnity) == (D("0.00"), D("0.00"))


def test_a_missing_rate_is_said_rather_than_guessed():
    with pytest.raises(RateMissing) as missing:
        late_payment(business(date(2014, 1, 31), "100.00"), date(2014, 3, 1), RATES)
    assert (missing.value.kind, missing.value.on) == (RateKind.ECB, date(2014, 1, 1))


def test_the_floor_of_a_contractual_rate_is_three_times_the_legal_rate():
    assert floor_rate(RATES, date(2025, 3, 1)) == D("11.13")
    assert floor_rate(RATES, date(2026, 3, 1)) is None
