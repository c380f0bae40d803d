"""« Plans de relance » in real Chromium (issue 18 §1): a plan created on the
plans page, its (empty) steps screen, the plan chosen on a customer's page,
then the plan's deletion refused while the customer follows it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "plans@girard.example"
DATA = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(name="Garage Girard", sender_email="g@girard.example")
user = User.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Paul Girard")
Membership.objects.create(user=user, company=company, role="admin")
steps_create_defaults(company=company)
customer = Customer.objects.create(
    company=company, code="411LENT", name="Transports Lent", email="l@lent.example")
due = today - timedelta(days=2)
Invoice.objects.create(
    company=company, customer=customer, number="GG-001",
    issue_date=due - timedelta(days=30), due_date=due, total=500, amount_due=500)
invoices_refresh(company=company, today=today)
print(json.dumps({"customer": customer.pk}))
"""


@pytest.fixture(scope="module")
def facts(app):
    return app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}")


def test_a_plan_is_created_then_chosen_for_a_customer(page, app, facts):
    base = app["url"]
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, base, email=EMAIL)
    page.goto(f"{base}/configuration/plans/")
    plans = page.get_by_test_id("plans")
    expect(plans.locator("tr[data-plan]")).to_have_count(1)
    expect(plans.locator('tr[data-plan="Standard"]')).to_contain_text("par défaut")
    page.get_by_label("Nom", exact=True).fill("Mauvais payeurs")
    page.get_by_role("button", name="Créer le plan").click()
    row = plans.locator('tr[data-plan="Mauvais payeurs"]')
    expect(row).to_contain_text("sans relance automatique")

    row.get_by_role("link", name="Mauvais payeurs").click()
    expect(page.get_by_test_id("plan-name")).to_have_text("Plan « Mauvais payeurs »")
    expect(page.get_by_text("Aucune étape", exact=True)).to_be_visible()

    page.goto(f"{base}/clients/{facts['customer']}/")
    section = page.get_by_test_id("customer-plan")
    section.get_by_label("Plan suivi").select_option(label="Mauvais payeurs")
    section.get_by_label("Écart minimal entre deux relances (jours)").fill("10")
    section.get_by_role("button", name="Enregistrer le plan").click()
    section = page.get_by_test_id("customer-plan")
    expect(section.get_by_label("Plan suivi")).to_have_value(
        section.locator("option", has_text="Mauvais payeurs").get_attribute("value")
    )
    expect(
        section.get_by_label("Écart minimal entre deux relances (jours)")
    ).to_have_value("10")

    page.goto(f"{base}/configuration/plans/")
    row = page.get_by_test_id("plans").locator('tr[data-plan="Mauvais payeurs"]')
    expect(row.locator("td").nth(2)).to_have_text("1")
    row.get_by_role("button", name="Supprimer").click()
    expect(page.locator(".toast")).to_contain_text(
        "Impossible de supprimer « Mauvais payeurs » : 1 client(s) le suivent. "
        "Choisissez-leur d'abord un autre plan."
    )
    expect(page.get_by_test_id("plans").locator("tr[data-plan]")).to_have_count(2)
