"""Credit notes (« avoirs ») in invoice files: a type column, the invoice a
credit note credits, allocated at once; every mistake named by line and
column, nothing imported."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.services.intake import invoices_take_in
from relance.invoices.importing import Refused
from relance.invoices.models import Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)

HEADER = (
    "N° facture;Code client;Client;Date facture;Date échéance;Montant TTC;"
    "Type pièce;Facture d'origine\r\n"
)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def take_in(company, text: str, dry_run=False):
    return invoices_take_in(
        company=company,
        content=(HEADER + text).encode("cp1252"),
        filename="export.csv",
        today=TODAY,
        dry_run=dry_run,
    )


def test_a_credit_note_naming_an_invoice_of_the_file_is_allocated_to_it(company):
    report = take_in(
        company,
        "FC1;411RIOU;Menuiserie Riou;02/01/2026;31/01/2026;1 200,00;Facture;\r\n"
        "AV1;411RIOU;Menuiserie Riou;10/01/2026;10/01/2026;-200,00;Avoir;FC1\r\n"
        "AV2;411RIOU;Menuiserie Riou;12/01/2026;12/01/2026;50,00;avoir;\r\n",
    )
    assert (report.created, report.errors) == (3, [])
    invoice = Invoice.objects.get(number="FC1")
    credit = Invoice.objects.get(number="AV1")
    loose = Invoice.objects.get(number="AV2")
    assert (invoice.kind, invoice.amount_due, invoice.status) == (
        "invoice",
        Decimal("1000.00"),
        "open",
    )
    assert (credit.kind, credit.total, credit.amount_due, credit.credit_left) == (
        "credit_note",
        Decimal("200.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (credit.credited_invoice_id, credit.status, credit.to_remind) == (
        invoice.pk,
        "paid",
        False,
    )
    assert (loose.credit_left, loose.status, loose.credited_invoice_id) == (
        Decimal("50.00"),
        "open",
        None,
    )
    [allocation] = Payment.objects.all()
    assert (
        allocation.invoice_id,
        allocation.credit_note_id,
        allocation.amount,
        allocation.date,
        allocation.method,
    ) == (invoice.pk, credit.pk, Decimal("200.00"), date(2026, 1, 10), "credit_note")
    # The same file again allocates nothing more.
    report = take_in(
        company,
        "FC1;411RIOU;Menuiserie Riou;02/01/2026;31/01/2026;1 200,00;Facture;\r\n"
        "AV1;411RIOU;Menuiserie Riou;10/01/2026;10/01/2026;-200,00;Avoir;FC1\r\n",
    )
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("1000.00")


def test_a_credit_note_larger_than_what_is_due_keeps_the_rest(company):
    customer = make_customer(company, code="411RIOU")
    make_invoice(customer, number="FC9", total=Decimal("100.00"))
    take_in(company, "AV9;411RIOU;;01/02/2026;01/02/2026;150,00;avoir;FC9\r\n")
    credit = Invoice.objects.get(number="AV9")
    invoice = Invoice.objects.get(number="FC9")
    assert (invoice.amount_due, invoice.status) == (Decimal("0.00"), "paid")
    assert (credit.credit_left, credit.status) == (Decimal("50.00"), "open")


def test_a_dry_run_allocates_nothing(company):
    customer = make_customer(company, code="411RIOU")
    make_invoice(customer, number="FC9", total=Decimal("100.00"))
    report = take_in(
        company, "AV9;411RIOU;;01/02/2026;01/02/2026;50,00;avoir;FC9\r\n", True
    )
    assert report.created == 1
    assert not Payment.objects.exists()
    assert not Invoice.objects.filter(number="AV9").exists()


def test_bad_credit_notes_are_refused_whole_each_error_named(company):
    other = make_customer(company, code="411AUTRE")
    make_invoice(other, number="FC-AUTRE")
    customer = make_customer(company, code="411RIOU")
    make_invoice(customer, number="FC-OLD")
    make_invoice(
        customer,
        number="AV-OLD",
        kind="credit_note",
        amount_due=Decimal("0"),
        credit_left=Decimal("0"),
        status="paid",
    )
    with pytest.raises(Refused) as refused:
        take_in(
            company,
            "AV1;411RIOU;;01/02/2026;01/02/2026;10,00;avoir;FC-INCONNUE\r\n"
            "AV2;411RIOU;;01/02/2026;01/02/2026;10,00;avoir;FC-AUTRE\r\n"
            "AV3;411RIOU;;01/02/2026;01/02/2026;10,00;avoir;AV-OLD\r\n"
            "FC4;411RIOU;;01/02/2026;01/02/2026;10,00;facture;FC-OLD\r\n"
            "FC-OLD;411RIOU;;01/01/2026;31/01/2026;1 200,00;avoir;\r\n"
            "AV6;411RIOU;;01/02/2026;01/02/2026;10,00;note;\r\n"
            "AV-OLD;411RIOU;;01/01/2026;31/01/2026;100,00;;\r\n",
        )
    errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
    assert errors == [  # in the file's order
        (2, "Facture d'origine", "facture d'origine « FC-INCONNUE » inconnue"),
        (
            3,
            "Facture d'origine",
            "la facture d'origine « FC-AUTRE » est celle d'un autre client",
        ),
        (4, "Facture d'origine", "« AV-OLD » est un avoir, pas une facture"),
        (
            5,
            "Facture d'origine",
            "seul un avoir indique une facture d'origine (type : avoir)",
        ),
        (
            6,
            "Type pièce",
            "FC-OLD est déjà importée comme « Facture » : son type ne change pas",
        ),
        (7, "Type pièce", "valeur inconnue « note » (attendu : facture, avoir)"),
        (
            8,
            "Montant TTC",
            "l'avoir est déjà imputé de 1\u00a0200,00\u00a0€ : montant trop bas",
        ),
    ]
    assert Invoice.objects.count() == 3
