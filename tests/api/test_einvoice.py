"""E-invoicing lifecycle statuses through the API: on the invoice, as their
own endpoint, and in batches by invoice number."""

from decimal import Decimal

import pytest

from relance.core.clock import company_today
from relance.core.money import format_date
from relance.invoices.models import EInvoiceStatusEvent, Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice

pytestmark = pytest.mark.django_db


def invoice_payload(**fields):
    payload = {
        "number": "F-2026-0042",
        "customer_code": "411LEON",
        "customer_name": "Bâtiments Léon",
        "issue_date": "2026-01-15",
        "due_date": "2026-02-14",
        "total": "1440.00",
    }
    payload.update(fields)
    return {k: v for k, v in payload.items() if v is not None}


def test_an_invoice_sent_with_its_status_gets_it_in_its_history_once(api):
    payload = invoice_payload(
        einvoice_status="207",
        einvoice_status_date="2026-03-02",
        einvoice_status_reason="Prix unitaire contesté",
    )
    status, body = api.call("post", "/invoices", payload)
    assert status == 201
    assert (body["einvoice_status"], body["pause_kind"], body["pause_reason"]) == (
        "207",
        "dispute",
        "207 « En litige » : Prix unitaire contesté",
    )
    assert body["to_remind"] is False
    status, _body = api.call("post", "/invoices", payload)
    assert status == 200
    [event] = EInvoiceStatusEvent.objects.all()
    assert (event.source, str(event.status_on), event.reason) == (
        "api",
        "2026-03-02",
        "Prix unitaire contesté",
    )


def test_a_batch_of_invoices_carries_their_statuses(api):
    status, _body = api.call(
        "post",
        "/invoices/batch",
        [
            invoice_payload(number="F-1", einvoice_status="210"),
            invoice_payload(number="F-2"),
            invoice_payload(number="F-3", einvoice_status="212"),
        ],
    )
    assert status == 200
    assert dict(Invoice.objects.values_list("number", "einvoice_status")) == {
        "F-1": "210",
        "F-2": "",
        "F-3": "212",
    }
    payment = Payment.objects.get()
    assert (payment.invoice.number, payment.amount) == ("F-3", Decimal("1440.00"))


def test_the_status_endpoint_records_a_payment_once_and_lists_the_history(api):
    _status, invoice = api.call("post", "/invoices", invoice_payload())
    path = f"/invoices/{invoice['id']}/einvoice-statuses"
    cashed = {
        "code": "212",
        "date": "2026-03-05",
        "amount": "1000.00",
        "paid_on": "2026-03-04",
        "message_id": "CDV-417",
    }
    status, body = api.call("post", path, cashed)
    assert status == 201
    assert (body["recorded"], body["known"]) == (1, 0)
    assert [(p["amount"], p["date"]) for p in body["payments"]] == [
        ("1000.00", "2026-03-04")
    ]
    status, body = api.call("post", path, cashed)
    assert (status, body["recorded"], body["known"], body["payments"]) == (
        200,
        0,
        1,
        [],
    )
    status, history = api.call("get", path)
    assert status == 200
    assert [
        (h["code"], h["label"], h["date"], h["amount"], h["source"]) for h in history
    ] == [("212", "Encaissée", "2026-03-05", "1000.00", "api")]
    assert Invoice.objects.get().amount_due == Decimal("440.00")


def test_a_batch_of_statuses_by_number_is_all_or_nothing(api):
    api.call("post", "/invoices", invoice_payload(number="F-1"))
    api.call("post", "/invoices", invoice_payload(number="F-2"))
    status, body = api.call(
        "post",
        "/einvoice-statuses/batch",
        [
            {"invoice_number": "F-1", "code": "208", "date": "2026-03-05"},
            {"invoice_number": "F-404", "code": "210", "date": "2026-03-05"},
        ],
    )
    assert status == 400
    assert body["errors"] == [
        {
            "index": 1,
            "field": "invoice_number",
            "message": "facture « F-404 » inconnue",
        }
    ]
    assert not EInvoiceStatusEvent.objects.exists()
    status, body = api.call(
        "post",
        "/einvoice-statuses/batch",
        [
            {"invoice_number": "F-1", "code": "208", "date": "2026-03-05"},
            {"invoice_number": "F-2", "code": "213", "date": "2026-03-05"},
        ],
    )
    assert (status, body["recorded"], body["paused"]) == (200, 2, 1)


def test_bad_statuses_get_a_4xx_naming_the_field(api, company):
    _status, invoice = api.call("post", "/invoices", invoice_payload())
    path = f"/invoices/{invoice['id']}/einvoice-statuses"
    status, body = api.call("post", path, {"code": "299", "date": "2026-03-05"})
    assert (status, body["field"]) == (422, "code")
    status, body = api.call("post", path, {"code": "212", "date": "2099-03-05"})
    assert (status, body["field"], body["detail"]) == (
        400,
        "date",
        f"date après aujourd'hui ({format_date(company_today(company))})",
    )
    status, body = api.call(
        "post", "/invoices", invoice_payload(einvoice_status="Payée")
    )
    assert (status, body["field"]) == (422, "einvoice_status")


def test_a_token_never_reaches_another_companys_invoice_statuses(api):
    other = make_company(name="Concurrent")
    theirs = make_invoice(make_customer(other), number="F-2026-0042")
    path = f"/invoices/{theirs.pk}/einvoice-statuses"
    assert api.call("get", path)[0] == 404
    assert api.call("post", path, {"code": "212", "date": "2026-03-05"})[0] == 404
    status, body = api.call(
        "post",
        "/einvoice-statuses/batch",
        [{"invoice_number": "F-2026-0042", "code": "212", "date": "2026-03-05"}],
    )
    assert (status, body["errors"][0]["field"]) == (400, "invoice_number")
    theirs.refresh_from_db()
    assert (theirs.einvoice_status, theirs.amount_due) == ("", Decimal("1200.00"))
    assert not Payment.objects.exists()
