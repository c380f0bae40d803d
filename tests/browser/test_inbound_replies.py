"""« Courriels reçus »: a customer's reply to a real reminder, uploaded as a
.eml file, then turned into a payment promise in one click, in real Chromium."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from relance.core.clock import local_date, utc_now
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser
REPLY = Path(__file__).resolve().parents[1] / "mailing" / "files" / "reply.eml"

# A customer of the second company (the first one's lists stay as other
# tests expect them), reminded once (a real message, over the session's SMTP
# server); its reminder carries the Message-ID the sample reply answers.
REMINDED = """
import json
from datetime import date, timedelta
from relance.core.clock import local_date, utc_now
from relance.core.models import Company
from relance.dunning.models import Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.get(name="Concurrent SARL")
customer = Customer.objects.create(
    company=company, code="411REPOND", name="Client Répond",
    email="compta@client-repond.fr")
invoice = Invoice.objects.create(
    company=company, customer=customer, number="FA-2026-006",
    issue_date=today - timedelta(days=60), due_date=today - timedelta(days=30),
    total=840, amount_due=840)
invoices_refresh(company=company, today=today)
plan = reminder_plan(company=company, today=today, invoices=[invoice])
created = reminders_create(plan=plan, origin="user", user=None)
delivered = reminders_deliver(reminder_ids=[r.pk for r in created.reminders],
                              now=utc_now())
reminder = delivered.sent[0]
Reminder.objects.filter(pk=reminder.pk).update(
    message_id="<176457924400.1234.5550006@durand-btp.fr>")
print(json.dumps({"invoice": invoice.pk, "customer": customer.pk}))
"""


def test_a_reply_is_uploaded_then_turned_into_a_payment_promise(page, app):
    base = app["url"]
    facts = app["instance"].python(REMINDED)
    sign_in(page, base, email="bob@concurrent.example")

    page.get_by_role("link", name="Courriels reçus").click()
    page.get_by_label("Fichier mbox ou .eml").set_input_files(str(REPLY))
    page.get_by_role("button", name="Prendre les messages").click()
    expect(page.locator(".toast")).to_contain_text(
        "1 message(s) lu(s) : 0 non remis, 0 réponse(s) automatique(s), "
        "1 réponse(s) à traiter, 0 inconnu(s)."
    )
    reply = page.locator("[data-testid^=reply-]", has_text="Client Répond")
    expect(reply).to_contain_text("RE: Relance 1 — facture FA-2026-006")
    expect(reply).to_contain_text("sera réglée par virement le 15 décembre")

    until = local_date("Europe/Paris", utc_now()) + timedelta(days=12)
    reply.get_by_label("Promesse jusqu'au").fill(until.isoformat())
    reply.get_by_role("button", name="Promesse de paiement").click()

    shown = until.strftime("%d/%m/%Y")
    expect(page.locator(".toast")).to_contain_text(
        f"Promesse de paiement enregistrée jusqu'au {shown}."
    )
    expect(
        page.locator("[data-testid^=reply-]", has_text="Client Répond")
    ).to_have_count(0)
    page.goto(f"{base}/factures/{facts['invoice']}/")
    expect(page.locator("body")).to_contain_text(f"Promesse de paiement · {shown}")
    page.goto(f"{base}/clients/{facts['customer']}/")
    expect(page.locator("#history")).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"Promesse de paiement ({shown})")
