"""Issue 17 §3, done when: the customer opens the private link of a REAL sent
reminder (the session's SMTP server received it) in Chromium and gives the
three answers, « J'ai déjà payé » (with a proof), « Je paierai le … » and
« Je conteste cette facture »; each invoice is paused or disputed as said,
the daily job leaves them alone, the broken promise resumes its invoice the
day after, and the company sees each answer."""

import os
import re
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser
CUSTOMER_EMAIL = "compta@garage-ouest.example"

# A company of its own (the others' data stay as other tests expect them),
# with a user, reminds one customer of three invoices over real SMTP.
REMINDED = """
import json
from datetime import date, timedelta
from relance.core.clock import local_date, utc_now
from relance.core.models import Company, Membership, User
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    name="Carrosserie Lemoine", sender_email="relances@lemoine.example",
    reply_to_email="compta@lemoine.example", iban="FR7630006000011234567890189",
    portal_answers_by_email=True,
    send_calendar=False)  # sends at whatever hour the tests run
steps_create_defaults(company=company)
user = User.objects.create_user(email="lea@lemoine.example", password=PASSWORD)
Membership.objects.create(user=user, company=company, role="admin")
customer = Customer.objects.create(
    company=company, code="411OUEST", name="Garage de l'Ouest", email=EMAIL)
for number, late, total in (("CL-201", 40, 640), ("CL-202", 35, 1200.5),
                            ("CL-203", 30, 75)):
    Invoice.objects.create(
        company=company, customer=customer, number=number,
        issue_date=today - timedelta(days=late + 30),
        due_date=today - timedelta(days=late), total=total, amount_due=total)
invoices_refresh(company=company, today=today)
plan = reminder_plan(company=company, today=today)
created = reminders_create(plan=plan, origin="user", user=None)
delivered = reminders_deliver(reminder_ids=[r.pk for r in created.reminders],
                              now=utc_now())
print(json.dumps({"sent": len(delivered.sent), "today": today.isoformat()}))
"""

STATES = """
import json
from datetime import date, timedelta
from relance.core.clock import local_date, utc_now
from relance.core.models import Company
from relance.dunning.services.daily import daily_runs_now
from relance.invoices.models import Invoice

company = Company.objects.get(name="Carrosserie Lemoine")
if DAYS is not None:
    on = local_date("Europe/Paris", utc_now()) + timedelta(days=DAYS)
    daily_runs_now(now=utc_now(), on=on, companies=[company], force=True)
print(json.dumps({
    i.number: [i.pause_kind, i.paused_until and i.paused_until.isoformat(),
               i.to_remind]
    for i in Invoice.objects.filter(company=company)
}))
"""


def subjects(smtp, address: str) -> list[str]:
    """The subjects of the messages sent to `address` alone."""
    return [
        message_from_bytes(r.raw.replace(b"\r\n", b"\n"), policy=policy.default)[
            "subject"
        ]
        for r in smtp.received
        if r.recipients == [address]
    ]


def portal_path(smtp) -> str:
    for received in reversed(smtp.received):
        if received.recipients == [CUSTOMER_EMAIL]:
            message = message_from_bytes(
                received.raw.replace(b"\r\n", b"\n"), policy=policy.default
            )
            text = message.get_body(("plain",)).get_content()
            [path] = re.findall(r"https?://[^/\s]+(/p/[A-Za-z0-9_-]{43}/)", text)
            return path
    raise AssertionError(f"no reminder reached {CUSTOMER_EMAIL}")


def states(app, days=None) -> dict:
    return app["instance"].python(f"DAYS = {days!r}\n{STATES}")


