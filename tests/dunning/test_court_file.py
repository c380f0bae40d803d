"""Issue 14 §5: « Dossier d'injonction de payer », one ZIP per customer with
the summary for the court, the statement, the invoices and the reminders as
sent."""

import email
import re
import zipfile
from datetime import date
from decimal import Decimal
from email import policy
from io import BytesIO

import pytest
from django.core.management import call_command
from django.test import Client

from relance.dunning.court_file import court_file, court_file_write
from relance.dunning.models import Reminder
from relance.dunning.services.steps import steps_create_defaults
from relance.invoices.services import invoice_pdf_attach
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_user,
    pay,
    remind,
)
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db

REMINDED_ON = date(2025, 7, 15)
FILE_ON = date(2025, 8, 1)


@pytest.fixture
def business(smtp_server):
    company = make_company(
        name="Bâtiments Durand",
        siren="552100554",
        address_line1="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
    )
    steps_create_defaults(company=company)
    customer = make_customer(
        company,
        code="411DUPUIS",
        name="Garage Dupuis",
        address_line1="12 avenue Foch",
        postal_code="42000",
        city="Saint-Étienne",
        siren="732829320",
    )
    partly = make_invoice(
        customer,
        number="FC-1",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("10000.00"),
    )
    invoice_pdf_attach(company=company, invoice=partly, content=make_pdf("FC-1"))
    pay(partly, on=date(2025, 6, 15), amount="4000.00")
    make_invoice(
        customer,
        number="FC/2",
        issue_date=date(2025, 6, 1),
        due_date=date(2025, 6, 30),
        total=Decimal("500.00"),
    )
    remind(company, REMINDED_ON)
    return customer


def archive_of(file) -> zipfile.ZipFile:
    out = BytesIO()
    court_file_write(file, out)
    return zipfile.ZipFile(BytesIO(out.getvalue()))


def test_the_court_file_holds_the_summary_the_statement_the_invoices_and_the_emails(
    business,
):
    [reminder] = Reminder.objects.filter(customer=business)
    archive = archive_of(court_file(customer=business, on=FILE_ON))
    assert archive.namelist() == [
        "00 Synthèse.pdf",
        "01 Relevé de compte.pdf",
        "02 Factures/Facture FC-1.pdf",
        f"03 Relances/2025-07-15 Relance 1 {reminder.pk}.eml",
    ]
    # The invoice's PDF as it is stored, byte for byte.
    assert (
        archive.read("02 Factures/Facture FC-1.pdf")
        == business.invoices.get(number="FC-1").pdf.read()
    )
    statement = text_of(archive.read("01 Relevé de compte.pdf"))
    assert "FC-1" in statement and "FC/2" in statement


def test_each_email_is_the_reminder_as_it_left(business, smtp_server):
    [reminder] = Reminder.objects.filter(customer=business)
    [received] = smtp_server.received
    archive = archive_of(court_file(customer=business, on=FILE_ON))
    [name] = [n for n in archive.namelist() if n.endswith(".eml")]
    saved = email.message_from_bytes(archive.read(name), policy=policy.default)
    sent = received.message
    for header in ("Subject", "Message-ID", "To", "From", "Reply-To"):
        assert saved[header] == sent[header], header
    assert saved["Message-ID"] == reminder.message_id
    assert saved["Date"] == "Tue, 15 Jul 2025 09:00:00 +0000"  # when recorded sent
    text = saved.get_body(("plain",)).get_content().replace("\r\n", "\n")
    # Word for word, but for the private link's token, which only the sent
    # message holds (ADR 18).
    sent_text = sent.get_body(("plain",)).get_content()
    assert "/p/…/" in text
    assert text == re.sub(r"/p/[A-Za-z0-9_-]{43}/", "/p/…/", sent_text)
    assert "FC-1" in text


