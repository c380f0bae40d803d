"""« Nouvelle facture » from the invoice list."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.invoices.models import Customer, Invoice
from tests.factories import (
    make_company,
    make_customer,
    make_pdf,
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


def form(**fields):
    return {
        "customer": "",
        "customer_name": "",
        "customer_email": "",
        "customer_kind": "business",
        "number": "FC26020001",
        "issue_date": "2026-01-15",
        "due_date": "2026-02-14",
        "total": "1 234,56",
        "payment_terms": "30 jours",
        **fields,
    }


def test_the_list_has_a_button_to_the_form(client):
    page = client.get("/factures/").content.decode()
    assert (
        '<a class="btn btn-primary" href="/factures/nouvelle/">Nouvelle facture</a>'
        in page
    )
    page = client.get("/factures/nouvelle/").content.decode()
    assert "<legend>Client</legend>" in page
    assert '<option value="" selected>— Nouveau client —</option>' in page


def test_an_invoice_for_an_existing_customer_opens_its_page_with_a_toast(
    client, company
):
    herbly = make_customer(company, name="HERBLY Francis")
    make_customer(make_company(), name="Client d'un autre")  # not offered
    page = client.get("/factures/nouvelle/").content.decode()
    assert "HERBLY Francis" in page
    assert "Client d&#x27;un autre" not in page
    response = client.post("/factures/nouvelle/", form(customer=herbly.pk), follow=True)
    invoice = Invoice.objects.get(number="FC26020001")
    assert response.redirect_chain == [(f"/factures/{invoice.pk}/", 302)]
    assert 'data-toast="Facture FC26020001 créée."' in response.content.decode()
    assert invoice.customer == herbly
    assert str(invoice.total) == "1234.56"
    assert invoice.due_date == date(2026, 2, 14)


def test_a_new_customer_and_a_pdf_come_with_the_invoice(client, company):
    pdf = make_pdf("FC26020001")
    response = client.post(
        "/factures/nouvelle/",
        form(
            customer_name="Menuiserie Riou",
            customer_email="riou@riou.example",
            customer_kind="business",
            pdf=SimpleUploadedFile("FC26020001.pdf", pdf, "application/pdf"),
        ),
    )
    assert response.status_code == 302
    invoice = Invoice.objects.select_related("customer").get(number="FC26020001")
    assert (invoice.customer.code, invoice.customer.email) == (
        "411MENUISE",
        "riou@riou.example",
    )
    with invoice.pdf.open("rb") as kept:
        assert kept.read() == pdf


def test_problems_are_shown_next_to_their_fields_in_french(client, company):
    response = client.post(
        "/factures/nouvelle/",
        form(
            customer_name="",
            number="",
            due_date="2026-01-01",
            total="douze",
            pdf=SimpleUploadedFile("scan.pdf", b"GIF89a", "application/pdf"),
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    for field, message in [
        (
            "customer",
            "Choisissez un client, ou saisissez le nom d&#x27;un nouveau client",
        ),
        ("number", "Valeur obligatoire"),
        ("total", "Montant illisible « douze »"),
        ("due_date", "L&#x27;échéance précède la date de facture"),
        ("pdf", "Ce fichier n&#x27;est pas un PDF, quel que soit son nom."),
    ]:
        assert f'id="id_{field}_error" role="alert">{message}' in page, field
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_an_existing_customer_and_a_new_one_at_once_are_refused(client, company):
    herbly = make_customer(company)
    response = client.post(
        "/factures/nouvelle/", form(customer=herbly.pk, customer_name="Autre")
    )
    assert response.status_code == 400
    assert (
        "Choisissez un client existant ou saisissez un nouveau client, pas les deux."
    ) in response.content.decode()
    assert not Invoice.objects.exists()


def test_another_company_s_customer_cannot_be_chosen(client, company):
    stranger = make_customer(make_company())
    response = client.post("/factures/nouvelle/", form(customer=stranger.pk))
    assert response.status_code == 400
    assert not Invoice.objects.exists()
