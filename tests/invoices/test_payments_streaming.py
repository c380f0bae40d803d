"""A file of payments is read as a stream and recorded chunk by chunk in one
transaction (issue 16 §1, ADR 17 amended 2026-12-04): files of a few hundred
rows here, in chunks of 100, so that every path across chunks is taken."""

import gc
from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.services.intake import payments_take_in
from relance.invoices import importing
from relance.invoices.importing import Refused, RowError
from relance.invoices.models import Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)
HEADER = "facture;date;montant;reference"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(importing, "PAYMENT_CHUNK_ROWS", 100)


@pytest.fixture
def invoices():
    """F0…F149 of 100,00 €, 29 days late on TODAY (to remind)."""
    company = make_company()
    make_steps(company)
    customer = make_customer(company)
    return [
        make_invoice(
            customer,
            number=f"F{n}",
            total=Decimal("100.00"),
            due_date=date(2026, 1, 31),
        )
        for n in range(150)
    ]


def take_in(company, lines, dry_run=False, progress=None):
    return payments_take_in(
        company=company,
        content=("\n".join([HEADER, *lines]) + "\n").encode(),
        filename="reglements.csv",
        today=TODAY,
        dry_run=dry_run,
        progress=progress,
    )


def owed(number) -> Decimal:
    return Invoice.objects.get(number=number).amount_due


def test_payments_of_one_invoice_in_two_chunks_are_checked_against_each_other(
    invoices,
):
    company = invoices[0].company
    # F0 paid 60 on line 2 and 40 on line 252: chunks 1 and 3.
    lines = ["F0;20/02/2026;60,00;VIR A"]
    lines += [f"F{n % 149 + 1};20/02/2026;0,50;VIR {n}" for n in range(249)]
    lines += ["F0;21/02/2026;40,00;VIR B"]
    done, collecting = [], []

    def progress(rows):
        done.append(rows)
        collecting.append(gc.isenabled())

    report = take_in(company, lines, progress=progress)
    assert (report.created, report.unchanged, report.errors) == (251, 0, [])
    assert done == [100, 200, 251]
    # Python's cyclic collector held off while the file is taken in only.
    assert (collecting, gc.isenabled()) == ([False, False, False], True)
    assert owed("F0") == Decimal("0.00")
    paid = Invoice.objects.get(number="F0")
    assert (paid.status, paid.to_remind, paid.next_level) == ("paid", False, None)
    # F1 got two halves of a euro: still owing, still to remind.
    assert owed("F1") == Decimal("99.00")
    assert Invoice.objects.get(number="F1").to_remind is True
    assert Payment.objects.filter(invoice__company=company).count() == 251


def test_an_overpayment_in_a_later_chunk_names_its_line_and_nothing_is_kept(
    invoices,
):
    company = invoices[0].company
    lines = ["F0;20/02/2026;60,00;VIR A"]
    lines += [f"F{n % 149 + 1};20/02/2026;1,00;VIR {n}" for n in range(249)]
    lines += ["F0;21/02/2026;40,01;VIR B"]
    with pytest.raises(Refused) as refused:
        take_in(company, lines)
    assert refused.value.report.errors == [
        RowError(252, "montant", "dépasse le reste dû de la facture « F0 »")
    ]
    assert Payment.objects.filter(invoice__company=company).count() == 0
    assert {owed(f"F{n}") for n in range(150)} == {Decimal("100.00")}
    assert Invoice.objects.get(number="F0").to_remind is False  # as before


def test_a_row_recorded_before_is_left_out_two_equal_rows_of_the_file_are_two(
    invoices,
):
    company = invoices[0].company
    take_in(company, ["F0;20/02/2026;10,00;VIR 1"])
    lines = ["F0;20/02/2026;10,00;VIR 1", "F0;20/02/2026;5,00;VIR 2"]
    lines += [f"F{n % 149 + 1};20/02/2026;1,00;VIR x{n}" for n in range(200)]
    lines += ["F0;20/02/2026;5,00;VIR 2"]  # line 205: in the third chunk
    report = take_in(company, lines)
    assert (report.created, report.unchanged) == (202, 1)
    assert owed("F0") == Decimal("80.00")
    # Imported a second time, the whole file was recorded already.
    again = take_in(company, lines)
    assert (again.created, again.unchanged) == (0, 203)
    assert owed("F0") == Decimal("80.00")


def test_a_dry_run_checks_every_chunk_and_records_nothing(invoices):
    company = invoices[0].company
    lines = [f"F{n % 150};20/02/2026;30,00;VIR {n}" for n in range(450)]
    report = take_in(company, lines, dry_run=True)
    assert report.created == 450
    assert Payment.objects.count() == 0
    lines.append("F3;20/02/2026;30,00;VIR 450")  # a fourth 30 € on F3
    with pytest.raises(Refused) as refused:
        take_in(company, lines, dry_run=True)
    assert refused.value.report.errors == [
        RowError(452, "montant", "dépasse le reste dû de la facture « F3 »")
    ]
