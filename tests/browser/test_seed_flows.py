"""The seed's flows, as a user clicks them, in real Chromium."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser


def row(page, number):
    return page.locator("tr", has=page.get_by_role("link", name=number, exact=True))


def sent_by_hand(smtp_session, before):
    """The messages received since `before` but those the scheduler sent on
    its own (« Auto-Submitted: auto-generated »). The server under test runs
    its scheduler: a company another module makes (test_letters.py's
    Charpentes Martin) gets its first daily run at the next minute, and its
    digest (missing rates, a letter waiting) may arrive during these tests."""
    return [
        received
        for received in smtp_session.received[before:]
        if received.message["Auto-Submitted"] != "auto-generated"
    ]


def test_bulk_reminders_from_the_list_send_two_and_report_one_error(
    page, app, smtp_session
):
    base = app["url"]
    console = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base)
    page.get_by_role("link", name="Factures clients").click()
    page.locator("summary", has_text="Filtres").click()
    page.get_by_role("link", name="À relancer").click()
    expect(page.locator(".chip", has_text="À relancer")).to_be_visible()
    expect(row(page, "FC23020001")).to_have_count(0)  # not due: not in the filter
    for number in ("FC22120054", "FC23010007", "FC23010011"):
        row(page, number).get_by_role("checkbox").check()
    expect(page.locator("#selection-bar")).to_contain_text("3 sélectionnée(s)")
    page.locator("summary", has_text="Action").click()
    page.get_by_role("button", name="Relances").click()
    modal = page.locator("#modal")
    expect(modal.get_by_test_id("to-send")).to_have_text("2")
    expect(modal.get_by_test_id("errors")).to_have_text("1")
    expect(modal).to_contain_text("Clients sans adresse e-mail")
    expect(modal).to_contain_text(
        "Aucune adresse e-mail pour le client Ferme du Vieux Chêne."
    )
    expect(modal).to_contain_text("vous ne pourrez pas le relire ni le modifier")
    modal.get_by_role("button", name="Aperçu").first.click()
    expect(modal.locator(".message-box")).to_contain_text("FC")
    before = len(smtp_session.received)
    modal.get_by_role("button", name="Envoyer les relances").click()
    expect(modal.get_by_test_id("sent")).to_have_text("2", timeout=30_000)
    expect(page.locator(".toast")).to_contain_text("2 relances envoyées")
    received = sent_by_hand(smtp_session, before)
    assert sorted(r.recipients[0] for r in received) == [
        "compta@herbly.example",
        "riou@riou.example",
    ]
    herbly = next(r for r in received if r.recipients == ["compta@herbly.example"])
    assert "FC22120054" in herbly.message["Subject"]
    modal.get_by_role("button", name="Terminer").click()
    # The preview buttons inside the form do not inherit its hx-disabled-elt.
    assert [text for text in console if "hx-disabled-elt" in text] == []
    page.goto(f"{base}/factures/?q=FC22120054")
    expect(row(page, "FC22120054")).to_contain_text(
        re.compile(r"Relance 2 · le \d\d/\d\d/\d{4}")
    )
    page.goto(f"{base}/factures/?q=FC23010011")
    expect(row(page, "FC23010011")).to_contain_text("Relance 1 · À faire")


def test_relancer_on_one_invoice(page, app, smtp_session):
    base = app["url"]
    sign_in(page, base)
    page.goto(f"{base}/factures/?q=FC23020002")
    page.get_by_role("link", name="FC23020002", exact=True).click()
    expect(
        page.get_by_role("heading", name="Factures clients / FC23020002")
    ).to_have_count(0)
    page.get_by_role("button", name="Relancer").click()
    modal = page.locator("#modal")
    expect(modal.get_by_test_id("to-send")).to_have_text("1")
    before = len(smtp_session.received)
    modal.get_by_role("button", name="Envoyer les relances").click()
    expect(modal.get_by_test_id("sent")).to_have_text("1", timeout=30_000)
    assert [r.recipients for r in sent_by_hand(smtp_session, before)] == [
        ["compta@herbly.example"]
    ]
    modal.get_by_role("button", name="Terminer").click()
    page.get_by_role("tab", name="Autres informations").click()
    panel = page.get_by_role("tabpanel")
    expect(panel).to_contain_text("Relance 1 — Envoyée")
    page.get_by_role("tab", name=re.compile("Historique des relances")).click()
    expect(page.get_by_role("tabpanel")).to_contain_text("compta@herbly.example")


def test_a_template_with_an_unknown_variable_shows_the_error(page, app):
    base = app["url"]
    sign_in(page, base)
    page.get_by_role("link", name="Étapes de relance").click()
    page.get_by_role("link", name="Relance 2").click()
    body = page.get_by_label("Corps du courriel")
    body.fill("Bonjour {{ client.nom }},\nmerci de régler.")
    expect(page.locator("#preview")).to_contain_text("variable inconnue « client »")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#id_body_error")).to_have_text(
        "Corps du courriel — Ligne 1 : variable inconnue « client »"
    )
    expect(body).to_have_attribute("aria-invalid", "true")


def test_a_user_of_another_company_cannot_open_this_invoice(page, app):
    base = app["url"]
    sign_in(page, base)
    response = page.goto(f"{base}/factures/{app['secret']}/")
    assert response.status == 404
    page.goto(f"{base}/factures/?q=SECRET")
    expect(page.get_by_text("Aucune facture", exact=True)).to_be_visible()


def test_the_owner_sees_it(page, app):
    base = app["url"]
    sign_in(page, base, email="bob@concurrent.example", password=PASSWORD)
    response = page.goto(f"{base}/factures/{app['secret']}/")
    assert response.status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/factures/",
        "/clients/",
        "/relances/",
        "/configuration/etapes/",
        "/configuration/societe/",
    ],
)
def test_pages_pass_an_accessibility_check(page, app, path):
    sign_in(page, app["url"])
    page.goto(app["url"] + path)
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_the_list_is_usable_with_the_keyboard(page, app):
    sign_in(page, app["url"])
    page.goto(app["url"] + "/factures/")
    page.locator("#q").focus()
    page.keyboard.type("HERBLY")
    page.keyboard.press("Enter")
    expect(page.locator("#q")).to_have_value("HERBLY")
    checkbox = row(page, "FC22120054").get_by_role("checkbox")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    expect(page.locator("#selection-bar")).to_be_visible()


def test_a_file_is_checked_and_imported_by_the_worker_while_the_page_follows(
    page, app, tmp_path
):
    base = app["url"]
    sign_in(page, base)
    page.goto(f"{base}/import/")
    csv = tmp_path / "export.csv"
    csv.write_text(
        "numero;code_client;client;date;echeance;montant\n"
        "IMP-1;411IMP;Import Test;02/01/2026;31/01/2026;120,00\n"
        "IMP-2;411IMP;Import Test;03/01/2026;02/02/2026;80,00\n",
        encoding="utf-8",
    )
    page.get_by_label("Des factures (CSV ou Excel)").check()
    page.set_input_files("#id_file", str(csv))
    page.get_by_role("button", name="Vérifier").click()
    run = page.get_by_test_id("import-run")
    expect(run).to_contain_text("2 à créer", timeout=20_000)
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_test_id("import-run")).to_contain_text(
        "Import terminé : 2 créé(s), 0 mis à jour.", timeout=20_000
    )
    page.get_by_role("link", name="Voir les factures").click()
    expect(page.get_by_role("link", name="IMP-1", exact=True)).to_be_visible()
    # Then a payment file (streamed, ADR 17), through the worker the same way.
    page.goto(f"{base}/import/")
    bank = tmp_path / "banque.csv"
    bank.write_text(
        "facture;date;montant;reference\nIMP-1;05/02/2026;120,00;VIR IMPORT\n",
        encoding="utf-8",
    )
    page.get_by_label("Des règlements (CSV ou Excel)").check()
    page.set_input_files("#id_file", str(bank))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_test_id("import-run")).to_contain_text(
        "solde la facture", timeout=20_000
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_test_id("import-run")).to_contain_text(
        "Import terminé : 1 créé(s), 0 mis à jour.", timeout=20_000
    )
