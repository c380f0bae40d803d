"""The court file (issue 14 §5): only the company's own customers, and file
names inside the ZIP that come from invoice numbers never leave its folders."""

import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client

from relance.dunning.court_file import court_file, court_file_write
from relance.invoices.services import invoice_pdf_attach
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_another_companys_customer_has_no_court_file():
    customer = make_customer(make_company(name="Bâtiments Durand"))
    client = Client()
    client.force_login(make_user(make_company(name="Concurrent")))
    answer = client.get(f"/clients/{customer.pk}/dossier-injonction.zip")
    assert answer.status_code == 404


def test_the_court_file_needs_a_login():
    customer = make_customer(make_company())
    answer = Client().get(f"/clients/{customer.pk}/dossier-injonction.zip")
    assert answer.status_code == 302 and "/connexion/" in answer["Location"]


@pytest.mark.parametrize(
    "number, name",
    [
        ("../../etc/passwd", "02 Factures/Facture _.._etc_passwd.pdf"),
        ("/abs", "02 Factures/Facture _abs.pdf"),
        ("C:\\x", "02 Factures/Facture C__x.pdf"),
        ("..", "02 Factures/Facture _.pdf"),
    ],
)
def test_an_invoice_number_cannot_climb_out_of_its_folder(number, name):
    company = make_company()
    customer = make_customer(company, code="C1")
    invoice = make_invoice(
        customer, number=number, due_date=date(2026, 1, 31), total=Decimal("10.00")
    )
    invoice_pdf_attach(company=company, invoice=invoice, content=make_pdf())
    out = BytesIO()
    court_file_write(court_file(customer=customer, on=date(2026, 3, 1)), out)
    names = zipfile.ZipFile(out).namelist()
    assert name in names
    assert all(".." not in n.split("/") and not n.startswith("/") for n in names)
