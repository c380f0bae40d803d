"""A customer's language set on the customer page, in real Chromium: the
next message to them is the step's English text with English formats."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "langues@eagle.example"
DATA = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.models import DunningStep
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    name="Verrerie Lambert", sender_email="relances@lambert.example")
user = User.objects.create_user(email=EMAIL, password=PASSWORD)
Membership.objects.create(user=user, company=company, role="admin")
steps_create_defaults(company=company)
customer = Customer.objects.create(
    company=company, code="411EAGLE", name="Eagle Glass Ltd",
    email="accounts@eagle.example")
due = date(2026, 1, 31)
invoice = Invoice.objects.create(
    company=company, customer=customer, number="VL-2026-001",
    issue_date=date(2026, 1, 1), due_date=due, total="1234.56",
    amount_due="1234.56")
invoices_refresh(company=company, today=today)
step = DunningStep.objects.get(company=company, order=1)
print(json.dumps({"customer": customer.pk, "invoice": invoice.pk, "step": step.pk}))
"""


@pytest.fixture(scope="module")
def eagle(app):
    return app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}")


def test_a_customer_set_to_english_on_its_page_gets_the_english_message(
    page, app, eagle
):
    base = app["url"]
    sign_in(page, base, email=EMAIL)
    preview = f"{base}/relances/apercu/?step={eagle['step']}&invoice={eagle['invoice']}"
    page.goto(preview)
    expect(page.locator("body")).to_contain_text(
        "Facture VL-2026-001 en attente de règlement"
    )

    page.goto(f"{base}/clients/{eagle['customer']}/")
    language = page.get_by_label("Langue")
    expect(language).to_have_value("fr")
    language.select_option(label="Anglais")
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.locator("body")).to_contain_text("Client enregistré.")
    expect(page.get_by_label("Langue")).to_have_value("en")

    page.goto(preview)
    body = page.locator("body")
    expect(body).to_contain_text("Invoice VL-2026-001 awaiting payment")
    expect(body).to_contain_text(
        "invoice VL-2026-001 dated 1 Jan 2026, due on 31 Jan 2026: €1,234.56"
    )
