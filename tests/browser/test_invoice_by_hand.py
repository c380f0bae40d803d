"""« Nouvelle facture » then its PDF, as a user clicks them, in real Chromium."""

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import sign_in
from tests.factories import make_pdf

pytestmark = pytest.mark.browser


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_an_invoice_made_by_hand_then_its_pdf_uploaded_and_linked(page, app, tmp_path):
    base = app["url"]
    sign_in(page, base)
    page.get_by_role("link", name="Factures clients").click()
    page.get_by_role("link", name="Nouvelle facture").click()
    expect(page.get_by_role("heading", name="Nouvelle facture")).to_have_count(0)
    expect(page.locator(".breadcrumb")).to_contain_text("Nouvelle facture")
    assert serious_violations(page) == []

    # First try: no customer, a due date before the invoice date.
    issued = local_date("Europe/Paris", utc_now()) - timedelta(days=40)
    page.get_by_label("Numéro de facture").fill("FM-2026-001")
    page.get_by_label("Date de facture").fill(issued.isoformat())
    page.get_by_label("Date d'échéance").fill((issued - timedelta(days=1)).isoformat())
    page.get_by_label("Montant TTC").fill("1 980,00")
    page.get_by_role("button", name="Créer la facture").click()
    expect(page.locator("#id_customer_error")).to_have_text(
        "Choisissez un client, ou saisissez le nom d'un nouveau client"
    )
    expect(page.locator("#id_due_date_error")).to_have_text(
        "L'échéance précède la date de facture"
    )

    # Then right: a new customer, a due date 30 days after.
    page.get_by_label("Nom du nouveau client").fill("Boulangerie Martin")
    page.get_by_label("Courriel du nouveau client").fill("contact@martin.example")
    page.get_by_label("Date d'échéance").fill((issued + timedelta(days=30)).isoformat())
    page.get_by_label("Conditions de règlement").fill("30 jours")
    page.get_by_role("button", name="Créer la facture").click()
    expect(page.locator(".toast")).to_contain_text("Facture FM-2026-001 créée.")
    expect(page.locator(".sheet-title")).to_contain_text("FM-2026-001")
    expect(page.locator(".sheet")).to_contain_text("Boulangerie Martin")
    expect(page.locator(".sheet")).to_contain_text("1 980,00 €")
    expect(page.get_by_test_id("pdf-link")).to_have_count(0)

    # Its PDF: a file that is not one is refused, then the real one is kept.
    fake = tmp_path / "facture.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    pdf = tmp_path / "FM-2026-001.pdf"
    pdf.write_bytes(make_pdf("FM-2026-001"))
    page.locator("summary", has_text="Joindre le PDF").click()
    page.get_by_label("PDF de la facture").set_input_files(fake)
    page.get_by_role("button", name="Enregistrer le PDF").click()
    expect(page.locator("#id_pdf_error")).to_have_text(
        "Ce fichier n'est pas un PDF, quel que soit son nom."
    )
    page.get_by_label("PDF de la facture").set_input_files(pdf)
    page.get_by_role("button", name="Enregistrer le PDF").click()
    expect(page.locator(".toast")).to_contain_text(
        "PDF de la facture FM-2026-001 enregistré."
    )
    link = page.get_by_test_id("pdf-link")
    expect(link).to_have_text("Facture FM-2026-001.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "FM-2026-001.pdf"
    assert Path(download.value.path()).read_bytes() == pdf.read_bytes()
    assert serious_violations(page) == []
