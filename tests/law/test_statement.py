"""Issue 14 §3: « Relevé de compte », a customer's open invoices at a date
with what the law adds, as a spreadsheet."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from relance.dunning.statements import customer_statement
from tests.factories import make_company, make_customer, make_invoice, make_user, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    company = make_company(name="Bâtiments Durand")
    customer = make_customer(company, code="411DUPUIS", name="Garage Dupuis")
    partly = make_invoice(
        customer,
        number="FC-1",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("10000.00"),
    )
    pay(partly, on=date(2025, 6, 15), amount="4000.00")
    make_invoice(
        customer,
        number="FC-2",
        issue_date=date(2025, 6, 1),
        due_date=date(2025, 7, 31),
        total=Decimal("500.00"),
    )
    paid = make_invoice(
        customer,
        number="FC-0",
        issue_date=date(2025, 4, 1),
        due_date=date(2025, 4, 30),
        total=Decimal("300.00"),
    )
    pay(paid, on=date(2025, 4, 30), amount="300.00")
    return customer


def test_the_statement_lists_what_is_owed_with_the_law_added(customer):
    statement = customer_statement(customer=customer, on=date(2025, 7, 15))
    assert [line.invoice.number for line in statement.lines] == ["FC-1", "FC-2"]
    first = statement.lines[0]
    assert (first.paid, first.outcome.principal, first.outcome.penalties) == (
        Decimal("4000.00"),
        Decimal("6000.00"),
        Decimal("116.42"),  # as tests/law/test_penalties_everywhere.py
    )
    assert statement.lines[1].outcome.days_late == 0  # due 31/07
    assert (statement.principal, statement.indemnity, statement.total) == (
        Decimal("6500.00"),
        Decimal("40.00"),
        Decimal("6656.42"),
    )


def test_the_customer_page_gives_it_as_xlsx(customer):
    client = Client()
    client.force_login(make_user(customer.company))
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert 'data-testid="statement-xlsx"' in page
    answer = client.get(f"/clients/{customer.pk}/releve.xlsx", {"date": "2025-07-15"})
    assert answer["Content-Disposition"] == (
        'attachment; filename="releve-411dupuis-2025-07-15.xlsx"'
    )
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Facture", "Date", "Échéance")
    assert rows[1][0] == "FC-1" and rows[1][7] == 116.42
    assert rows[-1][0] == "Total" and rows[-1][-1] == 6656.42


def test_another_companys_customer_is_not_found(customer):
    client = Client()
    client.force_login(make_user(make_company(name="Concurrent")))
    assert client.get(f"/clients/{customer.pk}/releve.xlsx").status_code == 404


def test_the_statement_pdf_says_the_amounts(customer):
    from tests.invoices.test_pdf import text_of

    client = Client()
    client.force_login(make_user(customer.company))
    answer = client.get(f"/clients/{customer.pk}/releve.pdf", {"date": "2025-07-15"})
    assert answer["Content-Type"] == "application/pdf"
    text = text_of(answer.content)
    assert "RELEVÉ DE COMPTE" in text
    assert "FC-1" in text and "FC-2" in text and "FC-0" not in text
    assert "116,42 €" in text  # penalties of FC-1
    assert "6 656,42 €" in text  # the total


def test_a_consumers_statement_shows_no_penalty_column(customer):
    from tests.invoices.test_pdf import text_of

    consumer = make_customer(customer.company, name="Mme Martin", kind="consumer")
    make_invoice(
        consumer,
        number="FP-1",
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("800.00"),
    )
    client = Client()
    client.force_login(make_user(customer.company))
    answer = client.get(f"/clients/{consumer.pk}/releve.pdf", {"date": "2025-07-15"})
    text = text_of(answer.content)
    assert "FP-1" in text and "800,00 €" in text
    assert "Pénalités" not in text and "Indemnité" not in text


def test_a_step_can_attach_the_statement_to_its_message(customer, smtp_server):
    from relance.dunning.models import DunningStep
    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.delivery import reminders_deliver
    from relance.dunning.services.reminders import reminders_create
    from relance.dunning.services.state import invoices_refresh
    from relance.dunning.services.steps import steps_create_defaults
    from tests.invoices.test_pdf import text_of

    company = customer.company
    steps_create_defaults(company=company)
    DunningStep.objects.filter(company=company).update(
        attach_pdf=False, attach_statement=True
    )
    today = date(2025, 7, 15)
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today)
    created = reminders_create(plan=plan)
    reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders],
        now=datetime(2025, 7, 15, 9, 0, tzinfo=UTC),
        today=today,
    )
    [received] = smtp_server.received
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "Relevé de compte 411DUPUIS.pdf"
    text = text_of(attachment.get_content())
    assert "FC-1" in text and "FC-2" in text
    assert "6 656,42 €" in text


def credited(customer):
    """FC-2 credited 200 € of the 700 € credit note AV-1 on 05/07/2025; AV-0
    wholly allocated to FC-0 before; AV-9 issued after the statement."""
    from relance.dunning.services.payments import credit_allocate
    from relance.invoices.models import Invoice
    from tests.factories import make_credit_note

    fc2 = Invoice.objects.get(number="FC-2")
    credit = make_credit_note(
        customer, number="AV-1", issue_date=date(2025, 7, 1), total=Decimal("700.00")
    )
    credit_allocate(
        company=customer.company,
        credit_note=credit,
        invoice=fc2,
        amount=Decimal("200.00"),
        today=date(2025, 7, 5),
    )
    make_credit_note(
        customer,
        number="AV-0",
        issue_date=date(2025, 4, 1),
        total=Decimal("50.00"),
        credit_left=Decimal("0.00"),
        status="paid",
    )
    make_credit_note(customer, number="AV-9", issue_date=date(2025, 8, 1))
    return credit


def test_the_statement_lists_credit_notes_and_takes_off_what_is_left(customer):
    credited(customer)
    statement = customer_statement(customer=customer, on=date(2025, 7, 15))
    assert [line.invoice.number for line in statement.lines] == ["FC-1", "FC-2"]
    assert statement.lines[1].paid == Decimal("200.00")  # the allocation
    [line] = statement.credits
    assert (line.credit_note.number, line.allocations, line.left) == (
        "AV-1",
        [("FC-2", Decimal("200.00"))],
        Decimal("500.00"),
    )
    assert (statement.principal, statement.credit, statement.balance) == (
        Decimal("6300.00"),
        Decimal("500.00"),
        Decimal("5800.00"),
    )
    # 6 300,00 + 116,42 penalties + 40,00 indemnity - 500,00 credit
    assert statement.total == Decimal("5956.42")
    rows = statement.rows()
    assert rows[-2] == [
        "Avoir AV-1",
        date(2025, 7, 1),
        None,
        Decimal("-700.00"),
        Decimal("-200.00"),
        Decimal("-500.00"),
        None,
        None,
        None,
        None,
        Decimal("-500.00"),
    ]
    assert (rows[-1][0], rows[-1][5], rows[-1][-1]) == (
        "Total",
        Decimal("5800.00"),
        Decimal("5956.42"),
    )


def test_before_its_allocation_the_whole_credit_note_is_taken_off(customer):
    credited(customer)
    statement = customer_statement(customer=customer, on=date(2025, 7, 3))
    assert statement.lines[1].outcome.principal == Decimal("500.00")
    assert [(c.credit_note.number, c.left) for c in statement.credits] == [
        ("AV-1", Decimal("700.00"))
    ]
    assert statement.balance == Decimal("6500.00") - Decimal("700.00")


def test_the_statement_pdf_shows_the_credit_note(customer):
    from pypdf import PdfReader

    from relance.core.pdfs import PdfUnavailable
    from relance.dunning.statements import statement_pdf

    credited(customer)
    statement = customer_statement(customer=customer, on=date(2025, 7, 15))
    try:
        content = statement_pdf(statement)
    except PdfUnavailable:
        pytest.skip("WeasyPrint cannot run here")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    text = " ".join(text.split())
    assert "Avoir AV-1" in text
    assert "Avoirs non imputés −500,00 €" in text.replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    assert "Avoir AV-1 déjà imputé : FC-2 (200,00" in text
