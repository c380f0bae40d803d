from datetime import date

import pytest

from relance.core.errors import ApplicationError
from relance.dunning.services.pauses import (
    customer_pause,
    invoice_pause,
    invoice_pause_lift,
)
from relance.dunning.services.state import invoices_refresh
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


@pytest.fixture
def invoice():
    company = make_company()
    make_steps(company)
    invoice = make_invoice(make_customer(company))
    invoices_refresh(company=company, today=TODAY)
    return invoice


def test_a_dispute_untags_the_invoice_at_once_and_plans_the_day_after(invoice):
    invoice = invoice_pause(
        invoice=invoice,
        until=date(2026, 3, 15),
        kind="dispute",
        reason="Travaux contestés",
        today=TODAY,
    )
    assert (invoice.to_remind, invoice.next_level, invoice.next_reminder_on) == (
        False,
        1,
        date(2026, 3, 16),
    )
    assert (invoice.pause_kind, invoice.pause_reason) == (
        "dispute",
        "Travaux contestés",
    )


def test_lifting_a_pause_brings_the_tag_back_at_once(invoice):
    invoice_pause(
        invoice=invoice, until=date(2026, 3, 15), kind="promise", reason="", today=TODAY
    )
    invoice = invoice_pause_lift(invoice=invoice, today=TODAY)
    assert invoice.to_remind is True
    assert (invoice.paused_until, invoice.pause_kind) == (None, "")


def test_a_dispute_needs_a_reason(invoice):
    with pytest.raises(ApplicationError, match="motif du litige") as refused:
        invoice_pause(
            invoice=invoice,
            until=date(2026, 3, 15),
            kind="dispute",
            reason=" ",
            today=TODAY,
        )
    assert refused.value.field == "pause_reason"


def test_a_pause_cannot_end_in_the_past(invoice):
    with pytest.raises(ApplicationError, match="aujourd'hui ou plus tard"):
        invoice_pause(
            invoice=invoice,
            until=date(2026, 2, 28),
            kind="promise",
            reason="",
            today=TODAY,
        )


def test_pausing_a_customer_untags_all_their_invoices(invoice):
    second = make_invoice(invoice.customer)
    invoices_refresh(company=invoice.customer.company, today=TODAY)
    customer_pause(
        customer=invoice.customer,
        until=date(2026, 4, 1),
        reason="Échéancier",
        today=TODAY,
    )
    invoice.refresh_from_db()
    second.refresh_from_db()
    assert (invoice.to_remind, second.to_remind) == (False, False)
    assert invoice.next_reminder_on == date(2026, 4, 2)
    customer_pause(customer=invoice.customer, until=None, reason="", today=TODAY)
    invoice.refresh_from_db()
    assert invoice.to_remind is True
    assert invoice.customer.pause_reason == ""
