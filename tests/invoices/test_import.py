"""Importing invoices and payments from files: all or nothing, every error
with its line and column."""

import io
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook

from relance.dunning.services.intake import invoices_take_in, payments_take_in
from relance.invoices.importing import PREVIEW_ROWS, Refused
from relance.invoices.models import Customer, Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)

# A French accounting export: semicolons, Windows-1252, decimal commas.
SAGE_EXPORT = (
    "N° facture;Code client;Client;Courriel;Date facture;Date échéance;"
    "Montant TTC;Reste dû;Statut;Type client\r\n"
    "FC23010001;411HERBLYF;HERBLY Francis;f@herbly.example;02/01/2023;31/01/2023;"
    "1 234,56;1 234,56;Ouverte;Particulier\r\n"
    "FC23010002;411RIOU;Menuiserie Riou;compta@riou.example;05/01/2023;04/02/2023;"
    "12 000,00;4 000,00;Ouverte;Professionnel\r\n"
    "FC23010003;411HERBLYF;HERBLY Francis;;10/01/2023;09/02/2023;480,00;0,00;Payée;\r\n"
).encode("cp1252")


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def take_in(company, content, filename="export.csv", dry_run=False):
    return invoices_take_in(
        company=company,
        content=content,
        filename=filename,
        today=TODAY,
        dry_run=dry_run,
    )


def test_a_french_accounting_export_is_imported(company):
    report = take_in(company, SAGE_EXPORT)
    assert (report.created, report.updated, report.errors) == (3, 0, [])
    herbly = Customer.objects.get(code="411HERBLYF")
    assert (herbly.name, herbly.email, herbly.kind) == (
        "HERBLY Francis",
        "f@herbly.example",
        "consumer",
    )
    first = Invoice.objects.get(number="FC23010001")
    assert (
        first.issue_date,
        first.due_date,
        first.total,
        first.amount_due,
        first.status,
    ) == (
        date(2023, 1, 2),
        date(2023, 1, 31),
        Decimal("1234.56"),
        Decimal("1234.56"),
        "open",
    )
    assert Invoice.objects.get(number="FC23010002").amount_due == Decimal("4000.00")
    assert Invoice.objects.get(number="FC23010003").status == "paid"
    # The dunning state is up to date at once: no need to wait for the daily job.
    assert first.to_remind is True
    assert first.next_level == 1


def test_a_comma_separated_utf8_file_with_iso_dates_and_canonical_names(company):
    content = (
        "number,customer_code,customer_name,issue_date,due_date,total,currency\n"
        "INV-1,C1,Société Générale d'Œuvres,2026-01-02,2026-02-01,99.90,eur\n"
    ).encode()
    report = take_in(company, content)
    assert report.created == 1
    invoice = Invoice.objects.get(number="INV-1")
    assert (invoice.customer.name, invoice.total, invoice.currency) == (
        "Société Générale d'Œuvres",
        Decimal("99.90"),
        "EUR",
    )


def test_an_xlsx_file_is_imported(company):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "numero",
            "code_client",
            "client",
            "date_facture",
            "date_echeance",
            "montant_ttc",
        ]
    )
    sheet.append(
        ["X-1", "C9", "Client Excel", date(2026, 1, 5), date(2026, 2, 4), 1500.5]
    )
    sheet.append([None, None, None, None, None, None])  # empty rows are skipped
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = take_in(company, buffer.getvalue(), "factures.xlsx")
    assert report.created == 1
    assert Invoice.objects.get(number="X-1").total == Decimal("1500.50")


