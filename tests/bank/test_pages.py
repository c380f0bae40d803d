"""The « Banque » page, the Import page's statement, the summary's hold."""

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.bank.models import IbanLink, Transaction
from relance.bank.services import transactions_push
from relance.core.models import Membership
from relance.dunning.planning import Code, reminder_plan
from relance.invoices.models import Invoice
from tests.bank.conftest import FILES, TODAY
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-12-03 09:00 +0100", tick=False):
        yield


@pytest.fixture
def client(books):
    company, _invoices = books
    make_steps(company)
    Invoice.objects.filter(company=company).update(
        due_date=date(2026, 11, 1), issue_date=date(2026, 10, 1)
    )
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def suggest(company, amount="99.90"):
    transactions_push(
        company=company,
        objects=[{"date": date(2026, 12, 2), "amount": amount, "label": "VIREMENT"}],
        today=TODAY,
    )


def test_a_statement_sent_on_the_import_page_is_matched_and_shown(client, books):
    with open(FILES / "camt053.xml", "rb") as file:
        response = client.post("/import/", {"kind": "bank", "file": file}, follow=True)
    html = response.content.decode()
    assert (
        "Relevé camt.053 importé : 5 opération(s) nouvelle(s) sur 5, 5 règlement(s) "
        "enregistré(s), 0 suggestion(s) à confirmer, 1 crédit(s) non rapproché(s)."
    ) in html
    assert "1 crédit non rapproché" in html and "LOYER DECEMBRE" in html
    assert "FR7610107001011234567890129" in html  # a learned IBAN
    assert response.redirect_chain == [("/banque/", 302)]


def test_a_bad_statement_is_refused_on_the_page_with_its_reason(client):
    response = client.post(
        "/banque/",
        {"file": SimpleUploadedFile("x.xml", b"<Document><Pain/></Document>")},
    )
    assert response.status_code == 400
    assert (
        "Document XML non reconnu (« Pain ») : un relevé camt.053, camt.052 ou "
        "camt.054 est attendu."
    ) in response.content.decode()
    assert not Transaction.objects.exists()


def test_a_suggestion_is_confirmed_or_rejected_on_the_bank_page(client, books):
    company, _invoices = books
    suggest(company)
    html = client.get("/banque/").content.decode()
    assert "FC22120070" in html
    assert "Montant égal au reste dû d&#x27;une seule facture ouverte" in html
    row = Transaction.objects.get()
    client.post(f"/banque/operations/{row.pk}/confirmer/")
    assert Invoice.objects.get(number="FC22120070").status == "paid"
    suggest(company, "480.00")
    second = Transaction.objects.get(status="suggested")
    client.post(f"/banque/operations/{second.pk}/rejeter/")
    second.refresh_from_db()
    assert second.status == "unmatched"
    assert Invoice.objects.get(number="FC22120060").payment_suggested_on is None


def test_a_learned_iban_is_removed_with_supprimer(client, books):
    _company, _invoices = books
    with open(FILES / "camt054.xml", "rb") as file:
        client.post("/banque/", {"file": file})
    link = IbanLink.objects.get()
    assert "Supprimer" in client.get("/banque/").content.decode()
    client.post(f"/banque/iban/{link.pk}/supprimer/")
    assert not IbanLink.objects.exists()


def test_the_summary_holds_back_a_probable_payment_and_confirms_it_in_one_click(
    client, books
):
    company, invoices = books
    Invoice.objects.filter(company=company).update(amount_due=0, status="paid")
    invoice = invoices["FC22120070"]
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_due=Decimal("99.90"), status="open"
    )
    invoice.customer.email = "lea@boulangerie.example"
    invoice.customer.save()
    suggest(company)
    plan = reminder_plan(company=company, today=TODAY, invoices=[invoice.pk])
    [error] = plan.errors
    assert (error.code, error.message) == (
        Code.PAYMENT_SUGGESTED,
        "Paiement probable reçu le 02/12/2026 : à confirmer avant toute relance.",
    )
    html = client.post("/relances/resume/", {"invoice": invoice.pk}).content.decode()
    assert "Paiement probable reçu (relevé bancaire)" in html
    assert 'data-testid="confirm-payment"' in html
    response = client.post(
        f"/banque/factures/{invoice.pk}/confirmer/", {"invoice": invoice.pk}
    )
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast == {"message": "Paiement de FC22120070 confirmé.", "level": "success"}
    assert "Facture déjà payée." in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_suggested_on) == ("paid", None)


def test_the_summary_warns_when_the_last_statement_is_older_than_the_limit(books):
    company, invoices = books
    make_steps(company)
    ids = [invoice.pk for invoice in invoices.values()]
    assert reminder_plan(company=company, today=TODAY, invoices=ids).bank_notice == ""
    company.bank_statement_on = date(2026, 11, 30)  # 3 days: within the limit
    company.save()
    assert reminder_plan(company=company, today=TODAY, invoices=ids).bank_notice == ""
    company.bank_statement_on = date(2026, 11, 29)
    company.save()
    assert reminder_plan(company=company, today=TODAY, invoices=ids).bank_notice == (
        "Relevé bancaire non importé depuis le 29/11/2026 : un règlement reçu depuis "
        "n'est peut-être pas enregistré. Importez le dernier relevé avant d'envoyer."
    )
    company.bank_max_age_days = 7
    company.save()
    assert reminder_plan(company=company, today=TODAY, invoices=ids).bank_notice == ""


def test_the_bank_page_needs_a_login_and_shows_only_the_companys_data(client, books):
    _company, _invoices = books
    other = make_company()
    other_invoice = make_invoice(make_customer(other), total=Decimal("12.00"))
    transactions_push(
        company=other,
        objects=[{"date": date(2026, 12, 2), "amount": "12.00", "label": "SECRET-LBL"}],
        today=TODAY,
    )
    theirs = Transaction.objects.get(company=other)
    assert Client().get("/banque/").status_code == 302
    assert "SECRET-LBL" not in client.get("/banque/").content.decode()
    client.post(f"/banque/operations/{theirs.pk}/confirmer/")
    other_invoice.refresh_from_db()
    assert other_invoice.status == "open"
    response = client.post(
        f"/banque/factures/{other_invoice.pk}/confirmer/", {"invoice": other_invoice.pk}
    )
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == (
        "Facture introuvable."
    )
