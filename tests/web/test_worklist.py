"""« Mes tâches du jour »: my open calls and tasks due by today, then all the
company's; each with its customer, phone, invoices and history; the outcome
recorded with French errors naming the field; only the company's tasks."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relance.core.clock import company_today
from relance.dunning.models import Task
from relance.invoices.models import PauseKind
from tests.dunning.test_worklist import company_with_call_step, late_invoice, remind
from tests.factories import make_company, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return company_with_call_step()


@pytest.fixture
def owner(company):
    return make_user(company, email="marie@durand.example", full_name="Marie Durand")


@pytest.fixture
def task(company, owner):
    customer = make_customer(
        company, name="Garage Dupuis", phone="04 77 12 34 56", owner=owner
    )
    late_invoice(customer, "FC-1", "1500.00")
    late_invoice(customer, "FC-2", "250.40")
    remind(company)
    return Task.objects.get()


@pytest.fixture
def client(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_my_tasks_show_the_customer_phone_invoices_and_history(client, task):
    page = client.get("/taches/").content.decode()
    assert 'aria-current="page">Mes tâches du jour</a>' in page
    assert f'id="task-{task.pk}"' in page
    assert "Garage Dupuis" in page
    assert 'href="tel:0477123456"' in page
    assert "04 77 12 34 56" in page
    assert "1\xa0500,00\xa0€" in page and "250,40\xa0€" in page
    # Due 31/01/2026, the call made on 10/03/2026: 38 days late then, more now.
    late = (company_today(task.company) - task.invoices.first().due_date).days
    assert f">{late}</td>" in page
    assert "Relance 1 (envoyée)" in page
    assert "Promesse au …" in page and "Rappeler le …" in page


def test_another_users_task_shows_only_under_all(company, task):
    other = Client()
    other.force_login(make_user(company, email="paul@durand.example"))
    mine = other.get("/taches/").content.decode()
    assert f'id="task-{task.pk}"' not in mine
    assert "Aucune tâche pour vous aujourd'hui" in mine
    everyone = other.get("/taches/?scope=all").content.decode()
    assert f'id="task-{task.pk}"' in everyone
    assert "Marie Durand" in everyone


def test_a_task_moved_to_a_later_day_leaves_my_day(client, task):
    Task.objects.filter(pk=task.pk).update(
        due_on=company_today(task.company) + timedelta(days=2)
    )
    assert f'id="task-{task.pk}"' not in client.get("/taches/").content.decode()


def test_recording_a_promise_pauses_the_invoices_and_closes_the_task(client, task):
    until = company_today(task.company) + timedelta(days=15)
    response = client.post(
        f"/taches/{task.pk}/resultat/",
        {"outcome": "promise", "on": until.isoformat(), "note": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "Garage Dupuis : Promesse de paiement enregistré." in page
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert {(i.paused_until, i.pause_kind) for i in task.invoices.all()} == {
        (until, PauseKind.PROMISE)
    }
    assert f'id="task-{task.pk}"' not in page
    done = client.get("/taches/?scope=all&status=done").content.decode()
    assert f'id="task-{task.pk}"' in done


def test_a_promise_without_a_date_is_refused_naming_the_field(client, task):
    response = client.post(
        f"/taches/{task.pk}/resultat/", {"outcome": "promise"}, follow=True
    )
    assert "Date : Indiquez une date." in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_a_dispute_without_a_reason_is_refused_naming_the_field(client, task):
    response = client.post(
        f"/taches/{task.pk}/resultat/", {"outcome": "dispute"}, follow=True
    )
    assert (
        "Note ou motif du litige : Indiquez le motif du litige."
        in response.content.decode()
    )


def test_no_outcome_chosen_is_refused_naming_the_field(client, task):
    response = client.post(f"/taches/{task.pk}/resultat/", {}, follow=True)
    assert "Résultat : Ce champ est obligatoire." in response.content.decode()


def test_the_customer_form_offers_only_the_companys_users_as_owner(
    client, company, task
):
    make_user(make_company(), email="intrus@ailleurs.example")
    page = client.get(f"/clients/{task.customer_id}/").content.decode()
    assert "Marie Durand" in page
    assert "intrus@ailleurs.example" not in page


def test_the_step_form_takes_a_call_step_without_subject_or_body(company):
    admin = make_user(company, email="admin@durand.example")
    admin.memberships.update(role="admin")
    client = Client()
    client.force_login(admin)
    page = client.get("/configuration/etapes/nouvelle/").content.decode()
    assert "Appel téléphonique" in page and "Mes tâches du jour" in page
    response = client.post(
        "/configuration/etapes/nouvelle/",
        {
            "name": "Appel 2",
            "trigger": "after_previous_reminder",
            "days": "7",
            "channel": "call",
            "active": "on",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/configuration/etapes/nouvelle/",
        {"name": "Courriel", "trigger": "after_due_date", "days": "3", "active": "on"},
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()


def test_the_page_costs_the_same_queries_for_one_task_or_many(
    client, company, owner, task
):
    with CaptureQueriesContext(connection) as one:
        client.get("/taches/?scope=all")
    for n in range(3):
        customer = make_customer(company, phone=f"0102030{n}", owner=owner)
        late_invoice(customer, f"FM-{n}")
    remind(company)
    assert Task.objects.count() == 4
    with CaptureQueriesContext(connection) as many:
        page = client.get("/taches/?scope=all").content.decode()
    assert page.count('data-testid="task"') == 4
    assert len(many) == len(one)
