"""« Courriels reçus »: an upload, « Réponses à traiter » and its one-click
actions, the customer's page telling a refused address and the replies."""

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.dunning.models import InboundMessage, Reminder
from relance.invoices.models import PauseKind
from tests.dunning.test_inbound import reminded
from tests.factories import make_company, make_steps, make_user

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "mailing" / "files"


@pytest.fixture
def company():
    company = make_company(name="Durand BTP", sender_email="relances@durand-btp.fr")
    make_steps(company)
    return company


@pytest.fixture
def client(company):
    client = Client()
    client.force_login(make_user(company))
    return client


def upload(client, *names):
    files = [SimpleUploadedFile(n, (FILES / n).read_bytes()) for n in names]
    return client.post("/courriels-recus/", {"file": files}, follow=True)


@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_an_upload_takes_the_messages_in_and_says_what_came_back(
    client, company, smtp_server
):
    reminded(company, 1, "compta@client-disparu.fr")
    reminded(company, 6, "compta@client-repond.fr")

    response = upload(client, "postfix_bounce.eml", "reply.eml", "unknown.eml")

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "3 message(s) lu(s) : 1 non remis, 0 réponse(s) automatique(s), "
        "1 réponse(s) à traiter, 1 inconnu(s)."
    ) in page
    assert "Réponses à traiter" in page
    assert "RE: Relance 1 — facture FA-2026-006" in page
    assert "Nous avons bien reçu votre relance." in page
    assert "compta@client-disparu.fr: 550 5.1.1" in page or (
        "compta@client-disparu.fr : 550 5.1.1" in page
    )
    assert InboundMessage.objects.count() == 3


@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_a_reply_becomes_a_promise_with_one_click(client, company, smtp_server):
    _customer, invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")
    upload(client, "reply.eml")
    message = InboundMessage.objects.get()

    response = client.post(
        f"/courriels-recus/{message.pk}/suite/",
        {"action": "promise", "until_promise": "2026-12-15"},
        follow=True,
    )

    assert "Promesse de paiement enregistrée jusqu&#x27;au 15/12/2026." in (
        response.content.decode()
    ) or "Promesse de paiement enregistrée jusqu'au 15/12/2026." in (
        response.content.decode()
    )
    invoice.refresh_from_db()
    assert (invoice.pause_kind, invoice.paused_until) == (
        PauseKind.PROMISE,
        date(2026, 12, 15),
    )
    message.refresh_from_db()
    assert message.handled is True


@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_a_reply_turned_into_a_payment_opens_the_invoice_payment_modal(
    client, company, smtp_server
):
    _customer, invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")
    upload(client, "reply.eml")
    message = InboundMessage.objects.get()

    response = client.post(
        f"/courriels-recus/{message.pk}/suite/", {"action": "payment"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/factures/{invoice.pk}/?reglement=1"
    page = client.get(response["Location"]).content.decode()
    assert f'hx-get="/factures/{invoice.pk}/reglement/"' in page
    assert 'hx-trigger="load"' in page
    message.refresh_from_db()
    assert (message.handled, message.handled_note) == (True, "Règlement")


@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_the_customer_page_shows_the_refused_address_and_the_reply(
    client, company, smtp_server
):
    customer, _invoice, reminder = reminded(company, 1, "compta@client-disparu.fr")
    upload(client, "postfix_bounce.eml")

    page = client.get(f"/clients/{customer.pk}/").content.decode()

    assert "refusée par le serveur du client" in page
    assert "compta@client-disparu.fr" in page
    assert "Non remise" in page
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.BOUNCED


def test_a_file_that_is_no_email_gets_its_french_error_and_nothing_is_kept(
    client, company
):
    response = client.post(
        "/courriels-recus/",
        {"file": SimpleUploadedFile("photo.eml", b"\x89PNG\r\n\x1a\n\x00\x00\x00")},
    )

    assert response.status_code == 400
    assert "Message 1 de « photo.eml » : ce n&#x27;est pas un courriel." in (
        response.content.decode()
    )
    assert InboundMessage.objects.count() == 0


def test_the_page_needs_a_signed_in_user(company):
    response = Client().get("/courriels-recus/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_the_pause_after_a_reply_is_a_company_setting(company):
    admin = make_user(company)
    admin.memberships.update(role="admin")
    client = Client()
    client.force_login(admin)
    data = {
        "name": "Durand BTP",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "min_gap_days": "5",
        "daily_run_at": "06:00",
        "grouping": "step",
        "penalty_day_basis": 365,
        "sender_email": "relances@durand-btp.fr",
        "reply_pause_days": "8",
    }
    assert client.post("/configuration/societe/", data).status_code == 302
    company.refresh_from_db()
    assert company.reply_pause_days == 8
    data["reply_pause_days"] = "91"
    page = client.post("/configuration/societe/", data).content.decode()
    assert "90 jours au plus." in page


@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_the_reminder_page_shows_what_came_back(client, company, smtp_server):
    _customer, _invoice, reminder = reminded(company, 1, "compta@client-disparu.fr")
    upload(client, "postfix_bounce.eml")

    page = client.get(f"/relances/{reminder.pk}/").content.decode()

    assert "Ce qui est revenu" in page
    assert "Undelivered Mail Returned to Sender" in page
    assert "User unknown in virtual mailbox table" in page
