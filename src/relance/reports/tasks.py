"""The reports' background task: the aged balance's day roll. `relance
worker` imports this module so that its scheduler runs it."""

from huey import crontab

from relance.core.clock import utc_now
from relance.core.queue import db_periodic_task
from relance.reports.aged_snapshot import aged_snapshots_roll


@db_periodic_task(crontab(minute="*/15"))
def aged_snapshots() -> None:
    """The aged balance's snapshot of each company's today, built again once
    its day has turned (the buckets move as days pass; ADR 29)."""
    aged_snapshots_roll(now=utc_now())
