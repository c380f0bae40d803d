"""« Courriers à envoyer »: the letters waiting, one PDF or a selection as
one, « envoyé en recommandé » then the acknowledgement of receipt; the
invoice's history tells it all; a company sees only its own letters."""

import pytest
from django.test import Client

from relance.core.clock import company_today
from relance.core.models import Membership
from relance.dunning.models import DunningStep, Letter
from relance.invoices.models import Invoice
from tests.factories import (
    LETTER_ON,
    company_with_letter_step,
    company_with_letter_waiting,
    customer_of,
    late_invoice,
    make_company,
    make_user,
    remind,
)
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return company_with_letter_waiting()


@pytest.fixture
def client(company):
    client = Client()
    client.force_login(make_user(company))
    return client


def test_the_page_lists_the_letters_waiting_with_what_they_claim(client):
    page = client.get("/courriers/").content.decode()
    letter = Letter.objects.get()
    assert 'aria-current="page">Courriers à envoyer</a>' in page
    assert f'id="letter-{letter.pk}"' in page
    assert "Garage Dupuis" in page
    assert "6\xa0156,42\xa0€" in page
    assert "À envoyer" in page


def test_one_letter_or_a_selection_comes_as_one_pdf(client, company):
    first = Letter.objects.get()
    late_invoice(customer_of(company, code="411B", name="Garage Martin"), "FC-2")
    remind(company, LETTER_ON)
    second = Letter.objects.exclude(pk=first.pk).get()

    one = client.get(f"/courriers/{first.pk}/pdf/")
    both = client.get(f"/courriers/pdf/?letter={first.pk}&letter={second.pk}")

    assert one["Content-Type"] == "application/pdf"
    assert one["Content-Disposition"] == (
        f'attachment; filename="mise-en-demeure-{first.pk}-2025-07-15.pdf"'
    )
    assert "Garage Dupuis" in text_of(one.content)
    text = text_of(both.content)
    assert "Garage Dupuis" in text and "Garage Martin" in text
    assert text.count("Objet : mise en demeure de payer") == 2


def test_recording_sending_then_receipt_moves_the_letter_and_shows_in_the_history(
    client, company
):
    letter = Letter.objects.get()
    today = company_today(company)

    response = client.post(
        f"/courriers/{letter.pk}/envoi/",
        {"number": "1a 123 456 7890 1", "date": today.isoformat()},
        follow=True,
    )
    assert "envoyé en recommandé n° 1A12345678901" in response.content.decode()
    response = client.post(
        f"/courriers/{letter.pk}/reception/",
        {"date": today.isoformat()},
        follow=True,
    )
    assert "avis de réception enregistré" in response.content.decode()

    letter.refresh_from_db()
    assert letter.status == Letter.Status.RECEIVED
    invoice = Invoice.objects.get()
    assert invoice.formal_notice_received_on == today
    page = client.get(f"/factures/{invoice.pk}/").content.decode()
    day = today.strftime("%d/%m/%Y")
    assert (
        f"Mise en demeure du 15/07/2025 envoyée en recommandé n° 1A12345678901 "
        f"le {day}." in page
    )
    assert f"Avis de réception du {day}." in page


def test_a_waiting_letter_shows_as_a_letter_to_send_in_the_history(client):
    page = client.get(f"/factures/{Invoice.objects.get().pk}/").content.decode()
    assert "Mise en demeure du 15/07/2025 : courrier à envoyer." in page


def test_a_bad_tracking_number_is_refused_with_its_field_named(client):
    letter = Letter.objects.get()
    response = client.post(
        f"/courriers/{letter.pk}/envoi/",
        {"number": "abc", "date": "2025-07-16"},
        follow=True,
    )
    assert (
        "N° de recommandé : numéro de recommandé invalide : 8 à 20 lettres et "
        "chiffres attendus" in response.content.decode()
    )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WAITING


def test_another_companys_letters_are_out_of_reach(company):
    letter = Letter.objects.get()
    stranger = Client()
    stranger.force_login(make_user(make_company(name="Autre")))

    assert (
        "Garage Dupuis" not in stranger.get("/courriers/?status=all").content.decode()
    )
    assert stranger.get(f"/courriers/{letter.pk}/pdf/").status_code == 404
    assert stranger.get(f"/courriers/pdf/?letter={letter.pk}").status_code == 400
    sent = stranger.post(
        f"/courriers/{letter.pk}/envoi/",
        {"number": "1A12345678901", "date": "2025-07-16"},
    )
    assert sent.status_code == 404
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WAITING


def test_the_pages_need_a_signed_in_user(company):
    letter = Letter.objects.get()
    anonymous = Client()
    for url in ["/courriers/", f"/courriers/{letter.pk}/pdf/"]:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/")


def test_the_step_form_offers_the_channel_and_saves_it(company):
    admin = make_user(company)
    Membership.objects.filter(user=admin).update(role=Membership.Role.ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get("/configuration/etapes/nouvelle/").content.decode()
    assert '<option value="letter">Courrier</option>' in page
    assert '<option value="both">Courriel et courrier</option>' in page

    response = client.post(
        "/configuration/etapes/nouvelle/",
        {
            "name": "Mise en demeure 2",
            "trigger": "after_previous_reminder",
            "days": "10",
            "subject": "Mise en demeure",
            "body": "Bonjour {{ customer.name }}",
            "channel": "both",
            "active": "on",
        },
    )
    assert response.status_code == 302
    step = DunningStep.objects.get(name="Mise en demeure 2")
    assert step.channel == DunningStep.Channel.BOTH


def test_the_reminder_the_invoice_and_the_steps_tell_of_the_letter(client, company):
    letter = Letter.objects.get()
    letter_page = client.get(f"/relances/{letter.reminder_id}/").content.decode()
    assert "À envoyer" in letter_page
    assert f'href="/courriers/{letter.pk}/pdf/"' in letter_page
    Invoice.objects.update(formal_notice_received_on="2025-07-18")
    invoice = Invoice.objects.get()
    page = client.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Mise en demeure reçue le" in page and "18/07/2025" in page


def test_the_summary_says_a_letter_step_goes_by_post():
    from relance.dunning.services.state import invoices_refresh

    company = company_with_letter_step()
    invoice = late_invoice(customer_of(company))
    invoices_refresh(company=company, today=company_today(company))
    client = Client()
    client.force_login(make_user(company))

    page = client.post("/relances/resume/", {"invoice": invoice.pk}).content.decode()

    assert '<td class="email">Courrier</td>' in page
