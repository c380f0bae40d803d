"""Uploading an invoice's PDF: only to one's own company's invoices, and
only a real PDF, whatever the file's name and declared type say."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from relance.core.tokens import token_create
from relance.invoices.models import Invoice
from tests.api.test_invoice_pdf import File
from tests.conftest import Api
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_user,
)

pytestmark = pytest.mark.django_db

# An HTML page with a script, named and declared as a PDF; then the same
# page behind a PDF's first bytes (a polyglot that only looks like one).
DISGUISED = b"<html><script>alert(document.cookie)</script></html>"
POLYGLOT = b"%PDF-1.7\n" + DISGUISED


@pytest.fixture
def theirs():
    return make_invoice(make_customer(make_company(name="Concurrent SARL")))


@pytest.fixture
def ours():
    return make_company(name="Bâtiments Durand")


def web_client(company):
    client = Client()
    client.force_login(make_user(company))
    return client


def api_client(company):
    return Api(token_create(company=company, name="ERP")[1]).client


def web_upload(client, invoice, content):
    return client.post(
        f"/factures/{invoice.pk}/pdf/joindre/",
        {"pdf": SimpleUploadedFile("facture.pdf", content, "application/pdf")},
    )


def api_upload(client, invoice, content):
    return client.put(
        f"/api/v1/invoices/{invoice.pk}/pdf",
        encode_multipart(BOUNDARY, {"pdf": File(content)}),
        content_type=MULTIPART_CONTENT,
    )


def test_a_user_cannot_upload_a_pdf_to_another_company_s_invoice(ours, theirs):
    response = web_upload(web_client(ours), theirs, make_pdf())
    assert response.status_code == 404
    assert not Invoice.objects.get(pk=theirs.pk).pdf


def test_a_token_cannot_put_or_get_another_company_s_invoice_pdf(ours, theirs):
    api = api_client(ours)
    assert api_upload(api, theirs, make_pdf()).status_code == 404
    assert not Invoice.objects.get(pk=theirs.pk).pdf
    theirs.pdf.save("x.pdf", SimpleUploadedFile("x.pdf", make_pdf()), save=True)
    assert api.get(f"/api/v1/invoices/{theirs.pk}/pdf").status_code == 404


@pytest.mark.parametrize("content", [DISGUISED, POLYGLOT], ids=["html", "polyglot"])
def test_a_page_disguised_as_a_pdf_is_refused_on_the_web_and_the_api(ours, content):
    invoice = make_invoice(make_customer(ours))
    web = web_upload(web_client(ours), invoice, content)
    api = api_upload(api_client(ours), invoice, content)
    assert (web.status_code, api.status_code) == (400, 400)
    expected = (
        "Ce fichier n'est pas un PDF, quel que soit son nom."
        if content == DISGUISED
        else "PDF illisible : le fichier est peut-être endommagé."
    )
    assert api.json() == {"detail": expected, "field": "pdf"}
    assert expected.replace("'", "&#x27;") in web.content.decode()
    assert not Invoice.objects.get(pk=invoice.pk).pdf
