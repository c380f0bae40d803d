"""The daily digest: once a day, the company's reply-to address hears what
did not go out (failed) or may have (uncertain), the customers' answers on
their private page since the last digest and the promises broken since
(their pause ended, the invoice still due), how many letters wait
to be sent (said again whenever a new one came since the last digest), and,
when it sends automatically, that its last bank statement is too old (said
every day until a newer one is imported)."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from relance.core.models import Company
from relance.core.money import format_date
from relance.dunning.messages import Composed, email_build
from relance.dunning.models import DailyRun, Letter, PauseRecord, PortalAnswer, Reminder
from relance.dunning.planning import bank_statement_stale
from relance.dunning.selectors import letters_waiting_count, problem_reminders
from relance.invoices.models import Invoice, PauseKind
from relance.law.selectors import rates_missing
from relance.mailing.delivery import Outcome, send_now
from relance.mailing.html import text_to_html
from relance.mailing.mime import message_id_new

Status = Reminder.Status


# The rate table lacking this half-year's rates is said at most this often
# when nothing else is to be said.
RATES_REMINDER_EVERY = timedelta(days=7)


def digest_compose(
    *,
    problems: list[Reminder],
    rates_missing: list[str] = (),
    letters: int = 0,
    bank_stale_on: date | None = None,
    bank_max_age_days: int = 0,
    answers: list[PortalAnswer] = (),
    broken: list[PauseRecord] = (),
) -> Composed:
    """The digest's subject, text and HTML, from `dunning/digest.txt`."""
    if problems:
        subject = _("Relance : %(n)s relance(s) à vérifier") % {"n": len(problems)}
    elif answers or broken:
        subject = _(
            "Relance : %(n)s réponse(s) de clients, %(b)s promesse(s) non tenue(s)"
        ) % {
            "n": len(answers),
            "b": len(broken),
        }
    elif letters:
        subject = _("Relance : %(n)s courrier(s) à envoyer") % {"n": letters}
    elif bank_stale_on:
        subject = _("Relance : relevé bancaire à importer")
    else:
        subject = _("Relance : des taux manquent pour calculer les pénalités")
    text = render_to_string(
        "dunning/digest.txt",
        {
            "rates_missing": list(rates_missing),
            "rates_url": f"{settings.RELANCE_BASE_URL}/configuration/taux/",
            "sections": [
                (
                    _("Non envoyées"),
                    [r for r in problems if r.status == Status.FAILED],
                ),
                (
                    _("Envoi incertain : vérifiez avant de renvoyer"),
                    [r for r in problems if r.status == Status.UNCERTAIN],
                ),
                (
                    _("Non remises : adresse à corriger, puis relancer"),
                    [r for r in problems if r.status == Status.BOUNCED],
                ),
            ],
            "url": f"{settings.RELANCE_BASE_URL}/relances/",
            "letters": letters,
            "letters_url": f"{settings.RELANCE_BASE_URL}/courriers/",
            "bank_stale_on": bank_stale_on and format_date(bank_stale_on),
            "bank_max_age_days": bank_max_age_days,
            "bank_url": f"{settings.RELANCE_BASE_URL}/banque/",
            "answers": [_answer_line(answer) for answer in answers],
            "answers_url": f"{settings.RELANCE_BASE_URL}/reponses-clients/",
            "broken": [
                _("%(customer)s — facture %(number)s, promise pour le %(date)s")
                % {
                    "customer": record.customer.name,
                    "number": record.invoice.number,
                    "date": format_date(record.until),
                }
                for record in broken
            ],
        },
    )
    return Composed(subject, text, text_to_html(text, title=subject))


def _answer_line(answer: PortalAnswer) -> str:
    numbers = ", ".join(invoice.number for invoice in answer.invoices.all())
    line = f"{answer.customer.name} — {answer.get_kind_display()} ({numbers})"
    if answer.kind == PortalAnswer.Kind.PAID:
        line += " : " + _("payé le %(date)s") % {"date": format_date(answer.paid_on)}
    elif answer.kind == PortalAnswer.Kind.PROMISE:
        line += " : " + _("paiement promis le %(date)s") % {
            "date": format_date(answer.promised_on)
        }
    else:
        line += " : " + answer.get_reason_display()
    return line


def portal_answers_since(*, company: Company, since: datetime) -> list[PortalAnswer]:
    return list(
        PortalAnswer.objects.filter(company=company, created_at__gte=since)
        .select_related("customer")
        .prefetch_related("invoices")
        .order_by("created_at", "pk")[:200]
    )


def promises_broken(*, company: Company, since: date, on: date) -> list[PauseRecord]:
    """Promises whose last day is in [since, on): not lifted, the invoice
    still open with something due. Their pause has ended by itself; the
    daily job of `on` finds the invoice due again."""
    return list(
        PauseRecord.objects.filter(
            company=company,
            kind=PauseKind.PROMISE,
            invoice__isnull=False,
            lifted_at__isnull=True,
            until__gte=since,
            until__lt=on,
            invoice__status=Invoice.Status.OPEN,
            invoice__amount_due__gt=0,
        )
        .select_related("customer", "invoice")
        .order_by("until", "pk")[:200]
    )


def digest_send(*, company: Company, run: DailyRun, now: datetime) -> bool:
    """Send the digest of this run, if anything needs a person since the last
    one; False when there was nothing to say or it could not be sent."""
    previous = (
        DailyRun.objects.filter(company=company, digest_sent_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-digest_sent_at")
        .values_list("digest_sent_at", flat=True)
        .first()
    )
    problems = list(
        problem_reminders(company=company, since=previous or now - timedelta(days=1))
    )
    missing = rates_missing(on=run.date)
    if missing and not problems and previous and now - previous < RATES_REMINDER_EVERY:
        missing = []  # said less than a week ago
    letters = letters_waiting_count(company=company)
    new_letters = (
        letters
        and Letter.objects.filter(
            company=company,
            status=Letter.Status.WAITING,
            created_at__gte=previous or now - timedelta(days=1),
        ).exists()
    )
    # Sending automatically on an old statement may remind paid invoices.
    bank_stale_on = (
        bank_statement_stale(company, run.date) if company.auto_send else None
    )
    since = previous or now - timedelta(days=1)
    answers = portal_answers_since(company=company, since=since)
    broken = promises_broken(
        company=company,
        since=previous.date() if previous else run.date - timedelta(days=1),
        on=run.date,
    )
    address = company.reply_to_email or company.sender_email
    if (
        not (problems or missing or new_letters or bank_stale_on or answers or broken)
        or not address
        or not company.sender_email
    ):
        return False
    # Claim the digest of this run: a re-run never sends it twice.
    if not DailyRun.objects.filter(pk=run.pk, digest_sent_at=None).update(
        digest_sent_at=now
    ):
        return False
    email = email_build(
        company=company,
        to=[address],
        composed=digest_compose(
            problems=problems,
            rates_missing=missing,
            letters=letters,
            bank_stale_on=bank_stale_on,
            bank_max_age_days=company.bank_max_age_days,
            answers=answers,
            broken=broken,
        ),
        message_id=message_id_new(company.sender_email),
        automatic=True,
    )
    result = send_now(email)
    if result.outcome != Outcome.SENT:
        DailyRun.objects.filter(pk=run.pk).update(
            error=_("Résumé quotidien non envoyé : %(error)s")
            % {"error": result.detail}
        )
        return False
    return True
