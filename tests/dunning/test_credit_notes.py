"""Credit notes (« avoirs »): never dunned; allocated to their customer's
invoices as payments of method « avoir » (ADR 10), by hand or because they
name the invoice they credit; never beyond what is left on either side."""

from datetime import date
from decimal import Decimal

import pytest

from relance.core.errors import ApplicationError
from relance.dunning import rules
from relance.dunning.planning import WarningKind, reminder_plan
from relance.dunning.services.payments import (
    credit_allocate,
    credits_allocate_named,
    payment_cancel,
)
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice, Payment
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
    pay,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)


@pytest.fixture
def company():
    company = make_company(sender_email="relances@societe.example")
    make_steps(company)
    return company


@pytest.fixture
def customer(company):
    return make_customer(company, name="Dupont SARL")


def allocate(credit, invoice, amount, today=TODAY):
    return credit_allocate(
        company=credit.company,
        credit_note=credit,
        invoice=invoice,
        amount=Decimal(amount),
        today=today,
    )


def test_a_credit_note_is_never_tagged_to_remind_even_long_past_its_date(
    company, customer
):
    credit = make_credit_note(customer, issue_date=date(2025, 1, 1))
    invoices_refresh(company=company, today=TODAY)
    credit.refresh_from_db()
    assert (credit.to_remind, credit.next_level, credit.next_reminder_on) == (
        False,
        None,
        None,
    )
    assert credit.amount_due == Decimal("0.00")


def test_the_rules_never_remind_a_credit_note_even_with_something_due():
    facts = rules.InvoiceFacts(
        status="open",
        amount_due=Decimal("100"),
        issue_date=date(2025, 1, 1),
        due_date=date(2025, 1, 1),
        kind="credit_note",
    )
    steps = [rules.Step(rules.Trigger.AFTER_DUE_DATE, 0)]
    verdict = rules.verdict(facts, steps, TODAY, 0, manual=True)
    assert verdict.reason == rules.Reason.CREDIT_NOTE


def test_a_credit_note_named_in_a_reminder_run_is_left_out_with_its_reason(
    company, customer
):
    credit = make_credit_note(customer)
    plan = reminder_plan(company=company, today=TODAY, invoices=[credit.number])
    assert plan.messages == []
    [error] = plan.errors
    assert (error.reference, str(error.message)) == (
        credit.number,
        "C'est un avoir : un avoir n'est jamais relancé.",
    )


def test_allocating_part_of_a_credit_note_lowers_the_invoice_like_a_payment(
    company, customer
):
    invoice = make_invoice(customer, total=Decimal("1000.00"))
    credit = make_credit_note(customer, total=Decimal("250.00"))
    payment = allocate(credit, invoice, "150.00")
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (payment.method, payment.credit_note_id, payment.amount) == (
        Payment.Method.CREDIT_NOTE,
        credit.pk,
        Decimal("150.00"),
    )
    assert payment.invoice_id == invoice.pk
    assert payment.reference == credit.number
    assert invoice.amount_due == Decimal("850.00")
    assert invoice.status == Invoice.Status.OPEN
    assert credit.credit_left == Decimal("100.00")
    assert credit.status == Invoice.Status.OPEN
    assert credit.amount_due == Decimal("0.00")


def test_a_fully_credited_invoice_leaves_the_dunning_at_once(company, customer):
    invoice = make_invoice(customer, total=Decimal("200.00"))
    invoices_refresh(company=company, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.to_remind
    credit = make_credit_note(customer, total=Decimal("200.00"))
    allocate(credit, invoice, "200.00")
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, invoice.status, invoice.to_remind) == (
        Decimal("0.00"),
        Invoice.Status.PAID,
        False,
    )
    assert (credit.credit_left, credit.status) == (
        Decimal("0.00"),
        Invoice.Status.PAID,
    )


def test_allocating_more_than_is_left_on_the_credit_note_is_refused(company, customer):
    invoice = make_invoice(customer, total=Decimal("1000.00"))
    credit = make_credit_note(customer, total=Decimal("250.00"))
    allocate(credit, invoice, "200.00")
    with pytest.raises(ApplicationError) as refused:
        allocate(credit, invoice, "50.01")
    assert refused.value.field == "amount"
    assert str(refused.value.message) == (
        f"L'imputation de 50,01\u00a0€ dépasse ce qui reste de l'avoir "
        f"{credit.number} (50,00\u00a0€)."
    )
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, credit.credit_left) == (
        Decimal("800.00"),
        Decimal("50.00"),
    )
    assert Payment.objects.count() == 1


