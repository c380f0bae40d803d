"""A big file of invoices is read as a stream and written chunk by chunk in
one transaction (issue 16 §1, ADR 17): 1,000-row files here, in chunks of
100 rows, so that every path across chunks is taken."""

import gc
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from relance.dunning.services.intake import invoices_take_in
from relance.dunning.services.state import invoices_refresh
from relance.invoices import importing
from relance.invoices.importing import Refused, RowError
from relance.invoices.models import Customer, Invoice
from tests.factories import make_company, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)
HEADER = (
    "numero;code_client;client;date_facture;date_echeance;montant_ttc;"
    "type_piece;facture_d_origine"
)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(importing, "CHUNK_ROWS", 100)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def invoice_lines(count=1000, amount="100,00"):
    """`count` invoices F0…, of 50 customers C0…C49, each named."""
    return [
        f"F{n};C{n % 50};Client {n % 50};01/01/2026;31/01/2026;{amount};;"
        for n in range(count)
    ]


def csv(lines) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def take_in(company, content, dry_run=False, progress=None):
    return invoices_take_in(
        company=company,
        content=content,
        filename="factures.csv",
        today=TODAY,
        dry_run=dry_run,
        progress=progress,
    )


def test_a_thousand_rows_are_imported_across_chunks_customers_created_once(company):
    done, collecting = [], set()

    def progress(rows):
        done.append(rows)
        collecting.add(gc.isenabled())

    report = take_in(company, csv(invoice_lines()), progress=progress)
    assert (report.created, report.updated, report.unchanged) == (1000, 0, 0)
    assert done == list(range(100, 1001, 100))
    # Python's cyclic collector held off while the file is taken in only.
    assert (collecting, gc.isenabled()) == ({False}, True)
    assert Invoice.objects.filter(company=company).count() == 1000
    assert Customer.objects.filter(company=company).count() == 50
    assert Customer.objects.get(code="C7").name == "Client 7"
    assert Invoice.objects.get(number="F957").customer.code == "C7"
    # The preview marks every row of a customer the file created, whatever
    # its chunk.
    assert all(row["new_customer"] for row in report.preview.rows)


def test_the_dunning_state_of_every_imported_invoice_is_computed(company):
    take_in(company, csv(invoice_lines()))
    # 29 days late on 1 March: every invoice is to remind, and a full
    # recompute finds nothing to change.
    assert Invoice.objects.filter(company=company, to_remind=True).count() == 1000
    result = invoices_refresh(company=company, today=TODAY)
    assert (result.tagged, result.untagged, result.to_remind) == (0, 0, 1000)


def test_the_same_file_twice_changes_nothing_the_second_time(company):
    content = csv(invoice_lines())
    take_in(company, content)
    stamps = dict(Invoice.objects.values_list("number", "updated_at"))
    report = take_in(company, content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1000)
    assert dict(Invoice.objects.values_list("number", "updated_at")) == stamps
    assert Customer.objects.filter(company=company).count() == 50


def test_new_amounts_update_every_invoice_across_chunks(company):
    take_in(company, csv(invoice_lines()))
    report = take_in(company, csv(invoice_lines(amount="90,00")))
    assert (report.created, report.updated) == (0, 1000)
    assert set(Invoice.objects.values_list("total", "amount_due")) == {
        (Decimal("90.00"), Decimal("90.00"))
    }


def test_an_error_on_the_last_line_leaves_nothing_imported(company):
    lines = invoice_lines()
    lines[-1] = "F999;C1;Client 1;31/02/2026;31/03/2026;100,00;;"
    with pytest.raises(Refused) as refused:
        take_in(company, csv(lines))
    assert refused.value.report.errors == [
        RowError(1001, "date_facture", "date impossible « 31/02/2026 »")
    ]
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_errors_in_several_chunks_are_all_listed_in_the_files_order(company):
    lines = invoice_lines()
    lines[10] = "F10;C10;Client 10;01/01/2026;31/01/2026;douze;;"
    lines[950] = "F3;C0;Client 0;01/01/2026;31/01/2026;100,00;;"  # F3 again
    lines[520] = "F520;NEW;;01/01/2026;31/01/2026;100,00;;"  # never named
    with pytest.raises(Refused) as refused:
        take_in(company, csv(lines))
    assert [(e.line, e.message) for e in refused.value.report.errors] == [
        (12, "montant illisible « douze » (attendu : 1 234,56)"),
        (522, "client « NEW » inconnu : indiquez son nom"),
        (952, "facture « F3 » déjà présente ligne 5"),
    ]
    assert not Invoice.objects.exists()


