"""The fast write path of a file import (issue 16 §1): rows written and read
without model objects, at the import's real chunk size (ADR 17 and its
amendment). The exact rows written, a second import changing nothing, and
an error far down a big file."""

from datetime import date
from decimal import Decimal

import pytest

from relance.core.sql import rows_insert
from relance.dunning.services.intake import invoices_take_in, payments_take_in
from relance.invoices.importing import Refused, RowError
from relance.invoices.models import Customer, Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)
HEADER = "numero;code_client;client;email;date;echeance;montant;devise;conditions"


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def take_in(company, content: bytes, dry_run=False):
    return invoices_take_in(
        company=company,
        content=content,
        filename="factures.csv",
        today=TODAY,
        dry_run=dry_run,
    )


def big_file(rows: int, changed: dict | None = None) -> bytes:
    """`rows` invoices F0… of 1,000 customers, 40 days late on TODAY;
    `changed` gives some rows' line instead (by row number, from 0)."""
    changed = changed or {}
    lines = (
        changed.get(n)
        or f"F{n};C{n % 1000};Client {n % 1000};;01/01/2026;20/01/2026;"
        f"{100 + n % 7},{n % 100:02d};EUR;"
        for n in range(rows)
    )
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def test_an_imported_invoice_row_holds_exactly_the_files_values_and_defaults(
    company,
):
    content = (
        f"{HEADER}\n"
        "FA-1;411DUPONT;Dupont SARL;compta@dupont.fr;15/01/2026;14/02/2026;"
        "1 234,56;eur;30 jours fin de mois\n"
    ).encode()
    take_in(company, content)
    customer = Customer.objects.get()
    assert (
        customer.company_id,
        customer.code,
        customer.name,
        customer.email,
        customer.kind,
    ) == (company.pk, "411DUPONT", "Dupont SARL", "compta@dupont.fr", "business")
    row = Invoice.objects.filter(number="FA-1").values(
        "company_id",
        "customer_id",
        "kind",
        "credited_invoice_id",
        "credit_left",
        "issue_date",
        "due_date",
        "currency",
        "total",
        "amount_due",
        "status",
        "payment_terms",
        "dunning_level",
        "last_reminder_on",
    )[0]
    assert row == {
        "company_id": company.pk,
        "customer_id": customer.pk,
        "kind": "invoice",
        "credited_invoice_id": None,
        "credit_left": Decimal("0.00"),
        "issue_date": date(2026, 1, 15),
        "due_date": date(2026, 2, 14),
        "currency": "EUR",
        "total": Decimal("1234.56"),
        "amount_due": Decimal("1234.56"),
        "status": "open",
        "payment_terms": "30 jours fin de mois",
        "dunning_level": 0,
        "last_reminder_on": None,
    }


def test_rows_insert_writes_choices_amounts_dates_and_nulls_as_given(company):
    invoice = make_invoice(make_customer(company), total=Decimal("300.00"))
    rows_insert(
        Payment,
        ["company_id", "invoice_id", "date", "amount", "method", "reference"],
        [
            (company.pk, invoice.pk, date(2026, 2, 1), Decimal("10.5"), "cheque", ""),
            (
                company.pk,
                invoice.pk,
                date(2026, 2, 2),
                Decimal("0.01"),
                Payment.Method.CARD,
                "CB 42",
            ),
        ],
    )
    assert list(
        Payment.objects.order_by("date").values_list(
            "date", "amount", "method", "reference", "credit_note_id"
        )
    ) == [
        (date(2026, 2, 1), Decimal("10.50"), "cheque", "", None),
        (date(2026, 2, 2), Decimal("0.01"), "card", "CB 42", None),
    ]


def test_five_thousand_rows_imported_twice_change_nothing_the_second_time(company):
    content = big_file(5000)
    first = take_in(company, content)
    assert (first.created, first.updated, first.unchanged) == (5000, 0, 0)
    written = sorted(
        Invoice.objects.values_list(
            "number", "customer__code", "total", "amount_due", "to_remind", "updated_at"
        )
    )
    assert written[:2] == [
        ("F0", "C0", Decimal("100.00"), Decimal("100.00"), True, written[0][-1]),
        ("F1", "C1", Decimal("101.01"), Decimal("101.01"), True, written[1][-1]),
    ]
    again = take_in(company, content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5000)
    assert again.preview.total == 5000
    assert [row["action"] for row in again.preview.rows] == ["unchanged"] * 200
    assert (
        sorted(
            Invoice.objects.values_list(
                "number",
                "customer__code",
                "total",
                "amount_due",
                "to_remind",
                "updated_at",
            )
        )
        == written
    )
    assert Customer.objects.count() == 1000


def test_a_known_customers_new_name_and_an_invoices_new_amount_are_written(company):
    take_in(company, big_file(3000))
    changed = {
        2999: "F2999;C999;Neuf;;01/01/2026;20/01/2026;103,99;EUR;",
        2500: "F2500;C500;Client 500;;01/01/2026;20/01/2026;50,00;EUR;",
    }
    report = take_in(company, big_file(3000, changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2999)
    assert Customer.objects.get(code="C999").name == "Neuf"
    assert Invoice.objects.filter(number="F2500").values_list(
        "total", "amount_due"
    ).get() == (Decimal("50.00"), Decimal("50.00"))


def test_an_error_at_line_70001_of_a_big_file_names_it_and_writes_nothing(company):
    last = "F69999;C999;Client 999;;31/02/2026;20/03/2026;100,99;EUR;"
    content = big_file(70_000, {69_999: last})
    with pytest.raises(Refused) as refused:
        take_in(company, content)
    assert refused.value.report.errors == [
        RowError(70_001, "date", "date impossible « 31/02/2026 »")
    ]
    assert str(refused.value) == "1 erreur(s) : rien n'a été importé."
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_a_payments_file_of_a_thousand_rows_twice_pays_each_invoice_once(company):
    take_in(company, big_file(1000))
    content = "\n".join(
        [
            "facture;date;montant;reference",
            *(
                f"F{n};02/02/2026;{100 + n % 7},{n % 100:02d};VIR {n}"
                for n in range(1000)
            ),
        ]
    ).encode()
    first = payments_take_in(
        company=company, content=content, filename="r.csv", today=TODAY
    )
    again = payments_take_in(
        company=company, content=content, filename="r.csv", today=TODAY
    )
    assert (first.created, again.created, again.unchanged) == (1000, 0, 1000)
    assert Payment.objects.count() == 1000
    assert set(Invoice.objects.values_list("status", "amount_due", "to_remind")) == {
        ("paid", Decimal("0.00"), False)
    }
