"""An invoice's PDF attached or replaced (invoice_pdf_attach): what is
refused, and what is kept."""

from io import BytesIO

import pytest
from pypdf import PdfWriter

from relance.core.errors import ApplicationError
from relance.invoices.models import Invoice
from relance.invoices.services import PDF_MAX_SIZE, invoice_pdf_attach
from tests.factories import make_company, make_customer, make_invoice, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return make_invoice(make_customer(make_company()), number="FC26010001")


def attach(invoice, content, content_type="application/pdf", company=None):
    return invoice_pdf_attach(
        company=company or invoice.company,
        invoice=invoice,
        content=content,
        content_type=content_type,
    )


def refusal(invoice, content, content_type="application/pdf") -> tuple[str, str]:
    with pytest.raises(ApplicationError) as refused:
        attach(invoice, content, content_type)
    return refused.value.field, refused.value.message


def test_a_pdf_is_kept_as_the_invoice_s_pdf_named_after_its_number(invoice):
    pdf = make_pdf("FC26010001")
    attach(invoice, pdf)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.pdf.name == f"company-{invoice.company_id}/invoices/FC26010001.pdf"
    with invoice.pdf.open("rb") as kept:
        assert kept.read() == pdf


def test_a_new_pdf_replaces_the_old_one_whose_file_goes_once_saved(
    invoice, django_capture_on_commit_callbacks
):
    attach(invoice, make_pdf("first"))
    first = Invoice.objects.get(pk=invoice.pk).pdf
    first_path = first.path
    second = make_pdf("second")
    with django_capture_on_commit_callbacks() as callbacks:
        attach(invoice, second)
    assert first.storage.exists(first.name)  # kept while it may roll back
    for callback in callbacks:
        callback()
    invoice = Invoice.objects.get(pk=invoice.pk)
    with invoice.pdf.open("rb") as kept:
        assert kept.read() == second
    assert invoice.pdf.path != first_path
    assert not first.storage.exists(first.name)


def test_a_number_with_slashes_or_dots_makes_no_folder():
    invoice = make_invoice(make_customer(make_company()), number="../FC/2026/12")
    attach(invoice, make_pdf())
    name = Invoice.objects.get(pk=invoice.pk).pdf.name
    assert name == f"company-{invoice.company_id}/invoices/FC_2026_12.pdf"


def test_an_empty_file_is_refused(invoice):
    assert refusal(invoice, b"") == ("pdf", "Le fichier PDF est vide.")


def test_a_file_over_10_mo_is_refused(invoice):
    big = make_pdf() + b"%" * (PDF_MAX_SIZE + 1 - len(make_pdf()))
    assert refusal(invoice, big) == ("pdf", "PDF trop volumineux : 10 Mo au plus.")


def test_a_file_declared_as_another_type_is_refused(invoice):
    assert refusal(invoice, make_pdf(), "image/png") == (
        "pdf",
        "Le fichier doit être un PDF (type reçu : image/png).",
    )


def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_type(invoice):
    assert refusal(invoice, b"PK\x03\x04 a zip file", "application/pdf") == (
        "pdf",
        "Ce fichier n'est pas un PDF, quel que soit son nom.",
    )


def test_a_broken_pdf_is_refused(invoice):
    assert refusal(invoice, b"%PDF-1.7\nnothing else") == (
        "pdf",
        "PDF illisible : le fichier est peut-être endommagé.",
    )


def test_a_pdf_that_needs_a_password_is_refused(invoice):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    assert refusal(invoice, out.getvalue()) == (
        "pdf",
        "Ce PDF est protégé par un mot de passe : vos clients ne pourraient pas "
        "l'ouvrir.",
    )


def test_nothing_is_kept_when_refused(invoice):
    refusal(invoice, b"not a pdf")
    assert not Invoice.objects.get(pk=invoice.pk).pdf


def test_another_company_s_invoice_is_not_found(invoice):
    with pytest.raises(ApplicationError, match=r"Facture introuvable\."):
        attach(invoice, make_pdf(), company=make_company())
    assert not Invoice.objects.get(pk=invoice.pk).pdf
