"""Credit notes through the API: pushed with their kind and the invoice they
credit (allocated at once), allocated by hand, the allocation cancelled as a
payment; never across customers or companies."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from relance.core.tokens import token_create
from relance.invoices.models import Invoice, Payment
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
)

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, company):
        token = token_create(company=company, name="ERP")[1]
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method, path, data=None, **params):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(self.client, method)(
            f"/api/v1{path}", json.dumps(data) if data is not None else params, **kwargs
        )
        return response.status_code, response.json() if response.content else None


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


@pytest.fixture
def api(company):
    return Api(company)


def test_a_credit_note_pushed_with_its_invoice_is_allocated_to_it(company, api):
    customer = make_customer(company, code="411RIOU")
    invoice = make_invoice(customer, number="FC1", total=Decimal("1000.00"))
    status, body = api.call(
        "post",
        "/invoices",
        {
            "number": "AV1",
            "customer_code": "411RIOU",
            "issue_date": "2026-02-01",
            "due_date": "2026-02-01",
            "total": "250.00",
            "kind": "avoir",
            "credited_invoice": "FC1",
        },
    )
    assert status == 201, body
    assert (body["kind"], body["credited_invoice"], body["credit_left"]) == (
        "credit_note",
        "FC1",
        "0.00",
    )
    assert (body["amount_due"], body["to_remind"], body["status"]) == (
        "0.00",
        False,
        "paid",
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("750.00")
    status, body = api.call("get", "/payments", invoice_number="FC1")
    [allocation] = body["items"]
    assert (allocation["method"], allocation["credit_note"], allocation["amount"]) == (
        "credit_note",
        "AV1",
        "250.00",
    )
    status, body = api.call("get", "/invoices", kind="credit_note")
    assert [row["number"] for row in body["items"]] == ["AV1"]
    status, body = api.call("get", "/invoices", kind="invoice")
    assert [(row["number"], row["kind"]) for row in body["items"]] == [
        ("FC1", "invoice")
    ]


def test_an_allocation_by_hand_then_cancelled_gives_the_amount_back(company, api):
    customer = make_customer(company)
    invoice = make_invoice(customer, total=Decimal("300.00"))
    credit = make_credit_note(customer, total=Decimal("500.00"))
    status, body = api.call(
        "post",
        f"/invoices/{invoice.pk}/allocations",
        {"credit_note_number": credit.number, "amount": "300.00"},
    )
    assert status == 201, body
    assert (body["amount"], body["method"], body["credit_note"]) == (
        "300.00",
        "credit_note",
        credit.number,
    )
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), "paid")
    assert credit.credit_left == Decimal("200.00")
    status, body = api.call(
        "post", f"/payments/{body['id']}/cancel", {"reason": "Erreur d'avoir"}
    )
    assert status == 200, body
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (Decimal("300.00"), "open")
    assert credit.credit_left == Decimal("500.00")


def test_an_over_allocation_is_refused_with_its_message(company, api):
    customer = make_customer(company)
    invoice = make_invoice(customer, total=Decimal("300.00"))
    credit = make_credit_note(customer, total=Decimal("100.00"))
    status, body = api.call(
        "post",
        f"/invoices/{invoice.pk}/allocations",
        {"credit_note_number": credit.number, "amount": "100.01"},
    )
    assert status == 400
    assert body["detail"] == (
        f"L'imputation de 100,01\u00a0€ dépasse ce qui reste de l'avoir "
        f"{credit.number} (100,00\u00a0€)."
    )
    assert body["field"] == "amount"
    assert not Payment.objects.exists()
    status, body = api.call(
        "post",
        f"/invoices/{invoice.pk}/allocations",
        {"credit_note_number": "AV-NULLE-PART", "amount": "1.00"},
    )
    assert (status, body["detail"]) == (400, "Avoir introuvable.")


def test_the_preview_leaves_a_credit_note_out_and_warns_of_unallocated_credit(
    company, api
):
    company.sender_email = "relances@durand.example"
    company.save()
    customer = make_customer(company, name="Riou")
    invoice = make_invoice(customer, total=Decimal("300.00"))
    credit = make_credit_note(customer, total=Decimal("40.00"))
    status, body = api.call(
        "post",
        "/reminders/preview",
        {"invoices": [credit.number, invoice.number], "manual": True},
    )
    assert status == 200, body
    assert body["to_send"] == 1
    assert body["errors"] == [
        {
            "invoice": credit.number,
            "code": "credit_note",
            "message": "C'est un avoir : un avoir n'est jamais relancé.",
        }
    ]
    assert {
        "invoice": credit.number,
        "code": "unallocated_credit",
        "message": "Avoir non imputé de 40,00\u00a0€ pour Riou : imputez-le sur "
        "ses factures avant de le relancer.",
    } in body["warnings"]


def test_a_batch_with_an_invoice_and_its_credit_note_allocates_it(company, api):
    row = {
        "customer_code": "411RIOU",
        "customer_name": "Menuiserie Riou",
        "issue_date": "2026-02-01",
        "due_date": "2026-03-01",
    }
    status, body = api.call(
        "post",
        "/invoices/batch",
        [
            {**row, "number": "FC1", "total": "500.00"},
            {**row, "number": "AV1", "total": "120.00", "kind": "credit_note"}
            | {"credited_invoice": "FC1", "due_date": "2026-02-01"},
        ],
    )
    assert status in (200, 201), body
    assert body["created"] == 2
    invoice = Invoice.objects.get(number="FC1")
    assert invoice.amount_due == Decimal("380.00")
    assert Invoice.objects.get(number="AV1").credit_left == Decimal("0.00")
    status, body = api.call(
        "post",
        "/invoices/batch",
        [
            {**row, "number": "AV2", "total": "10.00", "kind": "credit_note"}
            | {"credited_invoice": "FC-NULLE-PART"}
        ],
    )
    assert status == 400
    assert body["errors"] == [
        {
            "index": 0,
            "field": "credited_invoice",
            "message": "facture d'origine « FC-NULLE-PART » inconnue",
        }
    ]