def test_the_summary_gives_the_court_the_amounts_and_the_pieces(business):
    file = court_file(customer=business, on=FILE_ON)
    text = text_of(archive_of(file).read("00 Synthèse.pdf"))
    assert "DOSSIER D'INJONCTION DE PAYER" in text
    assert "Bâtiments Durand" in text and "552100554" in text
    assert "Garage Dupuis" in text and "732829320" in text
    assert "42000 Saint-Étienne" in text
    assert "Président du tribunal de commerce" in text
    assert "Cerfa n° 12946" in text
    # Principal 6,500.00; penalties and indemnities as the statement on that day.
    statement = file.statement
    assert (statement.principal, statement.indemnity) == (
        Decimal("6500.00"),
        Decimal("80.00"),
    )
    assert f"{statement.penalties}".replace(".", ",") in text
    assert "6 500,00 €" in text and "80,00 €" in text
    total = f"{statement.total:,.2f}".replace(",", " ").replace(".", ",")
    assert f"{total} €" in text
    # What was tried first, and the list of pieces.
    assert "Relance 1" in text
    assert "Facture FC-1" in text and "02 Factures/Facture FC-1.pdf" in text
    # FC/2 has no PDF: the user is told to add it.
    assert "Factures sans PDF dans Relance, à joindre au dossier : FC/2." in text


def test_a_consumers_court_file_asks_for_no_penalty_and_no_indemnity(smtp_server):
    company = make_company(name="Bâtiments Durand")
    steps_create_defaults(company=company)
    consumer = make_customer(
        company, code="C-MARTIN", name="Mme Martin", kind="consumer"
    )
    make_invoice(
        consumer,
        number="FP-1",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("800.00"),
    )
    remind(company, REMINDED_ON)
    file = court_file(customer=consumer, on=FILE_ON)
    assert (file.statement.penalties, file.statement.indemnity) == (0, 0)
    assert file.statement.total == Decimal("800.00")
    archive = archive_of(file)
    summary = text_of(archive.read("00 Synthèse.pdf"))
    assert "Président du tribunal judiciaire" in summary
    assert "Cerfa n° 12948" in summary and "12946" not in summary
    assert "Pénalités de retard au" not in summary
    assert "Indemnités forfaitaires pour frais de recouvrement" not in summary
    assert "40,00 €" not in summary
    assert "Intérêts au taux légal au 01/08/2025" in summary
    statement = text_of(archive.read("01 Relevé de compte.pdf"))
    assert "Pénalités" not in statement and "Indemnité" not in statement


def test_a_time_barred_invoice_is_flagged_for_the_court(smtp_server):
    company = make_company()
    customer = make_customer(company, code="C1", kind="consumer")
    make_invoice(
        customer,
        number="OLD-1",
        issue_date=date(2023, 1, 1),
        due_date=date(2023, 1, 31),
        total=Decimal("100.00"),
    )
    file = court_file(customer=customer, on=FILE_ON)
    [(invoice, last)] = file.time_barred
    assert (invoice.number, last) == ("OLD-1", date(2025, 1, 31))
    summary = text_of(archive_of(file).read("00 Synthèse.pdf"))
    assert (
        "factures prescrites, que le juge écartera : OLD-1 (depuis le 31/01/2025)"
        in (summary)
    )


def test_the_customer_page_offers_it_and_gives_it_as_a_zip(business):
    client = Client()
    client.force_login(make_user(business.company))
    page = client.get(f"/clients/{business.pk}/").content.decode()
    assert 'data-testid="court-file"' in page
    answer = client.get(
        f"/clients/{business.pk}/dossier-injonction.zip", {"date": "2025-08-01"}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"] == (
        'attachment; filename="dossier-injonction-411dupuis-2025-08-01.zip"'
    )
    archive = zipfile.ZipFile(BytesIO(b"".join(answer.streaming_content)))
    assert len(archive.namelist()) == 4


def test_relance_court_file_writes_the_zip(business, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "dossier.zip"
    call_command(
        "court-file", "411DUPUIS", "--date", "2025-08-01", "--output", str(out)
    )
    assert zipfile.ZipFile(out).namelist()[0] == "00 Synthèse.pdf"
    assert [p.name for p in out.parent.iterdir()] == ["dossier.zip"]  # no .part left