def test_a_bad_file_is_refused_whole_with_every_error_listed(company):
    content = (
        "numero;code_client;client;date_facture;date_echeance;montant_ttc;reste_du;statut\n"
        "OK-1;C1;Bon client;01/01/2026;31/01/2026;100,00;100,00;ouverte\n"
        "BAD-1;C1;Bon client;31/02/2026;31/03/2026;100,00;;ouverte\n"
        "BAD-2;C2;;01/01/2026;31/01/2026;douze;;ouverte\n"
        "BAD-3;C1;Bon client;01/03/2026;01/02/2026;50,00;60,00;réglée plus tard\n"
        "OK-1;C1;Bon client;01/01/2026;31/01/2026;100,00;;\n"
        ";C1;Bon client;01/01/2026;31/01/2026;10,00;;\n"
    ).encode()
    with pytest.raises(Refused) as refused:
        take_in(company, content)
    errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
    assert errors == [  # in the file's order
        (3, "date_facture", "date impossible « 31/02/2026 »"),
        (4, "montant_ttc", "montant illisible « douze » (attendu : 1 234,56)"),
        (4, "client", "client « C2 » inconnu : indiquez son nom"),
        (
            5,
            "statut",
            "valeur inconnue « réglée plus tard » "
            "(attendu : ouverte, payée, annulée, brouillon)",
        ),
        (5, "reste_du", "le reste dû doit être entre 0 et le montant TTC"),
        (5, "date_echeance", "l'échéance précède la date de facture"),
        (6, "numero", "facture « OK-1 » déjà présente ligne 2"),
        (7, "numero", "valeur obligatoire"),
    ]
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_missing_columns_are_named(company):
    with pytest.raises(Refused) as refused:
        take_in(company, b"numero;client\nX;Y\n")
    assert [(e.line, e.column, e.message) for e in refused.value.report.errors] == [
        (1, "customer_code", "colonne obligatoire absente"),
        (1, "issue_date", "colonne obligatoire absente"),
        (1, "due_date", "colonne obligatoire absente"),
        (1, "total", "colonne obligatoire absente"),
    ]


def test_a_dry_run_checks_and_counts_but_saves_nothing(company):
    report = take_in(company, SAGE_EXPORT, dry_run=True)
    assert (report.created, report.updated) == (3, 0)
    assert not Invoice.objects.exists()


