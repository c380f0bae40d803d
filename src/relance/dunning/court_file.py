"""« Dossier d'injonction de payer »: what a creditor takes to court against
one customer, in one ZIP.

- `00 Synthèse.pdf`: both parties, the competent court and its form, the
  amounts the request asks for (principal, penalties and indemnities for a
  business, legal interest for a consumer: never the reverse), the invoices
  with their time limit, the reminders sent, and the list of the pieces;
- `01 Relevé de compte.pdf` at the file's date;
- `02 Factures/`: each claimed invoice's PDF (those without one are named in
  the summary, to be added by hand);
- `03 Relances/`: every reminder sent for these invoices, as `.eml`;
- `04 Mises en demeure/`: each formal notice sent by post that claims one
  of them, as its PDF, titled with its proof (registered post's number, day
  sent, day of the acknowledgement of receipt).

The ZIP is written to a temporary file, never held in memory: a customer
with hundreds of invoices makes a large file, not a large process.
"""

import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from relance.core.clock import company_today
from relance.core.money import format_date
from relance.core.pdfs import pdf_from_html
from relance.dunning.letters import letters_pdf
from relance.dunning.messages import reminder_eml
from relance.dunning.models import Letter, Reminder
from relance.dunning.statements import Statement, customer_statement, statement_pdf
from relance.invoices.models import Customer, Invoice
from relance.invoices.pdf import STYLESHEET
from relance.law import limitation
from relance.law.procedure import Court, competent_court

# A court file is French: it goes to a French court, whatever the customer's
# language or the user's.
LANGUAGE = "fr"


@dataclass(frozen=True)
class Piece:
    number: int
    path: str  # inside the ZIP
    title: str
    invoice: Invoice | None = None
    reminder: Reminder | None = None
    letter: Letter | None = None


@dataclass(frozen=True)
class CourtFile:
    statement: Statement
    court: Court
    reminders: list[Reminder]
    letters: list[Letter]
    pieces: list[Piece]
    without_pdf: list[Invoice]
    time_barred: list[tuple[Invoice, date]]  # with the last day it could be claimed

    @property
    def customer(self) -> Customer:
        return self.statement.customer

    @property
    def on(self) -> date:
        return self.statement.on

    @property
    def filename(self) -> str:
        code = slugify(self.customer.code) or str(self.customer.pk)
        return f"dossier-injonction-{code}-{self.on.isoformat()}.zip"


def court_file(*, customer: Customer, on: date) -> CourtFile:
    """The court file of `customer` at `on`: what is still owed then, and the
    reminders sent for it. Raises law.penalties.RateMissing like a statement."""
    with translation.override(LANGUAGE):
        statement = customer_statement(customer=customer, on=on)
        invoices = [line.invoice for line in statement.lines]
        reminders = list(
            Reminder.objects.filter(
                customer=customer,
                status=Reminder.Status.SENT,
                channel=Reminder.Channel.EMAIL,
                lines__invoice__in=invoices,
            )
            .distinct()
            .select_related("company", "step")
            .order_by("sent_at", "pk")
        )
        company = statement.company
        reminders = [r for r in reminders if company_today(company, r.sent_at) <= on]
        pieces = [Piece(1, _("01 Relevé de compte.pdf"), _("Relevé de compte"))]
        for invoice in invoices:
            if invoice.pdf:
                pieces.append(
                    Piece(
                        len(pieces) + 1,
                        _("02 Factures/Facture %(number)s.pdf")
                        % {"number": _safe(invoice.number)},
                        _("Facture %(number)s") % {"number": invoice.number},
                        invoice=invoice,
                    )
                )
        for reminder in reminders:
            sent = company_today(company, reminder.sent_at)
            pieces.append(
                Piece(
                    len(pieces) + 1,
                    _("03 Relances/%(date)s %(step)s %(id)s.eml")
                    % {
                        "date": sent.isoformat(),
                        "step": _safe(reminder.step.name),
                        "id": reminder.pk,
                    },
                    _("Courriel « %(subject)s » du %(date)s")
                    % {"subject": reminder.subject, "date": sent.strftime("%d/%m/%Y")},
                    reminder=reminder,
                )
            )
        letters = list(
            Letter.objects.filter(
                customer=customer, lines__invoice__in=invoices, dated_on__lte=on
            )
            .distinct()
            .select_related("company")
            .order_by("dated_on", "pk")
        )
        for letter in letters:
            pieces.append(
                Piece(
                    len(pieces) + 1,
                    _("04 Mises en demeure/%(date)s Mise en demeure %(id)s.pdf")
                    % {"date": letter.dated_on.isoformat(), "id": letter.pk},
                    letter_proof(letter),
                    letter=letter,
                )
            )
        kind = customer.kind
        barred = [
            (invoice, limitation.last_day(kind, invoice.due_date))
            for invoice in invoices
            if limitation.time_barred(kind, invoice.due_date, on)
        ]
        return CourtFile(
            statement=statement,
            court=competent_court(kind),
            reminders=reminders,
            letters=letters,
            pieces=pieces,
            without_pdf=[invoice for invoice in invoices if not invoice.pdf],
            time_barred=barred,
        )


