"""Factur-X: the invoice comes from the XML embedded in the PDF; what the XML
lacks is asked for, never made up."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from facturx import generate_from_binary
from pypdf import PdfWriter

from relance.core.errors import ApplicationError
from relance.dunning.services.intake import facturx_take_in
from relance.invoices.facturx import facturx_read
from relance.invoices.importing import Refused
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_steps

XML = (Path(__file__).parent / "data" / "facturx-en16931.xml").read_bytes()
TODAY = date(2026, 5, 10)


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def facturx_pdf(xml: bytes = XML) -> bytes:
    return generate_from_binary(blank_pdf(), xml, check_xsd=False)


def without(xml: bytes, pattern: str) -> bytes:
    return re.sub(pattern.encode(), b"", xml, flags=re.S)


def test_the_embedded_invoice_is_read():
    invoice = facturx_read(facturx_pdf())
    assert (invoice.number, invoice.issue_date, invoice.due_date) == (
        "FA-2026-0042",
        date(2026, 3, 1),
        date(2026, 4, 30),
    )
    assert (invoice.total, invoice.amount_due, invoice.currency) == (
        Decimal("1200.00"),
        Decimal("1000.00"),
        "EUR",
    )
    assert (
        invoice.buyer_name,
        invoice.buyer_id,
        invoice.buyer_siren,
        invoice.buyer_email,
    ) == (
        "HERBLY Francis",
        "411HERBLYF",
        "552081317",
        "compta@herbly.example",
    )
    assert invoice.payment_terms == "30 jours fin de mois"
    assert invoice.missing == []


@pytest.mark.django_db
def test_the_invoice_is_created_with_its_pdf_and_its_dunning_state():
    company = make_company()
    make_steps(company)
    content = facturx_pdf()
    invoice, created = facturx_take_in(
        company=company,
        content=content,
        filename="FA-2026-0042.pdf",
        today=TODAY,
        answers={},
    )
    assert created
    assert (invoice.number, invoice.total, invoice.amount_due) == (
        "FA-2026-0042",
        Decimal("1200.00"),
        Decimal("1000.00"),
    )
    assert (invoice.customer.code, invoice.customer.name, invoice.customer.email) == (
        "411HERBLYF",
        "HERBLY Francis",
        "compta@herbly.example",
    )
    assert invoice.customer.siren == "552081317"
    assert invoice.pdf.read() == content
    assert invoice.to_remind is True


@pytest.mark.django_db
def test_a_missing_due_date_is_asked_for_not_invented():
    company = make_company()
    content = facturx_pdf(
        without(XML, r"<ram:DueDateDateTime>.*?</ram:DueDateDateTime>")
    )
    assert facturx_read(content).missing == ["due_date"]
    with pytest.raises(Refused) as refused:
        facturx_take_in(
            company=company, content=content, filename="f.pdf", today=TODAY, answers={}
        )
    assert [(e.column, e.message) for e in refused.value.report.errors] == [
        ("due_date", "valeur obligatoire")
    ]
    assert not Invoice.objects.exists()
    invoice, _ = facturx_take_in(
        company=company,
        content=content,
        filename="f.pdf",
        today=TODAY,
        answers={"due_date": date(2026, 3, 31)},
    )
    assert invoice.due_date == date(2026, 3, 31)


@pytest.mark.django_db
def test_a_buyer_without_id_is_matched_by_siren_or_asked_for():
    company = make_company()
    content = facturx_pdf(without(XML, r"<ram:ID>411HERBLYF</ram:ID>"))
    with pytest.raises(Refused) as refused:
        facturx_take_in(
            company=company, content=content, filename="f.pdf", today=TODAY, answers={}
        )
    assert [e.column for e in refused.value.report.errors] == ["customer_code"]
    make_customer(company, code="411HERB", name="Herbly", siren="552081317")
    invoice, _ = facturx_take_in(
        company=company, content=content, filename="f.pdf", today=TODAY, answers={}
    )
    assert invoice.customer.code == "411HERB"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a pdf", "Ce fichier n'est pas un PDF."),
        (blank_pdf(), "Ce PDF ne contient pas de facture Factur-X (aucun XML joint)."),
        (
            facturx_pdf(XML.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>381")),
            "Ce document est un avoir (type 381) : seules les factures sont relancées.",
        ),
    ],
    ids=["not a pdf", "plain pdf", "credit note"],
)
def test_what_is_not_a_factur_x_invoice_is_refused_clearly(content, message):
    with pytest.raises(ApplicationError) as refused:
        facturx_read(content)
    assert refused.value.message == message


@pytest.mark.django_db
def test_the_same_invoice_twice_is_refused():
    company = make_company()
    content = facturx_pdf()
    facturx_take_in(
        company=company, content=content, filename="f.pdf", today=TODAY, answers={}
    )
    with pytest.raises(
        ApplicationError, match=r"La facture FA-2026-0042 existe déjà\."
    ):
        facturx_take_in(
            company=company, content=content, filename="f.pdf", today=TODAY, answers={}
        )
