"""The invoice page: « Joindre le PDF », « Remplacer le PDF »."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.invoices.models import Invoice
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return make_invoice(make_customer(make_company()), number="FC26010001")


@pytest.fixture
def client(invoice):
    client = Client()
    client.force_login(make_user(invoice.company))
    return client


def upload(
    client, invoice, content, name="facture.pdf", content_type="application/pdf"
):
    return client.post(
        f"/factures/{invoice.pk}/pdf/joindre/",
        {"pdf": SimpleUploadedFile(name, content, content_type=content_type)},
        follow=True,
    )


def test_a_pdf_uploaded_on_the_invoice_page_is_linked_and_downloaded(client, invoice):
    page = client.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Aucun PDF : les relances partent sans pièce jointe." in page
    assert "Joindre le PDF" in page
    pdf = make_pdf("FC26010001")
    response = upload(client, invoice, pdf)
    assert response.redirect_chain == [(f"/factures/{invoice.pk}/", 302)]
    page = response.content.decode()
    assert "PDF de la facture FC26010001 enregistré." in page
    assert f'href="/factures/{invoice.pk}/pdf/" data-testid="pdf-link"' in page
    assert "Remplacer le PDF" in page
    download = client.get(f"/factures/{invoice.pk}/pdf/")
    assert b"".join(download.streaming_content) == pdf


def test_a_new_upload_replaces_the_pdf(client, invoice):
    upload(client, invoice, make_pdf("first"))
    second = make_pdf("second")
    upload(client, invoice, second)
    download = client.get(f"/factures/{invoice.pk}/pdf/")
    assert b"".join(download.streaming_content) == second


def test_a_file_that_is_not_a_pdf_is_refused_next_to_the_field(client, invoice):
    response = upload(client, invoice, b"<html>hello</html>", "facture.pdf")
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        '<div class="error" id="id_pdf_error" role="alert">'
        "Ce fichier n&#x27;est pas un PDF, quel que soit son nom.</div>"
    ) in page
    assert '<details class="inline-form" open>' in page
    assert not Invoice.objects.get(pk=invoice.pk).pdf


def test_a_declared_image_is_refused_with_its_type(client, invoice):
    response = upload(client, invoice, make_pdf(), "scan.png", "image/png")
    assert response.status_code == 400
    assert "Le fichier doit être un PDF (type reçu : image/png)." in (
        response.content.decode()
    )


def test_sending_no_file_asks_for_one(client, invoice):
    response = client.post(f"/factures/{invoice.pk}/pdf/joindre/", {})
    assert response.status_code == 400
    assert "Choisissez le PDF de la facture." in response.content.decode()


def test_the_upload_takes_posts_only(client, invoice):
    assert client.get(f"/factures/{invoice.pk}/pdf/joindre/").status_code == 405
