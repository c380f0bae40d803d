"""Issue 17: the customer opens the private link of a REAL sent reminder (the
session's SMTP server received it) in Chromium, on a phone and a laptop,
sees their invoices and the QR codes; a tampered link is a plain 404."""

import os
import re
import shutil
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# A third company (the others' data stay as other tests expect them), with
# an IBAN and the default steps, reminds one customer over real SMTP.
REMINDED = """
import json
from datetime import date, timedelta
from relance.core.clock import local_date, utc_now
from relance.core.models import Company
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    send_calendar=False,  # sends at whatever hour the tests run
    name="Plomberie Martin", sender_email="relances@martin.example",
    reply_to_email="compta@martin.example", phone="02 99 12 34 56",
    iban="FR7630006000011234567890189", bic="AGRIFRPP")
steps_create_defaults(company=company)
import base64
from relance.core.services import company_logo_set
company_logo_set(company=company, filename="logo.png", content=base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGP4z8AARAAI/gH/xp559wAAAABJRU5ErkJggg=="))
customer = Customer.objects.create(
    company=company, code="411PORTAIL", name="Café du Port",
    email="compta@cafe-du-port.example")
for number, late, total in (("FP-2026-101", 40, 1234.56), ("FP-2026-117", 9, 89.9)):
    Invoice.objects.create(
        company=company, customer=customer, number=number,
        issue_date=today - timedelta(days=late + 30),
        due_date=today - timedelta(days=late), total=total, amount_due=total,
        payment_url="https://pay.example/fp" if number == "FP-2026-117" else "")
invoices_refresh(company=company, today=today)
plan = reminder_plan(company=company, today=today)
created = reminders_create(plan=plan, origin="user", user=None)
delivered = reminders_deliver(reminder_ids=[r.pk for r in created.reminders],
                              now=utc_now())
print(json.dumps({"sent": len(delivered.sent)}))
"""


def portal_path(smtp) -> str:
    for received in reversed(smtp.received):
        message = message_from_bytes(
            received.raw.replace(b"\r\n", b"\n"), policy=policy.default
        )
        if received.recipients == ["compta@cafe-du-port.example"]:
            text = message.get_body(("plain",)).get_content()
            [path] = re.findall(r"https?://[^/\s]+(/p/[A-Za-z0-9_-]{43}/)", text)
            return path
    raise AssertionError("no reminder reached compta@cafe-du-port.example")


def test_the_link_of_a_sent_reminder_opens_the_customers_page(
    page, app, smtp_session, tmp_path
):
    base = app["url"]
    assert app["instance"].python(REMINDED) == {"sent": 1}
    path = portal_path(smtp_session)
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else 0)
    shots = {}
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(f"{base}{path}")
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        expect(page.locator(".company-name")).to_have_text("Plomberie Martin")
        expect(page.locator("[data-total]")).to_have_text("1\u202f324,46\u00a0€")
        first = page.locator("[data-invoice='FP-2026-101']")
        expect(first).to_contain_text("1\u202f234,56\u00a0€")
        expect(first).to_contain_text("40 jours")
        # The logo inline (a data: URL: the CSP allows it), the invoice's own
        # payment link, the statement.
        expect(page.locator("img[data-logo]")).to_be_visible()
        expect(
            page.locator("[data-invoice='FP-2026-117'] [data-pay]")
        ).to_have_attribute("href", "https://pay.example/fp")
        expect(page.locator("[data-statement]")).to_have_text("Relevé de compte (PDF)")
        expect(page.locator("[data-iban]")).to_have_text(
            "FR76 3000 6000 0112 3456 7890 189"
        )
        # The QR code of the total is shown; each invoice's opens on a tap.
        expect(page.locator(".qr-total svg")).to_be_visible()
        first.get_by_text("Payer cette facture avec l'application").click()
        expect(first.locator("svg")).to_be_visible()
        box = first.locator("svg").bounding_box()
        assert box["width"] >= 150  # big enough for a phone's camera
        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shots[width] = tmp_path / f"portal-{width}.png"
        page.screenshot(path=shots[width], full_page=True)
    assert errors == []  # no CSP violation, nothing blocked
    keep = os.environ.get("RELANCE_SCREENSHOTS")
    if keep:
        for width, shot in shots.items():
            shutil.copy(shot, f"{keep}/portal-{width}.png")

    statement = page.request.get(f"{base}{path}releve.pdf")
    assert statement.status == 200
    assert statement.headers["content-type"] == "application/pdf"
    assert statement.body().startswith(b"%PDF-")

    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    response = page.goto(f"{base}{tampered}")
    assert response.status == 404
    expect(page.locator("body")).to_have_text("404")
