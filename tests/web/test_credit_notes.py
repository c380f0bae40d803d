"""Credit notes (« avoirs ») on the pages: typed by hand, shown as such in
the list (and filtered), their allocations on their page, « Imputer un
avoir » from the invoice and from the customer."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from relance.invoices.models import Invoice, Payment
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    make_steps(company)
    return company


@pytest.fixture
def client(company):
    client = Client()
    client.force_login(make_user(company))
    return client


@pytest.fixture
def customer(company):
    return make_customer(company, code="411RIOU", name="Menuiserie Riou")


def test_a_credit_note_typed_by_hand_is_allocated_to_the_invoice_it_names(
    client, customer
):
    invoice = make_invoice(customer, number="FC1", total=Decimal("1000.00"))
    page = client.get("/factures/nouvelle/").content.decode()
    assert '<option value="credit_note">Avoir</option>' in page
    response = client.post(
        "/factures/nouvelle/",
        {
            "customer": customer.pk,
            "customer_kind": "business",
            "kind": "credit_note",
            "number": "AV1",
            "issue_date": "2026-02-01",
            "due_date": "",
            "total": "120,50",
            "credited_invoice": "FC1",
        },
    )
    credit = Invoice.objects.get(number="AV1")
    assert response.status_code == 302, response.content.decode()
    assert (credit.kind, credit.due_date, credit.credit_left) == (
        "credit_note",
        date(2026, 2, 1),
        Decimal("0.00"),
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("879.50")
    page = client.get(f"/factures/{credit.pk}/").content.decode()
    assert 'data-testid="credit-note">Avoir</span>' in page
    assert "Imputé le 01/02/2026 sur" in page
    assert f'<a href="/factures/{invoice.pk}/">FC1</a>' in page
    assert ">Relancer<" not in page
    assert "Enregistrer un règlement" not in page


def test_the_list_shows_credit_notes_and_filters_by_type(client, customer):
    make_invoice(customer, number="FC1")
    make_credit_note(customer, number="AV1", total=Decimal("80.00"))
    page = client.get("/factures/").content.decode()
    assert 'AV1</a> <span class="pill tone-accent" data-testid="credit-note">' in page
    assert "−80,00\u00a0€" in page
    credits = client.get("/factures/?filter=credit_notes").content.decode()
    assert ">AV1<" in credits and ">FC1<" not in credits
    invoices = client.get("/factures/?filter=invoices").content.decode()
    assert ">FC1<" in invoices and ">AV1<" not in invoices


def test_a_credit_note_is_allocated_from_the_invoice_page(client, customer):
    invoice = make_invoice(customer, number="FC1", total=Decimal("100.00"))
    credit = make_credit_note(customer, number="AV1", total=Decimal("150.00"))
    page = client.get(f"/factures/{invoice.pk}/").content.decode()
    assert 'data-testid="allocate">Imputer un avoir<' in page
    url = f"/factures/{invoice.pk}/avoir/"
    form = client.get(url).content.decode()
    assert 'value="100,00"' in form
    assert "AV1 du 01/02/2026 — reste 150,00\u00a0€" in form
    refused = client.post(url, {"credit_note": credit.pk, "amount": "100,01"})
    assert (
        "L&#x27;imputation de 100,01\u00a0€ dépasse le reste dû de la facture FC1 "
        "(100,00\u00a0€)." in refused.content.decode()
    )
    assert not Payment.objects.exists()
    done = client.post(url, {"credit_note": credit.pk, "amount": "60,00"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, credit.credit_left) == (
        Decimal("40.00"),
        Decimal("90.00"),
    )
    page = client.get(f"/factures/{invoice.pk}/").content.decode()
    assert "(Avoir)" in page and "— AV1" in page


def test_a_credit_note_is_allocated_from_the_customer_page_and_cancelled(
    client, company, customer
):
    invoice = make_invoice(customer, number="FC1", total=Decimal("100.00"))
    credit = make_credit_note(customer, number="AV1", total=Decimal("150.00"))
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert "Avoirs à imputer" in page
    assert f'href="/clients/{customer.pk}/avoir/"' not in page  # htmx: hx-get
    assert f'hx-get="/clients/{customer.pk}/avoir/"' in page
    url = f"/clients/{customer.pk}/avoir/"
    done = client.post(
        url, {"credit_note": credit.pk, "invoice": invoice.pk, "amount": "100,00"}
    )
    assert done.status_code == 204
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), "paid")
    payment = Payment.objects.get()
    client.post(
        f"/factures/{invoice.pk}/reglements/{payment.pk}/annuler/",
        {"reason": "Mauvaise facture"},
    )
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, credit.credit_left) == (
        Decimal("100.00"),
        Decimal("150.00"),
    )


def test_an_invoice_of_another_customer_cannot_be_chosen(client, company, customer):
    other = make_customer(company, name="Autre")
    foreign = make_invoice(other, total=Decimal("100.00"))
    credit = make_credit_note(customer)
    response = client.post(
        f"/clients/{customer.pk}/avoir/",
        {"credit_note": credit.pk, "invoice": foreign.pk, "amount": "10,00"},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Payment.objects.exists()
