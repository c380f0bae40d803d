"""An invoice's PDF: the mentions French law asks of an invoice, read back
from the PDF itself."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from relance.core.identifiers import vat_number_from_siren
from relance.invoices.pdf import (
    InvoiceLine,
    invoice_pdf_render,
    lines_total,
    vat_breakdown,
)
from tests.factories import make_company, make_customer, make_invoice

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    """The PDF's text, each run of spaces, no-break ones and line ends too,
    as one space."""
    reader = PdfReader(BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


LINES = [
    InvoiceLine(
        "Dalle béton armé ép. 12 cm", Decimal("12"), "m²", Decimal("70"), Decimal(20)
    ),
    InvoiceLine(
        "Main-d'œuvre maçonnerie", Decimal("7.5"), "h", Decimal("48"), Decimal(20)
    ),
]  # 840 + 360 = 1 200,00 HT, 240,00 of VAT: 1 440,00 TTC


@pytest.fixture
def company():
    return make_company(
        name="Bâtiments Durand",
        address_line1="24 rue de la Donelière",
        postal_code="35000",
        city="Rennes",
        siren="732829320",
        siret="73282932000074",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )


def invoice_for(company, kind="business", **fields):
    customer = make_customer(
        company,
        name="SCI Les Tilleuls",
        kind=kind,
        address_line1="12 avenue Janvier",
        postal_code="35000",
        city="Rennes",
        siren="552100554",
    )
    fields.setdefault("total", Decimal("1440.00"))
    return make_invoice(
        customer,
        number="FC26010042",
        issue_date=date(2026, 1, 15),
        due_date=date(2026, 2, 14),
        payment_terms="30 jours",
        **fields,
    )


def test_an_invoice_pdf_carries_every_mention_french_law_asks_for(company):
    invoice = invoice_for(company)
    pdf = invoice_pdf_render(
        company=company,
        invoice=invoice,
        lines=LINES,
        vat_number=vat_number_from_siren(company.siren),
        performed_on=date(2026, 1, 12),
    )
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for mention in [
        # The seller: name, address, SIREN/SIRET, VAT number.
        "Bâtiments Durand",
        "24 rue de la Donelière",
        "35000 Rennes",
        "SIRET 73282932000074",
        "N° TVA intracommunautaire FR44732829320",
        # The invoice: number, dates, the customer.
        "FACTURE",
        "FC26010042",
        "Date de facture 15/01/2026",
        "Date de la prestation 12/01/2026",
        "Échéance 14/02/2026",
        "SCI Les Tilleuls",
        "12 avenue Janvier",
        "SIREN 552100554",
        # Lines before tax, VAT by rate, the total with tax.
        "Dalle béton armé ép. 12 cm 12 m² 70,00 € 20 % 840,00 €",
        "Main-d'œuvre maçonnerie 7,5 h 48,00 € 20 % 360,00 €",
        "20 % 1 200,00 € 240,00 €",
        "Total HT 1 200,00 €",
        "Total TVA 240,00 €",
        "Total TTC 1 440,00 €",
        # Payment: when, how, terms, penalties, the 40 € indemnity.
        "À régler au plus tard le 14/02/2026 (30 jours)",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "Pas d'escompte pour paiement anticipé.",
        "Banque centrale européenne",
        "majoré de 10 points",
        "indemnité forfaitaire pour frais de recouvrement de 40 €",
        "L441-10 et D441-5 du Code de commerce",
    ]:
        assert mention in text, mention


def test_an_agreed_penalty_rate_is_the_one_stated(company):
    company.penalty_rate = Decimal("12.5")
    company.save()
    invoice = invoice_for(company)
    text = text_of(invoice_pdf_render(company=company, invoice=invoice, lines=LINES))
    assert "au taux annuel de 12,5 %" in text
    assert "Banque centrale européenne" not in text
    invoice.customer.agreed_penalty_rate = Decimal("15")
    text = text_of(invoice_pdf_render(company=company, invoice=invoice, lines=LINES))
    assert "au taux annuel de 15 %" in text
    assert "recouvrement de 40 €" in text


def test_a_consumer_invoice_states_no_business_penalties(company):
    invoice = invoice_for(company, kind="consumer")
    text = text_of(invoice_pdf_render(company=company, invoice=invoice, lines=LINES))
    assert "Total TTC 1 440,00 €" in text
    assert "recouvrement" not in text
    assert "Pas d'escompte pour paiement anticipé." in text


def test_lines_that_do_not_come_to_the_invoice_total_make_no_pdf(company):
    invoice = invoice_for(company, total=Decimal("1440.01"))
    with pytest.raises(ValueError, match=r"lines come to 1440\.00"):
        invoice_pdf_render(company=company, invoice=invoice, lines=LINES)


def test_vat_is_rounded_once_per_rate_on_that_rate_s_total():
    lines = [
        InvoiceLine("a", Decimal(1), "u", Decimal("0.05"), Decimal(20)),
        InvoiceLine("b", Decimal(1), "u", Decimal("0.05"), Decimal(20)),
        InvoiceLine("c", Decimal(1), "u", Decimal("10.00"), Decimal("5.5")),
    ]
    [twenty, reduced] = vat_breakdown(lines)
    assert (twenty.base, twenty.tax) == (Decimal("0.10"), Decimal("0.02"))
    assert (reduced.base, reduced.tax) == (Decimal("10.00"), Decimal("0.55"))
    assert lines_total(lines) == Decimal("10.67")


def test_a_french_vat_number_is_made_from_the_siren():
    assert vat_number_from_siren("732829320") == "FR44732829320"
    assert vat_number_from_siren("732 829 320") == "FR44732829320"
    assert vat_number_from_siren("732829321") == ""  # not a SIREN
    assert vat_number_from_siren("") == ""