def test_importing_again_updates_by_number_and_customers_by_code(company):
    take_in(company, SAGE_EXPORT)
    changed = SAGE_EXPORT.replace(b"12 000,00;4 000,00", b"12 000,00;1 000,00")
    report = take_in(company, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Invoice.objects.count() == 3
    assert Invoice.objects.get(number="FC23010002").amount_due == Decimal("1000.00")
    assert Customer.objects.count() == 2


def test_a_check_says_what_each_row_creates_or_changes(company):
    take_in(company, SAGE_EXPORT)
    changed = (
        SAGE_EXPORT.replace(b"12 000,00;4 000,00", b"12 500,00;4 000,00").replace(
            b"411RIOU;Menuiserie Riou", b"411HERBLYF;HERBLY Francis"
        )
        + b"FC23010004;411NEUF;Nouveau client;;11/01/2023;10/02/2023;99,90;;;\r\n"
    )
    report = take_in(company, changed, dry_run=True)
    rows = report.preview.rows
    # What changes first, then the rest, each in the file's order.
    assert [(row["line"], row["number"], row["action"]) for row in rows] == [
        (3, "FC23010002", "update"),
        (5, "FC23010004", "create"),
        (2, "FC23010001", "unchanged"),
        (4, "FC23010003", "unchanged"),
    ]
    assert rows[0]["changes"] == [
        {"field": "customer", "old": "411RIOU", "new": "411HERBLYF"},
        {"field": "total", "old": "12000.00", "new": "12500.00"},
    ]
    assert (rows[0]["customer_name"], rows[0]["new_customer"]) == (
        "HERBLY Francis",
        False,
    )
    assert (rows[1]["customer_code"], rows[1]["new_customer"]) == ("411NEUF", True)
    assert report.preview.more == 0
    assert Invoice.objects.get(number="FC23010002").total == Decimal("12000.00")


def many_invoices(count: int, amount: str = "100,00", first_amount: str = "") -> bytes:
    lines = ["numero;code_client;client;date_facture;date_echeance;montant_ttc"]
    lines += [
        f"F{n:05};C{n % 7};Client {n % 7};01/01/2026;31/01/2026;"
        f"{first_amount if n == count - 1 and first_amount else amount}"
        for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_the_preview_of_a_big_file_is_bounded_and_shows_changes_first(company):
    report = take_in(company, many_invoices(450), dry_run=True)
    assert (report.created, len(report.preview.rows), report.preview.more) == (
        450,
        PREVIEW_ROWS,
        450 - PREVIEW_ROWS,
    )
    assert [row["line"] for row in report.preview.rows] == list(range(2, 202))
    kept = json.dumps(report.preview_dict())
    assert len(kept) < 200 * 300  # a few hundred bytes a row, whatever the file
    # The same file again with its last row changed: that row is shown
    # first, ahead of the unchanged ones.
    take_in(company, many_invoices(450))
    report = take_in(company, many_invoices(450, first_amount="150,00"), dry_run=True)
    assert (report.updated, report.unchanged) == (1, 449)
    rows = report.preview.rows
    assert len(rows) == PREVIEW_ROWS and report.preview.more == 450 - PREVIEW_ROWS
    assert [row["line"] for row in rows if row["action"] == "update"] == [451]
    assert [row["line"] for row in rows[:3]] == [451, 2, 3]
    assert rows[0]["changes"] == [
        {"field": "total", "old": "100.00", "new": "150.00"},
        {"field": "amount_due", "old": "100.00", "new": "150.00"},
    ]


def test_a_due_date_far_ahead_is_imported_with_a_warning_naming_its_column(company):
    content = (
        "N° facture;Code client;Client;Date facture;Date échéance;Montant TTC\n"
        "F-1;C1;Client;01/02/2026;31/12/2099;100,00\n"
        "F-2;C1;Client;01/02/2026;01/02/2028;100,00\n"  # two years: fine
        "F-3;C1;Client;01/02/2023;02/02/2025;100,00\n"  # two years and a day
        "F-4;C1;Client;01/02/2026;02/03/2028;100,00\n"  # past two years from today
    ).encode()
    report = take_in(company, content)
    assert [(w.line, w.column, w.message) for w in report.warnings] == [
        (2, "Date échéance", "Échéance lointaine : 31/12/2099, vérifiez la date"),
        (4, "Date échéance", "Échéance lointaine : 02/02/2025, vérifiez la date"),
        (5, "Date échéance", "Échéance lointaine : 02/03/2028, vérifiez la date"),
    ]
    assert report.errors == []
    assert Invoice.objects.get(number="F-1").due_date == date(2099, 12, 31)
    assert report.as_dict()["warnings"][0] == {
        "line": 2,
        "column": "Date échéance",
        "message": "Échéance lointaine : 31/12/2099, vérifiez la date",
    }


def test_the_warning_is_written_in_the_active_language(company):
    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\n"
        b"F-1;C1;Client;01/02/2026;31/12/2099;100,00\n"
    )
    with translation.override("en"):
        report = take_in(company, content, dry_run=True)
    assert [w.message for w in report.warnings] == [
        "Due date far ahead: 31 Dec 2099, check the date"
    ]


def test_an_invoice_of_another_company_with_the_same_number_is_untouched(company):
    other = make_company()
    theirs = make_invoice(make_customer(other, code="411HERBLYF"), number="FC23010001")
    take_in(company, SAGE_EXPORT)
    theirs.refresh_from_db()
    assert theirs.total == Decimal("1200.00")
    assert Invoice.objects.filter(number="FC23010001").count() == 2


def import_json(*args) -> tuple[dict, int]:
    out = StringIO()
    try:
        call_command("import", *args, "--json", stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return json.loads(out.getvalue()), code


NOTHING_MORE = {"unchanged": 0, "warnings": [], "rows": [], "more_rows": 0}


def before(result: dict) -> dict:
    """The keys the JSON report always had."""
    return {key: result[key] for key in ("created", "updated", "errors")}


def test_the_import_command_reports_in_json(company, tmp_path):
    path = tmp_path / "factures.csv"
    path.write_bytes(SAGE_EXPORT)
    result, code = import_json("invoices", str(path), "--dry-run")
    assert (before(result), code) == ({"created": 3, "updated": 0, "errors": []}, 0)
    # Then what each row would do (a key added: the old ones are unchanged).
    assert list(result) == ["created", "updated", "errors", *NOTHING_MORE]
    assert result["rows"][0] == {
        "line": 2,
        "action": "create",
        "number": "FC23010001",
        "customer_code": "411HERBLYF",
        "customer_name": "HERBLY Francis",
        "new_customer": True,
        "issue_date": "2023-01-02",
        "due_date": "2023-01-31",
        "total": "1234.56",
        "currency": "EUR",
    }
    assert [(row["line"], row["action"]) for row in result["rows"]] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
    ]
    assert not Invoice.objects.exists()
    result, code = import_json("invoices", str(path))
    assert (before(result), code) == ({"created": 3, "updated": 0, "errors": []}, 0)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\nX;C;N;1/1/2026;;5\n"
    )
    result, code = import_json("invoices", str(bad))
    assert code == 1
    assert result == {
        "created": 0,
        "updated": 0,
        "errors": [
            {"line": 2, "column": "date_echeance", "message": "valeur obligatoire"}
        ],
        **NOTHING_MORE,
    }


