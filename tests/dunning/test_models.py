"""What the database itself guarantees."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from relance.dunning.models import Reminder, ReminderInvoice
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db


def remind(invoice, step, level, status=Reminder.Status.SENT):
    reminder = Reminder.objects.create(
        company_id=invoice.company_id,
        customer=invoice.customer,
        step=step,
        status=status,
    )
    return ReminderInvoice.objects.create(
        company_id=invoice.company_id,
        reminder=reminder,
        invoice=invoice,
        level=level,
        amount_due=invoice.amount_due,
        holds_level=status in Reminder.HOLDING,
    )


@pytest.fixture
def setup():
    company = make_company()
    steps = make_steps(company)
    return make_invoice(make_customer(company)), steps


@pytest.mark.parametrize("first", ["pending", "sending", "sent", "uncertain"])
def test_only_one_live_reminder_per_invoice_and_level(setup, first):
    invoice, steps = setup
    remind(invoice, steps[0], 1, status=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        remind(invoice, steps[0], 1, status="pending")


@pytest.mark.parametrize("first", ["failed", "cancelled"])
def test_a_failed_or_cancelled_reminder_frees_its_level(setup, first):
    invoice, steps = setup
    remind(invoice, steps[0], 1, status=first)
    remind(invoice, steps[0], 1, status="sent")
    assert ReminderInvoice.objects.filter(invoice=invoice, level=1).count() == 2


def test_another_level_of_the_same_invoice_is_another_slot(setup):
    invoice, steps = setup
    remind(invoice, steps[0], 1)
    remind(invoice, steps[1], 2)
    assert sorted(invoice.reminder_lines.values_list("level", flat=True)) == [1, 2]


def test_the_amount_due_cannot_exceed_the_total():
    company = make_company()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_invoice(
            make_customer(company), total=Decimal("10"), amount_due=Decimal("11")
        )


def test_the_due_date_cannot_precede_the_invoice_date():
    company = make_company()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_invoice(
            make_customer(company),
            issue_date=date(2026, 2, 1),
            due_date=date(2026, 1, 31),
        )


def test_invoice_numbers_are_unique_per_company_only():
    first, second = make_company(), make_company()
    make_invoice(make_customer(first), number="FC1")
    make_invoice(make_customer(second), number="FC1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_invoice(make_customer(first), number="FC1")


@pytest.mark.django_db(transaction=True)
def test_the_preview_migration_keeps_the_import_runs_recorded_before_it():
    from relance.dunning.models import ImportRun
    from tests.migrations import leaves, migrate

    before = [("dunning", "0007_formal_notice_true_templates")]
    old_apps = migrate(before)
    try:
        old = old_apps.get_model("dunning", "ImportRun")
        run = old.objects.create(
            company_id=make_company().pk,
            kind="invoices",
            filename="ancien.csv",
            status="done",
            created=3,
            errors=[],
        )
    finally:
        migrate(leaves())
    run = ImportRun.objects.get(pk=run.pk)
    assert (run.filename, run.status, run.created, run.preview) == (
        "ancien.csv",
        "done",
        3,
        {},
    )
