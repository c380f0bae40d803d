"""Dunning plans (issue 18 §1) and one rhythm per customer (§5), on real rows."""

from datetime import UTC, date, datetime

import pytest

from relance.core.errors import ApplicationError
from relance.dunning import rules
from relance.dunning.models import CustomerDunning, DunningPlan
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.plans import (
    customer_dunning_set,
    plan_create,
    plan_default_ensure,
    plan_default_set,
    plan_delete,
    plan_rename,
    plan_suggestion_accept,
    plan_suggestions,
)
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import step_create, steps_create_defaults
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db

FAST = [
    ("Rappel ferme", "after_due_date", 1),
    ("Mise en demeure", "after_previous_reminder", 5),
]


def state(invoice):
    invoice.refresh_from_db()
    return invoice.to_remind, invoice.next_level, invoice.next_reminder_on


def send(company, today):
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today)
    created = reminders_create(plan=plan, origin="user", user=None)
    now = datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC)
    return reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=now)


def test_a_new_company_gets_the_standard_plan_with_the_four_default_steps():
    company = make_company()
    steps = steps_create_defaults(company=company)
    [plan] = DunningPlan.objects.filter(company=company)
    assert (plan.name, plan.is_default) == ("Standard", True)
    assert [step.plan_id for step in steps] == [plan.pk] * 4


def test_changing_a_customers_plan_moves_its_invoices_dates_at_once():
    company = make_company(min_gap_days=5)
    make_steps(company)  # « Standard »: 3 days after the due date
    fast = plan_create(company=company, name="Mauvais payeurs")
    make_steps(company, FAST, dunning_plan=fast)
    customer = make_customer(company)
    other = make_customer(company)
    invoice = make_invoice(customer, due_date=date(2026, 3, 2))
    untouched = make_invoice(other, due_date=date(2026, 3, 2))
    today = date(2026, 3, 3)
    invoices_refresh(company=company, today=today)
    assert state(invoice) == (False, 1, date(2026, 3, 5))

    customer_dunning_set(company=company, customer=customer, today=today, plan=fast)

    assert state(invoice) == (True, 1, date(2026, 3, 3))
    assert state(untouched) == (False, 1, date(2026, 3, 5))
    # Back to the company's default plan: back to its date.
    customer_dunning_set(company=company, customer=customer, today=today, plan=None)
    assert state(invoice) == (False, 1, date(2026, 3, 5))


def test_a_level_is_kept_on_a_plan_change_and_beyond_its_steps_nothing_goes():
    company = make_company(min_gap_days=0)
    make_steps(company)
    fast = plan_create(company=company, name="Mauvais payeurs")
    make_steps(company, FAST, dunning_plan=fast)
    customer = make_customer(company)
    invoice = make_invoice(
        customer,
        due_date=date(2026, 1, 31),
        dunning_level=3,
        last_reminder_on=date(2026, 2, 28),
    )
    today = date(2026, 3, 3)
    invoices_refresh(company=company, today=today)
    assert state(invoice) == (False, 4, date(2026, 3, 10))

    customer_dunning_set(company=company, customer=customer, today=today, plan=fast)
    assert state(invoice) == (False, None, None)
    invoice.refresh_from_db()
    assert invoice.dunning_level == 3
    plan = reminder_plan(company=company, today=today, invoices=[invoice])
    [error] = plan.errors
    assert (error.code, error.message) == (
        Code.LAST_STEP_REACHED,
        "Dernière étape déjà atteinte (Mise en demeure).",
    )
    # Back on « Standard », the invoice is where it was.
    customer_dunning_set(company=company, customer=customer, today=today, plan=None)
    assert state(invoice) == (False, 4, date(2026, 3, 10))


def test_a_plan_without_steps_reminds_nobody():
    company = make_company()
    make_steps(company)
    none = plan_create(company=company, name="Sans relance automatique")
    customer = make_customer(company)
    invoice = make_invoice(customer, due_date=date(2026, 1, 31))
    customer_dunning_set(
        company=company, customer=customer, today=date(2026, 3, 3), plan=none
    )
    assert state(invoice) == (False, None, None)
    assert reminder_plan(company=company, today=date(2026, 3, 3)).messages == []


def test_a_reminder_is_planned_with_the_step_of_the_customers_plan(smtp_server):
    company = make_company()
    make_steps(company)
    fast = plan_create(company=company, name="Mauvais payeurs")
    make_steps(company, FAST, dunning_plan=fast, subject="{{ step.name }}")
    customer = make_customer(company, email="paie@client.example")
    make_invoice(customer, due_date=date(2026, 3, 1))
    customer_dunning_set(
        company=company, customer=customer, today=date(2026, 3, 2), plan=fast
    )
    delivered = send(company, date(2026, 3, 2))
    [reminder] = delivered.sent
    assert reminder.step.name == "Rappel ferme"
    assert smtp_server.received[0].message["Subject"] == "Rappel ferme"


