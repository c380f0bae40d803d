"""« Relevé de compte »: a customer's open invoices at a date, what was paid
on them, how late they are and what the law adds (law/penalties.py), its
credit notes (« avoirs ») with what was allocated of them, and the total,
less the credit still to allocate; as rows for a spreadsheet (and a page for
a PDF)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from relance.core.identifiers import iban_display
from relance.core.languages import written_in
from relance.core.models import Company
from relance.core.pdfs import pdf_from_html
from relance.invoices.models import Customer, Invoice, Payment
from relance.invoices.pdf import STYLESHEET
from relance.law.penalties import Outcome
from relance.law.selectors import invoices_late_payment, payments_of


@dataclass(frozen=True)
class StatementLine:
    invoice: Invoice
    paid: Decimal  # payments made on or before the statement's date
    outcome: Outcome


@dataclass(frozen=True)
class CreditLine:
    """A credit note at the statement's date: what was allocated of it by
    then (number of each invoice, amount), and what was still left: what is
    left today and what was allocated after the date."""

    credit_note: Invoice
    allocations: list[tuple[str, Decimal]]
    left: Decimal

    @property
    def allocated(self) -> Decimal:
        """What was used of it by the date (allocated, or settled outside)."""
        return self.credit_note.total - self.left


@dataclass(frozen=True)
class Statement:
    company: Company
    customer: Customer
    on: date
    lines: list[StatementLine]
    credits: list[CreditLine] = field(default_factory=list)

    @property
    def credit(self) -> Decimal:
        """The credit still to allocate on the statement's date."""
        return sum((line.left for line in self.credits), Decimal(0))

    @property
    def balance(self) -> Decimal:
        """What is still due, less the credit still to allocate."""
        return self.principal - self.credit

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(line.outcome, name) for line in self.lines), Decimal(0))

    @property
    def principal(self) -> Decimal:
        return self._sum("principal")

    @property
    def penalties(self) -> Decimal:
        return self._sum("penalties")

    @property
    def indemnity(self) -> Decimal:
        return self._sum("indemnity")

    @property
    def legal_interest(self) -> Decimal:
        return self._sum("legal_interest")

    @property
    def total(self) -> Decimal:
        """What is due with what the law adds, less the credit to allocate."""
        return self._sum("total") - self.credit

    def rows(self) -> list[list]:
        """Plain values, a header first and the totals last: for XLSX."""
        rows: list[list] = [
            [
                _("Facture"),
                _("Date"),
                _("Échéance"),
                _("Montant TTC"),
                _("Déjà réglé"),
                _("Reste dû"),
                _("Jours de retard"),
                _("Pénalités de retard"),
                _("Indemnité forfaitaire"),
                _("Intérêts au taux légal"),
                _("Total"),
            ]
        ]
        for line in self.lines:
            invoice, outcome = line.invoice, line.outcome
            rows.append(
                [
                    invoice.number,
                    invoice.issue_date,
                    invoice.due_date,
                    invoice.total,
                    line.paid,
                    outcome.principal,
                    outcome.days_late,
                    outcome.penalties,
                    outcome.indemnity,
                    outcome.legal_interest,
                    outcome.total,
                ]
            )
        for line in self.credits:
            credit = line.credit_note
            rows.append(
                [
                    _("Avoir %(number)s") % {"number": credit.number},
                    credit.issue_date,
                    None,
                    -credit.total,
                    -line.allocated,
                    -line.left,
                    None,
                    None,
                    None,
                    None,
                    -line.left,
                ]
            )
        rows.append(
            [
                _("Total"),
                None,
                None,
                None,
                None,
                self.balance,
                None,
                self.penalties,
                self.indemnity,
                self.legal_interest,
                self.total,
            ]
        )
        return rows


def customer_statement(*, customer: Customer, on: date) -> Statement:
    """The customer's invoices still owed on `on` (issued by then), each with
    what the law gives. Raises law.penalties.RateMissing like the rest."""
    company = customer.company
    invoices = list(
        Invoice.objects.filter(
            customer=customer,
            kind=Invoice.Kind.INVOICE,
            status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
            issue_date__lte=on,
        )
        .select_related("customer")
        .order_by("due_date", "number")
    )
    payments = payments_of(invoices)
    outcomes = invoices_late_payment(
        invoices, on=on, company=company, payments=payments
    )
    lines = [
        StatementLine(
            invoice,
            sum(
                (amount for day, amount in payments.get(invoice.pk, []) if day <= on),
                Decimal(0),
            ),
            outcome,
        )
        for invoice, outcome in zip(invoices, outcomes, strict=True)
        if outcome.principal > 0
    ]
    return Statement(company, customer, on, lines, _credit_lines(customer, on))


def _credit_lines(customer: Customer, on: date) -> list[CreditLine]:
    """The customer's credit notes issued by `on` that were not wholly
    allocated by then, each with its allocations dated by then (cancelled
    ones left out). A credit note settled outside Relance (imported as
    paid) has nothing left. Two queries."""
    credits = list(
        Invoice.objects.filter(
            customer=customer,
            kind=Invoice.Kind.CREDIT_NOTE,
            status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
            issue_date__lte=on,
        ).order_by("issue_date", "number")
    )
    allocations: dict[int, list[tuple[str, Decimal]]] = {}
    later = {credit.pk: credit.credit_left for credit in credits}
    rows = (
        Payment.objects.filter(credit_note__in=credits, cancelled_at__isnull=True)
        .order_by("date", "id")
        .values_list("credit_note_id", "invoice__number", "amount", "date")
    )
    for credit_id, number, amount, day in rows:
        if day <= on:
            allocations.setdefault(credit_id, []).append((number, amount))
        else:  # still to allocate on the statement's date
            later[credit_id] += amount
    lines = [
        CreditLine(credit, allocations.get(credit.pk, []), later[credit.pk])
        for credit in credits
    ]
    return [line for line in lines if line.left > 0]


def statement_pdf(statement: Statement, *, language: str = "fr") -> bytes:
    """The statement as a PDF letter page (WeasyPrint, the invoices' style).

    Raises core.pdfs.PdfUnavailable when WeasyPrint cannot run here."""
    customer = statement.customer
    with written_in(language):
        html = render_to_string(
            "dunning/statement_pdf.html",
            {
                "language": language,
                "company": statement.company,
                "customer": customer,
                "customer_lines": customer.address_lines,
                "statement": statement,
                "business": customer.kind == Customer.Kind.BUSINESS,
                "currency": statement.lines[0].invoice.currency
                if statement.lines
                else "EUR",
                "iban": iban_display(statement.company.iban),
            },
        )
    return pdf_from_html(html, stylesheet=str(STYLESHEET))