def test_allocating_more_than_the_invoice_owes_is_refused(company, customer):
    invoice = make_invoice(customer, total=Decimal("100.00"))
    credit = make_credit_note(customer, total=Decimal("250.00"))
    with pytest.raises(ApplicationError) as refused:
        allocate(credit, invoice, "100.01")
    assert str(refused.value.message) == (
        f"L'imputation de 100,01\u00a0€ dépasse le reste dû de la facture "
        f"{invoice.number} (100,00\u00a0€)."
    )
    credit.refresh_from_db()
    assert credit.credit_left == Decimal("250.00")
    assert not Payment.objects.exists()


def test_a_credit_note_of_another_customer_is_refused(company, customer):
    other = make_customer(company, name="Martin")
    invoice = make_invoice(other, total=Decimal("100.00"))
    credit = make_credit_note(customer)
    with pytest.raises(ApplicationError) as refused:
        allocate(credit, invoice, "10.00")
    assert str(refused.value.message) == (
        f"L'avoir {credit.number} et la facture {invoice.number} ne sont pas du "
        "même client : un avoir ne s'impute que sur les factures de son client."
    )
    assert not Payment.objects.exists()


def test_an_invoice_is_not_a_credit_note_and_a_credit_note_gets_no_payment(
    company, customer
):
    invoice = make_invoice(customer, total=Decimal("100.00"))
    other = make_invoice(customer, total=Decimal("100.00"))
    credit = make_credit_note(customer)
    with pytest.raises(ApplicationError) as refused:
        allocate(other, invoice, "10.00")
    assert str(refused.value.message) == f"{other.number} n'est pas un avoir."
    with pytest.raises(ApplicationError) as refused:
        allocate(credit, make_credit_note(customer), "10.00")
    assert str(refused.value.message) == (
        "Un avoir s'impute sur une facture, pas sur un autre avoir."
    )
    with pytest.raises(ApplicationError) as refused:
        pay(credit, on=TODAY, amount="10.00")
    assert str(refused.value.message) == (
        f"{credit.number} est un avoir : il ne reçoit pas de règlement, il "
        "s'impute sur une facture."
    )
    with pytest.raises(ApplicationError) as refused:
        pay(invoice, on=TODAY, amount="10.00", method=Payment.Method.CREDIT_NOTE)
    assert str(refused.value.message) == (
        "Un avoir s'impute avec « Imputer un avoir », pas comme un règlement."
    )


def test_cancelling_an_allocation_gives_the_amount_back_to_both(company, customer):
    invoice = make_invoice(customer, total=Decimal("200.00"))
    credit = make_credit_note(customer, total=Decimal("200.00"))
    payment = allocate(credit, invoice, "200.00")
    payment_cancel(payment=payment, reason="Mauvaise facture", today=TODAY)
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (invoice.amount_due, invoice.status, invoice.to_remind) == (
        Decimal("200.00"),
        Invoice.Status.OPEN,
        True,
    )
    assert (credit.credit_left, credit.status) == (
        Decimal("200.00"),
        Invoice.Status.OPEN,
    )
    allocate(credit, invoice, "120.00")
    credit.refresh_from_db()
    assert credit.credit_left == Decimal("80.00")


def test_a_credit_note_naming_its_invoice_is_allocated_on_its_own_date(
    company, customer
):
    invoice = make_invoice(customer, total=Decimal("300.00"))
    credit = make_credit_note(
        customer,
        total=Decimal("500.00"),
        credited_invoice=invoice,
        issue_date=date(2026, 2, 10),
    )
    [payment] = credits_allocate_named(
        company=company, credit_note_ids=[credit.pk], today=TODAY
    )
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert (payment.amount, payment.date) == (Decimal("300.00"), date(2026, 2, 10))
    assert (invoice.amount_due, invoice.status) == (
        Decimal("0.00"),
        Invoice.Status.PAID,
    )
    assert credit.credit_left == Decimal("200.00")
    # Run again: nothing more (the invoice owes nothing).
    assert (
        credits_allocate_named(
            company=company, credit_note_ids=[credit.pk], today=TODAY
        )
        == []
    )


def test_the_summary_warns_of_a_customer_with_credit_left_to_allocate(
    company, customer
):
    invoice = make_invoice(customer, total=Decimal("1000.00"))
    credit = make_credit_note(customer, total=Decimal("250.00"))
    allocate(credit, invoice, "100.00")
    quiet = make_customer(company, name="Martin")
    make_invoice(quiet)
    make_credit_note(quiet, credit_left=Decimal("0.00"), status="paid")
    invoices_refresh(company=company, today=TODAY)
    plan = reminder_plan(company=company, today=TODAY)
    assert plan.to_send == 2
    [warning] = plan.credit_warnings
    assert warning.invoice == credit
    assert warning.kind == WarningKind.UNALLOCATED_CREDIT
    assert str(warning.message) == (
        "Avoir non imputé de 150,00\u00a0€ pour Dupont SARL : imputez-le sur ses "
        "factures avant de le relancer."
    )
    assert plan.limitation_warnings == []
