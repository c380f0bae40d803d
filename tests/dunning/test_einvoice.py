from datetime import date
from decimal import Decimal

import pytest

from relance.core.errors import ApplicationError
from relance.dunning.planning import reminder_plan
from relance.dunning.services.einvoice import NewStatus, einvoice_status_record
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import EInvoiceStatusEvent, Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps, pay

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


@pytest.fixture
def invoice(company):
    invoice = make_invoice(
        make_customer(company), number="F-2026-0042", total=Decimal("1440.00")
    )
    invoices_refresh(company=company, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.to_remind
    return invoice


def record(company, *statuses, today=TODAY):
    return einvoice_status_record(company=company, statuses=list(statuses), today=today)


def status(invoice, code, on=date(2026, 3, 5), **fields):
    return NewStatus(invoice=invoice, code=code, on=on, **fields)


def test_encaissee_with_no_amount_pays_what_was_due_on_the_status_date(
    company, invoice
):
    pay(invoice, on=date(2026, 2, 20), amount="440.00")
    recorded = record(company, status(invoice, "212", on=date(2026, 3, 6)))
    invoice.refresh_from_db()
    [payment] = recorded.payments
    assert (payment.amount, payment.date, payment.reference) == (
        Decimal("1000.00"),
        date(2026, 3, 6),
        "Statut 212",
    )
    assert (invoice.amount_due, invoice.status, invoice.einvoice_status) == (
        Decimal("0.00"),
        Invoice.Status.PAID,
        "212",
    )
    assert invoice.to_remind is False


def test_encaissee_with_an_amount_and_a_date_records_a_partial_payment_and_stops_the_dunning(  # noqa: E501
    company, invoice
):
    record(
        company,
        status(
            invoice,
            "212",
            amount_paid=Decimal("600.50"),
            paid_on=date(2026, 3, 4),
            message_id="CDAR-77",
        ),
    )
    invoice.refresh_from_db()
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.amount, payment.date, payment.reference) == (
        Decimal("600.50"),
        date(2026, 3, 4),
        "CDAR CDAR-77",
    )
    assert (invoice.amount_due, invoice.status) == (Decimal("839.50"), "open")
    assert invoice.to_remind is False
    assert invoice.next_level is None


def test_encaissee_never_pays_more_than_is_due_now(company, invoice):
    pay(invoice, on=date(2026, 3, 8), amount="1440.00")  # the bank brought it
    recorded = record(company, status(invoice, "212", on=date(2026, 3, 6)))
    assert recorded.payments == []
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_the_same_message_twice_does_nothing_the_second_time(company, invoice):
    message = status(invoice, "212", message_id="PA-0001")
    first = record(company, message)
    second = record(company, message)
    assert (len(first.events), first.known) == (1, 0)
    assert (len(second.events), second.known, second.payments) == (0, 1, [])
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert EInvoiceStatusEvent.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize(
    ("code", "kind", "reason"),
    [
        ("207", "dispute", "207 « En litige » : Quantité livrée inférieure"),
        ("208", "other", "208 « Suspendue » : Quantité livrée inférieure"),
    ],
)
def test_en_litige_and_suspendue_pause_the_invoice_with_the_status_as_reason(
    company, invoice, code, kind, reason
):
    recorded = record(
        company, status(invoice, code, reason="Quantité livrée inférieure")
    )
    invoice.refresh_from_db()
    assert recorded.paused == [invoice.pk]
    assert (invoice.pause_kind, invoice.pause_reason, invoice.paused_until) == (
        kind,
        reason,
        date(2027, 3, 10),
    )
    assert invoice.to_remind is False


def test_a_later_status_lifts_the_pause_of_a_dispute(company, invoice):
    record(company, status(invoice, "207", on=date(2026, 3, 2), reason="Prix"))
    recorded = record(company, status(invoice, "209", on=date(2026, 3, 6)))
    invoice.refresh_from_db()
    assert recorded.lifted == [invoice.pk]
    assert (invoice.paused_until, invoice.pause_kind, invoice.pause_reason) == (
        None,
        "",
        "",
    )
    assert (invoice.einvoice_status, invoice.to_remind) == ("209", True)


def test_a_pause_set_by_a_person_is_not_lifted_by_a_status(company, invoice):
    from relance.dunning.services.pauses import invoice_pause

    invoice_pause(
        invoice=invoice,
        until=date(2026, 4, 1),
        kind="promise",
        reason="Paiera le 31",
        today=TODAY,
    )
    record(company, status(invoice, "205"))
    invoice.refresh_from_db()
    assert (invoice.pause_kind, invoice.pause_reason) == ("promise", "Paiera le 31")


def test_an_older_status_received_late_does_not_replace_the_current_one(
    company, invoice
):
    record(company, status(invoice, "209", on=date(2026, 3, 6)))
    record(company, status(invoice, "207", on=date(2026, 3, 2)))
    invoice.refresh_from_db()
    assert invoice.einvoice_status == "209"
    assert invoice.paused_until is None
    assert list(
        EInvoiceStatusEvent.objects.filter(invoice=invoice).values_list(
            "code", flat=True
        )
    ) == ["207", "209"]


@pytest.mark.parametrize(("code", "label"), [("210", "Refusée"), ("213", "Rejetée")])
def test_refusee_and_rejetee_stop_the_dunning_and_the_summary_says_why(
    company, invoice, code, label
):
    record(company, status(invoice, code, reason="Facture en double"))
    invoice.refresh_from_db()
    assert (invoice.einvoice_status, invoice.to_remind, invoice.next_level) == (
        code,
        False,
        None,
    )
    plan = reminder_plan(company=company, today=TODAY, invoices=[invoice.number])
    [error] = plan.errors
    assert error.message == (
        f"Statut de facturation électronique « {label} » du 05/03/2026 : "
        "pas de relance. Motif : Facture en double"
    )


def test_statuses_of_another_companys_invoice_are_never_found(company, invoice):
    other = make_company()
    with pytest.raises(ApplicationError) as refused:
        record(other, status(invoice, "212"))
    assert (refused.value.field, refused.value.message) == (
        "invoice",
        "Facture introuvable.",
    )
    assert not EInvoiceStatusEvent.objects.exists()


def test_an_unknown_code_or_a_future_date_is_refused_with_nothing_recorded(
    company, invoice
):
    with pytest.raises(ApplicationError) as refused:
        record(company, status(invoice, "205"), status(invoice, "299"))
    assert refused.value.message == (
        "statut « 299 » inconnu : un code de 200 à 213 est attendu"
    )
    with pytest.raises(ApplicationError) as refused:
        record(company, status(invoice, "205", on=date(2026, 3, 11)))
    assert refused.value.message == "date après aujourd'hui (10/03/2026)"
    assert not EInvoiceStatusEvent.objects.exists()


def test_many_statuses_take_a_fixed_number_of_statements(
    company, django_assert_max_num_queries
):
    customer = make_customer(company)
    invoices = [make_invoice(customer) for _ in range(30)]

    def batch(code, on):
        return [status(invoice, code, on=on) for invoice in invoices]

    with django_assert_max_num_queries(40) as few:
        record(company, *batch("207", date(2026, 3, 1))[:3])
    with django_assert_max_num_queries(len(few.captured_queries)):
        record(company, *batch("207", date(2026, 3, 2)))
    assert Invoice.objects.filter(company=company, pause_kind="dispute").count() == 30
