"""Hostile files at import (issue 13): refused with a French message, in
bounded memory, the reader stopping at its bound (no clock here: how fast is
for `bench/`); a bad character refused with its line and its column as the
file names it."""

import io
import os
import tracemalloc
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from relance.core.errors import ApplicationError
from relance.dunning.services.intake import invoices_take_in
from relance.invoices import importing, tables
from relance.invoices.importing import (
    Refused,
    RowError,
    invoices_import,
    payments_import,
)
from relance.invoices.models import Invoice
from tests.factories import make_company
from tests.security import forge

pytestmark = pytest.mark.django_db

CSV_HEADER = b"numero;code_client;client;date_facture;date_echeance;montant_ttc\r\n"


def imported(content: bytes, filename: str):
    """The import's report, or the error that refused the file, of a check
    (« Vérifier »: nothing kept); with the peak of memory it took."""
    company = make_company()
    tracemalloc.start()
    try:
        outcome = invoices_take_in(
            company=company,
            content=content,
            filename=filename,
            today=date(2026, 11, 2),
            dry_run=True,
        )
    except ApplicationError as error:
        outcome = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


def refused_with(content: bytes, filename: str = "factures.xlsx") -> str:
    error, peak = imported(content, filename)
    assert isinstance(error, ApplicationError), error
    assert peak < 64 * 2**20
    return error.message


@pytest.fixture
def cells_parsed(monkeypatch) -> list:
    """The worksheet cells the reader parsed, counted as it parses them."""
    parsed = []
    parse = WorkSheetParser.parse_cell

    def counted(self, element):
        parsed.append(element)
        return parse(self, element)

    monkeypatch.setattr(WorkSheetParser, "parse_cell", counted)
    return parsed


def test_a_workbook_as_excel_writes_it_is_still_read_whole():
    report = invoices_import(
        company=make_company(),
        content=forge.excel_like(),
        filename="factures.xlsx",
    )
    assert report.created == 1
    invoice = Invoice.objects.get()
    assert (
        invoice.number,
        invoice.customer.code,
        invoice.customer.name,
        invoice.issue_date,
        invoice.due_date,
        invoice.total,
    ) == (
        "FC-1",
        "411A",
        "Société Générale",
        date(2026, 1, 2),
        date(2026, 1, 31),
        Decimal("1234.50"),
    )


def test_a_sheet_declaring_every_column_of_every_row_is_refused_at_once():
    content = forge.last_row_bomb("A1:XFD1048576")
    assert len(content) < 2000
    assert refused_with(content) == "Fichier trop grand : 1000000 lignes au plus."


def test_a_sheet_declaring_a_hundred_columns_on_every_row_is_refused_at_once():
    content = forge.last_row_bomb("A1:CV1048576")
    assert refused_with(content) == "Fichier trop grand : 1000000 lignes au plus."


def test_a_sheet_declaring_the_whole_grid_is_read_for_what_it_holds():
    rows = forge.row(1, *forge.HEADER) + forge.invoice(2, "F1")
    rows += forge.invoice(4000, "F2")
    content = forge.xlsx(forge.sheet(rows, "A1:XFD1048576"))
    report, peak = imported(content, "factures.xlsx")
    assert report.created == 2
    assert peak < 16 * 2**20
    assert not Invoice.objects.exists()  # a dry run


def test_three_million_rows_in_a_small_xlsx_are_refused_before_any_is_read():
    content = forge.rows_bomb()
    assert len(content) < 1_000_000
    assert (
        refused_with(content)
        == "Classeur trop grand : 150 Mo au plus une fois décompressé."
    )


def test_a_part_compressed_more_than_a_hundred_times_is_refused():
    content = forge.xlsx(forge.sheet("<row/>" * 4_000_000))
    assert (
        refused_with(content)
        == "Classeur refusé : « xl/worksheets/sheet1.xml » est compressé plus de "
        "100 fois."
    )


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", forge.CONTENT_TYPES)
        for number in range(10_000):
            archive.writestr(f"xl/media/image{number}.png", b"")
    assert refused_with(output.getvalue()) == "Classeur refusé : plus de 10000 parties."


def test_a_styles_part_too_big_to_be_parsed_whole_is_refused():
    noise = os.urandom(6 * 2**20).hex()  # 12 MB that do not compress much
    styles = f'<styleSheet xmlns="{forge.MAIN}"><!-- {noise} --></styleSheet>'
    content = forge.xlsx(
        forge.sheet(forge.row(1, *forge.HEADER) + forge.invoice(2, "F1")),
        {"xl/styles.xml": styles},
    )
    assert (
        refused_with(content)
        == "Classeur refusé : « xl/styles.xml » dépasse 10 Mo décompressé."
    )


def test_a_row_of_more_cells_than_excel_has_columns_is_refused(cells_parsed):
    wide = "<row>" + "<c><v>1</v></c>" * 50_000 + "</row>"  # under 1 MiB
    content = forge.xlsx(forge.sheet(forge.row(1, *forge.HEADER) + wide))
    assert refused_with(content) == "Ligne 2 trop longue : 16384 colonnes au plus."
    # The reader stops at the bound: of the row's 50,000 number cells, the
    # first 16,384 are parsed, the next is refused before it is (the header's
    # cells are inline text, read without `parse_cell`).
    assert len(cells_parsed) == 16_384


