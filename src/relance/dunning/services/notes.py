"""Notes a user writes about a customer, shown in its history."""

from datetime import datetime

from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.money import NBSP, active_language
from relance.dunning.models import CustomerNote, NoteOrigin
from relance.invoices.models import Customer


def customer_note_add(
    *,
    customer: Customer,
    text: str,
    by=None,
    origin: str = NoteOrigin.WEB,
    now: datetime | None = None,
) -> CustomerNote:
    """Add a note (1 to 5,000 characters, blanks around it dropped) to a
    customer, written by `by` (a user) or through the API."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ApplicationError(_("Écrivez le texte de la note."), field="text")
    if len(text) > CustomerNote.MAX_LENGTH:
        raise ApplicationError(
            _("La note dépasse 5 000 caractères (%(count)s) : raccourcissez-la.")
            % {"count": _count(len(text))},
            field="text",
        )
    if "\x00" in text:
        raise ApplicationError(
            _("La note contient un caractère interdit."), field="text"
        )
    return CustomerNote.objects.create(
        company_id=customer.company_id,
        customer=customer,
        text=text,
        author=by,
        origin=origin,
        created_at=now or utc_now(),
    )


def _count(number: int) -> str:
    """5 001 in French, 5,001 in English."""
    grouped = f"{number:,}"
    return grouped if active_language() == "en" else grouped.replace(",", NBSP)
