"""Hostile bank statements (issue 15): entity expansion and external entities
refused before anything is expanded or fetched, huge files refused before
being parsed, another company's invoices never matched or shown."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from relance.bank import statements
from relance.bank.models import Transaction
from relance.bank.services import statement_take_in, transactions_push
from relance.bank.statements import statement_read
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.invoices.models import Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice

XML_REFUSED = (
    "Relevé XML refusé : il déclare une DTD ou des entités, ce qu'un relevé camt "
    "ne fait jamais."
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document><BkToCstmrStmt><Stmt><Ntry><AddtlNtryInf>&lol9;</AddtlNtryInf>
</Ntry></Stmt></BkToCstmrStmt></Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>
<AddtlNtryInf>&secret;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""

OFX_ENTITY = b"""<?xml version="1.0"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE"?>
<!DOCTYPE OFX [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST><STMTTRN>
<MEMO>&secret;</MEMO></STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_camt_file_with_a_dtd_is_refused_before_any_entity_is_expanded(content):
    started = time.monotonic()
    with pytest.raises(ApplicationError) as refused:
        statement_read(content)
    assert refused.value.message == XML_REFUSED
    assert time.monotonic() - started < 1


def test_a_dtd_hidden_from_a_byte_scan_by_utf16_is_refused_by_the_parser():
    """The parser never resolves an entity; a DTD it finds is refused (the
    camt reader is called directly: such a file is not told as XML)."""
    started = time.monotonic()
    content = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"").decode()
    with pytest.raises(ApplicationError) as refused:
        statements._camt(content.encode("utf-16"))
    assert refused.value.message == XML_REFUSED
    assert time.monotonic() - started < 1


def test_an_ofx_file_with_entities_is_refused():
    with pytest.raises(ApplicationError) as refused:
        statement_read(OFX_ENTITY)
    assert refused.value.message == (
        "Relevé OFX refusé : il déclare une DTD ou des entités."
    )


def test_a_huge_statement_is_refused_before_being_parsed():
    content = b"<Document>" + b"<Ntry/>" * (statements.MAX_BYTES // 7 + 1)
    started = time.monotonic()
    with pytest.raises(ApplicationError) as refused:
        statement_read(content)
    assert refused.value.message == "Relevé trop volumineux : 20 Mo au plus."
    assert time.monotonic() - started < 1


def test_a_statement_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(statements, "MAX_LINES", 3)
    entry = (
        b"<Ntry><Amt Ccy='EUR'>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        b"<BookgDt><Dt>2026-12-01</Dt></BookgDt></Ntry>"
    )
    content = b"<Document><BkToCstmrStmt><Stmt>" + entry * 4 + b"</Stmt>"
    content += b"</BkToCstmrStmt></Document>"
    with pytest.raises(ApplicationError) as refused:
        statement_read(content)
    assert refused.value.message == "Relevé trop long : 3 opérations au plus."
    csv = b"Date;Libelle;Credit\n" + b"01/12/2026;VIR;1,00\n" * 4
    with pytest.raises(ApplicationError):
        statement_read(csv)


@pytest.mark.django_db
def test_another_companys_invoice_is_never_matched_nor_suggested_by_number_or_amount():
    mine, theirs = make_company(), make_company()
    make_invoice(make_customer(mine), number="MINE-0001", total=Decimal("10.00"))
    other = make_invoice(
        make_customer(theirs, name="Dupont"),
        number="THEIRS-0001",
        total=Decimal("77.77"),
    )
    content = (
        "Date;Libellé;Crédit;Tiers\n"
        "02/12/2026;FACTURE THEIRS-0001;77,77;DUPONT\n"
        "02/12/2026;VIREMENT;77,77;DUPONT\n"
    ).encode()
    result = statement_take_in(
        company=mine, content=content, filename="x.csv", today=date(2026, 12, 3)
    )
    assert (result.matched, result.suggested, result.unmatched) == ([], [], 2)
    other.refresh_from_db()
    assert (other.amount_due, other.payment_suggested_on) == (Decimal("77.77"), None)
    assert set(Transaction.objects.values_list("company_id", flat=True)) == {mine.pk}


@pytest.mark.django_db
def test_the_same_bank_id_in_two_companies_is_two_transactions():
    first, second = make_company(), make_company()
    push = [{"id": "SAME-1", "date": date(2026, 12, 2), "amount": "5.00"}]
    for company in (first, second):
        result = transactions_push(
            company=company, objects=push, today=date(2026, 12, 3)
        )
        assert result.new == 1
    assert Transaction.objects.count() == 2
    assert not Invoice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_statement_imported_twice_at_once_records_each_payment_once():
    """Two imports of one file at the same moment (two workers, PostgreSQL):
    the second waits for the first, then finds every credit known."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's write lock serialises the two imports")
    company = make_company()
    customer = make_customer(company, name="SARL Dupont")
    invoices = [
        make_invoice(customer, number=f"FC{n}", total=Decimal("100.00"))
        for n in range(1, 6)
    ]
    objects = [
        {
            "id": f"B-{invoice.number}",
            "date": date(2026, 12, 2),
            "amount": "100.00",
            "label": f"FACTURE {invoice.number}",
        }
        for invoice in invoices
    ]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def push():
        try:
            barrier.wait(timeout=5)
            results.append(
                transactions_push(
                    company=company, objects=objects, today=date(2026, 12, 3)
                )
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        # Hold the company's row: both imports start, then wait for it.
        list(Company.objects.select_for_update().filter(pk=company.pk))
        threads = [threading.Thread(target=push) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted((r.new, len(r.matched)) for r in results) == [(0, 0), (5, 5)]
    assert Transaction.objects.filter(company=company).count() == 5
    assert Payment.objects.filter(company=company).count() == 5
    assert set(Invoice.objects.values_list("status", flat=True)) == {"paid"}
