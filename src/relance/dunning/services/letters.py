"""Letters: made when a reminder of a letter step goes (delivery.py), then
recorded as sent by registered post, then as received (the AR).

waiting → sent → received; each record is checked (dates, the registered
post's number) and refused with a French message naming the field. The
date of receipt is the formal notice's, on each invoice it claims
(`Invoice.formal_notice_received_on`, the earliest kept): a consumer's
legal interest runs from it (law/penalties.py)."""

import re
from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.money import format_date
from relance.core.validators import date_out_of_range
from relance.dunning.letters import default_body, letter_body_render
from relance.dunning.models import Letter, LetterInvoice, Reminder, ReminderInvoice
from relance.dunning.rules import days_late
from relance.invoices.models import Customer, Invoice
from relance.law.penalties import Outcome, RateMissing
from relance.law.selectors import invoices_late_payment, rate_missing_text
from relance.mailing.templating import TemplateRefused

# A registered letter's number as La Poste prints it (« 1A 123 456 7890 1 »,
# 13 characters), or an international one (« RR123456789FR »): letters and
# digits, 8 to 20 of them once spaces and dashes are taken out.
TRACKING = re.compile(r"[A-Z0-9]{8,20}")


def letter_create(
    *,
    reminder: Reminder,
    lines: Sequence[ReminderInvoice],
    late: Sequence[Outcome],
    today: date,
    body: str,
) -> Letter:
    """The letter of a reminder that goes, its parties and amounts frozen at
    `today` (inside the caller's transaction). Two INSERTs."""
    company, customer = reminder.company, reminder.customer
    invoices = [line.invoice for line in lines]
    letter = Letter.objects.create(
        company=company,
        customer=customer,
        reminder=reminder,
        dated_on=today,
        pay_by=today + timedelta(days=company.letter_deadline_days),
        consumer=customer.kind != Customer.Kind.BUSINESS,
        sender_name=company.name,
        sender_address="\n".join(company.address_lines),
        sender_place=company.city,
        recipient_name=customer.name,
        recipient_address="\n".join(customer.address_lines),
        signatory=company.letter_signatory,
        body=body,
        currency=invoices[0].currency if invoices else "EUR",
        language=customer.language or "fr",
    )
    LetterInvoice.objects.bulk_create(
        [
            LetterInvoice(
                company=company,
                letter=letter,
                invoice=invoice,
                number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                total=invoice.total,
                principal=outcome.principal,
                days_late=days_late(invoice.due_date, today),
                penalties=outcome.penalties,
                indemnity=outcome.indemnity,
                legal_interest=outcome.legal_interest,
            )
            for invoice, outcome in zip(invoices, late, strict=True)
        ]
    )
    return letter


def letter_for_confirmed(*, reminder: Reminder, today: date) -> Letter | None:
    """The letter of a « Courriel et courrier » reminder whose uncertain
    email a person confirmed (reminder_actions): made then, at `today`, as
    delivery would have made it. None when it has one, or its step sends no
    letter. Raises ApplicationError when a rate is missing."""
    if (
        not reminder.step.sends_letter
        or Letter.objects.filter(reminder=reminder).exists()
    ):
        return None
    lines = list(
        reminder.lines.filter(holds_level=True)
        .select_related("invoice__customer")
        .order_by("invoice__due_date", "invoice__number")
    )
    invoices = [line.invoice for line in lines]
    try:
        late = invoices_late_payment(invoices, on=today, company=reminder.company)
    except RateMissing as missing:
        raise ApplicationError(rate_missing_text(missing)) from None
    try:
        body = letter_body_render(
            company=reminder.company,
            customer=reminder.customer,
            invoices=invoices,
            step=reminder.step,
            today=today,
            late=late,
        )
    except TemplateRefused:
        # The person confirmed: the letter is still due.
        body = default_body(reminder.customer.language)
    return letter_create(
        reminder=reminder, lines=lines, late=late, today=today, body=body
    )


def tracking_number_clean(raw: object) -> str:
    """The registered post's number, upper case, without spaces or dashes;
    refused (field `number`) unless 8 to 20 letters and digits."""
    if not isinstance(raw, str):
        raise ApplicationError(_("un texte est attendu."), field="number")
    number = re.sub(r"[\s\-]", "", raw).upper()
    if not number:
        raise ApplicationError(
            _("le numéro de recommandé est obligatoire."), field="number"
        )
    if not TRACKING.fullmatch(number):
        raise ApplicationError(
            _(
                "numéro de recommandé invalide : 8 à 20 lettres et chiffres "
                "attendus (par exemple « 1A 123 456 7890 1 »)."
            ),
            field="number",
        )
    return number


def _date_check(field: str, value: date, *, after: date, today: date, what: str):
    if not isinstance(value, date):
        raise ApplicationError(_("une date est attendue."), field=field)
    problem = date_out_of_range(value)
    if problem:
        raise ApplicationError(problem, field=field)
    if value > today:
        raise ApplicationError(
            _("la date ne peut pas être dans le futur (aujourd'hui : %(today)s).")
            % {"today": format_date(today)},
            field=field,
        )
    if value < after:
        raise ApplicationError(
            _("%(what)s ne peut pas précéder le %(date)s.")
            % {"what": what, "date": format_date(after)},
            field=field,
        )


def letter_send_record(
    *, letter: Letter, number: object, on: date, today: date
) -> Letter:
    """« Envoyé en recommandé »: its number and the day it was posted (not
    before the letter's date, not after today). A letter already sent may
    have its number or date corrected until its receipt is recorded."""
    if letter.status == Letter.Status.RECEIVED:
        raise ApplicationError(
            _("L'avis de réception de ce courrier est déjà enregistré."),
            code="letter_received",
        )
    cleaned = tracking_number_clean(number)
    _date_check(
        "date",
        on,
        after=letter.dated_on,
        today=today,
        what=_("L'envoi"),
    )
    Letter.objects.filter(pk=letter.pk).update(
        status=Letter.Status.SENT, tracking_number=cleaned, sent_on=on
    )
    letter.status, letter.tracking_number, letter.sent_on = (
        Letter.Status.SENT,
        cleaned,
        on,
    )
    return letter


def letter_receipt_record(*, letter: Letter, on: date, today: date) -> Letter:
    """The acknowledgement of receipt (AR), dated: the formal notice counts
    from that day on each invoice it claims (the earliest kept)."""
    if letter.status == Letter.Status.WAITING:
        raise ApplicationError(
            _("Enregistrez d'abord l'envoi en recommandé de ce courrier."),
            code="letter_not_sent",
        )
    _date_check(
        "date",
        on,
        after=letter.sent_on,
        today=today,
        what=_("La réception"),
    )
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(
            status=Letter.Status.RECEIVED, received_on=on
        )
        _receipts_recompute(list(letter.lines.values_list("invoice_id", flat=True)))
    letter.status, letter.received_on = Letter.Status.RECEIVED, on
    return letter


def _receipts_recompute(invoice_ids: list[int]) -> None:
    """Each invoice's formal notice: the earliest receipt of its letters (a
    corrected date moves it either way). A query per invoice: a letter
    claims a few."""
    for invoice_id in invoice_ids:
        dates = LetterInvoice.objects.filter(
            invoice_id=invoice_id, letter__received_on__isnull=False
        ).values_list("letter__received_on", flat=True)
        Invoice.objects.filter(pk=invoice_id).update(
            formal_notice_received_on=min(dates, default=None)
        )
