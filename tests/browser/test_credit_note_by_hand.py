"""A credit note typed by hand, then « Imputer un avoir » in the invoice's
modal, as a user clicks them, in real Chromium."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def new_document(page, base, **fields):
    page.goto(f"{base}/factures/nouvelle/")
    for label, value in fields.items():
        if label in ("Client", "Type"):
            select = page.get_by_label(label, exact=True)
            option = select.locator("option", has_text=value).first
            select.select_option(value=option.get_attribute("value"))
        else:
            page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Créer la facture").click()


def test_a_credit_note_is_allocated_from_the_invoice_modal(page, app):
    base = app["url"]
    sign_in(page, base)
    issued = local_date("Europe/Paris", utc_now()) - timedelta(days=40)
    new_document(
        page,
        base,
        **{
            "Nom du nouveau client": "Serrurerie Avoir",
            "Numéro de facture": "FAV-001",
            "Date de facture": issued.isoformat(),
            "Date d'échéance": (issued + timedelta(days=30)).isoformat(),
            "Montant TTC": "500,00",
        },
    )
    expect(page.locator(".toast")).to_contain_text("Facture FAV-001 créée.")
    invoice_url = page.url
    new_document(
        page,
        base,
        **{
            "Client": "Serrurerie Avoir",
            "Type": "Avoir",
            "Numéro de facture": "AAV-001",
            "Date de facture": issued.isoformat(),
            "Montant TTC": "120,00",
        },
    )
    expect(page.locator(".toast")).to_contain_text("Avoir AAV-001 créé.")
    expect(page.get_by_test_id("credit-left")).to_have_text("120,00 €")
    expect(page.get_by_role("button", name="Relancer")).to_have_count(0)

    page.goto(invoice_url)
    page.get_by_test_id("allocate").click()
    modal = page.locator("#modal")
    expect(modal.get_by_role("heading")).to_have_text("Imputer un avoir — FAV-001")
    modal.get_by_label("Montant imputé").fill("500,01")
    modal.get_by_role("button", name="Imputer").click()
    expect(modal).to_contain_text("dépasse ce qui reste de l'avoir AAV-001")
    modal.get_by_label("Montant imputé").fill("120,00")
    modal.get_by_role("button", name="Imputer").click()
    expect(page.locator(".toast")).to_contain_text(
        "Avoir AAV-001 imputé de 120,00 € sur la facture FAV-001."
    )
    expect(page.locator(".sheet")).to_contain_text("380,00 €")
    expect(page.get_by_test_id("allocate")).to_have_count(0)
