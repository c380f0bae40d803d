"""How long an invoice can be claimed in court (« prescription »), as pure
functions. Standard library only.

- Between businesses: 5 years (Code de commerce L110-4).
- Against a consumer: 2 years (Code de la consommation L218-2).

Both run from the due date; the claim is time-barred once the last day of the
term has passed (Code civil 2229): an invoice due on 31 January 2021 can be
claimed until 31 January 2026 included.
"""

from datetime import date, timedelta

YEARS = {"business": 5, "consumer": 2}
SOON = 183  # days: « bientôt prescrite », about six months ahead


def _add_years(day: date, years: int) -> date:
    year = day.year + years
    if not 1 <= year <= 9999:  # a date stored out of range: never barred
        return date.max if years > 0 else date.min
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def last_day(customer_kind: str, due_date: date) -> date:
    """The last day the invoice can be claimed in court."""
    return _add_years(due_date, YEARS[customer_kind])


def time_barred(customer_kind: str, due_date: date, today: date) -> bool:
    return today > last_day(customer_kind, due_date)


def barred_soon(customer_kind: str, due_date: date, today: date) -> bool:
    """Not yet time-barred, but within SOON days of it."""
    end = last_day(customer_kind, due_date)
    return today <= end <= today + timedelta(days=SOON)


def due_dates_barred_soon(today: date) -> dict[str, tuple[date, date]]:
    """Per customer kind, the due dates (first, last) of the invoices not yet
    time-barred that will be within SOON days: for a list filter."""
    horizon = today + timedelta(days=SOON)
    return {
        kind: (_add_years(today, -years), _add_years(horizon, -years))
        for kind, years in YEARS.items()
    }