def letter_proof(letter: Letter) -> str:
    """A letter and what proves it: « Mise en demeure du 15/07/2025, envoyée
    en recommandé n° … le …, avis de réception du … »."""
    text = _("Mise en demeure du %(date)s") % {"date": format_date(letter.dated_on)}
    if letter.sent_on:
        text += _(", envoyée en recommandé n° %(number)s le %(date)s") % {
            "number": letter.tracking_number,
            "date": format_date(letter.sent_on),
        }
    else:
        text += _(", pas encore envoyée")
    if letter.received_on:
        text += _(", avis de réception du %(date)s") % {
            "date": format_date(letter.received_on)
        }
    return text


def _safe(text: str) -> str:
    """`text` as a file name inside the ZIP: no folder, nothing hidden."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in text)
    return cleaned.strip(" .")[:80] or "_"


def court_file_summary_pdf(file: CourtFile) -> bytes:
    """The summary sheet (« Synthèse ») as a PDF. Raises core.pdfs.PdfUnavailable."""
    statement = file.statement
    company, customer = statement.company, statement.customer
    with translation.override(LANGUAGE):
        html = render_to_string(
            "dunning/court_file_pdf.html",
            {
                "file": file,
                "company": company,
                "customer": customer,
                "statement": statement,
                "business": customer.kind == Customer.Kind.BUSINESS,
                "currency": statement.lines[0].invoice.currency
                if statement.lines
                else "EUR",
                "rows": [
                    (line, limitation.last_day(customer.kind, line.invoice.due_date))
                    for line in statement.lines
                ],
                "letter_proofs": [letter_proof(letter) for letter in file.letters],
            },
        )
    return pdf_from_html(html, stylesheet=str(STYLESHEET))


def court_file_write(file: CourtFile, out: BinaryIO) -> None:
    """The ZIP into `out`: PDFs stored as they are (they do not compress),
    the rest deflated; files copied in chunks."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            _("00 Synthèse.pdf"),
            court_file_summary_pdf(file),
            compress_type=zipfile.ZIP_STORED,
        )
        for piece in file.pieces:
            if piece.reminder is not None:
                archive.writestr(piece.path, reminder_eml(piece.reminder))
            elif piece.letter is not None:
                archive.writestr(
                    piece.path,
                    letters_pdf([piece.letter], language=LANGUAGE),
                    compress_type=zipfile.ZIP_STORED,
                )
            elif piece.invoice is not None:
                info = zipfile.ZipInfo(piece.path, date_time=time.localtime()[:6])
                info.compress_type = zipfile.ZIP_STORED
                with (
                    piece.invoice.pdf.open("rb") as source,
                    archive.open(info, "w") as target,
                ):
                    shutil.copyfileobj(source, target, 1 << 20)
            else:
                pdf = statement_pdf(file.statement, language=LANGUAGE)
                archive.writestr(piece.path, pdf, compress_type=zipfile.ZIP_STORED)


def court_file_zip(file: CourtFile) -> BinaryIO:
    """The ZIP in a temporary file, rewound, for a response to stream."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    try:
        court_file_write(file, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