def test_a_dry_run_of_a_thousand_rows_counts_and_saves_nothing(company):
    report = take_in(company, csv(invoice_lines()), dry_run=True)
    assert (report.created, report.updated) == (1000, 0)
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_a_customer_named_only_in_a_later_chunk_is_created_with_that_name(company):
    lines = invoice_lines()
    lines[3] = "F3;411LATE;;01/01/2026;31/01/2026;100,00;;"
    lines[900] = "F900;411LATE;Client nommé tard;01/01/2026;31/01/2026;100,00;;"
    take_in(company, csv(lines))
    late = Customer.objects.get(code="411LATE")
    assert late.name == "Client nommé tard"
    assert set(late.invoices.values_list("number", flat=True)) == {"F3", "F900"}


def test_a_credit_note_naming_an_invoice_of_a_later_chunk_is_linked_and_allocated(
    company,
):
    lines = invoice_lines()
    lines[5] = "AV1;C0;Client 0;05/01/2026;;-30,00;avoir;F950"
    take_in(company, csv(lines))
    credit = Invoice.objects.get(number="AV1")
    invoice = Invoice.objects.get(number="F950")
    assert credit.credited_invoice_id == invoice.pk
    assert (credit.credit_left, invoice.amount_due) == (
        Decimal("0.00"),
        Decimal("70.00"),
    )


def _number_reads(queries) -> int:
    """The statements reading the company's invoices by number."""
    return sum(
        'FROM "invoices_invoice" t' in q["sql"] and '"number"' in q["sql"]
        for q in queries.captured_queries
    )


def test_a_first_import_reads_invoices_only_for_a_chunk_naming_an_earlier_one(
    company,
):
    """A company with no invoice yet: a chunk's numbers are not looked up
    (none can exist), but for the chunk whose credit note names an invoice
    of an earlier chunk, which is linked and allocated; a second import
    looks every chunk up and changes nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lines = invoice_lines()
    lines[950] = "AV1;C5;Client 5;05/01/2026;;-30,00;avoir;F5"
    with CaptureQueriesContext(connection) as queries:
        take_in(company, csv(lines))
    assert _number_reads(queries) == 1  # the tenth chunk's
    credit = Invoice.objects.get(number="AV1")
    invoice = Invoice.objects.get(number="F5")
    assert credit.credited_invoice_id == invoice.pk
    assert (credit.credit_left, invoice.amount_due) == (
        Decimal("0.00"),
        Decimal("70.00"),
    )
    with CaptureQueriesContext(connection) as queries:
        report = take_in(company, csv(lines))
    assert _number_reads(queries) == 10
    assert (report.created, report.updated) == (0, 0)


def test_a_first_import_still_refuses_a_number_an_earlier_chunk_gave(company):
    lines = invoice_lines()
    lines[600] = "F3;C3;Client 3;01/01/2026;31/01/2026;100,00;;"
    with pytest.raises(Refused) as refused:
        take_in(company, csv(lines))
    assert refused.value.report.errors == [
        RowError(602, "numero", "facture « F3 » déjà présente ligne 5")
    ]
    assert not Invoice.objects.exists()


def test_a_credit_note_naming_an_invoice_in_no_chunk_is_refused_with_its_line(
    company,
):
    lines = invoice_lines()
    lines[5] = "AV1;C0;Client 0;05/01/2026;;-30,00;avoir;F-NOWHERE"
    with pytest.raises(Refused) as refused:
        take_in(company, csv(lines))
    assert refused.value.report.errors == [
        RowError(7, "facture_d_origine", "facture d'origine « F-NOWHERE » inconnue")
    ]
    assert not Invoice.objects.exists()


def test_errors_past_a_thousand_are_counted_not_listed(company, monkeypatch):
    monkeypatch.setattr(importing, "MAX_LISTED", 10)
    lines = [f"F{n};C1;Client 1;01/01/2026;31/01/2026;douze;;" for n in range(1000)]
    with pytest.raises(Refused) as refused:
        take_in(company, csv(lines))
    report = refused.value.report
    assert [error.line for error in report.errors] == list(range(2, 12))
    assert report.more_errors == 990
    assert str(refused.value) == "1000 erreur(s) : rien n'a été importé."
    assert report.as_dict()["more_errors"] == 990


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def import_command(company, tmp_path, *options, stderr=None):
    path = tmp_path / "historique.csv"
    path.write_bytes(csv(invoice_lines(250)))
    out = io.StringIO()
    call_command(
        "import",
        "invoices",
        str(path),
        "--company",
        str(company.pk),
        *options,
        stdout=out,
        stderr=stderr or io.StringIO(),
    )
    return out.getvalue()


def test_the_command_shows_a_progress_line_on_a_terminal(company, tmp_path):
    terminal = Terminal()
    out = import_command(company, tmp_path, "--json", stderr=terminal)
    assert terminal.getvalue() == (
        "\r100 / 250 lignes (40 %)\r200 / 250 lignes (80 %)\r250 / 250 lignes (100 %)\n"
    )
    assert json.loads(out)["created"] == 250  # --json unchanged


def test_no_progress_line_with_no_progress_or_off_a_terminal(company, tmp_path):
    terminal = Terminal()
    import_command(company, tmp_path, "--no-progress", stderr=terminal)
    assert terminal.getvalue() == ""
    piped = io.StringIO()
    out = import_command(company, tmp_path, stderr=piped)
    assert piped.getvalue() == ""
    assert "250 inchangée(s)" in out


def test_rows_read_in_blocks_keep_their_lines_across_blank_and_short_rows(
    monkeypatch,
):
    """The reader takes the file BLOCK_ROWS rows at a time (its clock read
    once a block): blank rows are left out, a short row's missing cells are
    empty, every line number stays the file's, whatever the block."""
    from relance.invoices import tables

    monkeypatch.setattr(tables, "BLOCK_ROWS", 3)
    lines = invoice_lines(8)
    lines[2] = ";;;;;;;"  # line 4: blank
    lines[3] = "F3;C3"  # line 5: short
    lines.insert(6, "")  # line 8: empty
    table = tables.table_stream(csv(lines), "factures.csv", importing.INVOICE_COLUMNS)
    rows = list(table.rows)
    assert [line for line, _row in rows] == [2, 3, 5, 6, 7, 9, 10]
    assert rows[2][1] == {
        "number": "F3",
        "customer_code": "C3",
        "customer_name": None,
        "issue_date": None,
        "due_date": None,
        "total": None,
        "kind": None,
        "credited_invoice": None,
    }
    assert rows[-1][1]["number"] == "F7"


