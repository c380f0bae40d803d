"""Issue 14 §4 on an installed database: existing steps keep going by
email, companies get the letter settings' defaults (8 days), invoices have
no formal notice received."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import leaves, leaves_but, migrate


@pytest.mark.django_db(transaction=True)
def test_existing_steps_companies_and_invoices_keep_what_they_had():
    before = {
        "core": "0006_penalty_rate",
        "invoices": "0007_credit_notes",
        "dunning": "0009_step_attach_statement",
    }
    # The bank needs the latest core and invoices: unapplied with them.
    old = migrate(leaves_but(before))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    DunningStep = old.get_model("dunning", "DunningStep")
    company = Company.objects.create(name="Bâtiments Durand")
    step = DunningStep.objects.create(
        company=company, order=1, name="Mise en demeure", days=10, formal_notice=True
    )
    customer = Customer.objects.create(company=company, code="411A", name="A")
    invoice = Invoice.objects.create(
        company=company,
        customer=customer,
        number="FC1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal("1200.00"),
        amount_due=Decimal("1200.00"),
        status="open",
    )

    new = migrate(leaves())

    step = new.get_model("dunning", "DunningStep").objects.get(pk=step.pk)
    assert (step.channel, step.formal_notice) == ("email", True)
    company = new.get_model("core", "Company").objects.get(pk=company.pk)
    assert (
        company.letter_deadline_days,
        company.letter_body,
        company.letter_signatory,
    ) == (8, "", "")
    invoice = new.get_model("invoices", "Invoice").objects.get(pk=invoice.pk)
    assert (invoice.formal_notice_received_on, invoice.amount_due) == (
        None,
        Decimal("1200.00"),
    )
