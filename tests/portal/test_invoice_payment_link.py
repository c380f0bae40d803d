"""Issue 17 §4: an invoice's own payment link (`payment_url`), set by the API
or the import column `lien_paiement`, checked like the company's template;
the page shows it before the company's template."""

from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.test import Client

from relance.dunning.services.intake import invoices_take_in
from relance.invoices.importing import Refused
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_portal_link

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATE = "https://pay.example/?ref={number}&amount={amount}"
HEADER = (
    "numero;code_client;client;date_facture;date_echeance;montant_ttc;lien_paiement\n"
)


@pytest.fixture
def company():
    return make_company()


def take_in(company, content: str):
    return invoices_take_in(
        company=company,
        content=content.encode(),
        filename="export.csv",
        today=date(2026, 3, 1),
        dry_run=False,
    )


def test_the_import_column_lien_paiement_sets_the_invoices_link(company):
    take_in(
        company,
        HEADER
        + "FC-1;C1;Bon client;01/01/2026;31/01/2026;100,00;https://pay.example/fc-1\n"
        + "FC-2;C1;Bon client;01/01/2026;31/01/2026;50,00;\n",
    )
    links = dict(Invoice.objects.values_list("number", "payment_url"))
    assert links == {"FC-1": "https://pay.example/fc-1", "FC-2": ""}
    # A later file without the column keeps the link.
    take_in(
        company,
        "numero;code_client;client;date_facture;date_echeance;montant_ttc\n"
        "FC-1;C1;Bon client;01/01/2026;31/01/2026;120,00\n",
    )
    assert Invoice.objects.get(number="FC-1").payment_url == "https://pay.example/fc-1"


def test_a_bad_lien_paiement_is_an_error_naming_its_line_and_column(company):
    with pytest.raises(Refused) as refused:
        take_in(
            company,
            HEADER
            + "FC-1;C1;Bon client;01/01/2026;31/01/2026;100,00;https://pay.example/1\n"
            + "FC-2;C1;Bon client;01/01/2026;31/01/2026;50,00;http://pay.example/2\n"
            + "FC-3;C1;Bon client;01/01/2026;31/01/2026;50,00;https://p.example/"
            + "a" * 500
            + "\n",
        )
    errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
    assert errors == [
        (3, "lien_paiement", "Le lien de paiement doit commencer par https://."),
        (4, "lien_paiement", "Le lien de paiement : 500 caractères au plus."),
    ]
    assert not Invoice.objects.exists()


PAYLOAD = {
    "number": "FC-7",
    "customer_code": "411HERBLYF",
    "customer_name": "HERBLY Francis",
    "issue_date": "2026-01-02",
    "due_date": "2026-01-31",
    "total": "1234.56",
}


def test_the_api_sets_and_returns_the_invoices_link(api):
    status, body = api.call(
        "post", "/invoices", PAYLOAD | {"payment_url": "https://pay.example/fc-7"}
    )
    assert (status, body["payment_url"]) == (201, "https://pay.example/fc-7")
    status, body = api.call("get", f"/invoices/{body['id']}")
    assert (status, body["payment_url"]) == (200, "https://pay.example/fc-7")
    status, body = api.call("post", "/invoices", PAYLOAD)
    assert (status, body["payment_url"]) == (200, "https://pay.example/fc-7")


def test_the_api_refuses_an_http_link_naming_the_field(api):
    status, body = api.call(
        "post", "/invoices", PAYLOAD | {"payment_url": "http://pay.example/fc-7"}
    )
    assert status == 400
    assert body["errors"] == [
        {
            "line": None,
            "column": "payment_url",
            "message": "Le lien de paiement doit commencer par https://.",
        }
    ]
    assert not Invoice.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_the_invoices_own_link_before_the_companys_template():
    company = make_company(payment_url_template=TEMPLATE)
    customer = make_customer(company, code="411DUR")
    make_invoice(
        customer,
        number="FC-8",
        due_date=date(2026, 1, 30),
        total=Decimal("80.00"),
        payment_url="https://stripe.example/pay/fc-8",
    )
    make_invoice(
        customer, number="FC-9", due_date=date(2026, 1, 31), total=Decimal("90.00")
    )
    token = make_portal_link(customer, now=NOW)
    html = unescape(Client().get(f"/p/{token}/").content.decode())
    assert html.count("data-pay>Payer par carte</a>") == 2
    assert (
        '<a class="button" href="https://stripe.example/pay/fc-8" '
        'rel="noopener noreferrer" data-pay>Payer par carte</a>'
    ) in html
    assert (
        '<a class="button" href="https://pay.example/?ref=FC-9&amount=90.00" '
        'rel="noopener noreferrer" data-pay>Payer par carte</a>'
    ) in html
    assert html.index("stripe.example") < html.index("ref=FC-9")
