"""Send runs: the reminders of one click on « Envoyer les relances » (or of
one automatic daily sending), recorded together, and their progress."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Min, Q

from relance.core.calendar import company_calendar
from relance.core.money import format_moment
from relance.dunning.models import Reminder, SendRun
from relance.dunning.planning import Plan
from relance.dunning.services.reminders import Created, reminders_create

Status = Reminder.Status
# Not yet tried, waiting for a moment the calendar or the quota allows.
SCHEDULED = Q(status=Status.PENDING, attempts=0, next_attempt_at__isnull=False)


def send_leaves_at(*, company, now: datetime) -> datetime | None:
    """When messages sent now would leave: None when the company's sending
    calendar allows it now, otherwise the next allowed moment."""
    at = company_calendar(company).next_allowed(now)
    return None if at == now else at


def leaves_text(*, company, at: datetime, now: datetime) -> str:
    """« lundi 16 juillet à 08:00 », « demain à 08:00 », in the company's zone."""
    zone = ZoneInfo(company.time_zone)
    return format_moment(at.astimezone(zone), now.astimezone(zone))


def send_run_record(
    *,
    plan: Plan,
    user=None,
    origin: str = Reminder.Origin.USER,
    leaves_at: datetime | None = None,
    send_anytime: bool = False,
) -> tuple[SendRun, Created]:
    """Record the plan's reminders under one run; nothing is sent or queued
    (`tasks.send_run_start` queues them for the workers). `leaves_at`: they
    wait until then (the sending calendar); `send_anytime`: « Envoyer
    maintenant », they ignore the calendar."""
    with transaction.atomic():
        run = SendRun.objects.create(
            company=plan.company, origin=origin, triggered_by=user
        )
        created = reminders_create(plan=plan, user=user, origin=origin, run=run)
        emails = [r for r in created.reminders if r.step.sends_email]
        if (leaves_at or send_anytime) and emails:
            # Letters and tasks leave no server: they are made at once.
            Reminder.objects.filter(pk__in=[r.pk for r in emails]).update(
                next_attempt_at=leaves_at, send_anytime=send_anytime
            )
            for reminder in emails:
                reminder.next_attempt_at = leaves_at
                reminder.send_anytime = send_anytime
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
    # Waiting for the sending calendar or the mail server's quota, from
    # `scheduled_at` on (the earliest of them).
    scheduled: int = 0
    scheduled_at: datetime | None = None

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
            filter=Q(status=Status.SENDING)
            | Q(status=Status.PENDING, attempts=0, next_attempt_at__isnull=True),
        ),
        scheduled=Count("pk", filter=SCHEDULED),
        scheduled_at=Min("next_attempt_at", filter=SCHEDULED),
    )
    return Progress(**counts)
