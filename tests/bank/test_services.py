"""Statements taken in: payments recorded, suggestions held, nothing twice."""

from datetime import date
from decimal import Decimal

import pytest

from relance.bank.models import IbanLink, Match, StatementImport, Transaction
from relance.bank.services import (
    iban_link_delete,
    invoice_suggestion_confirm,
    statement_take_in,
    suggestion_confirm,
    suggestion_reject,
    transactions_push,
)
from relance.core.errors import ApplicationError
from relance.invoices.models import Invoice, Payment
from tests.bank.conftest import TODAY, read
from tests.factories import make_company, make_customer, make_invoice


def take_in(company, name):
    return statement_take_in(
        company=company, content=read(name), filename=name, today=TODAY
    )


def test_a_camt_053_statement_pays_what_it_names_and_says_why(books):
    company, invoices = books
    result = take_in(company, "camt053.xml")
    ids = {row.bank_id: row.pk for row in Transaction.objects.all()}
    assert result.as_dict() == {
        "format": "camt.053",
        "transactions": 5,
        "new": 5,
        "matched": [
            {
                "invoice": "FC22120054",
                "amount": "1200.00",
                "transaction": ids["20261201-0000417"],
            },
            {
                "invoice": "FC22120055",
                "amount": "350.00",
                "transaction": ids["20261201-0000418"],
            },
            {
                "invoice": "FC22120060",
                "amount": "480.00",
                "transaction": ids["20261202-0000233"],
            },
            {
                "invoice": "FC22120061",
                "amount": "520.00",
                "transaction": ids["20261202-0000233"],
            },
            {
                "invoice": "FC22120070",
                "amount": "99.90",
                "transaction": ids["20261202-0000240-1"],
            },
        ],
        "suggested": [],
        "unmatched": 1,
    }
    reasons = dict(
        Match.objects.values_list("invoice__number", "reason").order_by("id")
    )
    assert reasons == {
        "FC22120054": "number",
        "FC22120055": "number",
        "FC22120060": "customer_total",
        "FC22120061": "customer_total",
        "FC22120070": "customer_amount",
    }
    for invoice in invoices.values():
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_due) == ("paid", Decimal("0.00"))
    payment = Payment.objects.get(invoice=invoices["FC22120054"])
    assert (payment.date, payment.amount, payment.method, payment.reference) == (
        date(2026, 12, 1),
        Decimal("1200.00"),
        "transfer",
        "20261201-0000417",
    )
    assert Transaction.objects.get(bank_id="20261202-0000240-2").status == "unmatched"
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 12, 2)
    assert sorted(IbanLink.objects.values_list("iban", "customer__code")) == [
        ("FR7610107001011234567890129", "411DUPONT"),
        ("FR7630006000011234567890189", "411MARTIN"),
    ]


def test_importing_the_same_statement_twice_creates_nothing_the_second_time(books):
    company, _invoices = books
    take_in(company, "releve-latin1.csv")  # no bank ids: date, amount, label
    counts = (Transaction.objects.count(), Payment.objects.count())
    again = take_in(company, "releve-latin1.csv")
    assert again.as_dict() == {
        "format": "csv",
        "transactions": 3,
        "new": 0,
        "matched": [],
        "suggested": [],
        "unmatched": 0,
    }
    assert (Transaction.objects.count(), Payment.objects.count()) == counts
    assert Match.objects.count() == 4


@pytest.mark.parametrize(
    ("name", "paid"),
    [
        ("camt054.xml", ["FC22120060"]),
        ("camt052.xml", ["FC22120061"]),
        ("releve.ofx", ["FC22120054", "FC22120070"]),
        ("releve.sta", ["FC22120054", "FC22120060", "FC22120061"]),
        ("releve-latin1.csv", ["FC22120054", "FC22120060", "FC22120061", "FC22120070"]),
        ("releve-montant.csv", ["FC22120054"]),
    ],
)
def test_each_format_pays_its_invoices(books, name, paid):
    company, _invoices = books
    take_in(company, name)
    assert (
        sorted(Invoice.objects.filter(status="paid").values_list("number", flat=True))
        == paid
    )


