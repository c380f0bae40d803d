"""« Mes tâches du jour » in real Chromium (issue 19 §3): a call step's
reminder sent with « Relancer » makes a call for the customer's owner; it
appears in « Mes tâches du jour » with the phone and the invoice; « Promesse
au … » recorded there pauses the invoice as a promise. The page holds at
1366×768 and on a phone without sideways scrolling."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "appels@roux.example"
DATA = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.models import DunningStep
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    name="Plomberie Roux", sender_email="r@roux.example", send_calendar=False
)
user = User.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Léa Roux")
Membership.objects.create(user=user, company=company, role="admin")
DunningStep.objects.create(
    plan=plan_default_ensure(company=company),
    company=company, order=1, name="Appel de courtoisie", trigger="after_due_date",
    days=5, channel="call")
customer = Customer.objects.create(
    company=company, code="411BLANC", name="Boulangerie Blanc", email="",
    phone="04 78 00 11 22", owner=user)
due = today - timedelta(days=20)
invoice = Invoice.objects.create(
    company=company, customer=customer, number="FR-042",
    issue_date=due - timedelta(days=30), due_date=due, total=860, amount_due=860)
invoices_refresh(company=company, today=today)
print(json.dumps({"invoice": invoice.pk}))
"""


@pytest.fixture(scope="module")
def facts(app):
    return app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}")


WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-3).map(e => e.tagName + "." + e.className)"""


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (width, page.evaluate(WIDEST))


def test_a_call_made_by_a_step_gets_its_promise_recorded(page, app, facts):
    base = app["url"]
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, base, email=EMAIL)
    page.goto(f"{base}/factures/{facts['invoice']}/")
    page.get_by_role("button", name="Relancer").click()
    modal = page.locator("#modal")
    expect(modal.get_by_test_id("tasks-to-create")).to_have_text("1")
    expect(modal.get_by_test_id("to-send")).to_have_text("0")
    expect(modal).to_contain_text("Appel téléphonique · 04 78 00 11 22")
    modal.get_by_role("button", name="Envoyer les relances").click()
    expect(modal.get_by_test_id("sent")).to_have_text("1", timeout=30_000)
    modal.get_by_role("button", name="Terminer").click()

    page.get_by_role("link", name="Mes tâches du jour").first.click()
    task = page.get_by_test_id("task")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Boulangerie Blanc")
    expect(task).to_contain_text("FR-042")
    expect(task).to_contain_text("860,00")
    expect(task.get_by_role("link", name="04 78 00 11 22")).to_have_attribute(
        "href", "tel:0478001122"
    )
    no_sideways_scroll(page)

    until = local_date("Europe/Paris", utc_now()) + timedelta(days=12)
    task.get_by_label("Promesse au …").check()
    task.get_by_label("Date").fill(until.isoformat())
    task.get_by_role("button", name="Enregistrer le résultat").click()
    expect(page.locator("body")).to_contain_text(
        "Boulangerie Blanc : Promesse de paiement enregistré."
    )
    expect(page.get_by_test_id("task")).to_have_count(0)

    page.goto(f"{base}/factures/{facts['invoice']}/")
    page.get_by_role("tab", name="Autres informations").click()
    expect(page.get_by_role("tabpanel")).to_contain_text(
        f"Promesse de paiement — pas de relance jusqu'au {until:%d/%m/%Y} inclus"
    )


def test_the_worklist_fits_a_phone(page, app, facts):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, app["url"], email=EMAIL)
    page.goto(f"{app['url']}/taches/?scope=all&status=done")
    expect(page.get_by_test_id("task").first).to_be_visible()
    no_sideways_scroll(page)
