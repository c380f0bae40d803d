"""Issue 14 §5: a time-barred invoice is not reminded unless the user
confirms; one about to be is announced; the list filters them."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from relance.core.tokens import token_create
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company, make_customer, make_invoice, make_user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    steps_create_defaults(company=company)
    return company


@pytest.fixture
def invoices(company):
    business = make_customer(company, name="Garage Dupuis")
    consumer = make_customer(company, name="Mme Martin", kind="consumer")
    old = make_invoice(
        business,
        number="FC-2021",
        issue_date=date(2021, 1, 1),
        due_date=date(2021, 2, 28),
    )
    soon = make_invoice(
        business,
        number="FC-2021B",
        issue_date=date(2021, 5, 1),
        due_date=date(2021, 6, 1),
    )
    consumer_old = make_invoice(
        consumer,
        number="FP-2024",
        issue_date=date(2024, 1, 1),
        due_date=date(2024, 2, 1),
    )
    fresh = make_invoice(business, number="FC-2026")
    return old, soon, consumer_old, fresh


def test_time_barred_invoices_are_left_out_with_the_law_named(company, invoices):
    plan = reminder_plan(company=company, today=TODAY, invoices=list(invoices))
    barred = [
        (e.reference, e.message) for e in plan.errors if e.code == Code.TIME_BARRED
    ]
    assert barred == [
        (
            "FC-2021",
            "Prescrite depuis le 28/02/2026 (5 ans entre professionnels, article "
            "L110-4 du Code de commerce).",
        ),
        (
            "FP-2024",
            "Prescrite depuis le 01/02/2026 (2 ans contre un particulier, article "
            "L218-2 du Code de la consommation).",
        ),
    ]
    assert [i.number for m in plan.messages for i in m.invoices] == [
        "FC-2021B",
        "FC-2026",
    ]
    [soon] = plan.limitation_warnings
    assert (soon.invoice.number, soon.message) == (
        "FC-2021B",
        "Prescrite après le 01/06/2026 (5 ans entre professionnels, article L110-4 "
        "du Code de commerce) : au-delà, elle ne pourra plus être réclamée en "
        "justice.",
    )


def test_confirmed_they_go_with_a_warning(company, invoices):
    plan = reminder_plan(
        company=company, today=TODAY, invoices=list(invoices), time_barred=True
    )
    assert not [e for e in plan.errors if e.code == Code.TIME_BARRED]
    assert sorted(
        (w.invoice.number, str(w.kind)) for w in plan.limitation_warnings
    ) == [
        ("FC-2021", "time_barred"),
        ("FC-2021B", "barred_soon"),
        ("FP-2024", "time_barred"),
    ]


def test_the_command_line_and_the_api_say_the_same(company, invoices):
    out = StringIO()
    call_command(
        "remind",
        "--invoice",
        "FC-2021",
        "--invoice",
        "FC-2021B",
        "--date",
        "2026-03-02",
        "--dry-run",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert [e["code"] for e in data["errors"]] == ["time_barred"]
    assert [w["code"] for w in data["warnings"]] == ["barred_soon"]
    token = token_create(company=company, name="ERP")[1]
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/v1/reminders/preview",
        json.dumps(
            {"invoices": ["FC-2021"], "date": "2026-03-02", "time_barred": True}
        ),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["to_send"] == 1
    assert answer.json()["warnings"][0]["code"] == "time_barred"


def test_the_summary_offers_to_remind_them_anyway(company, invoices):
    client = Client()
    client.force_login(make_user(company))
    old = invoices[0]
    html = client.post("/relances/resume/", {"invoice": [old.pk]}).content.decode()
    assert "Factures prescrites" in html
    assert "Relancer quand même" in html
    assert 'data-testid="to-send">0<' in html
    html = client.post(
        "/relances/resume/", {"invoice": [old.pk], "time_barred": "1"}
    ).content.decode()
    assert 'data-testid="to-send">1<' in html
    assert '<input type="hidden" name="time_barred" value="1">' in html
    assert "relancée à votre demande" in html


def test_the_list_filters_those_soon_time_barred(company):
    from datetime import timedelta

    from relance.core.clock import company_today
    from relance.law.limitation import due_dates_barred_soon

    today = company_today(company)
    business = make_customer(company, name="Garage Dupuis")
    # Can be claimed in court for two more months.
    first, _last = due_dates_barred_soon(today)["business"]
    due_soon = first + timedelta(days=60)
    make_invoice(business, number="SOON", issue_date=due_soon, due_date=due_soon)
    make_invoice(
        business,
        number="BARRED",
        issue_date=date(2019, 1, 1),
        due_date=date(2019, 1, 31),
    )
    make_invoice(business, number="RECENT")
    client = Client()
    client.force_login(make_user(company))
    html = client.get("/factures/", {"filter": "barred_soon"}).content.decode()
    assert ">SOON<" in html
    assert ">BARRED<" not in html and ">RECENT<" not in html
    assert "Bientôt prescrites" in html
