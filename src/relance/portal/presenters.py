"""The page's data, formatted in the customer's language, with its QR codes."""

from datetime import date
from decimal import Decimal

import segno
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from relance.core.identifiers import iban_display
from relance.core.logos import MAX_SIZE as LOGO_MAX_SIZE
from relance.core.logos import logo_data_url
from relance.core.models import Company
from relance.core.money import format_amount, format_date
from relance.core.payment_links import payment_url
from relance.dunning.services.portal_answers import answer_lines
from relance.invoices.models import Customer
from relance.portal.epc import Transfer, epc_payload, references_joined
from relance.portal.selectors import OpenInvoice, total_due


def qr_svg(payload: str, title: str = "QR code") -> str:
    """An inline SVG QR code (EPC069-12 asks for error correction M)."""
    code = segno.make(payload, error="m", micro=False, encoding="utf-8")
    # segno's own SVG (the title escaped by it): safe to insert.
    return mark_safe(
        code.svg_inline(
            scale=4, border=4, dark="#111", light="#fff", omitsize=True, title=title
        )
    )


def _transfer_qr(company: Company, amount: Decimal, reference: str) -> str:
    payload = epc_payload(
        Transfer(
            name=company.name,
            iban=company.iban,
            bic=company.bic,
            amount=amount,
            reference=reference,
        )
    )
    return qr_svg(payload) if payload else ""


def company_logo(company: Company) -> str:
    """The company's logo inline (a data: URL), or "" without one."""
    if not company.logo:
        return ""
    try:
        with company.logo.open("rb") as file:
            return logo_data_url(file.read(LOGO_MAX_SIZE + 1))
    except FileNotFoundError:
        return ""


def page_context(
    *,
    company: Company,
    customer: Customer,
    invoices: list[OpenInvoice],
    language: str,
) -> dict:
    can_transfer = bool(company.iban)
    rows = [
        {
            "pk": o.invoice.pk,
            "number": o.invoice.number,
            "issue_date": format_date(o.invoice.issue_date, language),
            "due_date": format_date(o.invoice.due_date, language),
            "amount_due": format_amount(
                o.invoice.amount_due, o.invoice.currency, language
            ),
            "days_late": o.days_late,
            "has_pdf": bool(o.invoice.pdf),
            "pay_url": payment_url(
                o.invoice.payment_url or company.payment_url_template,
                number=o.invoice.number,
                amount=o.invoice.amount_due,
                customer=customer.code,
            ),
            "qr": _transfer_qr(company, o.invoice.amount_due, o.invoice.number)
            if can_transfer and o.invoice.currency == "EUR"
            else "",
        }
        for o in invoices
    ]
    total = total_due(invoices)
    euro_numbers = [o.invoice.number for o in invoices if o.invoice.currency == "EUR"]
    total_reference = references_joined(euro_numbers)
    return {
        "company": {
            "name": company.name,
            "logo": company_logo(company),
            "email": company.reply_to_email or company.sender_email,
            "phone": company.phone,
            "address": company.address_lines,
            "iban": iban_display(company.iban),
            "bic": company.bic,
        },
        "customer": {"name": customer.name, "code": customer.code},
        "invoices": rows,
        "total": format_amount(total, "EUR", language),
        "total_reference": total_reference,
        "total_qr": _transfer_qr(company, total, total_reference)
        if can_transfer and len(euro_numbers) > 1
        else "",
        "language": language,
    }


ANSWER_TITLES = {
    "paid": lambda: _("J'ai déjà payé"),
    "promise": lambda: _("Je paierai le …"),
    "dispute": lambda: _("Je conteste cette facture"),
}


def _header(company: Company, customer: Customer) -> dict:
    return {
        "company": {"name": company.name},
        "customer": {"name": customer.name, "code": customer.code},
    }


def answer_context(
    *,
    company: Company,
    customer: Customer,
    invoices: list[OpenInvoice],
    language: str,
    kind: str,
    selected: set[int],
    latest: date,
    today: date,
) -> dict:
    """The form of one of the three answers: the invoices to tick (the one
    the customer came from ticked), the date bounds."""
    return {
        **_header(company, customer),
        "kind": kind,
        "title": ANSWER_TITLES[kind](),
        "invoices": [
            {
                "pk": o.invoice.pk,
                "number": o.invoice.number,
                "amount_due": format_amount(
                    o.invoice.amount_due, o.invoice.currency, language
                ),
                "due_date": format_date(o.invoice.due_date, language),
                "checked": o.invoice.pk in selected,
            }
            for o in invoices
        ],
        "today": today.isoformat(),
        "latest": latest.isoformat(),
        "latest_text": format_date(latest, language),
        "language": language,
    }


def confirmation_context(*, recorded, language: str) -> dict:
    row = recorded.answer
    return {
        **_header(row.company, row.customer),
        "kind": row.kind,
        "title": ANSWER_TITLES[row.kind](),
        "answer": answer_lines(row, recorded.invoices, language),
        "copy_sent_to": recorded.copy_sent_to,
        "language": language,
    }
