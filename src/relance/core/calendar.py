"""The sending calendar: when a company's messages may leave (ADR 22).

Pure: standard library and the `holidays` package only, no database, no
clock. A message leaves only on a working day (not a Saturday, a Sunday or a
French public holiday; Good Friday and 26 December too in Alsace-Moselle),
within the company's hours in its time zone, and outside its optional
pauses (August; 24 December to 1 January).
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

OPENS = time(8, 0)
CLOSES = time(18, 0)
# Départements whose law keeps Good Friday and 26 December as public
# holidays (Moselle, Bas-Rhin, Haut-Rhin).
ALSACE_MOSELLE = ("57", "67", "68")
SEARCH_DAYS = 400  # more than a year: some day is always open


@functools.cache
def _holidays(year: int, alsace_moselle: bool) -> frozenset[date]:
    days = set(holidays.France(years=year))
    if alsace_moselle:
        days |= set(holidays.France(years=year, subdiv="57"))
    return frozenset(days)


def in_alsace_moselle(postal_code: str, country: str = "FR") -> bool:
    """A French postal code of Moselle (57), Bas-Rhin (67) or Haut-Rhin (68)."""
    code = (postal_code or "").strip()
    return country == "FR" and len(code) == 5 and code[:2] in ALSACE_MOSELLE


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "Europe/Paris"
    opens: time = OPENS
    closes: time = CLOSES
    alsace_moselle: bool = False
    august_pause: bool = False
    christmas_pause: bool = False
    enabled: bool = True

    def holiday(self, day: date) -> bool:
        return day in _holidays(day.year, self.alsace_moselle)

    def paused(self, day: date) -> bool:
        if self.august_pause and day.month == 8:
            return True
        return self.christmas_pause and (
            (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
        )

    def working_day(self, day: date) -> bool:
        """A day on which messages may leave (within the hours)."""
        return day.weekday() < 5 and not self.holiday(day) and not self.paused(day)

    def allowed(self, moment: datetime) -> bool:
        return self.next_allowed(moment) == moment

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself when a message may leave then, otherwise the
        start of the next window (an aware datetime in the company's zone)."""
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        if not self.enabled:
            return moment
        zone = ZoneInfo(self.time_zone)
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if self.working_day(day):
                start = datetime.combine(day, self.opens, zone)
                end = datetime.combine(day, self.closes, zone)
                if local < start:
                    return start
                if local < end:
                    return moment
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), zone)
        raise ValueError("no working day within a year")  # pragma: no cover


def company_calendar(company) -> Calendar:
    """The calendar of a company (any object with the Company fields)."""
    return Calendar(
        time_zone=company.time_zone,
        opens=company.send_from,
        closes=company.send_until,
        alsace_moselle=in_alsace_moselle(company.postal_code, company.country),
        august_pause=company.pause_august,
        christmas_pause=company.pause_christmas,
        enabled=company.send_calendar,
    )