def test_cells_past_the_limit_are_refused_empty_ones_included(monkeypatch):
    # (20,000,000 cells take seconds to count: the limit is lowered here.)
    monkeypatch.setattr(tables, "MAX_CELLS", 3_000_000)
    rows = "".join(
        f'<row r="{line}"><c r="XFD{line}"><v>1</v></c></row>' for line in range(2, 300)
    )
    content = forge.xlsx(forge.sheet(forge.row(1, *forge.HEADER) + rows))
    assert refused_with(content) == "Fichier trop grand : 3000000 cellules au plus."


def test_a_file_that_takes_too_long_to_read_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_SECONDS", 0)
    content = CSV_HEADER + b"F1;411A;Client A;02/01/2026;31/01/2026;10\r\n"
    assert (
        refused_with(content, "factures.csv")
        == "Fichier trop long à lire (plus de 0 secondes) : découpez-le."
    )


def test_an_old_excel_file_is_refused_with_what_to_do():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert (
        refused_with(content, "factures.xls")
        == "Ancien format Excel (.xls) ou classeur protégé par un mot de passe : "
        "enregistrez-le en .xlsx sans mot de passe, ou en CSV."
    )


def test_a_zip_that_is_not_an_excel_workbook_is_refused_with_what_to_do():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert (
        refused_with(output.getvalue(), "factures.ods")
        == "Ce fichier n'est pas un classeur Excel .xlsx : enregistrez-le en .xlsx, "
        "ou en CSV."
    )


def test_a_sheet_whose_xml_is_broken_is_refused_as_unreadable():
    broken = '<row r="2"><c r="A2"><v>1</v></row>'  # the cell never ends
    rows = forge.row(1, *forge.HEADER) + broken
    content = forge.xlsx(forge.sheet(rows, "A1:F2"))
    assert refused_with(content) == "Fichier Excel illisible (.xlsx attendu)."


def test_a_workbook_without_a_worksheet_is_refused_as_empty():
    workbook = forge.WORKBOOK.replace(
        '<sheet name="Factures" sheetId="1" r:id="rId1"/>', ""
    )
    content = forge.xlsx(forge.sheet(""), {"xl/workbook.xml": workbook})
    assert refused_with(content) == "Le fichier est vide."


def test_bytes_neither_utf8_nor_windows_1252_are_refused_with_line_and_column():
    content = (
        CSV_HEADER
        + b"F1;411A;Client A;02/01/2026;31/01/2026;10\r\n"
        + b"F2;411B;Soci\x81t\xe9 B;02/01/2026;31/01/2026;10\r\n"
    )
    refused, _peak = imported(content, "factures.csv")
    assert isinstance(refused, Refused)
    assert refused.report.errors == [
        RowError(3, "client", "caractère illisible : ni UTF-8 ni Windows-1252")
    ]


def test_control_characters_are_refused_with_line_and_column():
    content = (
        "N° facture;Code client;Client;Date facture;Date échéance;Montant TTC\r\n"
        "F1;411A;Client A;02/01/2026;31/01/2026;10\r\n"
        "F2;411B;Client\x00B;02/01/2026;31/01/2026;10\r\n"
        "F3\x1b;411C;Client C;02/01/2026;31/01/2026;10\r\n"
        "F4;411D;Client D\ufffe;02/01/2026;31/01/2026;10\r\n"
    ).encode()
    refused, _peak = imported(content, "factures.csv")
    assert isinstance(refused, Refused)
    assert refused.report.errors == [
        RowError(3, "Client", "caractère de contrôle interdit"),
        RowError(4, "N° facture", "caractère de contrôle interdit"),
        RowError(5, "Client", "caractère interdit (U+FFFE)"),
    ]
    assert str(refused) == "3 erreur(s) : rien n'a été importé."


def test_a_payment_file_is_refused_the_same_way():
    content = (
        "facture;date;montant;libellé\r\nF1;02/01/2026;10,00;VIR\x00SEPA\r\n"
    ).encode()
    with pytest.raises(Refused) as refused:
        payments_import(
            company=make_company(),
            content=content,
            filename="banque.csv",
            record=pytest.fail,  # nothing to write
        )
    assert refused.value.report.errors == [
        RowError(2, "libellé", "caractère de contrôle interdit")
    ]


def test_tabs_and_line_breaks_inside_a_cell_are_still_accepted():
    content = (
        CSV_HEADER
        + b'F1;411A;"Client\tA\r\nService compta";02/01/2026;31/01/2026;10\r\n'
    )
    report, _peak = imported(content, "factures.csv")
    assert report.created == 1


def test_a_payment_file_of_unknown_invoices_lists_a_thousand_errors_counts_the_rest(
    monkeypatch,
):
    # Read whole, a payment file kept every row and every error: its errors
    # are now bounded as an invoice file's, and its rows streamed.
    monkeypatch.setattr(importing, "PAYMENT_CHUNK_ROWS", 500)
    lines = [f"X{n};02/01/2026;10,00;VIR {n}" for n in range(1500)]
    content = ("facture;date;montant;reference\n" + "\n".join(lines)).encode()
    with pytest.raises(Refused) as refused:
        payments_import(
            company=make_company(),
            content=content,
            filename="reglements.csv",
            record=pytest.fail,
        )
    report = refused.value.report
    assert (len(report.errors), report.more_errors) == (1000, 500)
    assert report.errors[-1] == RowError(1001, "facture", "facture « X999 » inconnue")
