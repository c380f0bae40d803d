"""Issue 19 §3: « Appel téléphonique » and « Tâche » steps make a task for the
customer's owner instead of an email; its outcome pauses, disputes or
reschedules, and the step counts as done when the task is made (ADR 16)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from relance.core.errors import ApplicationError
from relance.dunning.models import DunningStep, Reminder, Task
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.worklist import task_outcome_record
from relance.invoices.models import Invoice, PauseKind
from relance.reports.timeline_queries import customer_timeline
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def remind(company, today=TODAY):
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today)
    created = reminders_create(plan=plan)
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=NOW, today=today
    )
    return plan, delivered


def company_with_call_step(channel=DunningStep.Channel.CALL):
    company = make_company(name="Bâtiments Durand")
    steps = make_steps(
        company,
        [("Relance 1", "after_due_date", 3), ("Appel", "after_previous_reminder", 10)],
    )
    steps[0].channel = channel
    steps[0].save()
    return company


def late_invoice(customer, number="FC-1", amount="1500.00"):
    return make_invoice(
        customer,
        number=number,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal(amount),
    )


@pytest.fixture
def setup():
    company = company_with_call_step()
    owner = make_user(company, email="marie@durand.example", full_name="Marie")
    customer = make_customer(
        company, name="Garage Dupuis", phone="04 77 12 34 56", owner=owner
    )
    first = late_invoice(customer, "FC-1", "1500.00")
    second = late_invoice(customer, "FC-2", "250.40")
    return company, owner, customer, first, second


def test_a_call_step_makes_a_task_for_the_customers_owner_and_no_email(
    setup, mailoutbox
):
    company, owner, customer, _first, _second = setup
    plan, delivered = remind(company)
    assert plan.tasks_to_create == 1 and plan.messages_to_send == 0
    assert [m.recipients for m in plan.messages] == [[]]
    [reminder] = delivered.sent
    assert reminder.channel == Reminder.Channel.CALL
    assert reminder.subject == "Appel téléphonique à passer : Relance 1"
    assert mailoutbox == []
    task = Task.objects.get()
    assert (task.kind, task.status, task.due_on, task.assignee) == (
        Task.Kind.CALL,
        Task.Status.OPEN,
        TODAY,
        owner,
    )
    assert task.customer == customer and task.reminder == reminder
    assert sorted(task.invoices.values_list("number", flat=True)) == ["FC-1", "FC-2"]


def test_the_step_counts_as_done_when_the_task_is_made(setup):
    company, _owner, _customer, first, _second = setup
    remind(company)
    first.refresh_from_db()
    assert (first.dunning_level, first.last_reminder_on, first.to_remind) == (
        1,
        TODAY,
        False,
    )
    assert first.next_level == 2
    assert first.next_reminder_on == TODAY + timedelta(days=10)
    # Sending again the same day makes nothing more.
    plan, _delivered = remind(company)
    assert plan.messages == [] and Task.objects.count() == 1


def test_a_task_step_makes_a_task_even_without_phone_or_email():
    company = company_with_call_step(DunningStep.Channel.TASK)
    customer = make_customer(company, name="Sans Contact", email="", phone="")
    late_invoice(customer)
    plan, _delivered = remind(company)
    assert plan.to_fix == []
    task = Task.objects.get()
    assert task.kind == Task.Kind.TASK and task.assignee is None


def test_a_call_step_for_a_customer_without_phone_is_an_error_in_the_summary():
    company = company_with_call_step()
    customer = make_customer(company, name="Garage Muet", phone="  ")
    invoice = late_invoice(customer, "FC-9")
    invoices_refresh(company=company, today=TODAY)
    plan = reminder_plan(company=company, today=TODAY)
    assert plan.messages == []
    [error] = plan.to_fix
    assert (error.invoice, error.code, error.message) == (
        invoice,
        Code.NO_PHONE,
        "Téléphone manquant pour le client Garage Muet.",
    )


def test_an_owner_who_left_the_company_gets_no_task():
    company = company_with_call_step()
    stranger = make_user(make_company(), email="ancien@ailleurs.example")
    customer = make_customer(company, phone="0102030405", owner=stranger)
    late_invoice(customer)
    remind(company)
    assert Task.objects.get().assignee is None


def test_promise_pauses_the_open_invoices_as_a_promise_and_closes_the_task(setup):
    company, owner, _customer, first, second = setup
    remind(company)
    task = Task.objects.get()
    task_outcome_record(
        task=task,
        outcome="promise",
        on=date(2026, 3, 25),
        user=owner,
        today=TODAY,
        now=NOW,
    )
    task.refresh_from_db()
    assert (task.status, task.outcome, task.outcome_on, task.done_by, task.done_at) == (
        Task.Status.DONE,
        Task.Outcome.PROMISE,
        date(2026, 3, 25),
        owner,
        NOW,
    )
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert (invoice.paused_until, invoice.pause_kind, invoice.pause_reason) == (
            date(2026, 3, 25),
            PauseKind.PROMISE,
            "promesse au téléphone le 10/03/2026",
        )
        assert invoice.dunning_level == 1 and invoice.to_remind is False


def test_dispute_needs_a_reason_and_pauses_as_a_dispute_for_90_days(setup):
    company, owner, _customer, first, _second = setup
    remind(company)
    task = Task.objects.get()
    with pytest.raises(ApplicationError) as refused:
        task_outcome_record(
            task=task, outcome="dispute", user=owner, today=TODAY, now=NOW
        )
    assert (refused.value.field, refused.value.message) == (
        "note",
        "Indiquez le motif du litige.",
    )
    task_outcome_record(
        task=task,
        outcome="dispute",
        note="Travaux contestés",
        user=owner,
        today=TODAY,
        now=NOW,
    )
    first.refresh_from_db()
    assert (first.paused_until, first.pause_kind, first.pause_reason) == (
        date(2026, 6, 8),
        PauseKind.DISPUTE,
        "Travaux contestés",
    )
    assert Task.objects.get().status == Task.Status.DONE


def test_reached_and_unreachable_close_the_task_and_pause_nothing(setup):
    company, owner, _customer, first, _second = setup
    remind(company)
    task = Task.objects.get()
    task_outcome_record(
        task=task,
        outcome="unreachable",
        note="Messagerie pleine",
        user=owner,
        today=TODAY,
        now=NOW,
    )
    task.refresh_from_db()
    assert (task.status, task.outcome, task.note) == (
        Task.Status.DONE,
        Task.Outcome.UNREACHABLE,
        "Messagerie pleine",
    )
    first.refresh_from_db()
    assert first.paused_until is None and first.dunning_level == 1
    with pytest.raises(ApplicationError) as refused:
        task_outcome_record(
            task=task, outcome="reached", user=owner, today=TODAY, now=NOW
        )
    assert refused.value.message == "Cette tâche est déjà terminée."


def test_call_back_moves_the_due_date_and_keeps_the_task_open(setup):
    company, owner, _customer, first, _second = setup
    remind(company)
    task = Task.objects.get()
    with pytest.raises(ApplicationError) as refused:
        task_outcome_record(
            task=task, outcome="callback", user=owner, today=TODAY, now=NOW
        )
    assert (refused.value.field, refused.value.message) == ("on", "Indiquez une date.")
    with pytest.raises(ApplicationError) as refused:
        task_outcome_record(
            task=task,
            outcome="callback",
            on=date(2026, 3, 9),
            user=owner,
            today=TODAY,
            now=NOW,
        )
    assert refused.value.message == "La date doit être aujourd'hui ou plus tard."
    task_outcome_record(
        task=task,
        outcome="callback",
        on=date(2026, 3, 12),
        user=owner,
        today=TODAY,
        now=NOW,
    )
    task.refresh_from_db()
    assert (task.status, task.due_on, task.outcome, task.done_by) == (
        Task.Status.OPEN,
        date(2026, 3, 12),
        Task.Outcome.CALLBACK,
        None,
    )
    first.refresh_from_db()
    assert first.paused_until is None


def test_an_unknown_outcome_is_refused_naming_the_field(setup):
    company, owner, _customer, _first, _second = setup
    remind(company)
    with pytest.raises(ApplicationError) as refused:
        task_outcome_record(
            task=Task.objects.get(), outcome="maybe", user=owner, today=TODAY, now=NOW
        )
    assert refused.value.field == "outcome"


def test_a_promise_leaves_a_paid_invoice_alone(setup):
    company, owner, _customer, first, second = setup
    remind(company)
    Invoice.objects.filter(pk=second.pk).update(
        status=Invoice.Status.PAID, amount_due=Decimal("0.00")
    )
    task_outcome_record(
        task=Task.objects.get(),
        outcome="promise",
        on=date(2026, 3, 20),
        user=owner,
        today=TODAY,
        now=NOW,
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.paused_until is None
    assert first.paused_until == date(2026, 3, 20)


def test_existing_email_and_letter_steps_keep_their_channels():
    step = DunningStep(channel=DunningStep.Channel.BOTH)
    assert (step.sends_email, step.sends_letter, step.makes_task) == (True, True, False)
    step.channel = DunningStep.Channel.CALL
    assert (step.sends_email, step.sends_letter, step.makes_task) == (
        False,
        False,
        True,
    )


def test_a_call_outcome_and_its_promise_appear_in_the_customers_history(setup):
    company, owner, customer, _first, _second = setup
    remind(company)
    task_outcome_record(
        task=Task.objects.get(),
        outcome="promise",
        on=date(2026, 3, 25),
        note="Virement vendredi",
        user=owner,
        today=TODAY,
        now=NOW,
    )
    page = customer_timeline(customer=customer, today=TODAY, time_zone="Europe/Paris")
    call = [event for event in page.events if event.source == "task"]
    assert [(e.title, e.detail, e.text, e.who) for e in call] == [
        ("Appel", "Promesse de paiement au 25/03/2026", "Virement vendredi", "Marie")
    ]
    pauses = [event for event in page.events if event.source == "pause"]
    assert {event.who for event in pauses} == {"Marie"}
    assert len(pauses) == 2
