"""An invoice's PDF through the API: PUT it (multipart), GET it."""

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from relance.core.tokens import token_create
from tests.factories import make_company, make_customer, make_invoice, make_pdf

pytestmark = pytest.mark.django_db


class File:
    """What a multipart field carries: a name, a type, bytes."""

    def __init__(
        self, content: bytes, name="facture.pdf", content_type="application/pdf"
    ):
        self.content, self.name, self.content_type = content, name, content_type

    def read(self):
        return self.content


@pytest.fixture
def invoice():
    return make_invoice(make_customer(make_company()), number="FC26010001")


@pytest.fixture
def api(invoice):
    raw = token_create(company=invoice.company, name="ERP")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def put_pdf(api, invoice_id, **fields):
    return api.put(
        f"/api/v1/invoices/{invoice_id}/pdf",
        encode_multipart(BOUNDARY, fields),
        content_type=MULTIPART_CONTENT,
    )


def test_a_pdf_put_then_got_back_as_is(api, invoice):
    assert api.get(f"/api/v1/invoices/{invoice.pk}").json()["has_pdf"] is False
    pdf = make_pdf("FC26010001")
    response = put_pdf(api, invoice.pk, pdf=File(pdf))
    assert response.status_code == 200
    assert response.json()["number"] == "FC26010001"
    assert response.json()["has_pdf"] is True
    got = api.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == 'inline; filename="FC26010001.pdf"'
    assert b"".join(got.streaming_content) == pdf


def test_an_invoice_without_pdf_answers_404_saying_so(api, invoice):
    response = api.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Cette facture n'a pas de PDF.",
        "field": "pdf",
        "errors": [],
    }


def test_a_file_that_is_not_a_pdf_is_refused_naming_the_field(api, invoice):
    response = put_pdf(api, invoice.pk, pdf=File(b"GIF89a", "facture.pdf"))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Ce fichier n'est pas un PDF, quel que soit son nom.",
        "field": "pdf",
    }
    assert api.get(f"/api/v1/invoices/{invoice.pk}/pdf").status_code == 404


def test_a_put_without_the_file_is_refused_naming_the_field(api, invoice):
    response = put_pdf(api, invoice.pk, other="x")
    assert response.status_code == 422
    assert response.json()["field"] == "pdf"
