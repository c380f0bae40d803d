"""Issue 19 §2: the cockpit's indicators on a small hand-made case, exact to
the cent and the day: on the page (each figure a link to its invoices, the
charts in SVG), through the API and the command line."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from relance.core.tokens import token_create
from relance.dunning.models import PauseRecord, Reminder, ReminderInvoice
from relance.invoices.models import PauseKind
from relance.reports import indicators as ref
from relance.reports.indicator_queries import indicators
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
    pay,
)

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 31)


def remind(invoice, *, level: int, on: date, amount: str) -> None:
    steps = {s.order: s for s in invoice.company_steps}
    reminder = Reminder.objects.create(
        company_id=invoice.company_id,
        customer=invoice.customer,
        step=steps[level],
        status=Reminder.Status.SENT,
        sent_at=datetime(on.year, on.month, on.day, 9, 0, tzinfo=UTC),
    )
    ReminderInvoice.objects.create(
        company_id=invoice.company_id,
        reminder=reminder,
        invoice=invoice,
        level=level,
        amount_due=Decimal(amount),
    )


def promise(invoice, *, set_on: date, until: date, lifted_on=None) -> None:
    """A payment promise in the pauses' history (what the indicator reads)."""

    def moment(day):
        return day and datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)

    PauseRecord.objects.create(
        company_id=invoice.company_id,
        customer=invoice.customer,
        invoice=invoice,
        kind=PauseKind.PROMISE,
        until=until,
        set_at=moment(set_on),
        lifted_at=moment(lifted_on),
    )


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    steps = make_steps(company)
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    g1 = make_invoice(
        garage,
        number="G-1",
        issue_date=date(2026, 1, 10),
        due_date=date(2026, 2, 9),
        total=Decimal("1000.00"),
    )
    pay(g1, on=date(2026, 3, 10), amount="400.00")  # partial: 600 left
    g2 = make_invoice(
        garage,
        number="G-2",
        issue_date=date(2026, 3, 1),
        due_date=ON,  # due that day: not late yet
        total=Decimal("500.00"),
    )
    b1 = make_invoice(
        bakery,
        number="B-1",
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        total=Decimal("300.00"),
        paused_until=date(2026, 3, 15),
        pause_kind=PauseKind.PROMISE,
    )
    b2 = make_invoice(
        bakery,
        number="B-2",
        issue_date=date(2026, 1, 15),
        due_date=date(2026, 2, 14),
        total=Decimal("200.00"),
        paused_until=date(2026, 3, 20),
        pause_kind=PauseKind.PROMISE,
    )
    make_credit_note(
        bakery, number="AV-1", issue_date=date(2026, 3, 5), total=Decimal("50.00")
    )
    promise(b1, set_on=date(2026, 3, 5), until=date(2026, 3, 15))  # kept
    promise(b2, set_on=date(2026, 3, 1), until=date(2026, 3, 20))  # broken
    # Replaced before its date by a later one: no verdict, not counted; the
    # later one is pending on the day.
    replaced = date(2026, 3, 20)
    promise(g2, set_on=date(2026, 3, 2), until=date(2026, 3, 25), lifted_on=replaced)
    promise(g2, set_on=replaced, until=date(2026, 4, 10))
    for invoice in (g1, b1, b2):
        invoice.company_steps = steps
    remind(b1, level=1, on=date(2026, 3, 5), amount="300.00")
    remind(b2, level=1, on=date(2026, 2, 20), amount="200.00")
    remind(g1, level=2, on=date(2026, 3, 1), amount="1000.00")
    pay(b1, on=date(2026, 3, 13), amount="300.00")  # 8 days after its reminder
    return company


TREND = [
    *({"date": d, "amount": "0.00"} for d in [
        "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31",
        "2025-08-31", "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31",
        "2026-01-31",
    ]),
    # G-1 owed 1 000 then (400 paid on 10/03), B-2 200.
    {"date": "2026-02-28", "amount": "1200.00"},
    # G-1 600 + B-2 200 - the credit note 50 (G-2 due that day).
    {"date": "2026-03-31", "amount": "750.00"},
]  # fmt: skip


def month(first, last, sales, days):
    return {"first": first, "last": last, "sales": sales, "days": days}


def payer(code, name, overdue, days_late):
    return {"code": code, "name": name, "overdue": overdue, "days_late": days_late}