def test_two_invoices_of_one_customer_due_a_day_apart_get_one_reminder_in_the_gap(
    smtp_server,
):
    company = make_company(min_gap_days=7)
    make_steps(company)  # first step: 3 days after the due date
    customer = make_customer(company, email="paie@client.example")
    first = make_invoice(customer, number="F1", due_date=date(2026, 2, 26))
    second = make_invoice(customer, number="F2", due_date=date(2026, 2, 27))

    assert len(send(company, date(2026, 3, 1)).sent) == 1
    assert state(second) == (False, 1, date(2026, 3, 8))
    assert len(send(company, date(2026, 3, 2)).sent) == 0
    # Chosen by hand (not « Relancer »), the summary says why it waits.
    plan = reminder_plan(company=company, today=date(2026, 3, 2), invoices=[second])
    [error] = plan.errors
    assert (error.code, error.message) == (
        Code.NOT_DUE_YET,
        "Client déjà relancé le 01/03/2026 : au moins 7 jours entre deux relances "
        "d'un même client, prochaine relance le 08/03/2026.",
    )
    for day in range(3, 8):
        assert len(send(company, date(2026, 3, day)).sent) == 0
    assert len(smtp_server.received) == 1
    assert len(send(company, date(2026, 3, 8)).sent) == 1
    assert state(first) == (False, 2, date(2026, 3, 16))


def test_a_customers_own_gap_overrides_the_companys(smtp_server):
    company = make_company(min_gap_days=7)
    make_steps(company)
    customer = make_customer(company, email="paie@client.example")
    make_invoice(customer, number="F1", due_date=date(2026, 2, 26))
    second = make_invoice(customer, number="F2", due_date=date(2026, 2, 27))
    customer_dunning_set(
        company=company, customer=customer, today=date(2026, 3, 1), min_gap_days=2
    )
    send(company, date(2026, 3, 1))
    assert state(second) == (False, 1, date(2026, 3, 3))
    assert CustomerDunning.objects.get(customer=customer).min_gap_days == 2


def test_a_plan_followed_by_customers_cannot_be_deleted():
    company = make_company()
    make_steps(company)
    fast = plan_create(company=company, name="Mauvais payeurs")
    customer = make_customer(company)
    customer_dunning_set(
        company=company, customer=customer, today=date(2026, 3, 3), plan=fast
    )
    with pytest.raises(ApplicationError) as refused:
        plan_delete(plan=fast)
    assert refused.value.message == (
        "Impossible de supprimer « Mauvais payeurs » : 1 client(s) le suivent. "
        "Choisissez-leur d'abord un autre plan."
    )
    with pytest.raises(ApplicationError) as default:
        plan_delete(plan=plan_default_ensure(company=company))
    assert default.value.message == (
        "« Standard » est le plan par défaut : choisissez d'abord un autre plan "
        "par défaut."
    )


def test_plans_are_created_renamed_made_default_and_deleted():
    company = make_company(min_gap_days=0)
    make_steps(company)
    gentle = plan_create(company=company, name="Grands comptes")
    with pytest.raises(ApplicationError) as taken:
        plan_create(company=company, name="grands comptes")
    assert taken.value.message == "Un plan « grands comptes » existe déjà."
    step_create(
        company=company,
        today=date(2026, 3, 3),
        plan=gentle,
        name="Rappel courtois",
        days=20,
        subject="Rappel",
        body="Bonjour",
    )
    invoice = make_invoice(make_customer(company), due_date=date(2026, 3, 1))
    plan_default_set(plan=gentle, today=date(2026, 3, 3))
    assert state(invoice) == (False, 1, date(2026, 3, 21))
    plan_rename(plan=gentle, name="Clients fidèles")
    assert DunningPlan.objects.get(is_default=True, company=company).name == (
        "Clients fidèles"
    )
    standard = DunningPlan.objects.get(company=company, name="Standard")
    assert plan_delete(plan=standard) is True
    assert not DunningPlan.objects.filter(pk=standard.pk).exists()


def test_a_customer_more_than_60_days_late_is_suggested_the_late_payers_plan():
    company = make_company()
    make_steps(company)
    today = date(2026, 5, 1)
    late = make_customer(company, name="Retard SA")
    make_invoice(late, due_date=date(2026, 3, 1))  # 61 days
    on_time = make_customer(company, name="Ponctuel SA")
    make_invoice(on_time, due_date=date(2026, 3, 2))  # 60 days
    assert plan_suggestions(company=company, today=today) == []  # no such plan
    bad = plan_create(company=company, name="Mauvais payeurs")
    [suggestion] = plan_suggestions(company=company, today=today)
    assert (suggestion.customer, suggestion.suggested, suggestion.days_late) == (
        late,
        bad,
        61,
    )
    assert plan_suggestion_accept(company=company, customer=late, today=today) == bad
    assert CustomerDunning.objects.get(customer=late).plan == bad
    assert plan_suggestions(company=company, today=today) == []


def test_the_suggestion_rule_is_pure():
    plans = ["Standard", "Mauvais payeurs"]
    assert rules.plan_suggestion(61, "Standard", plans) == "Mauvais payeurs"
    assert rules.plan_suggestion(60, "Standard", plans) is None
    assert rules.plan_suggestion(90, "Mauvais payeurs", plans) is None
    assert rules.plan_suggestion(90, "Standard", ["Standard"]) is None


def test_another_companys_plan_cannot_be_chosen_for_a_customer():
    company = make_company()
    make_steps(company)
    other = make_company()
    theirs = plan_create(company=other, name="Mauvais payeurs")
    customer = make_customer(company)
    with pytest.raises(ApplicationError) as refused:
        customer_dunning_set(
            company=company, customer=customer, today=date(2026, 3, 3), plan=theirs
        )
    assert (refused.value.field, refused.value.message) == (
        "plan",
        "Plan de relance introuvable.",
    )
    assert not CustomerDunning.objects.exists()