def test_a_partial_payment_is_recorded_as_partial(books):
    company, _invoices = books
    result = transactions_push(
        company=company,
        objects=[
            {"date": date(2026, 12, 2), "amount": "500.00", "label": "FC22120054"}
        ],
        today=TODAY,
    )
    assert [row["amount"] for row in result.matched] == ["500.00"]
    invoice = Invoice.objects.get(number="FC22120054")
    assert (invoice.status, invoice.amount_due) == ("open", Decimal("700.00"))
    assert Match.objects.get().reason == "number_partial"


def test_a_suggestion_holds_its_invoice_until_confirmed(books):
    company, _invoices = books
    result = transactions_push(
        company=company,
        objects=[
            {
                "id": "AGG-1",
                "date": date(2026, 12, 2),
                "amount": "99.90",
                "label": "VIREMENT",
                "payer_name": "M. INCONNU",
                "payer_iban": "FR7611111111111111111111111",
            }
        ],
        today=TODAY,
    )
    row = Transaction.objects.get()
    assert result.suggested == [
        {"invoice": "FC22120070", "amount": "99.90", "transaction": row.pk}
    ]
    assert (result.matched, row.status) == ([], "suggested")
    invoice = Invoice.objects.get(number="FC22120070")
    assert (invoice.payment_suggested_on, invoice.status) == (date(2026, 12, 2), "open")
    assert Match.objects.get().reason == "amount_only"

    [payment] = invoice_suggestion_confirm(
        company=company, invoice=invoice, today=TODAY
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_suggested_on) == ("paid", None)
    assert (payment.amount, payment.date) == (Decimal("99.90"), date(2026, 12, 2))
    assert Match.objects.get().status == "confirmed"
    assert Transaction.objects.get().status == "matched"
    link = IbanLink.objects.get()
    assert (link.iban, link.customer.code) == ("FR7611111111111111111111111", "411LEA")


def test_a_rejected_suggestion_leaves_the_credit_unmatched_and_the_invoice_free(books):
    company, _invoices = books
    transactions_push(
        company=company,
        objects=[{"date": date(2026, 12, 2), "amount": "99.90", "label": "X"}],
        today=TODAY,
    )
    row = Transaction.objects.get()
    suggestion_reject(company=company, transaction_id=row.pk)
    row.refresh_from_db()
    invoice = Invoice.objects.get(number="FC22120070")
    assert (row.status, invoice.payment_suggested_on, invoice.status) == (
        "unmatched",
        None,
        "open",
    )
    assert Match.objects.get().status == "rejected"
    with pytest.raises(ApplicationError) as refused:
        suggestion_confirm(company=company, transaction_id=row.pk, today=TODAY)
    assert refused.value.message == (
        "Cette opération n'attend plus de confirmation (non rapprochée)."
    )


def test_a_learned_iban_can_be_removed(books):
    company, _invoices = books
    take_in(company, "camt054.xml")
    link = IbanLink.objects.get()
    iban_link_delete(company=company, link_id=link.pk)
    assert not IbanLink.objects.exists()
    with pytest.raises(ApplicationError):
        iban_link_delete(company=company, link_id=link.pk)


def test_another_companys_invoices_are_never_matched(books):
    company, _invoices = books
    other = make_company()
    make_invoice(make_customer(other), number="AUTRE-0001", total=Decimal("75.00"))
    result = transactions_push(
        company=company,
        objects=[{"date": date(2026, 12, 2), "amount": "75.00", "label": "AUTRE-0001"}],
        today=TODAY,
    )
    assert (result.matched, result.suggested, result.unmatched) == ([], [], 1)
    assert Invoice.objects.get(number="AUTRE-0001").amount_due == Decimal("75.00")