def test_imported_invoices_have_exactly_the_state_a_full_recompute_gives(company):
    """New invoices are inserted with their state (computed before the
    write, ADR 25 amended): of customers known before the import (a last
    reminder and an own gap, a pause, an own plan, a plan without steps)
    and new ones, open, paid, a credit note and the invoice it credits."""
    from relance.dunning.models import CustomerDunning, DunningPlan
    from tests.factories import make_customer, make_invoice

    reminded = make_customer(company, code="K1", name="Relancé")
    make_invoice(
        reminded, number="OLD1", dunning_level=1, last_reminder_on=date(2026, 2, 24)
    )
    CustomerDunning.objects.create(company=company, customer=reminded, min_gap_days=10)
    make_customer(company, code="K2", name="En pause", paused_until=date(2026, 3, 10))
    by_issue = DunningPlan.objects.create(company=company, name="Émission")
    make_steps(company, [("R1", "after_issue_date", 45)], dunning_plan=by_issue)
    CustomerDunning.objects.create(
        company=company,
        customer=make_customer(company, code="K3", name="Plan propre"),
        plan=by_issue,
    )
    CustomerDunning.objects.create(
        company=company,
        customer=make_customer(company, code="K4", name="Sans étape"),
        plan=DunningPlan.objects.create(company=company, name="Vide"),
    )
    invoices_refresh(company=company, today=TODAY)
    lines = [
        "numero;code_client;client;date_facture;date_echeance;montant_ttc;statut;"
        "type_piece;facture_d_origine",
        "A1;K1;;01/01/2026;31/01/2026;100,00;;;",
        "A2;K2;;01/01/2026;31/01/2026;100,00;;;",
        "A3;K3;;01/01/2026;31/03/2026;100,00;;;",
        "A4;K4;;01/01/2026;31/01/2026;100,00;;;",
        "N1;N;Nouveau;01/01/2026;31/01/2026;100,00;;;",
        "N2;N;;01/02/2026;31/03/2026;100,00;;;",
        "N3;N;;01/01/2026;31/01/2026;100,00;payée;;",
        "AV1;N;;15/01/2026;15/01/2026;30,00;;avoir;N1",
    ]
    content = ("\n".join(lines) + "\n").encode()
    take_in(company, content)

    def states():
        return {
            number: (tag, level, on)
            for number, tag, level, on in Invoice.objects.filter(
                company=company
            ).values_list("number", "to_remind", "next_level", "next_reminder_on")
        }

    imported = states()
    assert imported == {
        "OLD1": (False, 2, date(2026, 3, 11)),  # 15 days after its reminder
        "A1": (False, 1, date(2026, 3, 6)),  # 10 days after the last reminder
        "A2": (False, 1, date(2026, 3, 11)),  # the day after the pause
        "A3": (True, 1, date(2026, 2, 15)),  # 45 days after the issue date
        "A4": (False, None, None),
        "N1": (True, 1, date(2026, 2, 3)),  # 70,00 left after the credit note
        "N2": (False, 1, date(2026, 4, 3)),
        "N3": (False, None, None),
        "AV1": (False, None, None),
    }
    assert Invoice.objects.get(number="N1").amount_due == Decimal("70.00")
    result = invoices_refresh(company=company, today=TODAY)
    assert (result.tagged, result.untagged, result.to_remind) == (0, 0, 2)
    assert states() == imported
