"""`relance tasks`: the company's calls and tasks (text or JSON), and an
outcome recorded from the command line."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.core.clock import company_today
from relance.dunning.models import Task
from relance.invoices.models import PauseKind
from tests.dunning.test_worklist import company_with_call_step, late_invoice, remind
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def task():
    company = company_with_call_step()
    owner = make_user(company, email="marie@durand.example")
    customer = make_customer(
        company, name="Garage Dupuis", phone="04 77 12 34 56", owner=owner
    )
    late_invoice(customer, "FC-1", "1500.00")
    remind(company)
    return Task.objects.get()


def test_the_open_tasks_are_listed_with_phone_invoices_and_owner(task):
    assert run("tasks").splitlines() == [
        f"{task.pk:>6}  10/03/2026  Appel  Garage Dupuis  04 77 12 34 56  FC-1  "
        "1\xa0500,00\xa0€  marie@durand.example"
    ]
    [data] = json.loads(run("tasks", "--json"))
    assert (data["id"], data["kind"], data["invoices"][0]["amount_due"]) == (
        task.pk,
        "call",
        "1500.00",
    )
    assert run("tasks", "--status", "done") == "Aucune tâche.\n"


def test_a_promise_recorded_from_the_command_line_pauses_the_invoice(task):
    until = company_today(task.company) + timedelta(days=7)
    out = run(
        "tasks",
        "outcome",
        str(task.pk),
        "promise",
        "--date",
        until.isoformat(),
        "--by",
        "marie@durand.example",
    )
    assert out == (
        f"Tâche {task.pk} (Garage Dupuis) : Promesse de paiement {until:%d/%m/%Y}.\n"
    )
    invoice = task.invoices.get()
    assert (invoice.paused_until, invoice.pause_kind) == (until, PauseKind.PROMISE)
    assert Task.objects.get().done_by.email == "marie@durand.example"
    with pytest.raises(CommandError, match=r"Cette tâche est déjà terminée\."):
        run("tasks", "outcome", str(task.pk), "reached")
    with pytest.raises(CommandError, match=r"Tâche 999999 introuvable\."):
        run("tasks", "outcome", "999999", "reached")
