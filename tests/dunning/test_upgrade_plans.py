"""Issue 18 §1 on an installed database: every company gets « Standard », its
default plan, holding its steps as they were (same ids, order, reminders),
and invoices keep their levels."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import leaves, migrate


@pytest.mark.django_db(transaction=True)
def test_every_company_gets_the_standard_plan_holding_its_steps_as_they_were():
    old = migrate(
        [
            (app, "0016_daily_run_full_or_dated" if app == "dunning" else leaf)
            for app, leaf in leaves()
        ]
    )
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    DunningStep = old.get_model("dunning", "DunningStep")
    Reminder = old.get_model("dunning", "Reminder")
    durand = Company.objects.create(name="Bâtiments Durand")
    empty = Company.objects.create(name="Sans étapes")
    steps = [
        DunningStep.objects.create(
            company=durand, order=order, name=f"Relance {order}", days=3 * order
        ).pk
        for order in (1, 2)
    ]
    customer = Customer.objects.create(company=durand, code="411A", name="A")
    invoice = Invoice.objects.create(
        company=durand,
        customer=customer,
        number="F1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal("100.00"),
        amount_due=Decimal("100.00"),
        dunning_level=1,
        last_reminder_on=date(2026, 2, 3),
    )
    reminder = Reminder.objects.create(
        company=durand, customer=customer, step_id=steps[0], subject="R", body_text="B"
    )

    new = migrate(leaves())
    DunningPlan = new.get_model("dunning", "DunningPlan")
    DunningStep = new.get_model("dunning", "DunningStep")
    Reminder = new.get_model("dunning", "Reminder")
    Invoice = new.get_model("invoices", "Invoice")
    CustomerDunning = new.get_model("dunning", "CustomerDunning")
    plans = {
        plan.company_id: plan
        for plan in DunningPlan.objects.filter(company_id__in=[durand.pk, empty.pk])
    }
    assert {
        (company, plan.name, plan.is_default) for company, plan in plans.items()
    } == {(durand.pk, "Standard", True), (empty.pk, "Standard", True)}
    assert list(
        DunningStep.objects.filter(company_id=durand.pk)
        .order_by("order")
        .values_list("pk", "order", "name", "plan_id")
    ) == [
        (steps[0], 1, "Relance 1", plans[durand.pk].pk),
        (steps[1], 2, "Relance 2", plans[durand.pk].pk),
    ]
    assert Reminder.objects.get(pk=reminder.pk).step_id == steps[0]
    assert Invoice.objects.filter(pk=invoice.pk).values_list(
        "dunning_level", "last_reminder_on"
    ).get() == (1, date(2026, 2, 3))
    assert CustomerDunning.objects.count() == 0
