"""Runs: a click on « Envoyer les relances » queued for the workers, and the
daily job as the scheduler starts it for each company at its own hour."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.messages import Composed, email_build
from relance.dunning.models import DailyRun, Reminder, SendRun
from relance.dunning.planning import Plan, reminder_plan
from relance.dunning.services.sending import (
    Created,
    message_id_new,
    reminders_create,
    reminders_deliver,
)
from relance.dunning.services.state import invoices_refresh
from relance.mailing.delivery import Outcome, transport_open
from relance.mailing.html import text_to_html

CHUNK = 200  # reminders per delivery task: workers share a big run
RESTART_AFTER = timedelta(minutes=10)  # a daily run unfinished by then is re-queued
Status = Reminder.Status


def send_run_start(
    *, plan: Plan, user=None, origin: str = Reminder.Origin.USER, enqueue: bool = True
) -> tuple[SendRun, Created]:
    """Record the plan's reminders under one run and queue their delivery.

    Returns at once; the workers send. The run's progress is read from its
    reminders (`send_run_progress`).
    """
    from relance.dunning import tasks

    with transaction.atomic():
        run = SendRun.objects.create(
            company=plan.company, origin=origin, triggered_by=user
        )
        created = reminders_create(plan=plan, user=user, origin=origin, run=run)
        ids = [reminder.pk for reminder in created.reminders]
        if enqueue:
            transaction.on_commit(lambda: tasks.enqueue_delivery(ids))
    return run, created


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    cancelled: int
    uncertain: int
    retrying: int  # refused for now, another try is planned
    waiting: int  # not yet tried, or being sent

    @property
    def finished(self) -> bool:
        return self.waiting == 0

    @property
    def done(self) -> int:
        return self.total - self.waiting

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


def send_run_progress(run: SendRun) -> Progress:
    counts = Reminder.objects.filter(run=run).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(status=Status.SENT)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        uncertain=Count("pk", filter=Q(status=Status.UNCERTAIN)),
        retrying=Count("pk", filter=Q(status=Status.PENDING, attempts__gt=0)),
        waiting=Count(
            "pk",
            filter=Q(status=Status.SENDING) | Q(status=Status.PENDING, attempts=0),
        ),
    )
    return Progress(**counts)


def schedule_tick(*, now: datetime) -> list[DailyRun]:
    """Start the daily job of every company whose hour has come today.

    Runs each minute on the scheduler. A company's run is recorded first: the
    database refuses a second scheduled run on the same date, so a machine
    that was off at the hour runs it once at start, and never twice. A run
    whose task was lost is queued again.
    """
    from relance.dunning import tasks

    started = []
    for company in Company.objects.only("pk", "time_zone", "daily_run_at"):
        today = rules.daily_run_date(company.time_zone, company.daily_run_at, now)
        if today is None:
            continue
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(
                    company=company,
                    date=today,
                    origin=DailyRun.Origin.SCHEDULE,
                    started_at=now,
                )
        except IntegrityError:
            continue  # already run today
        started.append(run)
    lost = DailyRun.objects.filter(
        origin=DailyRun.Origin.SCHEDULE,
        finished_at=None,
        started_at__lt=now - RESTART_AFTER,
    ).exclude(pk__in=[run.pk for run in started])
    for run in [*started, *lost]:
        tasks.daily_company(run.pk)
    return started


def daily_company_run(*, run_id: int, now: datetime) -> DailyRun:
    """The daily job of one company: tag, send when automatic, report failures.

    Safe to run twice: tagging is idempotent, a reminder already pending for a
    level is never created again, and the digest is claimed before it goes.
    """
    run = DailyRun.objects.select_related("company").get(pk=run_id)
    company = run.company
    result = invoices_refresh(company=company, today=run.date)
    run.tagged, run.untagged, run.to_remind = (
        result.tagged,
        result.untagged,
        result.to_remind,
    )
    if company.auto_send:
        plan = reminder_plan(company=company, today=run.date)
        if plan.problems:
            run.error = " ".join(plan.problems)
        elif plan.messages:
            send_run, created = send_run_start(
                plan=plan, origin=Reminder.Origin.SCHEDULE, enqueue=False
            )
            delivered = reminders_deliver(
                reminder_ids=[r.pk for r in created.reminders], now=now, today=run.date
            )
            run.send_run = send_run
            run.sent = len(delivered.sent)
            run.failed = (
                len(delivered.failed)
                + len(delivered.uncertain)
                + len(delivered.retrying)
            )
    run.finished_at = now
    run.save()
    digest_send(company=company, run=run, now=now)
    return run


def problem_reminders(company: Company, since: datetime | None = None):
    """Reminders that need a person: failed (since `since`) and uncertain ones."""
    failed = Q(status=Status.FAILED)
    if since is not None:
        failed &= Q(updated_at__gt=since)
    return (
        Reminder.objects.filter(company=company)
        .filter(failed | Q(status=Status.UNCERTAIN))
        .select_related("customer", "step")
        .prefetch_related("lines__invoice")
        .order_by("status", "customer__name")
    )


def digest_send(*, company: Company, run: DailyRun, now: datetime) -> bool:
    """Once a day, tell the company's reply-to address what did not go out."""
    previous = (
        DailyRun.objects.filter(company=company, digest_sent_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-digest_sent_at")
        .values_list("digest_sent_at", flat=True)
        .first()
    )
    problems = list(
        problem_reminders(company, since=previous or now - timedelta(days=1))
    )
    address = company.reply_to_email or company.sender_email
    if not problems or not address or not company.sender_email:
        return False
    # Claim the digest of this run: a re-run never sends it twice.
    if not DailyRun.objects.filter(pk=run.pk, digest_sent_at=None).update(
        digest_sent_at=now
    ):
        return False
    failed = [r for r in problems if r.status == Status.FAILED]
    uncertain = [r for r in problems if r.status == Status.UNCERTAIN]
    subject = _("Relance : %(n)s relance(s) à vérifier") % {"n": len(problems)}
    lines = [_("Bonjour,"), "", _("Ces relances demandent votre attention :"), ""]
    for title, items in (
        (_("Non envoyées"), failed),
        (_("Envoi incertain : vérifiez avant de renvoyer"), uncertain),
    ):
        if items:
            lines.append(f"{title} ({len(items)})")
            for reminder in items:
                numbers = ", ".join(
                    line.invoice.number for line in reminder.lines.all()
                )
                lines.append(
                    f"- {reminder.customer.name} — {reminder.step.name} ({numbers}) : "
                    f"{reminder.error}"
                )
            lines.append("")
    lines += [
        _("Voir les relances : %(url)s")
        % {"url": f"{settings.RELANCE_BASE_URL}/relances/"},
        "",
        "Relance",
    ]
    text = "\n".join(lines) + "\n"
    email = email_build(
        company=company,
        to=[address],
        composed=Composed(subject, text, text_to_html(text, title=subject)),
        message_id=message_id_new(company),
        automatic=True,
    )
    transport = transport_open()
    try:
        result = transport.send(email)
    finally:
        transport.close()
    if result.outcome != Outcome.SENT:
        DailyRun.objects.filter(pk=run.pk).update(
            error=_("Résumé quotidien non envoyé : %(error)s")
            % {"error": result.detail}
        )
        return False
    return True
