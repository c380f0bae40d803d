"""A company adds German in its settings, in real Chromium; the step screen
then has a third tab, « Allemand », whose text is saved and previewed with
German formats."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "langues@klein.example"
DATA = """
import json
from datetime import date
from relance.core.models import Company, Membership, User
from relance.dunning.models import DunningStep
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

company = Company.objects.create(
    name="Verrerie Lambert", sender_email="relances@lambert.example")
user = User.objects.create_user(email=EMAIL, password=PASSWORD)
Membership.objects.create(user=user, company=company, role="admin")
steps_create_defaults(company=company)
customer = Customer.objects.create(
    company=company, code="411KLEIN", name="Klein GmbH",
    email="buchhaltung@klein.example")
Invoice.objects.create(
    company=company, customer=customer, number="VL-2026-002",
    issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31), total="1234.56",
    amount_due="1234.56")
step = DunningStep.objects.get(company=company, order=1)
print(json.dumps({"company": company.pk, "customer": customer.pk, "step": step.pk}))
"""
SAVED = """
import json
from relance.core.models import Company
from relance.dunning.models import DunningStepText
from relance.invoices.models import Customer
text = DunningStepText.objects.get(step_id=STEP, language="de")
print(json.dumps({
    "languages": Company.objects.get(pk=COMPANY).languages,
    "customer": Customer.objects.get(pk=CUSTOMER).language,
    "text": [text.subject, text.body],
}))
"""


@pytest.fixture(scope="module")
def klein(app):
    return app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}")


def test_a_company_adds_german_and_writes_a_german_text(page, app, klein):
    base = app["url"]
    sign_in(page, base, email=EMAIL)
    page.goto(f"{base}/configuration/etapes/{klein['step']}/")
    expect(page.get_by_role("tab")).to_have_count(2)

    page.goto(f"{base}/configuration/societe/")
    page.get_by_label("Allemand").check()
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.locator("body")).to_contain_text(
        "Paramètres de la société enregistrés."
    )
    expect(page.get_by_label("Allemand")).to_be_checked()

    page.goto(f"{base}/clients/{klein['customer']}/")
    page.get_by_label("Langue").select_option(label="Allemand")
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.locator("body")).to_contain_text("Client enregistré.")

    page.goto(f"{base}/configuration/etapes/{klein['step']}/")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_text(["Français", "Anglais", "Allemand"])
    page.get_by_role("tab", name="Allemand").click()
    page.get_by_label("Objet en allemand").fill("Rechnung {{ invoice.number }}")
    page.get_by_label("Corps en allemand").fill(
        "Guten Tag, {{ total_due }} seit {{ invoice.due_date }}."
    )
    expect(page.locator("#preview-de")).to_contain_text(
        "Guten Tag, 1.234,56\u00a0€ seit 31. Januar 2026."
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("body")).to_contain_text("enregistrée.")

    saved = app["instance"].python(
        f"STEP = {klein['step']}\nCOMPANY = {klein['company']}\n"
        f"CUSTOMER = {klein['customer']}\n{SAVED}"
    )
    assert saved == {
        "languages": ["fr", "en", "de"],
        "customer": "de",
        "text": [
            "Rechnung {{ invoice.number }}",
            "Guten Tag, {{ total_due }} seit {{ invoice.due_date }}.",
        ],
    }