def test_a_bad_statement_imports_nothing(books):
    company, _invoices = books
    content = read("releve-latin1.csv") + "05/12/2026;VIR;;douze;\r\n".encode("latin-1")
    with pytest.raises(ApplicationError) as refused:
        statement_take_in(
            company=company, content=content, filename="x.csv", today=TODAY
        )
    assert refused.value.message == (
        "Relevé CSV, ligne 11, colonne « Crédit euros » : montant illisible "
        "« douze » (attendu : 1 234,56)."
    )
    assert not StatementImport.objects.exists()
    assert not Payment.objects.exists()


DEBITS_ONLY_CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<Stmt><Id>S-1</Id>
<Ntry><Amt Ccy="EUR">89.90</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-27</Dt></BookgDt><AcctSvcrRef>D-1</AcctSvcrRef></Ntry>
<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-28</Dt></BookgDt><AcctSvcrRef>D-2</AcctSvcrRef></Ntry>
</Stmt></BkToCstmrStmt></Document>"""


def test_a_statement_of_debits_only_is_dated_by_its_bookings_not_today(db):
    company = make_company()
    result = statement_take_in(
        company=company, content=DEBITS_ONLY_CAMT, filename="d.xml", today=TODAY
    )
    assert (result.transactions, result.new) == (0, 0)
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 11, 28)
    assert StatementImport.objects.get().statement_on == date(2026, 11, 28)


def test_a_statement_is_dated_by_its_closing_balance_when_it_gives_one(db):
    company = make_company()
    closing = DEBITS_ONLY_CAMT.replace(
        b"<Stmt><Id>S-1</Id>",
        b"<Stmt><Id>S-1</Id><Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>"
        b"<Amt Ccy='EUR'>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        b"<Dt><Dt>2026-11-30</Dt></Dt></Bal>",
    )
    statement_take_in(company=company, content=closing, filename="d.xml", today=TODAY)
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 11, 30)


def test_an_mt940_statement_of_debits_only_is_dated_by_its_closing_balance(db):
    company = make_company()
    content = (
        b"{1:F01CRLYFRPPAXXX0000000000}{4:\r\n:20:STMT20261129\r\n"
        b":25:30002/00550/0000157841Z\r\n:28C:00336/001\r\n"
        b":60F:C261126EUR15320,02\r\n"
        b":61:2611271127D89,90NDDTNONREF//20261127-102\r\n"
        b":86:/REMI/PRLV SEPA ORANGE/NAME/ORANGE SA\r\n"
        b":62F:C261129EUR15230,12\r\n-}"
    )
    statement_take_in(company=company, content=content, filename="d.sta", today=TODAY)
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 11, 29)


def test_an_older_statement_of_debits_never_moves_the_date_back(db):
    company = make_company(bank_statement_on=date(2026, 12, 1))
    statement_take_in(
        company=company, content=DEBITS_ONLY_CAMT, filename="d.xml", today=TODAY
    )
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 12, 1)


def test_a_statement_with_no_date_at_all_keeps_the_last_statement_date(db):
    company = make_company(bank_statement_on=date(2026, 11, 20))
    empty = (
        b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:"
        b"camt.053.001.08'><BkToCstmrStmt><Stmt><Id>S-2</Id></Stmt>"
        b"</BkToCstmrStmt></Document>"
    )
    statement_take_in(company=company, content=empty, filename="e.xml", today=TODAY)
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 11, 20)
    assert StatementImport.objects.get().statement_on is None


def test_a_push_of_debits_only_is_dated_by_their_dates(db):
    company = make_company()
    result = transactions_push(
        company=company,
        objects=[
            {"date": date(2026, 11, 29), "amount": "-40.00", "label": "PRLV EDF"},
            {"date": date(2026, 11, 25), "amount": "-9.99", "label": "CB"},
        ],
        today=TODAY,
    )
    assert result.transactions == 0
    company.refresh_from_db()
    assert company.bank_statement_on == date(2026, 11, 29)
