"""Issue 19 §3 through the API: GET /tasks (mine, status) and POST
/tasks/{id}/outcome; a customer's owner set by email."""

from datetime import date, timedelta

import pytest

from relance.core.clock import company_today
from relance.core.tokens import token_create
from relance.dunning.models import Task
from relance.invoices.models import Invoice, PauseKind
from tests.conftest import Api
from tests.dunning.test_worklist import company_with_call_step, late_invoice, remind
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return company_with_call_step()


@pytest.fixture
def owner(company):
    return make_user(company, email="marie@durand.example")


@pytest.fixture
def task(company, owner):
    customer = make_customer(
        company, code="411DUPUIS", name="Garage Dupuis", phone="0477", owner=owner
    )
    late_invoice(customer, "FC-1", "1500.00")
    remind(company)
    return Task.objects.get()


@pytest.fixture
def mine(company, owner):
    return Api(token_create(company=company, name="Marie", user=owner)[1])


def test_tasks_are_listed_with_their_invoices_and_filtered(api, mine, task):
    status, body = api.call("get", "/tasks")
    assert status == 200 and body["count"] == 1
    [row] = body["items"]
    late = (company_today(task.company) - date(2026, 1, 31)).days
    assert row | {"id": 0, "reminder_id": 0} == {
        "id": 0,
        "kind": "call",
        "status": "open",
        "customer": "Garage Dupuis",
        "customer_code": "411DUPUIS",
        "phone": "0477",
        "step": "Relance 1",
        "reminder_id": 0,
        "due_on": "2026-03-10",
        "assignee_email": "marie@durand.example",
        "invoices": [
            {
                "number": "FC-1",
                "due_date": "2026-01-31",
                "amount_due": "1500.00",
                "currency": "EUR",
                "days_late": late,
            }
        ],
        "outcome": "",
        "outcome_on": None,
        "note": "",
        "done_by_email": "",
        "done_at": None,
    }
    # A token made by no user has no tasks of « mine », not even nobody's.
    Task.objects.update(assignee=None)
    assert api.call("get", "/tasks", mine="true")[1]["count"] == 0
    Task.objects.update(assignee=task.assignee)
    assert mine.call("get", "/tasks", mine="true")[1]["count"] == 1
    assert mine.call("get", "/tasks", status="done")[1]["count"] == 0


def test_a_promise_through_the_api_pauses_the_invoices(mine, task):
    until = company_today(task.company) + timedelta(days=10)
    status, body = mine.call(
        "post",
        f"/tasks/{task.pk}/outcome",
        {"outcome": "promise", "date": until.isoformat()},
    )
    assert status == 200
    assert (body["status"], body["outcome"], body["done_by_email"]) == (
        "done",
        "promise",
        "marie@durand.example",
    )
    invoice = Invoice.objects.get(number="FC-1")
    assert (invoice.paused_until, invoice.pause_kind) == (until, PauseKind.PROMISE)


def test_a_callback_without_a_date_is_a_400_naming_the_field(mine, task):
    status, body = mine.call(
        "post", f"/tasks/{task.pk}/outcome", {"outcome": "callback"}
    )
    assert status == 400
    assert body == {"detail": "Indiquez une date.", "field": "on"}


def test_a_customers_owner_is_set_by_email_among_the_companys_users(
    api, company, owner
):
    status, body = api.call(
        "post",
        "/customers",
        {"code": "411X", "name": "X", "owner_email": "MARIE@durand.example"},
    )
    assert (status, body["owner_email"]) == (201, "marie@durand.example")
    status, body = api.call(
        "post",
        "/customers",
        {"code": "411X", "name": "X", "owner_email": "nobody@ailleurs.example"},
    )
    assert (status, body) == (
        400,
        {
            "detail": "Aucun utilisateur de la société n'a l'adresse "
            "nobody@ailleurs.example.",
            "field": "owner_email",
        },
    )
    status, body = api.call(
        "post", "/customers", {"code": "411X", "name": "X", "owner_email": ""}
    )
    assert (status, body["owner_email"]) == (200, "")
