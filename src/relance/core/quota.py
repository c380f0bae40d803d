"""The mail server's quota: at most `Company.quota_per_minute` and
`Company.quota_per_day` messages handed to it, by all workers together.

Each minute and each day (the company's own) has a counter row; a worker
takes its messages from them in one transaction, the rows locked
(`select_for_update` on PostgreSQL; SQLite's transactions are IMMEDIATE, so
writers already take turns). A message refused by the quota waits for the
next allowed moment (`quota_resume_at`).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from relance.core.calendar import company_calendar
from relance.core.models import Company, MailQuotaUse


@dataclass(frozen=True)
class Grant:
    granted: int  # messages that may go now
    resume_at: datetime | None  # when the others may go (None: all granted)


def has_quota(company: Company) -> bool:
    return bool(company.quota_per_minute or company.quota_per_day)


def _periods(company: Company, now: datetime) -> dict[str, int]:
    local = now.astimezone(ZoneInfo(company.time_zone))
    periods = {}
    if company.quota_per_minute:
        periods[f"m:{local:%Y-%m-%dT%H:%M}"] = company.quota_per_minute
    if company.quota_per_day:
        periods[f"d:{local:%Y-%m-%d}"] = company.quota_per_day
    return periods


def quota_resume_at(*, company: Company, now: datetime, day_full: bool) -> datetime:
    """The next moment a message refused by the quota may go: the next
    minute, or the next day's window when the day's quota is used up."""
    zone = ZoneInfo(company.time_zone)
    local = now.astimezone(zone)
    if day_full:
        after = datetime.combine(local.date() + timedelta(days=1), time(0), zone)
    else:
        after = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return company_calendar(company).next_allowed(after)


def quota_take(*, company: Company, count: int, now: datetime) -> Grant:
    """Take up to `count` messages from the company's quota at `now`."""
    periods = _periods(company, now)
    if not periods or count <= 0:
        return Grant(count, None)
    with transaction.atomic():
        existing = set(
            MailQuotaUse.objects.filter(
                company=company, period__in=list(periods)
            ).values_list("period", flat=True)
        )
        missing = [p for p in periods if p not in existing]
        if missing:
            # A new minute or day: yesterday's counters go (one DELETE).
            MailQuotaUse.objects.filter(company=company).exclude(
                period__in=list(periods)
            ).filter(period__lt=f"d:{now - timedelta(days=2):%Y-%m-%d}").delete()
            MailQuotaUse.objects.filter(
                company=company, period__startswith="m:"
            ).exclude(period__in=list(periods)).delete()
            MailQuotaUse.objects.bulk_create(
                [MailQuotaUse(company=company, period=p) for p in missing],
                ignore_conflicts=True,
            )
        rows = list(
            MailQuotaUse.objects.select_for_update()
            .filter(company=company, period__in=list(periods))
            .order_by("period")
        )
        left = {row.period: max(periods[row.period] - row.used, 0) for row in rows}
        granted = min(count, *left.values())
        if granted:
            MailQuotaUse.objects.filter(pk__in=[row.pk for row in rows]).update(
                used=F("used") + granted
            )
    if granted == count:
        return Grant(granted, None)
    day_full = any(p.startswith("d:") and n == granted for p, n in left.items())
    return Grant(granted, quota_resume_at(company=company, now=now, day_full=day_full))
