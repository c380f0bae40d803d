"""A company's date: its own calendar day, in its own time zone."""

from datetime import date, datetime

import pytest

from relance.core.clock import company_today, local_date
from tests.factories import make_company


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("instant", "time_zone", "expected"),
    [
        ("2026-03-01T23:30:00+00:00", "Europe/Paris", "2026-03-02"),
        ("2026-03-01T22:59:59+00:00", "Europe/Paris", "2026-03-01"),
        ("2026-03-01T23:30:00+00:00", "UTC", "2026-03-01"),
        # Summer time: Paris is UTC+2, so 22:30 UTC is already the next day.
        ("2026-07-14T22:30:00+00:00", "Europe/Paris", "2026-07-15"),
        # The night of the spring change (29 March 2026, 02:00 → 03:00).
        ("2026-03-28T22:30:00+00:00", "Europe/Paris", "2026-03-28"),
        ("2026-03-28T23:30:00+00:00", "Europe/Paris", "2026-03-29"),
        ("2026-03-29T22:30:00+00:00", "Europe/Paris", "2026-03-30"),
        # The night of the autumn change (25 October 2026, 03:00 → 02:00).
        ("2026-10-24T21:59:00+00:00", "Europe/Paris", "2026-10-24"),
        ("2026-10-24T22:30:00+00:00", "Europe/Paris", "2026-10-25"),
        ("2026-10-25T22:30:00+00:00", "Europe/Paris", "2026-10-25"),
        # Overseas companies have their own day.
        ("2026-03-01T03:00:00+00:00", "America/Martinique", "2026-02-28"),
        ("2026-03-01T21:00:00+00:00", "Indian/Reunion", "2026-03-02"),
    ],
)
def test_today_is_the_company_date_in_its_time_zone(instant, time_zone, expected):
    assert local_date(time_zone, datetime.fromisoformat(instant)) == d(expected)


def test_today_needs_an_aware_instant():
    with pytest.raises(ValueError):
        local_date("Europe/Paris", datetime(2026, 3, 1, 23, 30))


@pytest.mark.django_db
def test_a_company_today_is_its_date_in_its_time_zone():
    company = make_company(time_zone="Indian/Reunion")
    instant = datetime.fromisoformat("2026-03-01T21:00:00+00:00")
    assert company_today(company, instant) == d("2026-03-02")
