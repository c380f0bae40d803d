"""The same amounts from the command line, the API and the invoice page, on
the rates shipped with Relance (law/migrations)."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from relance.core.tokens import token_create
from relance.law.models import Rate
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_user,
    pay,
)

pytestmark = pytest.mark.django_db

EXPECTED = {
    "invoice": "FC-2025-014",
    "date": "2025-07-15",
    "customer_kind": "business",
    "principal": "6000.00",
    "days_late": 45,
    # 10 000 × 13,15 % × 15 j + 6 000 × 13,15 % × 15 j (1er semestre : BCE au
    # 1er janvier 2025, 3,15 %) + 6 000 × 12,15 % × 15 j (2e semestre : BCE au
    # 1er juillet 2025, 2,15 %), le tout / 365 = 116,424…
    "penalties": "116.42",
    "indemnity": "40.00",
    "legal_interest": "0.00",
    "total": "6156.42",
    "periods": [
        {
            "start": "2025-06-01",
            "end": "2025-06-15",
            "days": 15,
            "base": "10000.00",
            "rate": "13.15",
        },
        {
            "start": "2025-06-16",
            "end": "2025-06-30",
            "days": 15,
            "base": "6000.00",
            "rate": "13.15",
        },
        {
            "start": "2025-07-01",
            "end": "2025-07-15",
            "days": 15,
            "base": "6000.00",
            "rate": "12.15",
        },
    ],
}


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def invoice(company):
    invoice = make_invoice(
        make_customer(company, name="Garage Dupuis"),
        number="FC-2025-014",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("10000.00"),
    )
    pay(invoice, on=date(2025, 6, 15), amount="4000.00")
    return invoice


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_gives_the_amounts_to_the_cent(company, invoice):
    output = run("penalties", "FC-2025-014", "--date", "2025-07-15", "--json")
    assert json.loads(output) == EXPECTED


def test_the_command_says_it_in_words(company, invoice):
    output = run("penalties", "FC-2025-014", "--date", "2025-07-15")
    assert "Pénalités         116,42\xa0€" in output
    assert "du 01/07/2025 au 15/07/2025 : 15 j × 12,15 % sur 6\xa0000,00\xa0€" in output


def test_the_api_gives_the_same(company, invoice):
    token = token_create(company=company, name="ERP")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = client.get(
        f"/api/v1/invoices/{invoice.pk}/penalties", {"date": "2025-07-15"}
    )
    assert answer.status_code == 200
    assert answer.json() == EXPECTED


def test_another_companys_invoice_is_not_found(company, invoice):
    other = make_company(name="Concurrent")
    token = token_create(company=other, name="ERP")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = client.get(f"/api/v1/invoices/{invoice.pk}/penalties")
    assert answer.status_code == 404


def test_the_invoice_page_shows_them(company, invoice):
    client = Client()
    client.force_login(make_user(company))
    html = client.get(f"/factures/{invoice.pk}/").content.decode()
    assert 'data-testid="late-payment"' in html
    assert "Indemnité forfaitaire pour frais de recouvrement" in html


def test_a_consumer_is_charged_nothing_anywhere(company):
    consumer = make_customer(company, name="Mme Martin", kind="consumer")
    make_invoice(
        consumer,
        number="FC-P1",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("800.00"),
    )
    data = json.loads(run("penalties", "FC-P1", "--date", "2025-07-15", "--json"))
    assert (data["penalties"], data["indemnity"], data["total"]) == (
        "0.00",
        "0.00",
        "800.00",
    )
    assert data["days_late"] == 45


def test_an_unknown_invoice_is_named(company):
    with pytest.raises(CommandError, match=r"Facture FC-404 introuvable\."):
        run("penalties", "FC-404")


def test_a_missing_rate_is_named_with_what_to_do(company, invoice):
    Rate.objects.filter(kind="ecb").delete()
    with pytest.raises(CommandError) as refused:
        run("penalties", "FC-2025-014", "--date", "2025-07-15")
    assert str(refused.value) == (
        "Taux de refinancement de la BCE inconnu au 01/01/2025 : ajoutez-le dans "
        "« Configuration › Taux » (ou « relance rates set »)."
    )


def test_a_contractual_rate_below_the_legal_floor_is_refused(company):
    from relance.core.clock import company_today
    from relance.core.models import Membership
    from relance.law.penalties import half_year_start

    today = company_today(company)
    Rate.objects.update_or_create(
        kind="legal_other",
        start=half_year_start(today),
        defaults={"value": Decimal("2.62"), "source": "test"},
    )
    admin = make_user(company)
    Membership.objects.filter(user=admin).update(role="admin")
    client = Client()
    client.force_login(admin)
    form = {
        "name": "Bâtiments Durand",
        "sender_email": "relances@durand.example",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "min_gap_days": 5,
        "grouping": "step",
        "penalty_day_basis": 365,
        "daily_run_at": "06:00",
        "penalty_rate": "7,5",
    }
    html = client.post("/configuration/societe/", form).content.decode()
    half = f"{today.year}-S{1 if today.month <= 6 else 2}"
    assert (
        f"7,5 % est inférieur au minimum légal du semestre {half} : trois fois le "
        "taux de l&#x27;intérêt légal, soit 7,86 % (article L441-10 du Code de "
        "commerce)."
    ) in html
    company.refresh_from_db()
    assert company.penalty_rate is None
    client.post("/configuration/societe/", {**form, "penalty_rate": "12"})
    company.refresh_from_db()
    assert company.penalty_rate == Decimal("12")


def test_rates_are_listed_and_set_from_the_command_line(company):
    output = run(
        "rates",
        "set",
        "legal_other",
        "2031-01-01",
        "3.1",
        "--source",
        "Arrêté du 20 décembre 2030, JORF du 24",
    )
    assert output == (
        "Taux de l'intérêt légal (autres cas) au 01/01/2031 : 3,1 % (ajouté).\n"
    )
    rates = json.loads(run("rates", "list", "--json"))
    assert {
        "kind": "legal_other",
        "start": "2031-01-01",
        "value": "3.1",
        "source": "Arrêté du 20 décembre 2030, JORF du 24",
    } in rates
    with pytest.raises(CommandError) as refused:
        run("rates", "set", "legal_other", "2031-02-01", "3.1", "--source", "x")
    assert str(refused.value) == (
        "start : un taux de l'intérêt légal vaut pour un semestre : il commence le "
        "1er janvier ou le 1er juillet (pas le 01/02/2031)."
    )
