from datetime import date
from decimal import Decimal

import pytest

from relance.core.errors import ApplicationError
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    company = make_company()
    make_steps(company)
    invoice = make_invoice(make_customer(company), total=Decimal("1000.00"))
    invoices_refresh(company=company, today=date(2026, 3, 1))
    invoice.refresh_from_db()
    assert invoice.to_remind
    return invoice


def test_a_partial_payment_lowers_what_is_due_and_keeps_the_dunning(invoice):
    payment = pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("400"))
    invoice.refresh_from_db()
    assert payment.amount == Decimal("400")
    assert payment.company_id == invoice.company_id
    assert invoice.amount_due == Decimal("600.00")
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.to_remind is True


def test_paying_what_remains_leaves_the_dunning_at_once(invoice):
    pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("400"))
    pay(invoice=invoice, on=date(2026, 3, 5), amount=Decimal("600"))
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("0.00")
    assert invoice.status == Invoice.Status.PAID
    assert (invoice.to_remind, invoice.next_level, invoice.next_reminder_on) == (
        False,
        None,
        None,
    )
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_an_overpayment_is_refused_and_nothing_is_recorded(invoice):
    with pytest.raises(ApplicationError) as refused:
        pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("1000.01"))
    assert refused.value.field == "amount"
    assert str(refused.value.message) == (
        f"Le règlement de 1\u00a0000,01\u00a0€ dépasse le reste dû de la facture "
        f"{invoice.number} (1\u00a0000,00\u00a0€)."
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("1000.00")
    assert not Payment.objects.exists()


def test_a_payment_on_a_cancelled_invoice_is_refused(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.CANCELLED)
    with pytest.raises(
        ApplicationError, match="est annulée : aucun règlement possible"
    ):
        pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("10"))
    assert not Payment.objects.exists()


def test_a_payment_on_a_draft_invoice_is_refused(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.DRAFT)
    with pytest.raises(ApplicationError, match="est un brouillon"):
        pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("10"))


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_payment_must_be_positive(invoice, amount):
    with pytest.raises(ApplicationError, match="Le montant doit être positif"):
        pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal(amount))


def test_a_payment_on_a_paid_invoice_is_an_overpayment(invoice):
    pay(invoice=invoice, on=date(2026, 3, 2), amount=Decimal("1000"))
    with pytest.raises(ApplicationError, match="dépasse le reste dû"):
        pay(invoice=invoice, on=date(2026, 3, 3), amount=Decimal("1"))


def test_a_payment_dated_after_today_is_refused_on_every_way_in(invoice):
    """Issue 12 §5: a payment dated 31/12/2999 was accepted."""
    from relance.dunning.services.intake import payments_take_in
    from relance.dunning.services.payments import payments_record
    from relance.invoices.importing import Refused, RowError
    from relance.invoices.services import NewPayment

    with pytest.raises(ApplicationError) as refused:
        payments_record(
            company=invoice.company,
            payments=[NewPayment(invoice=invoice, on=date(2026, 3, 3), amount=10)],
            today=date(2026, 3, 2),
        )
    assert (refused.value.field, refused.value.message) == (
        "date",
        "Un règlement ne peut pas être daté après aujourd'hui (02/03/2026).",
    )
    content = f"facture;date;montant\n{invoice.number};03/03/2026;10,00\n".encode()
    with pytest.raises(Refused) as file_refused:
        payments_take_in(
            company=invoice.company,
            content=content,
            filename="p.csv",
            today=date(2026, 3, 2),
        )
    assert file_refused.value.report.errors == [
        RowError(2, "date", "date après aujourd'hui")
    ]
    assert not Payment.objects.exists()


def test_a_payment_recorded_by_mistake_is_cancelled_with_who_when_why(invoice):
    """Issue 12 §5: the invoice owes it again and is « à relancer » at once."""
    from relance.dunning.services.payments import payment_cancel
    from tests.factories import make_user

    paid = pay(invoice, on=date(2026, 3, 2), amount="1000")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.to_remind) == (Invoice.Status.PAID, False)
    user = make_user(invoice.company)
    with pytest.raises(ApplicationError, match="Indiquez pourquoi"):
        payment_cancel(payment=paid, reason=" ", today=date(2026, 3, 3), user=user)
    payment_cancel(
        payment=paid, reason="Virement rejeté", today=date(2026, 3, 3), user=user
    )
    paid.refresh_from_db()
    invoice.refresh_from_db()
    assert (paid.cancelled_by, paid.cancel_reason) == (user, "Virement rejeté")
    assert paid.cancelled_at is not None
    assert (invoice.status, invoice.amount_due) == (
        Invoice.Status.OPEN,
        Decimal("1000.00"),
    )
    assert invoice.to_remind is True  # due since 31/01, reminded from 03/02
    with pytest.raises(ApplicationError, match="déjà annulé"):
        payment_cancel(payment=paid, reason="encore", today=date(2026, 3, 3))
    assert Payment.objects.count() == 1  # kept, never deleted


def test_payments_in_full_and_in_part_together_leave_the_state_a_full_recompute_gives():
    """An invoice paid in full gets its state with its amount (one write);
    one paid in part is refreshed after: a full recompute changes nothing."""
    from relance.dunning.services.payments import payments_record
    from relance.invoices.services import NewPayment

    company = make_company()
    make_steps(company)
    customer = make_customer(company)
    full, part = (
        make_invoice(customer, number=n, total=Decimal("100.00")) for n in ("P1", "P2")
    )
    today = date(2026, 3, 1)
    invoices_refresh(company=company, today=today)
    payments_record(
        company=company,
        payments=[
            NewPayment(invoice=full, on=today, amount=Decimal("100.00")),
            NewPayment(invoice=part, on=today, amount=Decimal("40.00")),
        ],
        today=today,
        ids=True,
    )
    states = {
        number: (status, due, tag, level)
        for number, status, due, tag, level in Invoice.objects.values_list(
            "number", "status", "amount_due", "to_remind", "next_level"
        )
    }
    assert states == {
        "P1": (Invoice.Status.PAID, Decimal("0.00"), False, None),
        "P2": (Invoice.Status.OPEN, Decimal("60.00"), True, 1),
    }
    result = invoices_refresh(company=company, today=today)
    assert (result.tagged, result.untagged, result.to_remind) == (0, 0, 1)
