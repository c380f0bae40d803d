"""An invoice as a PDF, with the mentions a French invoice must carry.

Seller (name, address, SIREN, SIRET, VAT number), customer (name, address,
SIREN when known), number and dates, lines with their amounts before tax,
VAT by rate, the total with tax, the due date and payment terms, the
late-payment penalties and, for a business customer, the 40 € recovery
indemnity (Code de commerce L441-9, L441-10 and D441-5; CGI art. 242 nonies A).

Rendered by WeasyPrint (core/pdfs.py) from `templates/invoices/invoice_pdf.html`
and its stylesheet, loaded once per process.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string

from relance.core.identifiers import iban_display
from relance.core.languages import written_in
from relance.core.models import Company
from relance.core.money import format_amount, format_date, format_rate, quantize
from relance.core.pdfs import pdf_from_html
from relance.invoices.models import Customer, Invoice
from relance.invoices.selectors import contract_penalty_rate

RECOVERY_INDEMNITY = Decimal("40.00")  # Code de commerce D441-5
STYLESHEET = Path(__file__).parent / "templates" / "invoices" / "invoice_pdf.css"


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice: prices before tax, the VAT rate in percent."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal

    @property
    def amount(self) -> Decimal:
        return quantize(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatBreakdown:
    rate: Decimal
    base: Decimal
    tax: Decimal


def vat_breakdown(lines: Sequence[InvoiceLine]) -> list[VatBreakdown]:
    """The VAT per rate (CGI art. 242 nonies A: a base and a tax per rate),
    each rounded once, on the rate's total before tax."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + line.amount
    return [
        VatBreakdown(rate, base, quantize(base * rate / 100))
        for rate, base in sorted(bases.items(), reverse=True)
    ]


def lines_total(lines: Sequence[InvoiceLine]) -> Decimal:
    """What the lines come to, tax included."""
    return sum((v.base + v.tax for v in vat_breakdown(lines)), Decimal(0))


def invoice_pdf_render(**document) -> bytes:
    """The PDF of an invoice (the arguments of invoice_pdf_html)."""
    return pdf_from_html(invoice_pdf_html(**document), stylesheet=str(STYLESHEET))


def invoice_pdf_html(
    *,
    company: Company,
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    vat_number: str = "",
    performed_on: date | None = None,
    language: str = "fr",
) -> str:
    """The HTML of `invoice`'s PDF, from its lines. The lines must come to
    the invoice's total with tax (ValueError otherwise: a PDF never says
    another amount than the one reminded)."""
    if not lines:
        raise ValueError("an invoice PDF needs at least one line")
    breakdown = vat_breakdown(lines)
    total_ht = sum((v.base for v in breakdown), Decimal(0))
    total_vat = sum((v.tax for v in breakdown), Decimal(0))
    if total_ht + total_vat != invoice.total:
        raise ValueError(
            f"lines come to {total_ht + total_vat}, invoice {invoice.number} "
            f"to {invoice.total}"
        )
    currency = invoice.currency

    def money(amount: Decimal) -> str:
        return format_amount(amount, currency, language)

    def number(value: Decimal) -> str:
        return format_rate(value, language)

    customer: Customer = invoice.customer
    # The rate penalties are computed at (law.selectors); none: the law's.
    penalty_rate = contract_penalty_rate(customer=customer, company=company)
    context = {
        "language": language,
        "company": company,
        "seller_lines": company.address_lines,
        "vat_number": vat_number,
        "iban": iban_display(company.iban),
        "customer": customer,
        "customer_lines": customer.address_lines,
        "is_business": customer.kind == Customer.Kind.BUSINESS,
        "invoice": invoice,
        "issue_date": format_date(invoice.issue_date, language),
        "due_date": format_date(invoice.due_date, language),
        "performed_on": format_date(performed_on, language),
        "lines": [
            {
                "description": line.description,
                "quantity": number(line.quantity),
                "unit": line.unit,
                "unit_price": money(line.unit_price),
                "vat_rate": number(line.vat_rate),
                "amount": money(line.amount),
            }
            for line in lines
        ],
        "vat": [
            {"rate": number(v.rate), "base": money(v.base), "tax": money(v.tax)}
            for v in breakdown
        ],
        "total_ht": money(total_ht),
        "total_vat": money(total_vat),
        "total": money(invoice.total),
        "penalty_rate": number(penalty_rate) if penalty_rate is not None else "",
        "indemnity": money(RECOVERY_INDEMNITY).replace(",00", ""),  # « 40 € »
    }
    with written_in(language):
        return render_to_string("invoices/invoice_pdf.html", context)
