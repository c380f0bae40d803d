"""The summary of a big selection in real Chromium (issue 16 §3): « Tout
sélectionner » then « Relances » on 300 invoices shows 50 messages and the
count of the others; « Voir les 200 suivantes » brings them in place."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "resume@grosse.example"
DATA = """
from relance.core.clock import local_date, utc_now
from datetime import date, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    name="Grosse Sélection", sender_email="relances@grosse.example")
steps_create_defaults(company=company)
user = User.objects.create_user(email=EMAIL, password=PASSWORD)
Membership.objects.create(user=user, company=company, role="admin")
customers = Customer.objects.bulk_create(
    Customer(company=company, code=f"411G{k:03d}", name=f"Client {k:03d}",
             email=f"c{k}@grosse.example")
    for k in range(1, 301))
due = today - timedelta(days=40)
Invoice.objects.bulk_create(
    Invoice(company=company, customer=customer, number=f"FG-{k:03d}",
            issue_date=due - timedelta(days=30), due_date=due,
            total=100, amount_due=100)
    for k, customer in enumerate(customers, 1))
invoices_refresh(company=company, today=today)
"""


@pytest.fixture(scope="module")
def big_selection(app):
    app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}")


def test_a_large_group_shows_50_messages_then_the_next_ones_on_demand(
    page, app, big_selection
):
    sign_in(page, app["url"], email=EMAIL)
    page.get_by_role("link", name="Factures clients").click()
    page.locator("tbody").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Tout sélectionner").click()
    page.locator("summary", has_text="Action").click()
    page.get_by_role("button", name="Relances").click()
    modal = page.locator("#modal")
    expect(modal.get_by_test_id("to-send")).to_have_text("300")
    messages = modal.get_by_test_id("message")
    expect(messages).to_have_count(50)
    expect(messages.first).to_contain_text("Client 001")
    more = modal.get_by_test_id("more")
    expect(more).to_contain_text("et 250 autres relances")
    more.get_by_role("button", name="Voir les 200 suivantes").click()
    expect(messages).to_have_count(250)
    expect(messages.nth(249)).to_contain_text("Client 250")
    expect(more).to_contain_text("et 50 autres relances")
    more.get_by_role("button", name="Voir les 50 suivantes").click()
    expect(messages).to_have_count(300)
    expect(messages.last).to_contain_text("Client 300")
    expect(more).to_have_count(0)
    # A preview still opens under its own row, far down the list.
    messages.nth(279).get_by_role("button", name="Aperçu").click()
    expect(modal.locator("#preview-280 .message-box")).to_contain_text("FG-280")
    expect(modal.get_by_role("button", name="Envoyer les relances")).to_be_visible()
