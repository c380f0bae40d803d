"""The customer's private page: what it shows, in which language, its PDFs."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from relance.dunning.models import PortalLink
from relance.invoices.models import Invoice
from relance.invoices.services import invoice_pdf_attach
from relance.portal import throttle
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_portal_link,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_frozen"),
]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 2 March 2026 in Paris too


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def company():
    return make_company(
        name="Bâtiments Durand",
        reply_to_email="compta@durand.example",
        phone="02 99 00 00 00",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )


@pytest.fixture
def customer(company):
    return make_customer(company, name="HERBLY Francis", code="411HERBLYF")


@pytest.fixture
def invoices(customer):
    return [
        make_invoice(
            customer,
            number="FC22120054",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal("1500.00"),
            amount_due=Decimal("1234.56"),
        ),
        make_invoice(
            customer,
            number="FC23020002",
            issue_date=date(2026, 2, 10),
            due_date=date(2026, 3, 12),
            total=Decimal("350.00"),
        ),
    ]


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").split())


def test_the_page_lists_the_open_invoices_with_their_dates_amounts_and_lateness(
    customer, invoices
):
    token = make_portal_link(customer, now=NOW)
    response = Client().get(f"/p/{token}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Bâtiments Durand" in text
    assert "Espace de HERBLY Francis" in text
    assert "Total restant dû 1 584,56 €" in text
    assert (
        "Facture FC22120054 1 234,56 € Date de facture 01/01/2026 Échéance "
        "31/01/2026 Retard 30 jours Référence à indiquer FC22120054"
    ) in text
    assert (
        "Facture FC23020002 350,00 € Date de facture 10/02/2026 Échéance "
        "12/03/2026 Retard pas encore échue"
    ) in text
    assert "IBAN FR76 3000 6000 0112 3456 7890 189 BIC AGRIFRPP" in text
    assert "compta@durand.example" in text
    assert "02 99 00 00 00" in text
    # A QR code per invoice and one for the total.
    assert response.content.decode().count("<svg") == 3
    assert "Tout régler en un virement : 1 584,56 € FC22120054 FC23020002" in text


def test_paid_cancelled_and_other_customers_invoices_are_not_shown(
    company, customer, invoices
):
    make_invoice(customer, number="PAYEE", amount_due=Decimal("0.00"), status="paid")
    make_invoice(customer, number="ANNULEE", status="cancelled")
    make_invoice(make_customer(company), number="AUTRE-CLIENT")
    token = make_portal_link(customer, now=NOW)
    text = text_of(Client().get(f"/p/{token}/"))
    assert [n for n in ("PAYEE", "ANNULEE", "AUTRE-CLIENT") if n in text] == []


def test_an_english_customer_reads_the_page_in_english(company, invoices):
    customer = invoices[0].customer
    customer.language = "en"
    customer.save()
    token = make_portal_link(customer, now=NOW)
    response = Client().get(f"/p/{token}/")
    text = text_of(response)
    assert '<html lang="en">' in response.content.decode()
    assert "Your invoices to pay" in text
    assert "Amount due €1,584.56" in text
    assert "30 days" in text


def test_without_an_iban_the_page_asks_to_get_in_touch_and_shows_no_qr_code(
    company, customer, invoices
):
    company.iban = ""
    company.save()
    token = make_portal_link(customer, now=NOW)
    response = Client().get(f"/p/{token}/")
    assert "<svg" not in response.content.decode()
    assert "Pour connaître les moyens de règlement, contactez-nous." in text_of(
        response
    )


def test_a_customer_who_owes_nothing_is_told_so(customer):
    token = make_portal_link(customer, now=NOW)
    text = text_of(Client().get(f"/p/{token}/"))
    assert "Aucune facture à régler" in text
    assert "Vous ne devez rien à Bâtiments Durand à ce jour. Merci !" in text


def test_each_invoice_pdf_downloads_through_the_link(company, customer, invoices):
    invoice_pdf_attach(company=company, invoice=invoices[0], content=make_pdf())
    token = make_portal_link(customer, now=NOW)
    page = Client().get(f"/p/{token}/").content.decode()
    assert f'href="/p/{token}/invoices/{invoices[0].pk}.pdf"' in page
    assert f"/invoices/{invoices[1].pk}.pdf" not in page  # it has no PDF
    response = Client().get(f"/p/{token}/invoices/{invoices[0].pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="FC22120054.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_pdf_of_a_paid_invoice_or_without_a_file_is_not_found(
    company, customer, invoices
):
    invoice_pdf_attach(company=company, invoice=invoices[0], content=make_pdf())
    Invoice.objects.filter(pk=invoices[0].pk).update(
        status="paid", amount_due=Decimal("0.00")
    )
    token = make_portal_link(customer, now=NOW)
    for invoice in invoices:
        response = Client().get(f"/p/{token}/invoices/{invoice.pk}.pdf")
        assert (response.status_code, response.content) == (404, b"404\n")


def test_a_visit_is_noted_on_the_link(customer):
    token = make_portal_link(customer, now=NOW)
    Client().get(f"/p/{token}/")
    assert PortalLink.objects.get().last_used_at == NOW


def test_after_twenty_bad_links_the_address_is_refused_even_with_a_good_one(
    customer,
):
    token = make_portal_link(customer, now=NOW)
    client = Client(REMOTE_ADDR="203.0.113.9")
    answers = [
        client.get(f"/p/mauvais-{n}/").status_code
        for n in range(throttle.FAILURE_LIMIT)
    ]
    assert answers == [404] * throttle.FAILURE_LIMIT
    refused = client.get(f"/p/{token}/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="203.0.113.10").get(f"/p/{token}/").status_code == 200
