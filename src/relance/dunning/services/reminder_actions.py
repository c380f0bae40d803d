"""What a person does with a reminder that did not surely leave: resend an
uncertain one, confirm it reached the customer, or cancel it."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.clock import company_today
from relance.core.errors import ApplicationError
from relance.dunning.models import Reminder
from relance.dunning.services.delivery import Delivered, reminders_deliver
from relance.dunning.services.letters import letter_for_confirmed
from relance.dunning.services.reminders import reminder_write
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice

Status = Reminder.Status


def reminder_resend(*, reminder: Reminder, now: datetime) -> Delivered:
    """A user's « Renvoyer » on an uncertain or failed reminder: at once,
    whatever the sending calendar (the user decided), within the quota."""
    if reminder.status == Status.UNCERTAIN:
        Reminder.objects.filter(pk=reminder.pk, status=Status.UNCERTAIN).update(
            status=Status.PENDING,
            next_attempt_at=None,
            send_anytime=True,
            updated_at=now,
        )
        return reminders_deliver(reminder_ids=[reminder.pk], now=now)
    raise ApplicationError(
        _("Seule une relance incertaine peut être renvoyée telle quelle.")
    )


def reminder_confirm_sent(*, reminder: Reminder, now: datetime) -> Reminder:
    """A user checked that an uncertain reminder did reach the customer."""
    if reminder.status != Status.UNCERTAIN:
        raise ApplicationError(_("Seule une relance incertaine peut être confirmée."))
    company = reminder.company
    today = company_today(company, now)
    with transaction.atomic():
        _finish(reminder, Status.SENT, now, "", sent=True)
        lines = list(reminder.lines.filter(holds_level=True))
        for line in lines:
            Invoice.objects.filter(
                pk=line.invoice_id, dunning_level__lt=line.level
            ).update(dunning_level=line.level, last_reminder_on=today, updated_at=now)
        invoices_refresh(
            company=company,
            today=today,
            invoice_ids=[line.invoice_id for line in lines],
        )
        letter_for_confirmed(reminder=reminder, today=today)
    return reminder


def reminder_cancel(*, reminder: Reminder, now: datetime) -> Reminder:
    """Give up a reminder that has not surely left (pending or uncertain)."""
    if reminder.status not in (Status.PENDING, Status.UNCERTAIN):
        raise ApplicationError(
            _("Seule une relance en attente ou incertaine peut être annulée.")
        )
    _finish(reminder, Status.CANCELLED, now, _("Annulée par l'utilisateur."))
    return reminder


def _finish(reminder, status, now, error, *, sent=False) -> None:
    """Record a final outcome; a reminder that did not go frees its levels."""
    with transaction.atomic():
        reminder_write(
            reminder,
            status=status,
            error=error,
            sent_at=now if sent else None,
            next_attempt_at=None,
            updated_at=now,
        )
        if status not in Reminder.HOLDING:
            reminder.lines.update(holds_level=False)
