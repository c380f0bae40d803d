"""The private link of a reminder (`{{ portal_url }}`): made when the message
leaves, only in the message, one per reminder, moving the expiry forward."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from relance.dunning.models import PortalLink, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = re.compile(r"https://relance\.example/p/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.RELANCE_BASE_URL = "https://relance.example"


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand", iban="FR7630006000011234567890189")
    make_steps(
        company,
        plan=[
            ("Relance 1", "after_due_date", 3),
            ("Relance 2", "after_due_date", 20),
        ],
        subject="Relance {{ invoice.number }}",
        body="Bonjour,\n\nVos factures : {{ portal_url }}\n\nTotal : {{ total_due }}",
    )
    return company


def send(company, *, today=TODAY, now=NOW, manual=False):
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today, manual=manual)
    created = reminders_create(plan=plan)
    return reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=now, today=today
    )


def token_in(received) -> str:
    text = received.message.get_body(("plain",)).get_content()
    [token] = URL.findall(text)
    return token


def test_the_sent_message_holds_a_working_link_and_the_history_a_masked_one(
    company, smtp_server
):
    customer = make_customer(company, name="HERBLY Francis")
    make_invoice(customer, number="FC22120054", due_date=date(2026, 1, 31))
    [reminder] = send(company).sent
    [received] = smtp_server.received
    token = token_in(received)
    assert len(token) == 43  # secrets.token_urlsafe(32)
    html = received.message.get_body(("html",)).get_content()
    assert f"https://relance.example/p/{token}/" in html
    reminder.refresh_from_db()
    assert reminder.body_text == (
        "Bonjour,\n\nVos factures : https://relance.example/p/…/\n\n"
        "Total : 1\u00a0200,00\u00a0€\n"
    )
    assert token not in reminder.body_html
    [link] = PortalLink.objects.all()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (link.customer, link.reminder_id) == (customer, reminder.pk)
    expiry = NOW + timedelta(days=90)  # from the claim, at the pass's own time
    assert expiry <= link.expires_at < expiry + timedelta(seconds=30)
    with time_machine.travel(NOW, tick=False):
        page = Client().get(f"/p/{token}/")
    assert page.status_code == 200
    assert "FC22120054" in page.content.decode()


def test_each_reminder_makes_a_new_link_and_moves_every_links_expiry_forward(
    company, smtp_server
):
    company.portal_link_days = 30
    company.save()
    customer = make_customer(company)
    make_invoice(customer, due_date=date(2026, 1, 31))
    send(company)
    later = NOW + timedelta(days=20)
    send(company, today=TODAY + timedelta(days=20), now=later, manual=True)
    first, second = (token_in(r) for r in smtp_server.received)
    assert first != second
    first_link, second_link = PortalLink.objects.order_by("created_at")
    assert first_link.expires_at == second_link.expires_at
    expiry = later + timedelta(days=30)
    assert expiry <= second_link.expires_at < expiry + timedelta(seconds=30)
    # The first message's link still works after the second reminder.
    with time_machine.travel(later + timedelta(days=29), tick=False):
        assert Client().get(f"/p/{first}/").status_code == 200
    with time_machine.travel(later + timedelta(days=30, seconds=31), tick=False):
        assert Client().get(f"/p/{first}/").status_code == 404


def test_a_template_that_does_not_quote_the_link_makes_none(smtp_server):
    company = make_company()
    make_steps(company)  # « Bonjour {{ customer.name }}, … »
    make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    assert len(send(company).sent) == 1
    assert PortalLink.objects.count() == 0


def test_the_default_steps_quote_the_link(smtp_server):
    company = make_company(name="Bâtiments Durand")
    steps_create_defaults(company=company)
    make_invoice(make_customer(company), number="FC1", due_date=date(2026, 1, 31))
    send(company)
    [received] = smtp_server.received
    text = received.message.get_body(("plain",)).get_content()
    token = token_in(received)
    assert (
        "Retrouvez vos factures, leurs PDF et un QR code de virement sur votre "
        f"espace personnel :\nhttps://relance.example/p/{token}/\n"
    ) in text
    assert Reminder.objects.get().body_text.count("https://relance.example/p/…/") == 1


def test_a_failed_message_leaves_a_link_nobody_knows_and_the_record_masked(
    company, smtp_server
):
    smtp_server.handler.answers = ["550 5.1.1 No such user"]
    make_invoice(make_customer(company), total=Decimal("10.00"))
    [failed] = send(company).failed
    failed.refresh_from_db()
    assert "https://relance.example/p/…/" in failed.body_text
    assert PortalLink.objects.count() == 1  # its token was in no message
