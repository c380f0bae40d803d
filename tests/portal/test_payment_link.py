"""Issue 17 §4: the company's optional payment link, « Payer par carte »:
https only, known placeholders only, each value URL-encoded; nothing is paid
through Relance."""

from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.test import Client

from relance.core.payment_links import PaymentUrlRefused, payment_url, payment_url_check
from tests.factories import make_company, make_customer, make_invoice, make_portal_link
from tests.web.test_portal_settings import SETTINGS
from tests.web.test_portal_settings import admin_client as admin_client
from tests.web.test_portal_settings import company as company

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATE = "https://pay.example/?ref={number}&amount={amount}&client={customer}"


def test_the_link_is_filled_in_with_each_value_url_encoded():
    assert (
        payment_url(
            TEMPLATE,
            number="FC/2026 12&x",
            amount=Decimal("1234.5"),
            customer="411 DURAND",
        )
        == "https://pay.example/?ref=FC%2F2026%2012%26x&amount=1234.50"
        "&client=411%20DURAND"
    )
    assert payment_url("", number="1", amount=Decimal(1), customer="c") == ""


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("http://pay.example/?ref={number}", "https"),
        ("javascript:alert(1)//{number}", "https"),
        ("https://{customer}.evil.example/", "https"),
        ("https://pay.example/?ref={iban}", "placeholder:iban"),
        ("https://pay.example/?ref={number.__class__}", "placeholder:number.__class__"),
        ("https://pay.example/?ref={number!r}", "placeholder:number"),
        ("https://pay.example/?ref={amount:>99999}", "placeholder:amount"),
        ("https://pay.example/?ref={0}", "placeholder:0"),
        ("https://pay.example/?ref={number", "syntax"),
        ("https://pay.example/" + "a" * 500, "length"),
    ],
)
def test_anything_but_an_https_link_with_known_placeholders_is_refused(template, why):
    with pytest.raises(PaymentUrlRefused) as refused:
        payment_url_check(template)
    assert str(refused.value) == why


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_page_offers_payer_par_carte_only_when_configured():
    company = make_company()
    customer = make_customer(company, code="411DUR")
    make_invoice(
        customer, number="FC-9", due_date=date(2026, 1, 31), total=Decimal("80.00")
    )
    token = make_portal_link(customer, now=NOW)
    assert "Payer par carte" not in Client().get(f"/p/{token}/").content.decode()
    company.payment_url_template = TEMPLATE
    company.save()
    html = unescape(Client().get(f"/p/{token}/").content.decode())
    assert (
        '<a class="button" href="https://pay.example/?ref=FC-9&amount=80.00'
        '&client=411DUR" rel="noopener noreferrer" data-pay>Payer par carte</a>'
    ) in html


@pytest.mark.django_db
def test_the_settings_page_refuses_a_bad_link_with_a_french_message(
    company,
    admin_client,
):
    page = admin_client.post(
        "/configuration/societe/",
        {**SETTINGS, "payment_url_template": "http://pay.example/?ref={number}"},
    ).content.decode()
    assert "Le lien de paiement doit commencer par https://." in page
    page = unescape(
        admin_client.post(
            "/configuration/societe/",
            {**SETTINGS, "payment_url_template": "https://p.example/?r={iban}"},
        ).content.decode()
    )
    assert (
        "Lien de paiement : « {iban} » inconnu ; utilisables : {number}, {amount}, "
        "{customer}." in page
    )
    ok = admin_client.post(
        "/configuration/societe/", {**SETTINGS, "payment_url_template": TEMPLATE}
    )
    assert ok.status_code == 302
    company.refresh_from_db()
    assert company.payment_url_template == TEMPLATE
