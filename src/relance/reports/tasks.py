"""The reports' background tasks: the aged balance's day roll and the
indicators' snapshots. `relance worker` imports this module so that its
scheduler runs them."""

from datetime import date

from huey import crontab

from relance.core.clock import company_today, utc_now
from relance.core.models import Company
from relance.core.queue import db_periodic_task, db_task
from relance.reports.aged_snapshot import aged_snapshots_roll
from relance.reports.indicator_snapshot import (
    indicator_snapshot_rebuild,
    indicator_snapshots_roll,
    month_end_snapshots_roll,
)
from relance.reports.indicator_sums import indicator_sums_roll


@db_periodic_task(crontab(minute="*/15"))
def aged_snapshots() -> None:
    """The aged balance's snapshot of each company's today, built again once
    its day has turned (the buckets move as days pass; ADR 29)."""
    aged_snapshots_roll(now=utc_now())


@db_periodic_task(crontab(minute="*/15"))
def indicator_snapshots() -> None:
    """Each company's indicators built again once its day has turned or
    they are an hour old (ADR 13)."""
    indicator_snapshots_roll(now=utc_now())


@db_periodic_task(crontab(minute="7-59/15"))
def month_end_snapshots() -> None:
    """The indicators of the month ends the trend shows, built when missing
    or a day old (one a company each time); other past days' dropped once
    a day old (ADR 13, amended 2026-12-04, evening)."""
    month_end_snapshots_roll(now=utc_now())


@db_periodic_task(crontab(minute="11-59/15"))
def indicator_sums() -> None:
    """The indicators' sums by day, built again once each company's day has
    turned: a past day's figures are read from them (ADR 13, amended in
    the fifteenth round)."""
    indicator_sums_roll(now=utc_now())


@db_task()
def indicators_rebuild(company_id: int, currency: str = "EUR", on: str = "") -> None:
    """« Recalculer » on the indicators' page: the day shown (ISO date),
    today's by default."""
    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        now = utc_now()
        day = date.fromisoformat(on) if on else company_today(company, now)
        indicator_snapshot_rebuild(company=company, on=day, now=now, currency=currency)