EXPECTED = {
    "date": "2026-03-31",
    "currency": "EUR",
    "dso": {
        "method": "countback",
        # 1 250 owed: March's 450 net sales (31 days), February's 300 (28),
        # then 500 of January's 1 200: 31 × 500 / 1 200 = 12.9 days.
        "days": "71.9",
        "receivables": "1250.00",
        "more_than_12_months": False,
        "months": [
            month("2026-03-01", "2026-03-31", "450.00", "31.0"),
            month("2026-02-01", "2026-02-28", "300.00", "28.0"),
            month("2026-01-01", "2026-01-31", "1200.00", "12.9"),
        ],
    },
    "overdue": "750.00",
    "overdue_trend": TREND,
    "days_to_pay": [
        {
            "code": "411BOU",
            "name": "Boulangerie Martin",
            "invoices": 1,
            "from_issue_date": "40.0",
            "from_due_date": "10.0",
        }
    ],
    "steps": [
        {
            "level": 1,
            "name": "Relance 1",
            "sent": 2,
            "paid_within_15_days": 1,
            "share": "50.0",
            "amount_sent": "500.00",
            "amount_paid": "300.00",
        },
        {
            "level": 2,
            "name": "Relance 2",
            "sent": 1,
            "paid_within_15_days": 0,
            "share": "0.0",
            "amount_sent": "1000.00",
            "amount_paid": "0.00",
        },
    ],
    "promises": {
        "kept": {"count": 1, "amount": "300.00"},
        "broken": {"count": 1, "amount": "200.00"},
        "pending": {"count": 1, "amount": "500.00"},
    },
    "late_payers": [
        payer("411GAR", "Garage Dupuis", "600.00", 50),
        # 200 late less the 50 of credit; B-2 due 14/02.
        payer("411BOU", "Boulangerie Martin", "150.00", 45),
    ],
}  # fmt: skip


def test_each_indicator_is_exact_on_a_small_case(company):
    assert indicators(company=company, on=ON).as_dict() == EXPECTED


def test_countback_counts_whole_months_then_the_share_of_the_last():
    march, feb = (date(2026, 3, 1), ON), (date(2026, 2, 1), date(2026, 2, 28))
    dso = ref.countback(
        Decimal("150.00"), [(*march, Decimal("100.00")), (*feb, Decimal("100.00"))]
    )
    assert dso.days == Decimal("45.0")  # 31 + 28 × 50 / 100
    assert not dso.capped
    assert ref.countback(Decimal("0.00"), [(*march, Decimal("1"))]).days == 0
    # More owed than a year of sales: at least the year, said so.
    dso = ref.countback(Decimal("500.00"), [(*march, Decimal("100.00"))])
    assert (dso.days, dso.capped) == (Decimal("31.0"), True)


def signed_in(company) -> Client:
    client = Client()
    client.force_login(make_user(company))
    return client


def test_the_page_shows_each_figure_with_a_link_to_its_invoices(company):
    client = signed_in(company)
    answer = client.get("/indicateurs/", {"date": ON.isoformat()})
    assert answer.status_code == 200
    page = answer.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "71,9 j" in page
    assert "Encours : 1 250,00 €" in page
    assert "DSO = jours des mois couverts" in page
    assert (
        'data-testid="overdue-chart"' in page
        and "<title>En retard le 28/02/2026 : 1 200,00 €</title>" in page
    )
    # The top late payer's amount opens its late invoices.
    garage = company_customer(company, "411GAR")
    assert f'href="/factures/?customer={garage.pk}&amp;filter=late">600,00 €' in page
    # Level 1: its two reminded invoices, the one paid within 15 days.
    assert 'href="/factures/?reminded=1">2</a>' in page
    assert 'href="/factures/?reminded=1&amp;filter=paid">1</a>' in page
    assert "50,0 %" in page
    listed = client.get("/factures/", {"reminded": "1", "filter": "paid"})
    text = listed.content.decode()
    assert "B-1" in text and "B-2" not in text and "G-1" not in text
    listed = client.get("/factures/", {"filter": "promised"}).content.decode()
    assert "B-1" in listed and "B-2" in listed and "G-1" not in listed
    listed = client.get(
        "/factures/", {"issued_from": "2026-03-01", "issued_to": "2026-03-31"}
    ).content.decode()
    assert "G-2" in listed and "AV-1" in listed and "G-1" not in listed


def company_customer(company, code):
    from relance.invoices.models import Customer

    return Customer.objects.get(company=company, code=code)


@time_machine.travel(datetime(2026, 4, 2, 8, 0, tzinfo=UTC), tick=False)
def test_the_api_and_the_command_line_give_the_same_indicators(company):
    token = token_create(company=company, name="ERP")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.get("/api/v1/reports/indicators", {"date": ON.isoformat()})
    assert answer.status_code == 200
    # A past day: computed at its first reading and kept (ADR 13 amended
    # 2026-12-04, evening), the same figures read back by the command.
    computed = {**EXPECTED, "computed_at": "2026-04-02T08:00:00Z"}
    assert answer.json() == computed
    out = StringIO()
    call_command("indicators", "--date", ON.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue()) == computed
    out = StringIO()
    call_command("indicators", "--date", ON.isoformat(), stdout=out)
    text = out.getvalue().replace("\u202f", " ").replace("\xa0", " ")
    assert "DSO (méthode par épuisement) : 71,9 jours, encours 1 250,00 €" in text
    assert "Relance 1 : 1/2 (50,0 %)" in text
    assert "Promesses : 1 tenues, 1 non tenues, 1 en cours" in text
