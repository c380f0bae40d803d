"""Background tasks, and what puts work on the queue. They carry ids only;
the rows in the database say what to do, so a lost task is made good by the
next pass and a repeated one does nothing.

This module sits above the services: it calls them, they never call it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from huey import crontab

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.queue import db_periodic_task, db_task
from relance.core.selectors import company_get
from relance.dunning.models import DailyRun, ImportRun, Reminder, SendRun
from relance.dunning.planning import Plan
from relance.dunning.services import daily, delivery, import_runs, inbound
from relance.dunning.services.reminders import Created
from relance.dunning.services.send_runs import send_leaves_at, send_run_record

CHUNK = 200  # reminders per delivery task: workers share a big run
logger = logging.getLogger(__name__)


def send_run_start(
    *,
    plan: Plan,
    user=None,
    origin: str = Reminder.Origin.USER,
    now: datetime | None = None,
    send_now: bool = False,
) -> tuple[SendRun, Created]:
    """Record the plan's reminders under one run and queue their delivery.

    Returns at once; the workers send. The run's progress is read from its
    reminders (`send_runs.send_run_progress`). Outside the company's sending
    calendar they wait for its next allowed moment (the scheduler's beat
    sends them then), unless `send_now` (« Envoyer maintenant »).
    """
    now = now or utc_now()
    leaves_at = None if send_now else send_leaves_at(company=plan.company, now=now)
    with transaction.atomic():
        run, created = send_run_record(
            plan=plan,
            user=user,
            origin=origin,
            leaves_at=leaves_at,
            send_anytime=send_now,
        )
        ids = [reminder.pk for reminder in created.reminders]
        # Those that wait are skipped by the task; the scheduler's beat
        # sends them when their time comes.
        transaction.on_commit(lambda: enqueue_delivery(ids))
    return run, created


def import_run_start(*, company, kind: str, filename: str, content: bytes, user=None):
    """Keep the file, record its check, and queue it: returns the run at
    once; the page follows it."""
    with transaction.atomic():
        run = import_runs.import_run_record(
            company=company, kind=kind, filename=filename, content=content, user=user
        )
        transaction.on_commit(lambda: import_run(run.pk))
    return run


def import_run_confirm(*, checked: ImportRun, user=None) -> ImportRun:
    """Queue the import of a file checked without error."""
    with transaction.atomic():
        run = import_runs.import_run_confirm(checked=checked, user=user)
        transaction.on_commit(lambda: import_run(run.pk))
    return run


def enqueue_delivery(reminder_ids: list[int]) -> None:
    """Queue the delivery of these reminders, in chunks the workers share."""
    for start in range(0, len(reminder_ids), CHUNK):
        deliver_reminders(reminder_ids[start : start + CHUNK])


def schedule_tick(*, now) -> list[DailyRun]:
    """Start the daily job of every company whose hour has come today, and
    queue again a run whose task was lost. Returns the runs started."""
    started, lost = daily.daily_runs_due(now=now)
    for run in [*started, *lost]:
        daily_company(run.pk)
    return started


@db_task()
def deliver_reminders(reminder_ids: list[int]) -> None:
    delivery.reminders_deliver(reminder_ids=reminder_ids, now=utc_now())


@db_task()
def deliver_due() -> None:
    """Retries whose time has come, pending reminders whose task was lost, and
    crashed sends turned uncertain."""
    delivery.reminders_deliver_due(now=utc_now())


@db_task()
def daily_company(run_id: int) -> None:
    daily.daily_run_execute(run_id=run_id, now=utc_now())


@db_task()
def import_run(run_id: int) -> None:
    import_runs.import_run_execute(run_id=run_id)


@db_task()
def tick() -> None:
    """Daily jobs whose hour has come, then the queue's leftovers."""
    schedule_tick(now=utc_now())
    delivery.reminders_deliver_due(now=utc_now())
    for run_id in import_runs.import_runs_due(now=utc_now()):
        import_run(run_id)


@db_periodic_task(crontab(minute="*"))
def every_minute() -> None:
    """The scheduler's beat."""
    tick()


def inbox_fetch() -> inbound.InboundReport | None:
    """Read the IMAP mailbox (`RELANCE_INBOX_URL`), when there is one. A
    failure is logged (in French, without the password) and tried again at
    the next pass; nothing is lost, the messages stay unread."""
    if not settings.RELANCE_INBOX_URL:
        return None
    try:
        company = company_get(settings.RELANCE_INBOX_COMPANY)
        report = inbound.mailbox_fetch(company=company, now=utc_now())
    except ApplicationError as error:
        logger.error("Boîte aux lettres IMAP non lue : %s", error)
        return None
    for reason in report.skipped:
        logger.warning("Boîte aux lettres IMAP : %s", reason)
    if report.read:
        logger.info(
            "Boîte aux lettres IMAP : %s lu(s), %s non remis, %s réponse(s) "
            "automatique(s), %s réponse(s), %s inconnu(s)",
            report.read,
            len(report.bounces),
            report.auto_replies,
            len(report.replies),
            report.unknown,
        )
    return report


def _every(minutes: int) -> str:
    return "0" if minutes >= 60 else f"*/{minutes}"


@db_periodic_task(crontab(minute=_every(settings.RELANCE_INBOX_EVERY_MINUTES)))
def every_few_minutes() -> None:
    """The mailbox's beat (RELANCE_INBOX_EVERY_MINUTES)."""
    inbox_fetch()
