"""Issue 13 §7: an API list costs one page, not the whole company: paged in
SQL, only the page's rows turned into answers, with a number of statements
that does not grow with the rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relance.api import routes
from relance.core.tokens import token_create
from relance.dunning.models import DunningStep, Reminder
from tests.conftest import Api
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    pay,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "out"),
    [
        ("/invoices", "invoice_out"),
        ("/payments", "payment_out"),
        ("/reminders", "reminder_out"),
    ],
)
def test_a_list_reads_one_page_whatever_the_company_holds(path, out, monkeypatch):
    company = make_company()
    make_steps(company)
    client = Api(token_create(company=company, name="ERP")[1]).client
    answered = []
    answer = getattr(routes, out)
    monkeypatch.setattr(
        routes, out, lambda row, *args: answered.append(row) or answer(row, *args)
    )

    def first_page():
        answered.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1{path}", {"limit": 2})
        assert response.status_code == 200
        return len(captured), response.json()

    def add(count):
        for _ in range(count):
            customer = make_customer(company)
            invoice = make_invoice(customer)
            pay(invoice, on=date(2026, 3, 2), amount="10")
            Reminder.objects.create(
                company=company,
                customer=customer,
                step=company_step(company),
                recipients=[customer.email],
                message_id=f"<{invoice.number}@relance.test>",
            )

    first_page()  # the token's first use is recorded once
    add(3)
    few, body = first_page()
    add(40)
    many, body = first_page()
    assert many == few
    assert (len(body["items"]), body["count"]) == (2, 43)
    assert len(answered) == 2  # the page's rows only, not 43


def company_step(company):
    return DunningStep.objects.filter(company=company).order_by("order").first()
