"""The one place that reads the wall clock, and a company's "today".

The rest of the code takes time as an argument: services and rules are
given `now` or `today`; entry points (views, API, commands, tasks) ask here.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_date(time_zone: str, now: datetime) -> date:
    """The calendar date in `time_zone` at the aware instant `now`.

    At 23:30 UTC on 1 March it is already 2 March in Paris.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(time_zone)).date()


def company_today(company, now: datetime | None = None) -> date:
    """The company's date in its own time zone, now (or at `now`)."""
    return local_date(company.time_zone, now or utc_now())
