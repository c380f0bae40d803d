"""Each format read from a realistic sample file; bad files refused by name."""

from datetime import date
from decimal import Decimal

import pytest

from relance.bank.statements import MAX_BYTES, statement_read
from relance.core.errors import ApplicationError
from tests.bank.conftest import read


def test_a_camt_053_statement_gives_its_credits_with_payer_iban_and_references():
    statement = statement_read(read("camt053.xml"))
    assert statement.format == "camt.053"
    assert statement.debits == 1  # the pending credit is no payment either
    assert [(line.amount, line.bank_id) for line in statement.lines] == [
        (Decimal("1200.00"), "20261201-0000417"),
        (Decimal("350.00"), "20261201-0000418"),
        (Decimal("1000.00"), "20261202-0000233"),
        (Decimal("99.90"), "20261202-0000240-1"),
        (Decimal("249.90"), "20261202-0000240-2"),
    ]
    first = statement.lines[0]
    assert first.booked_on == date(2026, 12, 1)
    assert first.label == (
        "REGLEMENT FACTURE FC2212 0054 CHANTIER RUE DES ÉCOLES À VILLEURBANNE - SOLDE"
    )
    assert (first.payer_name, first.payer_iban) == (
        "SARL DUPONT BÂTIMENT",
        "FR7610107001011234567890129",
    )
    assert statement.lines[1].reference == "RF18FC22120055"
    assert statement.statement_on == date(2026, 12, 2)


def test_camt_052_and_054_are_read_whatever_the_version_of_their_namespace():
    report = statement_read(read("camt052.xml"))
    assert (report.format, report.lines[0].amount) == ("camt.052", Decimal("520.00"))
    assert report.lines[0].booked_on == date(2026, 12, 2)  # from a DtTm
    notice = statement_read(read("camt054.xml"))
    assert notice.format == "camt.054"
    assert notice.lines[0].payer_iban == "FR7630006000011234567890189"
    assert notice.lines[0].payer_name == "Martin Électricité"


def test_an_ofx_download_in_windows_1252_keeps_its_accents():
    statement = statement_read(read("releve.ofx"))
    assert (statement.format, statement.debits) == ("ofx", 1)
    assert [(line.bank_id, line.amount) for line in statement.lines] == [
        ("2026120100417", Decimal("1200.00")),
        ("2026120200240", Decimal("99.90")),
    ]
    assert statement.lines[0].label == (
        "VIR SEPA DUPONT BÂTIMENT FACTURE FC22120054 CHANTIER RUE DES ÉCOLES"
    )


def test_an_mt940_statement_joins_the_lines_its_86_field_was_cut_into():
    statement = statement_read(read("releve.sta"))
    assert (statement.format, statement.debits) == ("mt940", 1)
    first = statement.lines[0]
    assert first.label == "REGLEMENT FACTURE FC22120054 CHANTIER RUE DES ECOLES"
    assert (first.payer_name, first.payer_iban, first.bank_id) == (
        "SARL DUPONT BATIMENT",
        "FR7610107001011234567890129",
        "20261201-417",
    )
    assert statement.lines[1].amount == Decimal("1000.00")


def test_a_latin_1_csv_with_debit_and_credit_columns_after_a_preamble():
    statement = statement_read(read("releve-latin1.csv"))
    assert (statement.format, statement.debits) == ("csv", 1)
    assert [line.amount for line in statement.lines] == [
        Decimal("1200.00"),
        Decimal("99.90"),
        Decimal("1000.00"),
    ]
    first = statement.lines[0]
    assert first.label == (
        "VIR SEPA RECU /DE SARL DUPONT BÂTIMENT /MOTIF FACTURE FC22120054 CHANTIER "
        "RUE DES ÉCOLES /REF DUPONT-2026-0054"
    )
    assert first.payer_name == "SARL DUPONT BÂTIMENT"
    assert statement.lines[1].payer_name == "BOULANGERIE LÉA"


def test_a_csv_with_one_signed_amount_keeps_the_credits_only():
    statement = statement_read(read("releve-montant.csv"))
    assert [(line.booked_on, line.amount) for line in statement.lines] == [
        (date(2026, 12, 1), Decimal("1200.00")),
        (date(2026, 12, 2), Decimal("249.90")),
    ]
    assert statement.debits == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le relevé est vide."),
        (
            b"Nom;Prenom\nDupont;Jean\n",
            "Format de relevé non reconnu : camt.053, camt.052, camt.054, OFX, "
            "MT940, ou CSV avec les colonnes « Date », « Libellé » et « Crédit » "
            "(ou « Montant »).",
        ),
        (
            "Date;Libellé;Crédit\n01/12/2026;VIR;12,3,4\n".encode(),
            "Relevé CSV, ligne 2, colonne « Crédit » : montant illisible « 12,3,4 » "
            "(attendu : 1 234,56).",
        ),
        (
            "Date;Libellé;Crédit\n31/02/2026;VIR;12,00\n".encode(),
            "Relevé CSV, ligne 2, colonne « Date » : date impossible « 31/02/2026 ».",
        ),
        (
            b"<?xml version='1.0'?><Document><Pain/></Document>",
            "Document XML non reconnu (« Pain ») : un relevé camt.053, camt.052 ou "
            "camt.054 est attendu.",
        ),
        (
            b"<?xml version='1.0'?><Document><BkToCstmrStmt><Stmt><Ntry>",
            "Relevé XML illisible, ligne 1, colonne 59.",
        ),
        (
            b"<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy='EUR'>douze</Amt>"
            b"<CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>"
            b"</Ntry></Stmt></BkToCstmrStmt></Document>",
            "Relevé camt.053 illisible, écriture 1 : montant (Amt) illisible "
            "« douze ».",
        ),
        (
            b"<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy='EUR'>12.00</Amt>"
            b"<BookgDt><Dt>2026-12-01</Dt></BookgDt>"
            b"</Ntry></Stmt></BkToCstmrStmt></Document>",
            "Relevé camt.053 illisible, écriture 1 : sens (CdtDbtInd) absent ou "
            "inconnu.",
        ),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(content, message):
    with pytest.raises(ApplicationError) as refused:
        statement_read(content)
    assert refused.value.message == message


def test_a_truncated_ofx_is_refused_in_french():
    with pytest.raises(ApplicationError) as refused:
        statement_read(read("releve.ofx")[:700])
    assert refused.value.message.startswith("Relevé OFX illisible : ")


def test_a_statement_over_the_size_limit_is_refused_before_being_read():
    with pytest.raises(ApplicationError) as refused:
        statement_read(b"<" + b" " * MAX_BYTES)
    assert refused.value.message == "Relevé trop volumineux : 20 Mo au plus."