def test_the_customer_gives_the_three_answers_and_the_company_sees_them(
    page, app, smtp_session, tmp_path
):
    base, instance = app["url"], app["instance"]
    reminded = instance.python(
        f"PASSWORD = {PASSWORD!r}\nEMAIL = {CUSTOMER_EMAIL!r}\n{REMINDED}"
    )
    assert reminded["sent"] == 1
    path = portal_path(smtp_session)
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else 0)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}{path}")

    # « J'ai déjà payé » on CL-201, with a PNG proof.
    page.locator("[data-invoice='CL-201']").get_by_role(
        "link", name="J'ai déjà payé"
    ).click()
    expect(page.get_by_role("heading", name="J'ai déjà payé")).to_be_visible()
    page.get_by_label("Date du paiement").fill(reminded["today"])
    page.get_by_label("Montant payé (€)").fill("640,00")
    proof = tmp_path / "virement.png"
    proof.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.get_by_label("Justificatif").set_input_files(str(proof))
    page.get_by_label("Un message (facultatif)").fill("Virement fait ce matin.")
    keep = os.environ.get("RELANCE_SCREENSHOTS")
    if keep:
        page.screenshot(path=f"{keep}/portal-answer-390.png", full_page=True)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("[data-confirmation]")).to_contain_text(
        "Merci, votre réponse est enregistrée"
    )
    expect(page.locator("[data-confirmation]")).to_contain_text(
        f"Une copie vous a été envoyée à {CUSTOMER_EMAIL}."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # « Je paierai le … » on CL-202, in 20 days (step 2 is due in 15); a
    # date too far first.
    page.get_by_role("link", name="← Retour à vos factures").click()
    page.locator("[data-invoice='CL-202']").get_by_role(
        "link", name="Je paierai le …"
    ).click()
    date_field = page.locator("#promised_on")
    date_field.fill("2099-01-01")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("[data-errors]")).to_contain_text(
        "La date de paiement ne peut pas dépasser le"
    )
    promised = instance.python(
        "import json\nfrom datetime import timedelta\n"
        "from relance.core.clock import local_date, utc_now\n"
        "day = local_date('Europe/Paris', utc_now()) + timedelta(days=20)\n"
        "print(json.dumps(day.isoformat()))"
    )
    page.locator("#promised_on").fill(promised)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("[data-confirmation]")).to_contain_text(
        "Les relances de ces factures sont suspendues jusqu'au"
    )

    # « Je conteste cette facture » on CL-203.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}{path}")
    page.locator("[data-invoice='CL-203']").get_by_role(
        "link", name="Je conteste cette facture"
    ).click()
    page.get_by_label("Motif", exact=True).select_option(label="Montant ou prix erroné")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("[data-confirmation]")).to_contain_text(
        "Je conteste cette facture"
    )
    # No CSP violation, nothing blocked (the refused date answered 400).
    assert [e for e in errors if "status of 400" not in e] == []

    # Paused or disputed as said; the daily job of today leaves them alone.
    now = states(app, days=0)
    assert now["CL-201"][0] == "other" and now["CL-201"][2] is False
    assert now["CL-202"] == ["promise", promised, False]
    assert now["CL-203"] == ["dispute", "2099-12-31", False]
    # Step 2 is due in 15 days: on the promised day (day 20), the declared
    # payment's 7 days are over and CL-201 is due again; the promise holds.
    promised_day = states(app, days=20)
    assert promised_day["CL-201"][2] is True
    assert promised_day["CL-202"][2] is False
    # The day after, nothing paid: the broken promise resumes CL-202; the
    # dispute still holds.
    later = states(app, days=21)
    assert later["CL-202"][2] is True
    assert later["CL-203"][2] is False

    # Each answer reached the customer (a copy) and the company (it asked).
    told = [r.recipients for r in smtp_session.received]
    assert told.count([CUSTOMER_EMAIL]) == 4  # the reminder and three copies
    # The app's scheduler may also run the company's daily job meanwhile
    # (its hour, 06:00, has come) and mail it the digest: not counted.
    to_company = subjects(smtp_session, "compta@lemoine.example")
    answered = [subject for subject in to_company if " a répondu (" in subject]
    assert len(answered) == 3, to_company
    assert all(subject.startswith("Relance : ") for subject in to_company)

    # The company sees each answer, and the proof.
    page.context.clear_cookies()
    sign_in(page, base, email="lea@lemoine.example")
    page.goto(f"{base}/reponses-clients/")
    rows = page.locator("[data-testid='portal-answers'] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tr[data-answer='paid']")).to_contain_text(
        "À vérifier avec la banque"
    )
    expect(page.locator("tr[data-answer='promise']")).to_contain_text("CL-202")
    expect(page.locator("tr[data-answer='dispute']")).to_contain_text(
        "Montant ou prix erroné"
    )
    if keep:
        page.screenshot(path=f"{keep}/portal-answers-1366.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="justificatif").click()
    assert download.value.suggested_filename.endswith(".png")
    page.get_by_role("button", name="Marquer vérifiée").click()
    expect(page.locator("tr[data-answer='paid']")).to_contain_text("Vérifiée")


def test_a_tampered_link_cannot_answer(page, app):
    base = app["url"]
    response = page.goto(f"{base}/p/{'A' * 43}/reponse/paye/")
    assert response.status == 404
    expect(page.locator("body")).to_have_text("404")
