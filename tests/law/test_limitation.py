"""Time limits to claim an invoice in court (law/limitation.py, pure)."""

from datetime import date

from relance.law.limitation import (
    barred_soon,
    due_dates_barred_soon,
    last_day,
    time_barred,
)


def test_five_years_between_businesses_two_against_a_consumer():
    assert last_day("business", date(2021, 1, 31)) == date(2026, 1, 31)
    assert last_day("consumer", date(2024, 1, 31)) == date(2026, 1, 31)
    assert last_day("business", date(2020, 2, 29)) == date(2025, 2, 28)


def test_time_barred_once_the_last_day_has_passed():
    assert not time_barred("business", date(2021, 1, 31), date(2026, 1, 31))
    assert time_barred("business", date(2021, 1, 31), date(2026, 2, 1))
    assert time_barred("consumer", date(2024, 1, 30), date(2026, 1, 31))


def test_soon_means_within_six_months():
    today = date(2026, 12, 2)
    assert barred_soon("business", date(2022, 3, 1), today)
    assert not barred_soon("business", date(2022, 7, 1), today)
    assert not barred_soon("business", date(2021, 11, 1), today)  # already
    assert due_dates_barred_soon(today) == {
        "business": (date(2021, 12, 2), date(2022, 6, 3)),
        "consumer": (date(2024, 12, 2), date(2025, 6, 3)),
    }
