"""The customer's three answers on their private page (issue 17 §3, ADR 18):

- « J'ai déjà payé » (date, amount, optional proof): the invoices are paused
  `Company.declared_payment_pause_days` with « paiement déclaré » as reason,
  and wait in « Réponses des clients » for the company to check its bank;
- « Je paierai le … » (a date at most `Company.promise_max_days` ahead): the
  invoices are paused as a promise until that day, inclusive. The pause then
  ends by itself: the next daily job finds them due again, the digest says
  the promise was broken, the history (`PauseRecord`) keeps it;
- « Je conteste cette facture » (a reason from a list, free text): the
  invoices are paused as disputed until the company lifts the pause.

Each answer is one `PortalAnswer` row (date, IP, text, invoices), its pauses
set through `pauses.invoices_pause_set` (origin « Espace client »); then the
customer gets a copy by email and, if it asked, the company too.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.languages import written_in
from relance.core.money import format_amount, format_date
from relance.core.validators import DATE_MAX, date_out_of_range
from relance.dunning import proofs
from relance.dunning.messages import Composed, email_build
from relance.dunning.models import PauseOrigin, PortalAnswer, PortalLink
from relance.dunning.services.pauses import InvoicePause, invoices_pause_set
from relance.invoices.models import Invoice, PauseKind
from relance.invoices.selectors import customer_open_invoices
from relance.mailing.delivery import Outcome, send_now
from relance.mailing.html import text_to_html
from relance.mailing.mime import message_id_new

Kind = PortalAnswer.Kind
AMOUNT_MAX = Decimal("999999999.99")
# A dispute holds until the company settles it: it lifts the pause itself.
DISPUTE_UNTIL = DATE_MAX


@dataclass(frozen=True)
class Answer:
    """What the customer typed, before any check (the form's raw values)."""

    kind: str
    invoice_ids: list[int]
    paid_on: date | None = None
    amount: str = ""
    promised_on: date | None = None
    reason: str = ""
    text: str = ""
    proof: bytes = b""
    proof_name: str = ""


@dataclass
class Recorded:
    answer: PortalAnswer
    invoices: list[Invoice]
    copy_sent_to: str  # the customer's address, or "" when no copy went
    company_told: bool


def promise_latest(*, company, today: date) -> date:
    return today + timedelta(days=company.promise_max_days)


def portal_answer_record(
    *, link: PortalLink, answer: Answer, today: date, now: datetime, ip: str
) -> Recorded:
    """Check the answer (ApplicationError naming the field), record it, pause
    its invoices, then mail the copies. `link` is a live link (the view found
    it): its customer's open invoices only can be answered for."""
    company, customer = link.company, link.customer
    invoices = _invoices_checked(customer, answer.invoice_ids)
    text = (answer.text or "").strip()
    if len(text) > PortalAnswer.TEXT_MAX:
        raise ApplicationError(
            _("Votre message : %(max)s caractères au plus.")
            % {"max": PortalAnswer.TEXT_MAX},
            field="text",
        )
    row = PortalAnswer(
        company=company,
        customer=customer,
        link=link,
        kind=answer.kind,
        created_at=now,
        ip=ip or None,
        text=text,
    )
    proof_kind = ""
    if answer.kind == Kind.PAID:
        row.paid_on = _paid_on_checked(answer.paid_on, today)
        row.amount = _amount_checked(answer.amount)
        if answer.proof:
            proof_kind = _proof_checked(answer.proof, answer.proof_name)
    elif answer.kind == Kind.PROMISE:
        row.promised_on = _promised_on_checked(answer.promised_on, company, today)
    elif answer.kind == Kind.DISPUTE:
        if answer.reason not in PortalAnswer.Reason.values:
            raise ApplicationError(_("Choisissez un motif."), field="reason")
        if answer.reason == PortalAnswer.Reason.OTHER and not text:
            raise ApplicationError(_("Précisez le motif."), field="text")
        row.reason = answer.reason
    else:
        raise ApplicationError(_("Réponse inconnue."), field="kind")

    with transaction.atomic():
        if proof_kind:
            row.proof_type = proof_kind
            row.proof.save(
                f"proof.{proofs.FILE_EXTENSION[proof_kind]}",
                ContentFile(answer.proof),
                save=False,
            )
        row.save()
        row.invoices.set(invoices)
        with translation.override(company.language or "fr"):
            _invoices_pause(company, row, invoices, today)
    return Recorded(
        answer=row,
        invoices=invoices,
        copy_sent_to=_customer_copy_send(row, invoices),
        company_told=_company_notify(row, invoices),
    )


def portal_answer_check(*, answer: PortalAnswer, user, now: datetime) -> PortalAnswer:
    """« Vérifiée »: the company compared a declared payment with its bank."""
    if answer.kind != Kind.PAID:
        raise ApplicationError(_("Seul un paiement déclaré se vérifie."))
    PortalAnswer.objects.filter(pk=answer.pk, checked_at__isnull=True).update(
        checked_at=now, checked_by=user
    )
    answer.refresh_from_db()
    return answer


def _invoices_checked(customer, invoice_ids) -> list[Invoice]:
    ids = {pk for pk in invoice_ids if isinstance(pk, int)}
    if not ids:
        raise ApplicationError(_("Choisissez au moins une facture."), field="invoices")
    invoices = list(customer_open_invoices(customer=customer).filter(pk__in=ids))
    if len(invoices) != len(ids) or len(ids) != len(invoice_ids):
        raise ApplicationError(
            _("Facture introuvable ou déjà réglée."), field="invoices"
        )
    return invoices


def _paid_on_checked(value: date | None, today: date) -> date:
    if value is None:
        raise ApplicationError(_("Indiquez la date du paiement."), field="paid_on")
    if date_out_of_range(value):
        raise ApplicationError(date_out_of_range(value), field="paid_on")
    if value > today:
        raise ApplicationError(
            _("La date du paiement ne peut pas être dans le futur."), field="paid_on"
        )
    return value


def _amount_checked(value: str) -> Decimal:
    raw = (value or "").strip().replace("\u202f", "").replace("\xa0", "")
    raw = raw.replace(" ", "").replace("€", "").replace(",", ".")
    if not raw:
        raise ApplicationError(_("Indiquez le montant payé."), field="amount")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ApplicationError(
            _("Montant payé : un nombre, par exemple 1234,56."), field="amount"
        ) from None
    if not amount.is_finite() or amount <= 0 or amount > AMOUNT_MAX:
        raise ApplicationError(
            _("Montant payé : entre 0,01 et 999 999 999,99."), field="amount"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(
            _("Montant payé : deux décimales au plus."), field="amount"
        )
    return amount


def _promised_on_checked(value: date | None, company, today: date) -> date:
    if value is None:
        raise ApplicationError(
            _("Indiquez la date à laquelle vous paierez."), field="promised_on"
        )
    if value < today:
        raise ApplicationError(
            _("La date doit être aujourd'hui ou plus tard."), field="promised_on"
        )
    latest = promise_latest(company=company, today=today)
    if value > latest:
        raise ApplicationError(
            _("La date de paiement ne peut pas dépasser le %(date)s.")
            % {"date": format_date(value=latest, language=translation.get_language())},
            field="promised_on",
        )
    return value


PROOF_ERRORS = {
    "empty": lambda: _("Le justificatif est vide."),
    "too_big": lambda: (
        _("Justificatif trop volumineux : %(size)s au plus.")
        % {"size": proofs.MAX_SIZE_TEXT}
    ),
    "unknown_type": lambda: _(
        "Justificatif : un PDF, une image PNG ou JPEG seulement."
    ),
    "name_disagrees": lambda: _(
        "Justificatif : le nom du fichier ne correspond pas à son contenu."
    ),
}


def _proof_checked(content: bytes, name: str) -> str:
    try:
        return proofs.proof_type(content, name)
    except proofs.ProofRefused as refused:
        raise ApplicationError(PROOF_ERRORS[str(refused)](), field="proof") from None


def _invoices_pause(company, row: PortalAnswer, invoices: list[Invoice], today):
    if row.kind == Kind.PAID:
        until = today + timedelta(days=company.declared_payment_pause_days)
        pause = InvoicePause(until, PauseKind.OTHER, _("paiement déclaré"))
    elif row.kind == Kind.PROMISE:
        until = row.promised_on
        pause = InvoicePause(
            until, PauseKind.PROMISE, _("promesse sur l'espace client")
        )
    else:
        until = DISPUTE_UNTIL
        reason = _("contestée par le client : %(reason)s") % {
            "reason": PortalAnswer.Reason(row.reason).label
        }
        if row.text:
            reason = f"{reason} — {row.text}"
        pause = InvoicePause(until, PauseKind.DISPUTE, reason[:255])
    # A pause already in force as long or longer (a dispute, a later
    # promise) is left as it is: an answer never shortens one.
    paused = [
        invoice
        for invoice in invoices
        if row.kind == Kind.DISPUTE
        or invoice.paused_until is None
        or invoice.paused_until < until
    ]
    invoices_pause_set(
        company=company,
        invoices=paused,
        pauses={invoice.pk: pause for invoice in paused},
        today=today,
        origin=PauseOrigin.PORTAL,
    )


def answer_lines(row: PortalAnswer, invoices: list[Invoice], language: str) -> dict:
    """What the emails and pages say of an answer, in `language`."""
    return {
        "kind": row.kind,
        "kind_label": Kind(row.kind).label,
        "customer": row.customer.name,
        "company": row.company.name,
        "invoices": [
            {
                "number": invoice.number,
                "amount_due": format_amount(
                    invoice.amount_due, invoice.currency, language
                ),
            }
            for invoice in invoices
        ],
        "paid_on": format_date(row.paid_on, language) if row.paid_on else "",
        "amount": format_amount(row.amount, "EUR", language) if row.amount else "",
        "promised_on": format_date(row.promised_on, language)
        if row.promised_on
        else "",
        "reason": PortalAnswer.Reason(row.reason).label if row.reason else "",
        "text": row.text,
        "has_proof": bool(row.proof),
    }


def _send(company, to: str, subject: str, text: str) -> bool:
    if not to or not company.sender_email:
        return False
    email = email_build(
        company=company,
        to=[to],
        composed=Composed(subject, text, text_to_html(text, title=subject)),
        message_id=message_id_new(company.sender_email),
        automatic=True,
    )
    return send_now(email).outcome == Outcome.SENT


def _customer_copy_send(row: PortalAnswer, invoices: list[Invoice]) -> str:
    """The customer's copy, in their language; their address, or ""."""
    customer, company = row.customer, row.company
    to = customer.reminder_email
    language = customer.language or company.language or "fr"
    with written_in(language):  # Relance's words: French or English
        subject = _("Votre réponse à %(company)s : %(kind)s") % {
            "company": company.name,
            "kind": Kind(row.kind).label,
        }
        text = render_to_string(
            "dunning/portal_answer_customer.txt",
            answer_lines(row, invoices, language),
        )
    return to if _send(company, to, subject, text) else ""


def _company_notify(row: PortalAnswer, invoices: list[Invoice]) -> bool:
    company = row.company
    if not company.portal_answers_by_email:
        return False
    language = company.language or "fr"
    with translation.override(language):
        subject = _("Relance : %(customer)s a répondu (%(kind)s)") % {
            "customer": row.customer.name,
            "kind": Kind(row.kind).label,
        }
        text = render_to_string(
            "dunning/portal_answer_company.txt",
            {
                **answer_lines(row, invoices, language),
                "url": f"{settings.RELANCE_BASE_URL}/reponses-clients/",
            },
        )
    return _send(company, company.reply_to_email or company.sender_email, subject, text)
