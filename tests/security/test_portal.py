"""Issue 17 §5: the customer's private page shows one customer's data to the
holder of a live link, and nothing to anyone else.

Every portal URL is swept with another customer's, another company's, a
tampered, an expired and a revoked token: each answers the same plain 404.
The token is never stored in clear; every answer carries strict headers."""

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from relance.dunning.models import PortalLink, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.portal_links import portal_links_revoke
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.services import invoice_pdf_attach
from relance.portal import urls as portal_urls
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_portal_link,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_FOUND = (404, b"404\n")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    """Two companies; company A has two customers, each with a PDF invoice."""
    a, b = make_company(name="A"), make_company(name="B")
    victim, neighbour = make_customer(a), make_customer(a)
    stranger = make_customer(b)
    invoices = {}
    for customer in (victim, neighbour, stranger):
        invoice = make_invoice(customer, due_date=date(2026, 1, 31))
        invoice_pdf_attach(
            company=customer.company, invoice=invoice, content=make_pdf()
        )
        invoices[customer.pk] = invoice
    tokens = {c.pk: make_portal_link(c, now=NOW) for c in (victim, neighbour, stranger)}
    return {
        "victim": victim,
        "neighbour": neighbour,
        "stranger": stranger,
        "invoice": invoices[victim.pk],
        "tokens": tokens,
    }


ANSWER_KINDS = ("paye", "promesse", "contestation")


def every_url(token: str, invoice_pk: int) -> list[str]:
    """Each portal route, with this token and (where asked) this invoice;
    the answer route once per answer."""
    urls = []
    for pattern in portal_urls.urlpatterns:
        kwargs = {"token": token}
        if "pk" in pattern.pattern.converters:
            kwargs["pk"] = invoice_pk
        kinds = ANSWER_KINDS if "kind" in pattern.pattern.converters else [None]
        for kind in kinds:
            if kind:
                kwargs["kind"] = kind
            urls.append(reverse(f"portal:{pattern.name}", kwargs=kwargs))
    return urls


def test_the_sweep_covers_every_portal_route():
    assert {p.name for p in portal_urls.urlpatterns} == {
        "page",
        "invoice_pdf",
        "statement",
        "answer",
    }


def test_every_url_answers_its_own_customer(world):
    token, invoice = world["tokens"][world["victim"].pk], world["invoice"]
    assert [Client().get(url).status_code for url in every_url(token, invoice.pk)] == [
        200
    ] * 6


def test_another_customers_or_companys_token_never_reaches_the_invoice(world):
    invoice = world["invoice"]
    for other in ("neighbour", "stranger"):
        token = world["tokens"][world[other].pk]
        pdf = every_url(token, invoice.pk)[1]
        response = Client().get(pdf)
        assert (response.status_code, response.content) == NOT_FOUND


def test_a_tampered_token_is_a_plain_404_on_every_url(world):
    token = world["tokens"][world["victim"].pk]
    tampered = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token[:20],
        token + "x",
        token.upper(),
        "x" * 200,
        hashlib.sha256(token.encode()).hexdigest(),  # the stored digest itself
    ]
    for n, bad in enumerate(tampered):
        # One address per token: 20 bad links from one address are refused.
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        for url in every_url(bad, world["invoice"].pk):
            response = client.get(url)
            assert (response.status_code, response.content) == NOT_FOUND, url


def test_expired_and_revoked_tokens_are_a_plain_404_on_every_url(world):
    victim, invoice = world["victim"], world["invoice"]
    token = world["tokens"][victim.pk]
    with time_machine.travel(NOW + timedelta(days=90, seconds=1), tick=False):
        for url in every_url(token, invoice.pk):
            response = Client().get(url)
            assert (response.status_code, response.content) == NOT_FOUND
    portal_links_revoke(company=victim.company, customer=victim, now=NOW)
    for url in every_url(token, invoice.pk):
        response = Client().get(url)
        assert (response.status_code, response.content) == NOT_FOUND


def test_a_revoked_link_stays_revoked_when_a_new_reminder_makes_a_new_one(world):
    victim = world["victim"]
    old = world["tokens"][victim.pk]
    portal_links_revoke(company=victim.company, customer=victim, now=NOW)
    new = make_portal_link(victim, now=NOW + timedelta(days=1))
    assert Client().get(f"/p/{old}/").status_code == 404
    assert Client().get(f"/p/{new}/").status_code == 200


def test_strict_headers_on_every_answer_found_or_not(world):
    token = world["tokens"][world["victim"].pk]
    answers = [Client().get(url) for url in every_url(token, world["invoice"].pk)]
    answers.append(Client().get("/p/inconnu/"))
    for response in answers:
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert "script-src" not in csp  # falls back to 'none': no script at all
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        # The answer forms send the Referer to this site only (CSRF needs
        # an Origin), never to another one.
        assert response["Referrer-Policy"] == (
            "same-origin"
            if "/reponse/" in response.request["PATH_INFO"]
            else "no-referrer"
        )
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Cache-Control"] == "no-store"


def test_the_page_has_no_script_and_no_outside_resource(world):
    token = world["tokens"][world["victim"].pk]
    html = Client().get(f"/p/{token}/").content.decode()
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_the_portal_accepts_no_post_nor_any_other_method(world):
    token = world["tokens"][world["victim"].pk]
    client = Client(enforce_csrf_checks=True)
    for url in every_url(token, world["invoice"].pk):
        assert client.post(url).status_code in (403, 405)
        assert client.put(url).status_code in (403, 405)


def test_a_company_user_revokes_only_their_own_customers_links(world):
    victim, stranger = world["victim"], world["stranger"]
    client = Client()
    client.force_login(make_user(victim.company))
    other = client.post(reverse("web:customer_portal_revoke", args=[stranger.pk]))
    assert other.status_code == 404
    assert Client().get(f"/p/{world['tokens'][stranger.pk]}/").status_code == 200
    own = client.post(
        reverse("web:customer_portal_revoke", args=[victim.pk]), follow=True
    )
    assert "1 lien vers l&#x27;espace client révoqué." in own.content.decode()
    assert Client().get(f"/p/{world['tokens'][victim.pk]}/").status_code == 404
    assert PortalLink.objects.filter(revoked_at__isnull=True).count() == 2


def test_the_database_never_holds_a_sent_token_in_clear(smtp_server):
    company = make_company()
    make_steps(company, body="Vos factures : {{ portal_url }}")
    make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    invoices_refresh(company=company, today=date(2026, 3, 2))
    created = reminders_create(plan=reminder_plan(company=company, today=NOW.date()))
    reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    [received] = smtp_server.received
    text = received.message.get_body(("plain",)).get_content()
    token = text.rsplit("/p/", 1)[1].split("/")[0]
    assert len(token) == 43
    assert Reminder.objects.get().status == Reminder.Status.SENT
    # Every text column of every table of Relance: the token is nowhere.
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("relance."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                rows = model.objects.filter(**{f"{field.name}__contains": token})
                if rows.exists():
                    found.append(f"{model.__name__}.{field.name}")
    assert found == []
    assert PortalLink.objects.get().token_hash == (
        hashlib.sha256(token.encode()).hexdigest()
    )
