"""Issue 13 §1: a due date of 31/12/9999 (an ERP's "no due date") must not
break a company for good. Every date that comes in is bounded, no date
computed from one can be unreadable, and an API call that answers 4xx saves
nothing."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from relance.api.middleware import AllOrNothing
from relance.dunning.models import DailyRun
from relance.dunning.planning import reminder_plan
from relance.dunning.rules import plus_days
from relance.dunning.services.intake import invoices_take_in
from relance.dunning.services.state import invoices_refresh
from relance.invoices.importing import Refused
from relance.invoices.models import Customer, Invoice
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db
RANGE = "date hors des limites acceptées (du 01/01/2000 au 31/12/2099)"


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def test_the_api_refuses_a_due_date_of_9999_naming_the_field_and_saves_nothing(api):
    status, body = api.call(
        "post",
        "/invoices",
        {
            "number": "FC1",
            "customer_code": "C1",
            "customer_name": "Client",
            "issue_date": "2026-01-02",
            "due_date": "9999-12-31",
            "total": "100.00",
        },
    )
    assert (status, body) == (
        422,
        {"detail": f"due_date : {RANGE}", "field": "due_date"},
    )
    assert Invoice.objects.count() == Customer.objects.count() == 0


def test_a_payment_dated_1900_is_refused_by_the_api(company, api):
    make_invoice(make_customer(company), number="FC1")
    status, body = api.call(
        "post",
        "/payments",
        {"invoice_number": "FC1", "date": "1900-01-01", "amount": "10.00"},
    )
    assert (status, body) == (422, {"detail": f"date : {RANGE}", "field": "date"})


def test_an_imported_due_date_of_9999_is_refused_with_its_line_and_column(company):
    content = (
        b"numero;code_client;client;date;echeance;montant\n"
        b"FC1;C1;Client;02/01/2026;31/01/2026;100,00\n"
        b"FC2;C1;Client;02/01/2026;31/12/9999;100,00\n"
    )
    with pytest.raises(Refused) as refused:
        invoices_take_in(
            company=company, content=content, filename="f.csv", today=date(2026, 3, 2)
        )
    assert [e.as_dict() for e in refused.value.report.errors] == [
        {"line": 3, "column": "echeance", "message": RANGE}
    ]
    assert Invoice.objects.count() == 0


def test_the_web_payment_form_refuses_an_absurd_date_next_to_its_field(company):
    invoice = make_invoice(make_customer(company))
    client = Client()
    client.force_login(make_user(company))
    response = client.post(
        f"/factures/{invoice.pk}/reglement/",
        {"date": "2999-12-31", "amount": "10,00", "method": "transfer"},
    )
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    assert invoice.payments.count() == 0


def test_the_command_line_refuses_a_date_out_of_range(company):
    with pytest.raises(CommandError, match="« 9999-12-31 » refusé"):
        call_command("daily", "--date", "9999-12-31")
    assert not DailyRun.objects.exists()


def test_a_date_moved_past_the_calendar_stays_readable():
    assert plus_days(date(9999, 12, 31), 3) == date.max
    assert plus_days(date(1, 1, 1), -3) == date.min
    assert plus_days(date(2026, 1, 31), 3) == date(2026, 2, 3)


def test_an_invoice_already_stored_with_9999_keeps_its_company_working(company):
    """As an earlier release let it in: the daily job, the list, the summary
    and the export still work."""
    customer = make_customer(company)
    stored = make_invoice(customer, number="FC-9999")
    Invoice.objects.filter(pk=stored.pk).update(due_date=date(9999, 12, 31))
    invoices_refresh(company=company, today=date(2026, 3, 2))
    stored.refresh_from_db()  # readable: raised before on PostgreSQL
    if connection.vendor == "postgresql":
        assert stored.next_reminder_on == date(9999, 12, 31)
    assert stored.to_remind is False
    plan = reminder_plan(
        company=company, today=date(2026, 3, 2), invoices=[stored.pk], manual=True
    )
    assert plan.to_send == 1  # by hand it may go: no OverflowError
    client = Client()
    client.force_login(make_user(company))
    assert client.get("/factures/").status_code == 200
    out = StringIO()
    call_command("invoices", "--all", stdout=out)
    assert "FC-9999" in out.getvalue()


def test_an_api_write_that_answers_an_error_is_rolled_back(company):
    def view(request):
        Customer.objects.create(company=company, code="HALF", name="Half")
        return HttpResponse(status=400)

    request = RequestFactory().post("/api/v1/anything")
    assert AllOrNothing(view)(request).status_code == 400
    assert not Customer.objects.filter(code="HALF").exists()

    def fine(request):
        Customer.objects.create(company=company, code="WHOLE", name="Whole")
        return HttpResponse(status=201)

    AllOrNothing(fine)(RequestFactory().post("/api/v1/anything"))
    assert Customer.objects.filter(code="WHOLE").exists()
