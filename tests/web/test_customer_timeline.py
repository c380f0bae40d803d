"""Issue 19 §4 on the customer's page: one history, newest first, with a
note added from the page, « Voir plus » for older events."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from relance.dunning.models import CustomerNote
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def user(company):
    return make_user(company, full_name="Marie Durand")


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def customer(company):
    return make_customer(company, name="Garage Dupuis")


def test_a_note_added_on_the_page_shows_in_the_history_with_its_author(
    client, customer, user
):
    response = client.post(
        f"/clients/{customer.pk}/",
        {"action": "note", "text": "Client rappelé : règlement la semaine prochaine."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{customer.pk}/#history"
    note = CustomerNote.objects.get()
    assert (note.customer, note.author, note.origin) == (customer, user, "web")
    page = client.get(response["Location"]).content.decode()
    assert "Note ajoutée." in page
    assert '<li data-source="note">' in page
    assert "Client rappelé : règlement la semaine prochaine." in page
    assert '<span class="who">Marie Durand</span>' in page


def test_a_note_too_long_is_refused_in_french_next_to_its_field(client, customer):
    response = client.post(
        f"/clients/{customer.pk}/", {"action": "note", "text": "a" * 5001}
    )
    assert response.status_code == 200
    assert (
        "La note dépasse 5 000 caractères (5\xa0001) : raccourcissez-la."
        in response.content.decode()
    )
    assert CustomerNote.objects.count() == 0


def test_the_history_shows_fifty_events_then_more_on_request(client, customer, company):
    Invoice.objects.bulk_create(
        Invoice(
            company=company,
            customer=customer,
            number=f"FC-{n:03d}",
            issue_date=date(2026, 1, 1).replace(day=1 + n % 28, month=1 + n // 28),
            due_date=date(2026, 12, 31),
            total=Decimal("10.00"),
            amount_due=Decimal("0.00"),
            status=Invoice.Status.PAID,  # not in « Factures ouvertes »
        )
        for n in range(120)
    )
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert page.count('<li data-source="invoice">') == 50
    assert 'href="?evenements=100#history"' in page
    assert "FC-119" in page and "FC-069" not in page
    more = client.get(f"/clients/{customer.pk}/", {"evenements": "100"})
    assert more.content.decode().count('<li data-source="invoice">') == 100
    everything = client.get(f"/clients/{customer.pk}/", {"evenements": "150"})
    assert everything.content.decode().count('<li data-source="invoice">') == 120
    assert "evenements=" not in everything.content.decode()
    # Nonsense gives the first page.
    odd = client.get(f"/clients/{customer.pk}/", {"evenements": "-1e9"})
    assert odd.content.decode().count('<li data-source="invoice">') == 50


def test_an_invoice_in_the_history_links_to_it_with_its_date_and_amount(
    client, customer
):
    invoice = make_invoice(
        customer,
        number="FC-2026-001",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        total=Decimal("1234.50"),
    )
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert '<span class="when">05/01/2026</span>' in page
    assert "<strong>Facture émise</strong>" in page
    assert f'<a href="/factures/{invoice.pk}/">FC-2026-001</a>' in page
    assert "1\u202f234,50\xa0€" in page or "1\xa0234,50\xa0€" in page
    assert "échéance le 04/02/2026" in page


def test_a_pause_set_on_the_customer_page_shows_in_the_history(client, customer):
    client.post(
        f"/clients/{customer.pk}/",
        {
            "action": "pause",
            "paused_until": "31/12/2099",
            "pause_reason": "Échéancier accordé",
        },
    )
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert "<strong>Pause des relances du client</strong>" in page
    assert "jusqu&#x27;au 31/12/2099 · Échéancier accordé" in page
    assert '<span class="who">Marie Durand</span>' in page
