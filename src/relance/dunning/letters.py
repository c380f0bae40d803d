"""The formal notice as a letter (« mise en demeure »): its text, and its
PDF from what the Letter froze on its date (dunning/services/letters.py
makes and follows letters).

The letter's frame is fixed (`templates/dunning/letter_pdf.html` and its
stylesheet `letter_pdf.css`): both parties, place and date, the words « mise
en demeure », each invoice with its amounts, the deadline, what follows, the
legal bases and the signature. A company adjusts its main paragraph
(`Company.letter_body`), a template with the step templates' variables,
rendered in their sandbox when the letter is made; it cannot remove what the
law needs. See docs/legal.md and docs/templates.md.
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from relance.core.identifiers import iban_display
from relance.core.languages import written_in
from relance.core.models import Company
from relance.core.pdfs import PdfTooLong, pdf_from_html
from relance.core.services import LETTER_BODY_MAX
from relance.dunning.context import message_context
from relance.dunning.models import DunningStep, Letter
from relance.invoices.models import Customer, Invoice
from relance.law.penalties import Outcome, money
from relance.mailing import templating

STYLESHEET = Path(__file__).parent / "templates" / "dunning" / "letter_pdf.css"
BODY_MAX = LETTER_BODY_MAX  # characters of the company's paragraph
BATCH_MAX = 100  # letters in one PDF to print
# The court file's letters stay French (a French court): court_file.py asks
# letters_pdf for this language; otherwise each letter is in its customer's.
LANGUAGE = "fr"


def default_body(language: str | None = None) -> str:
    """The paragraph of a company that wrote none, in `language` (the
    active one when not given)."""
    with written_in(language or translation.get_language()):
        return _(
            "Sauf erreur de notre part, malgré nos relances, les factures "
            "ci-dessous restent impayées à ce jour."
        )


def letter_body_check(source: str) -> None:
    """Refuse a paragraph too long, or that would not render (names the line)."""
    if len(source) > BODY_MAX:
        raise templating.TemplateRefused(
            _("%(max)s caractères au plus (il y en a %(n)s).")
            % {"max": f"{BODY_MAX:,}".replace(",", "\u202f"), "n": len(source)}
        )
    templating.check(source)


def letter_body_render(
    *,
    company: Company,
    customer: Customer,
    invoices: Sequence[Invoice],
    step: DunningStep,
    today: date,
    late: Sequence[Outcome],
) -> str:
    """The company's paragraph (or the default one) for these invoices, with
    the customer's language's dates and amounts (the company's paragraph is
    one text, as written). Raises mailing.templating.TemplateRefused."""
    language = customer.language or LANGUAGE
    source = company.letter_body.strip()
    if not source:
        return default_body(language)
    with written_in(language):
        context = message_context(
            company=company,
            customer=customer,
            invoices=invoices,
            step=step,
            today=today,
            late=late,
            language=language,
        )
        return templating.render(source, context)


def letter_html(letter: Letter, lines=None, language: str | None = None) -> str:
    """One letter's page(s), as the body of an HTML document, in `language`
    (the letter's own when not given)."""
    lines = list(letter.lines.all()) if lines is None else lines

    def total(name: str) -> Decimal:
        return sum((getattr(line, name) for line in lines), Decimal(0))

    principal = total("principal")
    penalties = total("penalties")
    indemnity = total("indemnity")
    interest = total("legal_interest")
    company = letter.company
    with written_in(language or letter.language or LANGUAGE):
        return render_to_string(
            "dunning/letter_pdf.html",
            {
                "letter": letter,
                "lines": lines,
                "business": not letter.consumer,
                "currency": letter.currency,
                "principal": principal,
                "penalties": penalties,
                "indemnity": indemnity,
                "interest": interest,
                "total": principal + penalties + indemnity + interest,
                "days": (letter.pay_by - letter.dated_on).days,
                "sender_lines": letter.sender_address.splitlines(),
                "recipient_lines": letter.recipient_address.splitlines(),
                "iban": iban_display(company.iban),
                "bic": company.bic,
                "siret": company.siret,
            },
        )


def letters_pdf(letters: Sequence[Letter], *, language: str | None = None) -> bytes:
    """These letters in one PDF, each from a new page, each in its customer's
    language, or all in `language` (the court file's French). Raises
    PdfTooLong past BATCH_MAX letters or core.pdfs.MAX_PAGES pages;
    core.pdfs.PdfUnavailable when WeasyPrint cannot run here."""
    if len(letters) > BATCH_MAX:
        raise PdfTooLong
    parts = [letter_html(letter, language=language) for letter in letters]
    if language is None:
        languages = {letter.language for letter in letters}
        language = languages.pop() if len(languages) == 1 else LANGUAGE
    with written_in(language):
        html = render_to_string("dunning/letters_pdf.html", {"parts": parts})
    return pdf_from_html(html, stylesheet=str(STYLESHEET))


def letter_filename(letters: Sequence[Letter]) -> str:
    if len(letters) == 1:
        letter = letters[0]
        return f"mise-en-demeure-{letter.pk}-{letter.dated_on.isoformat()}.pdf"
    return f"mises-en-demeure-{len(letters)}.pdf"


def letter_data(letter: Letter) -> dict:
    """A letter as plain data (API, `relance letters --json`): amounts as
    strings with two decimals, dates as dates."""
    lines = list(letter.lines.all())

    def total(name: str) -> Decimal:
        return sum((getattr(line, name) for line in lines), Decimal(0))

    return {
        "id": letter.pk,
        "customer": letter.recipient_name,
        "customer_code": letter.customer.code,
        "consumer": letter.consumer,
        "step": letter.reminder.step.name,
        "reminder_id": letter.reminder_id,
        "status": letter.status,
        "dated_on": letter.dated_on,
        "pay_by": letter.pay_by,
        "currency": letter.currency,
        "invoices": [
            {
                "invoice": line.number,
                "issue_date": line.issue_date,
                "due_date": line.due_date,
                "principal": money(line.principal),
                "days_late": line.days_late,
                "penalties": money(line.penalties),
                "indemnity": money(line.indemnity),
                "legal_interest": money(line.legal_interest),
            }
            for line in lines
        ],
        "principal": money(total("principal")),
        "penalties": money(total("penalties")),
        "indemnity": money(total("indemnity")),
        "legal_interest": money(total("legal_interest")),
        "total": money(letter.claimed),
        "tracking_number": letter.tracking_number,
        "sent_on": letter.sent_on,
        "received_on": letter.received_on,
    }
