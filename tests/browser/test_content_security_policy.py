"""Under the Content-Security-Policy (issue 13, item 15) the pages still work
in Chromium, and Chromium reports no violation: no script, style or request
the policy refuses."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def violations(page):
    """Chromium's console reports of refused scripts, styles and requests."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_htmx_modals_previews_and_tabs_work_without_violations(page, app, violations):
    base = app["url"]
    sign_in(page, base)
    assert (
        page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    )
    page.goto(f"{base}/factures/?q=FC23010007")
    page.get_by_role("link", name="FC23010007", exact=True).click()
    page.get_by_role("button", name="Enregistrer un règlement").click()
    modal = page.locator("#modal")
    expect(modal).to_be_visible()
    modal.locator("[data-close-modal]").first.click()
    expect(modal).to_be_hidden()
    page.get_by_role("button", name="Relancer").click()
    expect(modal.get_by_test_id("to-send")).to_have_text("1")
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Autres informations").click()
    expect(page.locator("#panel-other")).to_be_visible()
    page.goto(f"{base}/configuration/etapes/")
    page.get_by_role("link", name="Relance 1").click()
    expect(page.locator("#preview")).to_contain_text("Objet")
    for path in ["/", "/clients/", "/relances/", "/import/", "/configuration/jetons/"]:
        page.goto(base + path)
    assert violations == []


def test_the_admin_and_the_api_docs_work_without_violations(page, app, violations):
    base = app["url"]
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Adresse e-mail").fill("operator@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("link", name="Utilisateurs").first).to_be_visible()
    page.goto(f"{base}/admin/core/user/add/")
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Relance API")
    assert violations == []
