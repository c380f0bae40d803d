"""Composing a reminder: its subject, text and HTML from the step's template."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from relance.core.models import Company
from relance.dunning.context import Stage, message_context
from relance.dunning.languages import StepText, Texts, step_text
from relance.dunning.models import DunningStep, Reminder
from relance.dunning.selectors import step_names
from relance.invoices.models import Customer, Invoice
from relance.law.penalties import Outcome, RateMissing
from relance.law.selectors import rate_missing_text
from relance.mailing import templating
from relance.mailing.html import text_to_html
from relance.mailing.mime import Attachment, Email, email_message

TOKEN_MASK = "…"


def portal_url_shown() -> str:
    """The private link as previews and the history show it: no token."""
    return f"{settings.RELANCE_BASE_URL}/p/{TOKEN_MASK}/"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    language: str = "fr"  # the template's: the customer's, or the fallback


def recipient_of(customer: Customer) -> str:
    """Where a customer's reminders go: the dunning address, else the main one."""
    return (customer.dunning_email or customer.email).strip()


class _EmailValidator(EmailValidator):
    """Django's `validate_email`, its patterns compiled once: each use of a
    lazy pattern costs two proxy calls (a tenth of a plan of 100,000
    customers, ADR 24)."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, re.IGNORECASE)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, re.IGNORECASE)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, re.IGNORECASE)


_validate_email = _EmailValidator()


# A plain address (`local@domain.tld` of the most common characters only),
# which Django's validator accepts every time: accepted at once, without the
# validator's three patterns and exception (a plan of 100,000 customers checks
# 100,000 addresses, ADR 24 amended 2026-12-04). Each part is a subset of the
# validator's: the local part of its dot-atom (letters, digits, `_+-`, dots
# between), the domain of its labels (letters, digits, inner hyphens, at most
# 63 characters each), the last label letters only. Anything else (IDN, a
# quoted local part, a literal, a trailing dot, `localhost`…) goes to the
# validator, which alone says no (tests/dunning/test_address_valid.py).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)
_plain_address = _PLAIN_ADDRESS.fullmatch


def address_valid(address: str) -> bool:
    """Django's `validate_email` says it is an address (`_PLAIN_ADDRESS`
    first: most addresses, said yes to at once)."""
    if len(address) <= 320 and _plain_address(address):
        return True
    try:
        _validate_email(address)
    except ValidationError:
        return False
    return True


def compose(
    *,
    company: Company,
    customer: Customer,
    invoices: Sequence[Invoice],
    step: DunningStep,
    today: date,
    stages: Sequence[Stage] | None = None,
    late: Sequence[Outcome] | None = None,
    portal_url: str = "",
    text: StepText | None = None,
    texts: Texts | None = None,
) -> Composed:
    """Render `step`'s template for these invoices of one customer (each at
    its own stage when given; see message_context), in the customer's
    language or the fallback's (dunning/languages.py): its text, dates and
    amounts. `text`: the template to use instead (a preview); `texts`: the
    steps' texts already read (dunning.languages.step_texts).

    Raises templating.TemplateRefused when the template cannot be rendered,
    or a rate the law's amounts need is not known.
    """
    if text is None:
        text = step_text(
            step=step,
            language=customer.language,
            company_language=company.language,
            texts=texts,
        )
    try:
        context = message_context(
            company=company,
            customer=customer,
            invoices=invoices,
            step=step,
            today=today,
            stages=stages,
            late=late,
            language=text.language,
            portal_url=portal_url,
        )
    except RateMissing as missing:
        raise templating.TemplateRefused(rate_missing_text(missing)) from None
    subject, body = templating.render_each([text.subject, text.body], context)
    subject = " ".join(subject.split())[:255]
    plain = body.strip() + "\n"
    return Composed(
        subject=subject,
        text=plain,
        html=text_to_html(plain, title=subject, language=text.language),
        language=text.language,
    )


def preview(
    *,
    step: DunningStep,
    invoices: Sequence[Invoice],
    today: date,
    text: StepText | None = None,
) -> Composed:
    """A step's message for chosen invoices of one customer, as it would go
    out: each invoice at its next step (they differ in a merged message)."""
    first = invoices[0]
    company = Company.objects.get(pk=first.company_id)
    names = step_names(company=company, plan=step.plan_id)  # the step's plan
    stages = [
        Stage(level, names.get(level, step.name))
        for level in (invoice.dunning_level + 1 for invoice in invoices)
    ]
    return compose(
        company=company,
        customer=first.customer,
        invoices=invoices,
        step=step,
        today=today,
        stages=stages,
        portal_url=portal_url_shown(),
        text=text,
    )


def composed_masked(composed: Composed, token: str) -> Composed:
    """The message as the history keeps it: the customer's token, which only
    the sent message holds, replaced by « … » (ADR 18)."""
    if not token:
        return composed
    return Composed(
        composed.subject.replace(token, TOKEN_MASK),
        composed.text.replace(token, TOKEN_MASK),
        composed.html.replace(token, TOKEN_MASK),
        composed.language,
    )


def email_build(
    *,
    company: Company,
    to: list[str],
    composed: Composed,
    message_id: str,
    automatic: bool,
    attachments: Sequence[Attachment] = (),
    sent_at: datetime | None = None,
) -> Email:
    """The email of one reminder. One debtor per message: `to` is one customer's."""
    return email_message(
        sender_name=company.name,
        sender=company.sender_email,
        to=to,
        reply_to=company.reply_to_email,
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        message_id=message_id,
        headers={"Auto-Submitted": "auto-generated"} if automatic else None,
        attachments=attachments,
        date=sent_at,
    )


def reminder_eml(reminder: Reminder) -> bytes:
    """A sent reminder as an .eml file: its headers, text and HTML as they
    left (recorded with it), its Message-ID and date; without attachments,
    which the record does not keep. The sender is the company's address now."""
    email = email_build(
        company=reminder.company,
        to=reminder.recipients,
        composed=Composed(reminder.subject, reminder.body_text, reminder.body_html),
        message_id=reminder.message_id,
        automatic=reminder.origin == Reminder.Origin.SCHEDULE,
        sent_at=reminder.sent_at,
    )
    return email.data
