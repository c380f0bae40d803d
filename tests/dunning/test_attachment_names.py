"""A reminder's attachments are named in the customer's language: Relance's
words in French or English (English for another language, ADR 28)."""

from datetime import date

import pytest
from django.core.files.base import ContentFile

from relance.dunning.models import DunningStep
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company, make_customer, make_invoice, remind

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand", languages=["fr", "en", "de"])
    steps_create_defaults(company=company)
    DunningStep.objects.filter(company=company, order=1).update(
        attach_pdf=True, attach_statement=True
    )
    return company


def names_sent_to(company, smtp_server, language: str) -> list[str]:
    customer = make_customer(company, code=f"411{language.upper()}", language=language)
    invoice = make_invoice(customer, number=f"FC-{language.upper()}")
    invoice.pdf.save("scan.pdf", ContentFile(b"%PDF-1.4 facture"))
    remind(company, TODAY)
    [received] = smtp_server.received
    return [a.get_filename() for a in received.message.iter_attachments()]


def test_a_french_customer_gets_french_file_names(company, smtp_server):
    assert names_sent_to(company, smtp_server, "fr") == [
        "Facture FC-FR.pdf",
        "Relevé de compte 411FR.pdf",
    ]


def test_an_english_customer_gets_english_file_names(company, smtp_server):
    assert names_sent_to(company, smtp_server, "en") == [
        "Invoice FC-EN.pdf",
        "Account statement 411EN.pdf",
    ]


def test_a_german_customer_gets_relances_english_file_names(company, smtp_server):
    assert names_sent_to(company, smtp_server, "de") == [
        "Invoice FC-DE.pdf",
        "Account statement 411DE.pdf",
    ]
