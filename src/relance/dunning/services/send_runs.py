"""Send runs: the reminders of one click on « Envoyer les relances » (or of
one automatic daily sending), recorded together, and their progress."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from relance.dunning.models import Reminder, SendRun
from relance.dunning.planning import Plan
from relance.dunning.services.reminders import Created, reminders_create

Status = Reminder.Status


def send_run_record(
    *, plan: Plan, user=None, origin: str = Reminder.Origin.USER
) -> tuple[SendRun, Created]:
    """Record the plan's reminders under one run; nothing is sent or queued
    (`tasks.send_run_start` queues them for the workers)."""
    with transaction.atomic():
        run = SendRun.objects.create(
            company=plan.company, origin=origin, triggered_by=user
        )
        created = reminders_create(plan=plan, user=user, origin=origin, run=run)
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
