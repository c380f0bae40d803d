"""Browser tests: Debian's Chromium, driven by Playwright, against a running
`relance serve` (web, worker, scheduler), a real SMTP server and a real
database (a new PostgreSQL database when the suite runs on PostgreSQL)."""

import shutil
import urllib.request

import pytest
from django.conf import settings as django_settings

from tests.integration.instance import Instance, new_postgres_database
from tests.smtp import SmtpServer, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "mot-de-passe-de-test"

DATA = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
a = Company.objects.get()
a.name = "Bâtiments Durand"
a.sender_email = "relances@durand.example"
a.reply_to_email = "compta@durand.example"
a.save()

def customer(company, code, name, email):
    return Customer.objects.create(company=company, code=code, name=name, email=email)

def invoice(customer, number, days_late, total):
    due = today - timedelta(days=days_late)
    return Invoice.objects.create(
        company=customer.company, customer=customer, number=number,
        issue_date=due - timedelta(days=30), due_date=due,
        total=total, amount_due=total)

herbly = customer(a, "411HERBLYF", "HERBLY Francis", "compta@herbly.example")
riou = customer(a, "411RIOU", "Menuiserie Riou", "riou@riou.example")
ferme = customer(a, "411FERME", "Ferme du Vieux Chêne", "")
later = customer(a, "411LATER", "Client à jour", "ok@later.example")
invoice(herbly, "FC22120054", 20, 1234.56)
invoice(riou, "FC23010007", 12, 480)
invoice(ferme, "FC23010011", 15, 2100)
invoice(later, "FC23020001", -10, 99)
invoice(herbly, "FC23020002", 8, 350)

b = Company.objects.create(name="Concurrent SARL", sender_email="b@concurrent.example")
steps_create_defaults(company=b)
stranger = customer(b, "411SECRET", "Client secret", "s@secret.example")
secret = invoice(stranger, "SECRET-1", 10, 500)
bob = User.objects.create_user(email="bob@concurrent.example", password=PASSWORD)
Membership.objects.create(user=bob, company=b, role="admin")
# Sending at whatever hour the tests run (the calendar has its own tests).
Company.objects.update(send_calendar=False)
for company in (a, b):
    invoices_refresh(company=company, today=today)
print(json.dumps({"secret": secret.pk}))
"""


@pytest.fixture(scope="session")
def smtp_session():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_session):
    """A running Relance with known data; returns its address and facts."""
    folder = tmp_path_factory.mktemp("relance-browser")
    database = django_settings.DATABASES["default"]
    drop = None
    if "postgresql" in database["ENGINE"]:
        url, drop = new_postgres_database(database)
    else:
        url = f"sqlite:///{folder / 'relance.sqlite3'}"
    instance = Instance(
        folder,
        url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_session.port}?starttls=off",
        RELANCE_ADMIN_PASSWORD=PASSWORD,
        RELANCE_PASSWORD=PASSWORD,
    )
    instance.relance("init", "--no-input")
    # Django's admin is for an operator account, made on purpose.
    instance.relance("user", "create", "--operator", "operator@example.com")
    facts = instance.python(f"PASSWORD = {PASSWORD!r}\n{DATA}")
    port = free_port()
    instance.start(
        "serve", "--port", str(port), "--workers", "2", log=folder / "serve.log"
    )
    base = f"http://127.0.0.1:{port}"

    def answers():
        """the web server answers"""
        try:
            with urllib.request.urlopen(f"{base}/connexion/") as page:
                return page.status == 200
        except OSError:
            return False

    instance.wait_for(answers, timeout=60)
    yield {"url": base, "instance": instance, **facts}
    instance.stop_all()
    if drop:
        drop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 860},
        "locale": "fr-FR",
        # No animation (the stylesheet's reduced-motion rule): a toast caught
        # by the accessibility check while fading in had too little contrast.
        "reduced_motion": "reduce",
    }


@pytest.fixture(scope="session")
def base_url(app):
    return app["url"]


def sign_in(page, base, email="admin@example.com", password=PASSWORD):
    page.set_default_timeout(10_000)
    page.goto(f"{base}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")
