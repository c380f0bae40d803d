"""After a crash: a reminder left "sending" may have left, so it becomes
"uncertain" and is never sent again unless a person asks."""

import os
import socket
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from relance.dunning.models import Reminder

STALE_AFTER = timedelta(minutes=15)  # far beyond one SMTP conversation
Status = Reminder.Status


def worker_name() -> str:
    """Who claims a reminder: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def reminders_recover(*, now: datetime) -> int:
    """Reminders left "sending" by a crash become "uncertain", never resent.

    A claim is stale when its process, on this machine, is gone; or, from
    another machine, when it is older than STALE_AFTER.
    """
    sending = Reminder.objects.filter(status=Status.SENDING)
    dead = [
        pk
        for pk, claimed_by in sending.values_list("pk", "claimed_by")
        if _claimer_is_dead(claimed_by)
    ]
    return sending.filter(Q(claimed_at__lt=now - STALE_AFTER) | Q(pk__in=dead)).update(
        status=Status.UNCERTAIN,
        error=_(
            "Envoi interrompu (arrêt du programme pendant l'envoi) : le message est "
            "peut-être parti. Vérifiez auprès du client avant de le renvoyer."
        ),
        updated_at=now,
    )


def _claimer_is_dead(claimed_by: str) -> bool:
    """True when the claiming process ran on this machine and is gone."""
    host, _sep, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
