"""Issue 19 §1: the aged balance on its page (sorted, filtered, each amount a
link to its invoices), as XLSX and PDF, through the API and the command line."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from openpyxl import load_workbook

from relance.core.tokens import token_create
from relance.invoices.models import Customer, PauseKind
from relance.web.views import reports
from tests.factories import make_company, make_customer, make_invoice, make_user
from tests.invoices.test_pdf import text_of
from tests.reports.test_aged_balance import EXPECTED

pytestmark = pytest.mark.django_db

ON = "2026-03-31"


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    make_invoice(
        garage,
        number="G-1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 3, 15),
        total=Decimal("1000.00"),
    )
    make_invoice(
        garage,
        number="G-2",
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
        total=Decimal("300.00"),
    )
    make_invoice(
        bakery,
        number="B-1",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 4, 30),
        total=Decimal("250.00"),
        paused_until=date(2026, 5, 1),
        pause_kind=PauseKind.DISPUTE,
    )
    return company


def spaced(text: str) -> str:
    """No-break spaces (in amounts) as plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def signed_in(company) -> Client:
    client = Client()
    client.force_login(make_user(company))
    return client


def test_the_page_shows_each_customer_by_bucket_with_links_to_the_invoices(company):
    client = signed_in(company)
    garage = Customer.objects.get(code="411GAR")
    page = spaced(client.get("/balance-agee/", {"date": ON}).content.decode())
    assert page.index("Garage Dupuis") < page.index("Boulangerie Martin")  # by total
    assert "1 300,00 €" in page and "1 550,00 €" in page
    # Garage Dupuis's « Plus de 90 j » opens its invoices due before 31/12/2025.
    link = (
        f"/factures/?issued_to=2026-03-31&amp;customer={garage.pk}"
        "&amp;due_to=2025-12-30"
    )
    assert f'href="{link}"' in page
    answer = client.get(link.replace("&amp;", "&")).content.decode()
    assert "G-2" in answer and "G-1" not in answer
    assert "Échéance jusqu'au 30/12/2025 · émises au plus tard le 31/03/2026" in answer


def test_the_page_sorts_by_name_and_filters_disputes(company):
    client = signed_in(company)
    page = client.get("/balance-agee/", {"date": ON, "sort": "name"}).content.decode()
    assert page.index("Boulangerie Martin") < page.index("Garage Dupuis")
    page = client.get("/balance-agee/", {"date": ON, "filter": "disputed"})
    text = page.content.decode()
    assert "Boulangerie Martin" in text and "Garage Dupuis" not in text


def test_the_balance_downloads_as_xlsx_and_pdf(company):
    client = signed_in(company)
    answer = client.get("/balance-agee.xlsx", {"date": ON})
    assert answer["Content-Disposition"] == (
        'attachment; filename="balance-agee-2026-03-31.xlsx"'
    )
    rows = list(
        load_workbook(BytesIO(answer.content)).active.iter_rows(values_only=True)
    )
    assert rows[0] == (
        "Code client",
        "Client",
        "Non échu",
        "1 à 30 j",
        "31 à 60 j",
        "61 à 90 j",
        "Plus de 90 j",
        "Total",
    )
    assert rows[1] == ("411GAR", "Garage Dupuis", 0, 1000, 0, 0, 300, 1300)
    assert rows[-1] == (None, "Total", 250, 1000, 0, 0, 300, 1550)
    answer = client.get("/balance-agee.pdf", {"date": ON})
    text = text_of(answer.content)
    assert "BALANCE ÂGÉE" in text and "au 31/03/2026" in text
    assert "1 550,00 €" in text


def test_the_api_and_the_command_line_give_the_same_balance(company):
    token = token_create(company=company, name="ERP")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.get("/api/v1/aged-balance", {"date": ON})
    assert answer.status_code == 200
    assert answer.json() == {**EXPECTED, "count": 2}
    out = StringIO()
    call_command("aged-balance", "--date", ON, "--json", stdout=out)
    assert json.loads(out.getvalue()) == EXPECTED


def test_the_api_gives_one_page_of_customers_with_the_total_of_all(company):
    token = token_create(company=company, name="ERP")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.get("/api/v1/aged-balance", {"date": ON, "limit": 1, "offset": 1})
    assert answer.json() == {
        **EXPECTED,
        "customers": EXPECTED["customers"][1:],
        "count": 2,
    }
    answer = api.get("/api/v1/aged-balance", {"date": ON, "limit": 1, "offset": 5})
    assert answer.json() == {**EXPECTED, "customers": [], "count": 2}
    assert api.get("/api/v1/aged-balance", {"limit": 0}).status_code == 422


def test_the_page_shows_one_page_of_customers_and_the_total_of_all(
    company, monkeypatch
):
    monkeypatch.setattr(reports, "PER_PAGE", 1)
    client = signed_in(company)
    page = spaced(
        client.get("/balance-agee/", {"date": ON, "page": 2}).content.decode()
    )
    assert "Boulangerie Martin" in page and "Garage Dupuis" not in page
    assert "Total (2 clients)" in page and "1 550,00 €" in page
    assert "2-2 / 2" in page
    # Past the last page: the last page; not a number: the first.
    page = client.get("/balance-agee/", {"date": ON, "page": 9}).content.decode()
    assert "Boulangerie Martin" in page and "Garage Dupuis" not in page
    page = client.get("/balance-agee/", {"date": ON, "page": "x"}).content.decode()
    assert "Garage Dupuis" in page and "Boulangerie Martin" not in page


def test_another_company_sees_none_of_it(company):
    other = make_company(name="Concurrent")
    page = signed_in(other).get("/balance-agee/", {"date": ON}).content.decode()
    assert "Garage Dupuis" not in page and "Rien de dû à cette date" in page
    token = token_create(company=other, name="ERP")[1]
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(
        "/api/v1/aged-balance", {"date": ON}
    )
    assert answer.json()["customers"] == []


def test_the_page_offers_the_last_twelve_month_ends_keeping_the_sort(company):
    from relance.core.clock import company_today
    from relance.reports.indicators import month_end

    client = signed_in(company)
    today = company_today(company)
    last = today.replace(day=1) - timedelta(days=1)
    page = client.get("/balance-agee/", {"sort": "name", "dir": "asc"}).content.decode()
    menu = page[page.index('data-testid="month-ends"') :]
    menu = menu[: menu.index("</div>")]
    links = re.findall(r'href="\?([^"]+)">(✓ )?([^<]+)</a>', menu)
    assert len(links) == 12
    assert links[0] == (
        f"sort=name&amp;dir=asc&amp;date={last.isoformat()}",
        "",
        french(last),
    )
    oldest = month_end(today.replace(day=1) - timedelta(days=365))
    assert links[-1][0].endswith(f"date={oldest.isoformat()}")
    # The month end asked for is ticked.
    page = client.get("/balance-agee/", {"date": last.isoformat()}).content.decode()
    assert f"✓ {french(last)}" in page


def french(day) -> str:
    """A date as the page writes it: « 30 novembre 2026 »."""
    with translation.override("fr"):
        return date_format(day, "j F Y")
