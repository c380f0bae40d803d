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
            facturx_pdf(XML.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>325")),
            "Ce document (type 325) n'est ni une facture ni un avoir : il ne peut "
            "pas être importé.",
        ),
    ],
    ids=["not a pdf", "plain pdf", "pro forma"],
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


def credit_note_xml(number="AV-2026-0007", credited="FA-2026-0042") -> bytes:
    """The sample made a credit note (TypeCode 381) of 300 € naming the
    invoice it credits (BT-25)."""
    xml = XML.replace(b"<ram:TypeCode>380", b"<ram:TypeCode>381")
    xml = xml.replace(b"FA-2026-0042", number.encode())
    xml = re.sub(
        rb"<ram:GrandTotalAmount>[^<]*<", b"<ram:GrandTotalAmount>300.00<", xml
    )
    reference = (
        "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>"
        f"{credited}</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>"
    ).encode()
    return xml.replace(
        b"</ram:ApplicableHeaderTradeSettlement>",
        reference + b"</ram:ApplicableHeaderTradeSettlement>",
    )


def test_a_credit_note_is_read_with_the_invoice_it_credits():
    read = facturx_read(facturx_pdf(credit_note_xml()))
    assert (read.kind, read.number, read.credited_invoice) == (
        "credit_note",
        "AV-2026-0007",
        "FA-2026-0042",
    )
    assert (read.total, read.amount_due) == (Decimal("300.00"), None)
    assert read.missing == []


@pytest.mark.django_db
def test_a_factur_x_credit_note_is_allocated_to_the_invoice_it_names():
    company = make_company()
    make_steps(company)
    invoice, _created = facturx_take_in(
        company=company,
        content=facturx_pdf(),
        filename="f.pdf",
        today=TODAY,
        answers={},
    )
    credit, created = facturx_take_in(
        company=company,
        content=facturx_pdf(credit_note_xml()),
        filename="a.pdf",
        today=TODAY,
        answers={},
    )
    invoice.refresh_from_db()
    assert created
    assert (credit.kind, credit.credited_invoice_id, credit.amount_due) == (
        Invoice.Kind.CREDIT_NOTE,
        invoice.pk,
        Decimal("0.00"),
    )
    assert (credit.total, credit.credit_left) == (Decimal("300.00"), Decimal("0.00"))
    assert credit.to_remind is False
    assert invoice.amount_due == Decimal("700.00")
    [allocation] = invoice.payments.all()
    assert (allocation.method, allocation.credit_note_id, allocation.date) == (
        "credit_note",
        credit.pk,
        date(2026, 3, 1),
    )


@pytest.mark.django_db
def test_a_factur_x_credit_note_naming_an_unknown_invoice_waits_to_be_allocated():
    company = make_company()
    credit, _created = facturx_take_in(
        company=company,
        content=facturx_pdf(credit_note_xml(credited="FA-INCONNUE")),
        filename="a.pdf",
        today=TODAY,
        answers={},
    )
    assert (credit.credited_invoice_id, credit.credit_left) == (
        None,
        Decimal("300.00"),
    )
