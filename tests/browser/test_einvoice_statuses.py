"""A CDAR message from the e-invoicing platform, imported from the Import
page as a user clicks it, in real Chromium: checked, recorded, then shown on
the invoice with its date and reason."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import sign_in
from tests.browser.test_credit_note_by_hand import new_document

pytestmark = pytest.mark.browser
SAMPLE = Path(__file__).parents[1] / "invoices" / "data" / "cdar-litige-refus.xml"


def test_a_dispute_from_the_platform_pauses_the_invoice_and_shows_why(
    page, app, tmp_path
):
    base = app["url"]
    sign_in(page, base)
    issued = local_date("Europe/Paris", utc_now()) - timedelta(days=45)
    new_document(
        page,
        base,
        **{
            "Nom du nouveau client": "Charpentes Électroniques",
            "Numéro de facture": "F-2026-0050",
            "Date de facture": issued.isoformat(),
            "Date d'échéance": (issued + timedelta(days=30)).isoformat(),
            "Montant TTC": "960,00",
        },
    )
    expect(page.locator(".toast")).to_contain_text("Facture F-2026-0050 créée.")
    invoice_url = page.url
    # The sample's dispute only, dated yesterday.
    xml = SAMPLE.read_text()
    start = xml.index("<ram:ReferenceReferencedDocument>", xml.index("0050") - 200)
    others = xml.index("<ram:ReferenceReferencedDocument>", start + 10)
    end = xml.index("</rsm:AcknowledgementDocument>")
    yesterday = (local_date("Europe/Paris", utc_now()) - timedelta(days=1)).strftime(
        "%Y%m%d"
    )
    message = tmp_path / "cdar.xml"
    message.write_text(
        (xml[:others] + xml[end:])
        .replace("20260306160000", f"{yesterday}160000")
        .replace("20260307083000", f"{yesterday}170000")
    )

    page.goto(f"{base}/import/")
    page.get_by_label("Des statuts de facturation électronique").check()
    page.get_by_label("Fichier", exact=True).set_input_files(message)
    page.get_by_role("button", name="Vérifier").click()
    preview = page.get_by_test_id("einvoice-preview")
    expect(preview).to_contain_text("F-2026-0050")
    expect(preview).to_contain_text("207 En litige")
    expect(page.locator("main")).to_contain_text(
        "1 statut(s) à enregistrer, 0 déjà reçu(s) ; 0 règlement(s) à "
        "enregistrer, 1 facture(s) à mettre en pause."
    )
    page.get_by_role("button", name="Enregistrer les statuts").click()
    expect(page.locator(".toast")).to_contain_text("1 statut(s) enregistré(s)")

    page.goto(invoice_url)
    day = (local_date("Europe/Paris", utc_now()) - timedelta(days=1)).strftime(
        "%d/%m/%Y"
    )
    page.get_by_role("tab", name="Autres informations").click()
    expect(page.get_by_test_id("einvoice-status")).to_contain_text(
        f"En litige — le {day}"
    )
    expect(page.locator("#panel-other")).to_contain_text(
        "207 « En litige » : QTE_ERR : Quantité facturée supérieure"
    )
    page.get_by_role("tab", name="Historique des relances").click()
    statuses = page.get_by_test_id("einvoice-statuses")
    expect(statuses).to_contain_text(day)
    expect(statuses).to_contain_text("207 En litige")
    expect(statuses).to_contain_text("Message CDAR · PAR-7f3c9e21")
