"""A bank statement sent on the « Banque » page, its suggestion confirmed,
as a user clicks them, in real Chromium."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import sign_in
from tests.browser.test_credit_note_by_hand import new_document

pytestmark = pytest.mark.browser


def test_a_statement_is_imported_and_its_suggestion_confirmed(page, app):
    base = app["url"]
    sign_in(page, base)
    issued = local_date("Europe/Paris", utc_now()) - timedelta(days=40)
    new_document(
        page,
        base,
        **{
            "Nom du nouveau client": "Plomberie Banque",
            "Numéro de facture": "FBK-001",
            "Date de facture": issued.isoformat(),
            "Date d'échéance": (issued + timedelta(days=30)).isoformat(),
            "Montant TTC": "777,77",
        },
    )
    expect(page.locator(".toast")).to_contain_text("Facture FBK-001 créée.")
    day = (local_date("Europe/Paris", utc_now()) - timedelta(days=1)).strftime(
        "%d/%m/%Y"
    )
    statement = (
        "Date;Libellé;Débit euros;Crédit euros\r\n"
        f"{day};VIR SEPA RECU /DE INCONNU /MOTIF VIREMENT;;777,77\r\n"
        f"{day};PRLV SEPA ÉLECTRICITÉ;45,10;\r\n"
        f"{day};VIR SEPA RECU /DE SCI DU PARC /MOTIF LOYER;;612,00\r\n"
    ).encode("cp1252")
    page.goto(f"{base}/banque/")
    page.get_by_label("Relevé bancaire").set_input_files(
        files=[{"name": "releve.csv", "mimeType": "text/csv", "buffer": statement}]
    )
    page.get_by_role("button", name="Importer et rapprocher").click()
    expect(page.locator(".toast")).to_contain_text(
        "Relevé csv importé : 2 opération(s) nouvelle(s) sur 2"
    )
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("FBK-001")
    expect(suggestions).to_contain_text(
        "Montant égal au reste dû d'une seule facture ouverte, d'un payeur inconnu."
    )
    expect(page.get_by_test_id("unmatched")).to_contain_text("LOYER")
    suggestions.get_by_role("button", name="Confirmer").click()
    expect(page.locator(".toast")).to_contain_text("Paiement confirmé et enregistré.")
    expect(page.get_by_test_id("suggestions")).to_contain_text(
        "Aucun paiement à confirmer."
    )
