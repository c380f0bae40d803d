"""Turning a plan into pending reminders: nothing is sent here.

Each reminder then moves pending → sending → sent | failed | uncertain
(`delivery.py`); a claim left "sending" by a crash becomes uncertain
(`recovery.py`); a person resends, confirms or cancels (`reminder_actions.py`).
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.sql import rows_update
from relance.dunning.models import Reminder, ReminderInvoice
from relance.dunning.planning import Code, Plan, PlanError
from relance.mailing.mime import message_id_new


@dataclass
class Created:
    reminders: list[Reminder] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)


def reminders_create(
    *, plan: Plan, user=None, origin: str = Reminder.Origin.USER, run=None
) -> Created:
    """Record the plan's messages as pending reminders (nothing is sent yet).

    All at once; if a message lost a race meanwhile (another reminder took one
    of its levels), message by message in savepoints, skipping the losers.
    Messages are rendered when they leave, with the invoices as they are then.
    """
    if plan.problems:
        raise ApplicationError(plan.problems[0])
    try:
        with transaction.atomic():
            reminders = Reminder.objects.bulk_create(
                [_reminder_new(plan, m, user, origin, run) for m in plan.messages],
                batch_size=1000,
            )
            ReminderInvoice.objects.bulk_create(
                [
                    line
                    for reminder, message in zip(reminders, plan.messages, strict=True)
                    for line in _lines_new(reminder, message)
                ],
                batch_size=1000,
            )
        return Created(reminders=reminders)
    except IntegrityError:
        return _create_each(plan, user, origin, run)


def reminder_write(reminder: Reminder, **values) -> None:
    """Write these fields of the reminder, in the database and in hand."""
    rows_update(Reminder, values, "id = %s", [reminder.pk])
    for name, value in values.items():
        setattr(reminder, name, value)


def _reminder_new(plan: Plan, message, user, origin, run) -> Reminder:
    return Reminder(
        company=plan.company,
        customer=message.customer,
        step=message.step,
        channel=_channel(message.step),
        recipients=message.recipients,
        message_id=message_id_new(plan.company.sender_email),
        origin=origin,
        triggered_by=user,
        run=run,
    )


def _channel(step) -> str:
    if step.sends_email:
        return Reminder.Channel.EMAIL
    if step.makes_task:
        return step.channel  # « call » or « task », the same values
    return Reminder.Channel.LETTER


def _lines_new(reminder: Reminder, message) -> list[ReminderInvoice]:
    return [
        ReminderInvoice(
            company=reminder.company,
            reminder=reminder,
            invoice_id=line.invoice_id,
            level=line.level,
            amount_due=line.amount_due,
        )
        for line in message.lines
    ]


def _create_each(plan: Plan, user, origin, run) -> Created:
    created = Created()
    for message in plan.messages:
        try:
            with transaction.atomic():
                reminder = _reminder_new(plan, message, user, origin, run)
                reminder.save()
                ReminderInvoice.objects.bulk_create(_lines_new(reminder, message))
        except IntegrityError:
            created.errors.extend(
                PlanError(
                    line.invoice_id,
                    line.number,
                    Code.ALREADY_PENDING,
                    _("Une relance « %(step)s » vient d'être créée pour cette facture.")
                    % {"step": line.step.name},
                )
                for line in message.lines
            )
            continue
        created.reminders.append(reminder)
    return created
