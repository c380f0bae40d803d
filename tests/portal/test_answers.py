"""Issue 17 §3: the customer's three answers on their private page — what
each records, which invoices it pauses and how long, the copies by email
(real SMTP), the digest, the broken promise, the company's screens."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.test import Client

from relance.dunning.models import DailyRun, PauseOrigin, PauseRecord, PortalAnswer
from relance.dunning.services.daily import daily_runs_now
from relance.dunning.services.digest import digest_send
from relance.invoices.models import Invoice, PauseKind
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_portal_link,
    make_steps,
    make_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, in Paris too
TODAY = date(2026, 3, 2)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand",
        sender_email="relances@durand.example",
        reply_to_email="compta@durand.example",
    )
    make_steps(company)
    return company


@pytest.fixture
def customer(company):
    return make_customer(company, name="HERBLY Francis", email="francis@herbly.example")


@pytest.fixture
def invoices(customer):
    return [
        make_invoice(
            customer,
            number="FC-101",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal("1234.56"),
        ),
        make_invoice(
            customer,
            number="FC-117",
            issue_date=date(2026, 1, 10),
            due_date=date(2026, 2, 9),
            total=Decimal("89.90"),
        ),
    ]


@pytest.fixture
def token(customer):
    return make_portal_link(customer, now=NOW)


def post(token, kind, data, files=None):
    return Client(REMOTE_ADDR="203.0.113.7").post(
        f"/p/{token}/reponse/{kind}/", {**data, **(files or {})}
    )


def text_of(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(html).replace("\u202f", " ").split())


def mails(smtp_server):
    return [
        (
            r.recipients,
            r.message["Subject"],
            " ".join(r.message.get_body(("plain",)).get_content().split(" "))
            .replace("\xa0", " ")
            .replace("\u202f", " "),
        )
        for r in smtp_server.received
    ]


def test_each_invoice_offers_the_three_answers_with_their_exact_labels(token, invoices):
    html = Client().get(f"/p/{token}/").content.decode()
    for invoice in invoices:
        for kind, label in (
            ("paye", "J'ai déjà payé"),
            ("promesse", "Je paierai le …"),
            ("contestation", "Je conteste cette facture"),
        ):
            assert (
                f'href="/p/{token}/reponse/{kind}/?facture={invoice.pk}">{label}</a>'
                in html
            )


def test_the_form_ticks_the_invoice_the_customer_came_from(token, invoices):
    response = Client().get(f"/p/{token}/reponse/paye/?facture={invoices[1].pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{invoices[1].pk}" checked' in html
    assert f'value="{invoices[0].pk}">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_i_have_already_paid_pauses_the_invoice_seven_days_and_mails_a_copy(
    token, customer, invoices, smtp_server
):
    response = post(
        token,
        "paye",
        {
            "invoices": [invoices[0].pk],
            "paid_on": "2026-02-27",
            "amount": "1 234,56",
            "text": "Virement fait vendredi.",
        },
        {"proof": _upload("virement.png", PNG)},
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Merci, votre réponse est enregistrée" in text
    assert "Payé le 27/02/2026 : 1 234,56 €" in text
    assert "Une copie vous a été envoyée à francis@herbly.example." in text
    answer = PortalAnswer.objects.get()
    assert (answer.kind, answer.paid_on, answer.amount, answer.ip) == (
        "paid",
        date(2026, 2, 27),
        Decimal("1234.56"),
        "203.0.113.7",
    )
    assert answer.text == "Virement fait vendredi."
    assert [i.number for i in answer.invoices.all()] == ["FC-101"]
    assert answer.proof_type == "png"
    assert answer.proof.name.endswith(".png") and "virement" not in answer.proof.name
    assert answer.proof.read() == PNG
    paused, other = (Invoice.objects.get(pk=i.pk) for i in invoices)
    assert (paused.paused_until, paused.pause_kind, paused.pause_reason) == (
        date(2026, 3, 9),
        PauseKind.OTHER,
        "paiement déclaré",
    )
    assert paused.to_remind is False
    assert other.paused_until is None
    record = PauseRecord.objects.get()
    assert (record.invoice_id, record.origin) == (paused.pk, PauseOrigin.PORTAL)
    [(to, subject, body)] = mails(smtp_server)
    assert to == ["francis@herbly.example"]
    assert subject == "Votre réponse à Bâtiments Durand : Paiement déclaré"
    assert "- Facture FC-101 (1 234,56 € dus)" in body
    assert "Payé le 27/02/2026 : 1 234,56 € (justificatif joint)" in body.replace(
        "\u202f", " "
    )
    assert "Message : Virement fait vendredi." in body


def test_the_company_that_asked_for_it_gets_each_answer_by_email(
    company, token, invoices, smtp_server
):
    company.portal_answers_by_email = True
    company.save()
    post(
        token,
        "promesse",
        {"invoices": [invoices[0].pk, invoices[1].pk], "promised_on": "2026-03-20"},
    )
    assert [to for to, _, _ in mails(smtp_server)] == [
        ["francis@herbly.example"],
        ["compta@durand.example"],
    ]
    _, subject, body = mails(smtp_server)[1]
    assert subject == "Relance : HERBLY Francis a répondu (Promesse de paiement)"
    assert "Paiement promis le 20/03/2026" in body
    assert "- Facture FC-101" in body and "- Facture FC-117" in body
    assert "http://testserver/reponses-clients/" in body or "/reponses-clients/" in body


def test_a_promise_pauses_until_its_date_and_the_day_after_dunning_resumes(
    company, customer, token, invoices, smtp_server
):
    response = post(
        token,
        "promesse",
        {"invoices": [invoices[0].pk], "promised_on": "2026-03-10"},
    )
    assert response.status_code == 200
    invoice = Invoice.objects.get(pk=invoices[0].pk)
    assert (invoice.paused_until, invoice.pause_kind) == (
        date(2026, 3, 10),
        PauseKind.PROMISE,
    )
    # The daily job leaves it alone up to the promised day…
    daily_runs_now(now=NOW, on=date(2026, 3, 10), companies=[company])
    assert Invoice.objects.get(pk=invoice.pk).to_remind is False
    # …and the day after, nothing paid: due again, and the digest says so.
    with time_machine.travel(datetime(2026, 3, 11, 5, 0, tzinfo=UTC), tick=False):
        [run] = daily_runs_now(
            now=datetime(2026, 3, 11, 5, 0, tzinfo=UTC),
            on=date(2026, 3, 11),
            companies=[company],
        )
        assert Invoice.objects.get(pk=invoice.pk).to_remind is True
        smtp_server.received.clear()
        assert digest_send(company=company, run=run, now=run.finished_at)
    [(to, subject, body)] = mails(smtp_server)
    assert subject == "Relance : 0 réponse(s) de clients, 1 promesse(s) non tenue(s)"
    assert to == ["compta@durand.example"]
    assert "Promesses de paiement non tenues (les relances reprennent) :" in body
    assert "- HERBLY Francis — facture FC-101, promise pour le 10/03/2026" in body
    # The history keeps it: the pause record, and the answer.
    assert PauseRecord.objects.get().kind == PauseKind.PROMISE
    assert DailyRun.objects.filter(company=company).count() == 2


def test_a_promise_further_than_the_company_allows_is_refused_naming_the_field(
    company, token, invoices
):
    response = post(
        token,
        "promesse",
        {"invoices": [invoices[0].pk], "promised_on": "2026-04-02"},
    )
    assert response.status_code == 400
    assert "La date de paiement ne peut pas dépasser le 01/04/2026." in text_of(
        response
    )
    assert not PortalAnswer.objects.exists()
    assert Invoice.objects.get(pk=invoices[0].pk).paused_until is None
    company.promise_max_days = 45
    company.save()
    assert (
        post(
            token,
            "promesse",
            {"invoices": [invoices[0].pk], "promised_on": "2026-04-02"},
        ).status_code
        == 200
    )


def test_a_dispute_needs_a_reason_and_pauses_until_the_company_settles_it(
    token, invoices
):
    refused = post(token, "contestation", {"invoices": [invoices[1].pk]})
    assert refused.status_code == 400
    assert "Choisissez un motif." in text_of(refused)
    other = post(
        token, "contestation", {"invoices": [invoices[1].pk], "reason": "other"}
    )
    assert "Précisez le motif." in text_of(other)
    assert not PortalAnswer.objects.exists()
    done = post(
        token,
        "contestation",
        {
            "invoices": [invoices[1].pk],
            "reason": "not_conform",
            "text": "Le chauffe-eau fuit toujours.",
        },
    )
    assert done.status_code == 200
    invoice = Invoice.objects.get(pk=invoices[1].pk)
    assert (invoice.pause_kind, invoice.paused_until) == (
        PauseKind.DISPUTE,
        date(2099, 12, 31),
    )
    assert invoice.pause_reason == (
        "contestée par le client : Prestation non conforme ou défectueuse"
        " — Le chauffe-eau fuit toujours."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"paid_on": "2026-03-03", "amount": "10"}, "ne peut pas être dans le futur"),
        ({"paid_on": "", "amount": "10"}, "Indiquez la date du paiement."),
        ({"paid_on": "31/02/2026", "amount": "10"}, "Date invalide"),
        ({"paid_on": "2026-03-01", "amount": ""}, "Indiquez le montant payé."),
        ({"paid_on": "2026-03-01", "amount": "-5"}, "Montant payé : entre 0,01"),
        ({"paid_on": "2026-03-01", "amount": "abc"}, "Montant payé : un nombre"),
        ({"paid_on": "2026-03-01", "amount": "1,234"}, "deux décimales au plus"),
        (
            {"paid_on": "2026-03-01", "amount": "1", "text": "x" * 2001},
            "Votre message : 2000 caractères au plus.",
        ),
    ],
)
def test_bad_input_gets_a_french_message_and_records_nothing(
    token, invoices, data, message
):
    response = post(token, "paye", {"invoices": [invoices[0].pk], **data})
    assert response.status_code == 400
    assert message in text_of(response)
    assert not PortalAnswer.objects.exists()


def test_no_invoice_ticked_or_one_already_paid_is_refused(token, invoices):
    assert "Choisissez au moins une facture." in text_of(
        post(token, "promesse", {"promised_on": "2026-03-10"})
    )
    Invoice.objects.filter(pk=invoices[0].pk).update(
        status=Invoice.Status.PAID, amount_due=0
    )
    assert "Facture introuvable ou déjà réglée." in text_of(
        post(
            token,
            "promesse",
            {"invoices": [invoices[0].pk], "promised_on": "2026-03-10"},
        )
    )
    assert not PortalAnswer.objects.exists()


def test_an_answer_never_shortens_a_longer_pause(token, invoices):
    post(
        token,
        "contestation",
        {"invoices": [invoices[0].pk], "reason": "wrong_amount"},
    )
    post(
        token,
        "paye",
        {"invoices": [invoices[0].pk], "paid_on": "2026-03-01", "amount": "5"},
    )
    invoice = Invoice.objects.get(pk=invoices[0].pk)
    assert (invoice.pause_kind, invoice.paused_until) == (
        PauseKind.DISPUTE,
        date(2099, 12, 31),
    )
    assert PortalAnswer.objects.count() == 2


def test_an_english_customer_answers_in_english(company, invoices, smtp_server):
    customer = invoices[0].customer
    customer.language = "en"
    customer.save()
    token = make_portal_link(customer, now=NOW)
    form = Client().get(f"/p/{token}/reponse/promesse/")
    assert "I will pay on" in text_of(form)
    response = post(
        token, "promesse", {"invoices": [invoices[0].pk], "promised_on": "2026-03-10"}
    )
    assert "Thank you, your answer is recorded" in text_of(response)
    [(to, subject, body)] = mails(smtp_server)
    assert to == ["francis@herbly.example"]
    assert "Reminders for these invoices are on hold until 10 Mar 2026." in body
    assert subject == "Your answer to Bâtiments Durand: Payment promise"
    # The company still reads the pause in French.
    assert Invoice.objects.get(pk=invoices[0].pk).pause_reason == (
        "promesse sur l'espace client"
    )


def test_the_company_sees_each_answer_in_its_list_on_the_invoice_and_in_the_history(
    company, customer, token, invoices
):
    post(
        token,
        "paye",
        {"invoices": [invoices[0].pk], "paid_on": "2026-03-01", "amount": "1234,56"},
        {"proof": _upload("preuve.pdf", b"%PDF-1.4 test")},
    )
    post(token, "promesse", {"invoices": [invoices[1].pk], "promised_on": "2026-03-10"})
    user = make_user(company)
    client = Client()
    client.force_login(user)
    listing = text_of(client.get("/reponses-clients/"))
    assert "1 paiement déclaré à vérifier." in listing
    assert "payé le 01/03/2026 : 1 234,56 €" in listing
    assert "À vérifier avec la banque" in listing
    assert "paiement promis le 10/03/2026" in listing
    assert "Promesse en cours" in listing
    page = text_of(client.get(f"/factures/{invoices[0].pk}/"))
    assert "Réponses du client sur son espace" in page
    history = text_of(client.get(f"/clients/{customer.pk}/"))
    assert "Réponse sur l'espace client : Paiement déclaré" in history
    assert "Réponse sur l'espace client : Promesse de paiement" in history
    answer = PortalAnswer.objects.get(kind="paid")
    proof = client.get(f"/reponses-clients/{answer.pk}/justificatif/")
    assert proof.status_code == 200
    assert proof["Content-Type"] == "application/pdf"
    assert proof["Content-Disposition"].startswith("attachment")
    assert b"".join(proof.streaming_content) == b"%PDF-1.4 test"
    checked = client.post(f"/reponses-clients/{answer.pk}/verifiee/", follow=True)
    assert 'data-toast="Paiement déclaré par HERBLY Francis marqué vérifié."' in (
        unescape(checked.content.decode())
    )
    answer.refresh_from_db()
    assert answer.checked_by == user
    assert "Vérifiée" in text_of(client.get("/reponses-clients/"))


def test_the_digest_lists_the_answers_since_the_last_one(
    company, token, invoices, smtp_server
):
    post(
        token, "contestation", {"invoices": [invoices[0].pk], "reason": "not_received"}
    )
    smtp_server.received.clear()
    run = DailyRun.objects.create(
        company=company, date=TODAY, origin=DailyRun.Origin.SCHEDULE, started_at=NOW
    )
    assert digest_send(company=company, run=run, now=NOW + timedelta(hours=1))
    [(to, subject, body)] = mails(smtp_server)
    assert to == ["compta@durand.example"]
    assert subject == "Relance : 1 réponse(s) de clients, 0 promesse(s) non tenue(s)"
    assert "Réponses des clients sur leur espace :" in body
    assert (
        "- HERBLY Francis — Contestation (FC-101) : Marchandise ou prestation non reçue"
        in body
    )


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