def test_the_import_command_speaks_french(company, tmp_path):
    path = tmp_path / "factures.csv"
    path.write_bytes(
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\nX;C;N;1/1/2026;;5\n"
    )
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "invoices", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "Ligne 2, colonne « date_echeance » : valeur obligatoire",
        "1 erreur(s) : rien n'a été importé.",
    ]


# --- payments -------------------------------------------------------------------

BANK = (
    b"numero_facture;date_paiement;montant;reference\n"
    b"FC23010001;15/02/2023;1 234,56;VIR HERBLY\n"
    b"FC23010002;16/02/2023;1 500,00;VIR RIOU 1\n"
    b"FC23010002;20/02/2023;500,00;VIR RIOU 2\n"
)


def pay(company, content, dry_run=False):
    return payments_take_in(
        company=company,
        content=content,
        filename="banque.csv",
        today=TODAY,
        dry_run=dry_run,
    )


def test_payments_are_imported_and_a_paid_invoice_leaves_the_dunning(company):
    take_in(company, SAGE_EXPORT)
    report = pay(company, BANK)
    assert (report.created, report.errors) == (3, [])
    herbly = Invoice.objects.get(number="FC23010001")
    assert (herbly.status, herbly.amount_due, herbly.to_remind) == (
        "paid",
        Decimal("0.00"),
        False,
    )
    riou = Invoice.objects.get(number="FC23010002")
    assert (riou.status, riou.amount_due) == ("open", Decimal("2000.00"))
    assert Payment.objects.count() == 3


def test_the_same_payments_file_twice_pays_nothing_twice(company):
    take_in(company, SAGE_EXPORT)
    pay(company, BANK)
    again = pay(company, BANK)
    assert (again.created, again.unchanged) == (0, 3)
    assert Payment.objects.count() == 3


def test_a_payments_check_lists_each_payment_and_what_is_already_recorded(company):
    take_in(company, SAGE_EXPORT)
    pay(company, BANK.splitlines(keepends=True)[0] + BANK.splitlines(keepends=True)[2])
    report = pay(company, BANK, dry_run=True)
    assert [(row["line"], row["action"]) for row in report.preview.rows] == [
        (2, "create"),
        (4, "create"),
        (3, "unchanged"),
    ]
    assert report.preview.rows[0] == {
        "line": 2,
        "action": "create",
        "invoice_number": "FC23010001",
        "customer_code": "411HERBLYF",
        "customer_name": "HERBLY Francis",
        "date": "2023-02-15",
        "amount": "1234.56",
        "currency": "EUR",
        "method": "transfer",
        "reference": "VIR HERBLY",
        "settles": True,
    }
    assert report.preview.rows[1]["settles"] is False


def test_a_bad_payments_file_is_refused_whole(company):
    take_in(company, SAGE_EXPORT)
    content = (
        b"numero_facture;date_paiement;montant;reference\n"
        b"FC23010001;15/02/2023;1 000,00;A\n"
        b"FC23010001;16/02/2023;500,00;B\n"
        b"INCONNUE;16/02/2023;10,00;C\n"
        b"FC23010002;hier;-5;D\n"
    )
    with pytest.raises(Refused) as refused:
        pay(company, content)
    assert [(e.line, e.column, e.message) for e in refused.value.report.errors] == [
        (3, "montant", "dépasse le reste dû de la facture « FC23010001 »"),
        (4, "numero_facture", "facture « INCONNUE » inconnue"),
        (
            5,
            "date_paiement",
            "date illisible « hier » (attendu : 31/01/2023 ou 2023-01-31)",
        ),
        (5, "montant", "le montant doit être positif"),
    ]
    assert not Payment.objects.exists()
    assert Invoice.objects.get(number="FC23010001").amount_due == Decimal("1234.56")
