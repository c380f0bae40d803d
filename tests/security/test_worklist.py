"""Issue 19 §3, security of the worklist: a company reaches only its own
tasks (web and API, 404 as for a task that does not exist), an outcome needs
a CSRF token, and a customer's owner is one of the company's users."""

from datetime import timedelta

import pytest
from django.test import Client

from relance.core.clock import company_today
from relance.core.errors import ApplicationError
from relance.core.tokens import token_create
from relance.dunning.models import Task
from relance.invoices.services import customer_update
from tests.conftest import Api
from tests.dunning.test_worklist import company_with_call_step, late_invoice, remind
from tests.factories import make_company, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    company = company_with_call_step()
    owner = make_user(company, email="marie@durand.example")
    customer = make_customer(company, phone="0477123456", owner=owner)
    late_invoice(customer)
    remind(company)
    return Task.objects.get()


@pytest.fixture
def stranger():
    other = make_company(name="Concurrent")
    return other, make_user(other, email="espion@concurrent.example")


def test_another_companys_task_is_not_found_on_the_web(task, stranger):
    _other, user = stranger
    client = Client()
    client.force_login(user)
    until = (company_today(task.company) + timedelta(days=5)).isoformat()
    response = client.post(
        f"/taches/{task.pk}/resultat/", {"outcome": "promise", "on": until}
    )
    assert response.status_code == 404
    page = client.get("/taches/?scope=all").content.decode()
    assert f'id="task-{task.pk}"' not in page
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_another_companys_task_is_not_found_through_the_api(task, stranger):
    other, user = stranger
    api = Api(token_create(company=other, name="ERP", user=user)[1])
    status, body = api.call("post", f"/tasks/{task.pk}/outcome", {"outcome": "reached"})
    assert status == 404
    status, body = api.call("get", "/tasks")
    assert (status, body["count"]) == (200, 0)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_recording_an_outcome_needs_the_csrf_token(task):
    client = Client(enforce_csrf_checks=True)
    client.force_login(task.assignee)
    response = client.post(f"/taches/{task.pk}/resultat/", {"outcome": "reached"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_the_worklist_needs_a_login(task):
    response = Client().get("/taches/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_a_user_of_another_company_cannot_own_a_customer(task, stranger):
    _other, user = stranger
    with pytest.raises(ApplicationError) as refused:
        customer_update(customer=task.customer, owner=user)
    assert (refused.value.field, refused.value.message) == (
        "owner",
        "Ce responsable n'est pas un utilisateur de la société.",
    )


def test_the_customer_form_refuses_an_owner_from_another_company(task, stranger):
    _other, user = stranger
    admin = make_user(task.company, email="admin@durand.example")
    client = Client()
    client.force_login(admin)
    customer = task.customer
    response = client.post(
        f"/clients/{customer.pk}/",
        {
            "name": customer.name,
            "kind": customer.kind,
            "email": customer.email,
            "phone": customer.phone,
            "language": "fr",
            "owner": str(user.pk),
        },
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.owner == task.assignee
