"""Batches through the API: another company's invoices stay out of reach, and
a body too big is refused before it is read."""

import json

import pytest

from relance.invoices.models import Invoice, Payment
from tests.api.test_api import invoice_payload
from tests.factories import make_company, make_customer, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


def test_a_batch_never_touches_another_companys_invoices(api, company):
    other = make_company(name="Concurrent")
    theirs = make_invoice(make_customer(other, code="411HERBLYF"), number="FC1")
    status, body = api.call(
        "post",
        "/payments/batch",
        [{"invoice_number": "FC1", "date": "2026-02-01", "amount": "10"}],
    )
    assert (status, body["errors"]) == (
        400,
        [
            {
                "index": 0,
                "field": "invoice_number",
                "message": "facture « FC1 » inconnue",
            }
        ],
    )
    status, body = api.call(
        "post", "/invoices/batch", [invoice_payload("FC1", total="10")]
    )
    assert (status, body["created"]) == (200, 1)  # company A's own FC1
    theirs.refresh_from_db()
    assert (theirs.total, theirs.company) == (1200, other)
    assert Invoice.objects.get(company=company, number="FC1").total == 10
    assert not Payment.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_unread(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    objects = [invoice_payload(f"F{i}", payment_terms="x" * 200) for i in range(600)]
    assert len(json.dumps(objects)) > 200_000
    status, body = api.call("post", "/invoices/batch", objects)
    assert (status, body["detail"]) == (
        413,
        "Requête trop volumineuse : 0,2 Mo au plus.",
    )
    assert not Invoice.objects.exists()
