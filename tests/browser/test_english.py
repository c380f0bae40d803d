"""Issue 12 §6: the English interface leaves no French behind.

A user of a company whose data is all English (names, steps, messages)
switches to English in « Mon profil », then reads every main page, in
Chromium, text and attributes: any French word, French quote, space before a
colon, French date or amount left is the application's own
(tests/french.py says what counts)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in
from tests.french import PAGE_TEXTS, french_in

pytestmark = pytest.mark.browser

EMAIL = "english@acme.example"

# A company whose every datum is English, and its English-speaking admin.
ACME = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from relance.core.models import Company, Membership, User
from relance.dunning.models import DailyRun, DunningStep, Reminder, ReminderInvoice
from relance.dunning.services.pauses import customer_pause, invoice_pause
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.services.payments import payment_cancel, payments_record
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice
from relance.invoices.services import NewPayment

today = local_date("Europe/Paris", utc_now())
now = datetime.now(timezone.utc)
acme = Company.objects.create(
    send_calendar=False,  # sends at whatever hour the tests run
    name="Acme Ltd", language="en", time_zone="Europe/London",
    sender_email="billing@acme.example", reply_to_email="accounts@acme.example",
    address_line1="1 High Street", postal_code="EC1A 1BB", city="London",
)
admin = User.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Ann Smith")
Membership.objects.create(user=admin, company=acme, role="admin")
steps = [
    DunningStep.objects.create(
        plan=plan_default_ensure(company=acme),
        company=acme, order=n, name=name, trigger="after_due_date", days=days,
        subject="Invoice {{ invoice.number }} is overdue",
        body="Hello,\\n\\n{% for invoice in invoices %}- {{ invoice.number }}: "
        "{{ invoice.amount_due }}\\n{% endfor %}\\nThank you.",
    )
    for n, (name, days) in enumerate(
        [("First reminder", 3), ("Second reminder", 15), ("Final notice", 30)], 1
    )
]

def customer(code, name, email):
    return Customer.objects.create(
        company=acme, code=code, name=name, email=email, language="en",
        address_line1="2 Market Road", postal_code="M1 1AA", city="Manchester",
    )

def invoice(customer, number, days_late, total):
    due = today - timedelta(days=days_late)
    return Invoice.objects.create(
        company=acme, customer=customer, number=number,
        issue_date=due - timedelta(days=30), due_date=due, total=total,
        amount_due=total, payment_terms="Net 30",
    )

smith = customer("C-SMITH", "Smith Trading", "accounts@smith.example")
jones = customer("C-JONES", "Jones Bakery", "")
brown = customer("C-BROWN", "Brown Logistics", "pay@brown.example")
first = invoice(smith, "INV-1001", 20, Decimal("1234.56"))
invoice(smith, "INV-1002", 40, Decimal("480"))
invoice(jones, "INV-1003", 12, Decimal("99.90"))
paused = invoice(brown, "INV-1004", 25, Decimal("2100"))
invoice(brown, "INV-1005", -10, Decimal("75"))
invoices_refresh(company=acme, today=today)
[kept, cancelled] = payments_record(
    company=acme, today=today, user=admin,
    payments=[
        NewPayment(invoice=first, on=today, amount=Decimal("100"), reference="TRF 1"),
        NewPayment(invoice=first, on=today, amount=Decimal("50"), reference="TRF 2"),
    ],
)
payment_cancel(payment=cancelled, reason="Recorded twice", today=today, user=admin)
invoice_pause(
    invoice=paused, until=today + timedelta(days=10), kind="promise",
    reason="Promised on the phone", today=today,
)
customer_pause(
    customer=brown, until=today + timedelta(days=20),
    reason="Payment plan agreed", today=today,
)
for status, level, target in (("sent", 1, first), ("failed", 2, first)):
    reminder = Reminder.objects.create(
        company=acme, customer=smith, step=steps[level - 1], status=status,
        recipients=["accounts@smith.example"],
        subject=f"Invoice {target.number} is overdue",
        body_text="Hello,\\n\\nThank you.", message_id="<1.2@acme.example>",
        error="The mail server refused the address." if status == "failed" else "",
        attempts=1, sent_at=now if status == "sent" else None,
    )
    ReminderInvoice.objects.create(
        company=acme, reminder=reminder, invoice=target, level=level,
        amount_due=target.amount_due, holds_level=status == "sent",
    )
DailyRun.objects.create(
    company=acme, date=today, origin="schedule", started_at=now,
    finished_at=now, tagged=2, to_remind=3,
)
invoices_refresh(company=acme, today=today)
print(json.dumps({
    "invoice": first.pk, "paused": paused.pk, "customer": brown.pk,
    "steps": [step.pk for step in steps],
    "reminders": sorted(
        Reminder.objects.filter(company=acme).values_list("pk", flat=True)
    ),
}))
"""

