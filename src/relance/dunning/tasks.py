"""Background tasks. They carry ids only; the rows in the database say what to
do, so a lost task is made good by the next pass and a repeated one does
nothing."""

from huey import crontab

from relance.core.clock import utc_now
from relance.core.queue import db_periodic_task, db_task
from relance.dunning.services import runs, sending

CHUNK = runs.CHUNK


def enqueue_delivery(reminder_ids: list[int]) -> None:
    """Queue the delivery of these reminders, in chunks the workers share."""
    for start in range(0, len(reminder_ids), CHUNK):
        deliver_reminders(reminder_ids[start : start + CHUNK])


@db_task()
def deliver_reminders(reminder_ids: list[int]) -> None:
    sending.reminders_deliver(reminder_ids=reminder_ids, now=utc_now())


@db_task()
def deliver_due() -> None:
    """Retries whose time has come, pending reminders whose task was lost, and
    crashed sends turned uncertain."""
    sending.reminders_deliver_due(now=utc_now())


@db_task()
def daily_company(run_id: int) -> None:
    runs.daily_company_run(run_id=run_id, now=utc_now())


@db_task()
def tick() -> None:
    """Daily jobs whose hour has come, then the queue's leftovers."""
    runs.schedule_tick(now=utc_now())
    sending.reminders_deliver_due(now=utc_now())


@db_periodic_task(crontab(minute="*"))
def every_minute() -> None:
    """The scheduler's beat."""
    tick()
