"""Calls and tasks (« Mes tâches du jour », ADR 16).

A task is made when a reminder of an « Appel téléphonique » or « Tâche »
step goes (`delivery.py`, in the transaction that raises the invoices'
levels, as a letter is): the step then counts as done. A person records its
outcome, which closes it (joint, promesse, litige, injoignable) or moves its
date (rappeler le …); a promise or a dispute pauses its open invoices
through the pause service.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import Membership
from relance.core.money import format_date
from relance.core.validators import date_out_of_range
from relance.dunning.models import (
    DunningStep,
    PauseOrigin,
    Reminder,
    ReminderInvoice,
    Task,
)
from relance.dunning.services.pauses import InvoicePause, invoices_pause_set
from relance.invoices.models import Invoice, PauseKind

Outcome = Task.Outcome
# A dispute recorded on the phone pauses its invoices this long unless a
# date is given: long enough to settle it, short enough not to be forgotten.
DISPUTE_DAYS = 90
NOTE_MAX = 2000


def task_create(
    *, reminder: Reminder, lines: Sequence[ReminderInvoice], today: date
) -> Task:
    """The task of a reminder that goes (inside the caller's transaction),
    due today, for the customer's owner if they still belong to the
    company, else for nobody (every user sees it under « Toutes »)."""
    customer = reminder.customer
    assignee_id = customer.owner_id
    if (
        assignee_id is not None
        and not Membership.objects.filter(
            user_id=assignee_id, company_id=reminder.company_id
        ).exists()
    ):
        assignee_id = None
    kind = (
        Task.Kind.CALL
        if reminder.step.channel == DunningStep.Channel.CALL
        else Task.Kind.TASK
    )
    task = Task.objects.create(
        company_id=reminder.company_id,
        customer=customer,
        reminder=reminder,
        step_id=reminder.step_id,
        kind=kind,
        due_on=today,
        assignee_id=assignee_id,
    )
    task.invoices.set([line.invoice_id for line in lines])
    return task


def task_outcome_record(
    *,
    task: Task,
    outcome: str,
    user,
    today: date,
    now: datetime,
    on: date | None = None,
    note: str = "",
) -> Task:
    """Record what came of a call or a task.

    - « Joint », « Injoignable »: the task is done (a note may say more);
    - « Promesse au … » (`on`): its open invoices are paused as a promise
      until that day, and the task is done;
    - « Litige » (`note` is the reason; `on` optional, default 90 days): its
      open invoices are paused as a dispute, and the task is done;
    - « Rappeler le … » (`on`): the task moves to that day and stays open.

    Errors name the field: `outcome`, `on`, `note`.
    """
    if outcome not in Outcome.values:
        raise ApplicationError(
            _("Résultat inconnu : choisissez parmi %(choices)s.")
            % {"choices": ", ".join(Outcome.values)},
            field="outcome",
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ApplicationError(
            _("%(max)s caractères au plus.") % {"max": NOTE_MAX}, field="note"
        )
    if on is not None and date_out_of_range(on):
        raise ApplicationError(_("Date hors des limites acceptées."), field="on")
    if outcome in (Outcome.PROMISE, Outcome.CALLBACK):
        if on is None:
            raise ApplicationError(_("Indiquez une date."), field="on")
        if on < today:
            raise ApplicationError(
                _("La date doit être aujourd'hui ou plus tard."), field="on"
            )
    if outcome == Outcome.DISPUTE:
        if not note:
            raise ApplicationError(_("Indiquez le motif du litige."), field="note")
        on = on or today + timedelta(days=DISPUTE_DAYS)
        if on < today:
            raise ApplicationError(
                _("La date doit être aujourd'hui ou plus tard."), field="on"
            )
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != Task.Status.OPEN:
            raise ApplicationError(_("Cette tâche est déjà terminée."))
        if outcome in (Outcome.PROMISE, Outcome.DISPUTE):
            _invoices_pause(task, outcome, on, note, today, user)
        values = {"outcome": outcome, "outcome_on": on, "updated_at": now}
        if note:
            values["note"] = note
        if outcome == Outcome.CALLBACK:
            values["due_on"] = on
        else:
            values.update(status=Task.Status.DONE, done_by=user, done_at=now)
        Task.objects.filter(pk=task.pk).update(**values)
    for name, value in values.items():
        setattr(task, name, value)
    return task


def _invoices_pause(task: Task, outcome: str, until: date, note: str, today, user):
    invoices = list(
        task.invoices.filter(status=Invoice.Status.OPEN, amount_due__gt=0).order_by(
            "number"
        )
    )
    if outcome == Outcome.PROMISE:
        kind = PauseKind.PROMISE
        reason = note or _("promesse au téléphone le %(date)s") % {
            "date": format_date(today)
        }
    else:
        kind, reason = PauseKind.DISPUTE, note
    pause = InvoicePause(until=until, kind=kind, reason=reason)
    invoices_pause_set(
        company=task.company,
        invoices=invoices,
        pauses={invoice.pk: pause for invoice in invoices},
        today=today,
        origin=PauseOrigin.USER,
        by=user,
    )