FAR_DUE_DATE = (
    "number,customer_code,customer_name,issue_date,due_date,total\n"
    "INV-2001,C-SMITH,Smith Trading,2026-01-05,2099-12-31,250.00\n"
    "INV-1001,C-SMITH,Smith Trading,2026-01-05,2026-02-04,1300.00\n"
)


@pytest.fixture(scope="module")
def acme(app):
    return app["instance"].python(f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{ACME}")


def english(page, base):
    """Sign in, and choose English in « Mon profil », as a user would (once:
    the choice is the user's, kept for the next sign-in)."""
    sign_in(page, base, email=EMAIL)
    if page.locator("html").get_attribute("lang") == "en":
        return
    page.locator("summary", has_text="Ann Smith").click()
    page.get_by_role("link", name="Mon profil").click()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()


def leftovers(page) -> list[str]:
    return french_in(page.evaluate(PAGE_TEXTS))


def test_every_main_page_reads_english_only(page, app, acme, browser):
    base = app["url"]
    found = {}
    # The sign-in page, for a browser that asks for English.
    context = browser.new_context(locale="en-US")
    anonymous = context.new_page()
    anonymous.goto(f"{base}/connexion/")
    expect(anonymous.get_by_role("button", name="Sign in")).to_be_visible()
    found["sign-in"] = leftovers(anonymous)
    context.close()

    english(page, base)
    sent, failed = sorted(acme["reminders"])
    pages = {
        "dashboard": "/",
        "invoices": "/factures/",
        "invoices to remind": "/factures/?filter=to_remind",
        "new invoice": "/factures/nouvelle/",
        "invoice": f"/factures/{acme['invoice']}/",
        "paused invoice": f"/factures/{acme['paused']}/",
        "customers": "/clients/",
        "paused customer": f"/clients/{acme['customer']}/",
        "reminders": "/relances/",
        "sent reminder": f"/relances/{sent}/",
        "failed reminder": f"/relances/{failed}/",
        "company": "/configuration/societe/",
        "steps": "/configuration/etapes/",
        "step": f"/configuration/etapes/{acme['steps'][0]}/",
        "new step": "/configuration/etapes/nouvelle/",
        "users": "/configuration/utilisateurs/",
        "tokens": "/configuration/jetons/",
        "imports": "/import/",
        "my tasks": "/taches/",
        "all tasks": "/taches/?scope=all",
        "profile": "/profil/",
        "password": "/profil/mot-de-passe/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")  # htmx previews included
        found[name] = leftovers(page)

    # The payment window, refused with its reason.
    page.goto(f"{base}/factures/{acme['invoice']}/")
    page.get_by_role("button", name="Record a payment").click()
    page.locator("#modal input[name=amount]").fill("99999")
    page.locator("#modal").get_by_role("button", name="Save").click()
    expect(page.locator("#modal .error")).to_be_visible()
    found["payment refused"] = leftovers(page)

    # The summary of the reminders of the invoices to remind.
    page.goto(f"{base}/factures/?filter=to_remind")
    page.locator("input[data-select-page]").check()
    page.locator("summary", has_text="Action").click()
    page.get_by_role("button", name="Reminders").click()
    expect(page.locator("#modal").get_by_test_id("to-send")).to_be_visible()
    found["summary"] = leftovers(page)

    # A file checked: its rows, and the far due date warned of.
    page.goto(f"{base}/import/")
    page.locator("input[name=file]").set_input_files(
        files=[
            {
                "name": "invoices.csv",
                "mimeType": "text/csv",
                "buffer": FAR_DUE_DATE.encode(),
            }
        ]
    )
    page.get_by_role("button", name="Check").click()
    run = page.get_by_test_id("import-run")
    expect(run).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.get_by_test_id("import-warnings")).to_contain_text(
        "Due date far ahead: 31 Dec 2099, check the date"
    )
    expect(page.get_by_test_id("import-preview")).to_contain_text(
        "amount €1,234.56 → €1,300.00"
    )
    found["import check"] = leftovers(page)

    left = [f"{name} — {text}" for name, texts in found.items() for text in texts]
    assert not left, "French left on English pages:\n" + "\n".join(left)


def test_the_message_preview_reads_english_only(page, app, acme):
    base = app["url"]
    english(page, base)
    page.goto(f"{base}/factures/?filter=to_remind")
    page.locator("input[data-select-page]").check()
    page.locator("summary", has_text="Action").click()
    page.get_by_role("button", name="Reminders").click()
    modal = page.locator("#modal")
    modal.get_by_role("button", name="Preview").first.click()
    expect(modal.locator(".message-box")).to_be_visible()
    left = leftovers(page)
    assert not left, "French left in the preview:\n" + "\n".join(left)
