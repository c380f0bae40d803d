"""« Nouvelle facture »: an invoice typed by hand goes through the checks
of imports and of the API, then gets its dunning state at once."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.services.intake import invoice_create
from relance.invoices.importing import Refused
from relance.invoices.models import Customer, Invoice
from relance.invoices.services import customer_code_for
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_steps,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def create(company, **raw):
    raw.setdefault("number", "FC26020001")
    raw.setdefault("issue_date", "2026-01-15")
    raw.setdefault("due_date", "2026-02-14")
    raw.setdefault("total", "1 234,56")
    return invoice_create(company=company, raw=raw, today=TODAY, **raw.pop("_", {}))


def problems(company, **raw) -> list[tuple[str, str]]:
    with pytest.raises(Refused) as refused:
        create(company, **raw)
    return [(e.column, e.message) for e in refused.value.report.errors]


def test_an_invoice_for_an_existing_customer_is_due_for_its_first_step(company):
    herbly = make_customer(company, code="411HERBLYF", kind="consumer")
    invoice = create(company, customer_code="411HERBLYF", payment_terms="30 jours")
    assert (invoice.customer, invoice.number) == (herbly, "FC26020001")
    assert (invoice.issue_date, invoice.due_date) == (
        date(2026, 1, 15),
        date(2026, 2, 14),
    )
    assert invoice.total == invoice.amount_due == Decimal("1234.56")
    assert (invoice.status, invoice.payment_terms) == ("open", "30 jours")
    # Due on 14/02, Relance 1 at D+3: due today, tagged at once.
    assert (invoice.to_remind, invoice.next_level) == (True, 1)
    assert not invoice.pdf
    herbly.refresh_from_db()
    assert herbly.kind == "consumer"  # an existing customer is left as it was


def test_a_new_customer_is_created_with_a_code_made_from_its_name(company):
    make_customer(company, code="411MENUISE")
    invoice = create(
        company,
        customer_name="Menuiserie Riou",
        customer_email="riou@riou.example",
        customer_kind="consumer",
    )
    customer = invoice.customer
    assert (customer.code, customer.name, customer.email, customer.kind) == (
        "411MENUISE2",
        "Menuiserie Riou",
        "riou@riou.example",
        "consumer",
    )


def test_a_pdf_comes_with_the_invoice(company):
    make_customer(company, code="411A")
    pdf = make_pdf("FC26020001")
    invoice = create(
        company, customer_code="411A", _={"pdf": pdf, "pdf_type": "application/pdf"}
    )
    with invoice.pdf.open("rb") as kept:
        assert kept.read() == pdf


def test_every_problem_is_listed_by_field_and_nothing_is_saved(company):
    assert problems(
        company,
        number="",
        issue_date="31/02/2026",
        due_date="2101-01-01",
        total="-5",
        customer_email="pas-un-courriel",
        _={"pdf": b"GIF89a", "pdf_type": "application/pdf"},
    ) == [
        (
            "customer_code",
            "choisissez un client, ou saisissez le nom d'un nouveau client",
        ),
        ("number", "valeur obligatoire"),
        ("issue_date", "date impossible « 31/02/2026 »"),
        ("due_date", "date hors des limites acceptées (du 01/01/2000 au 31/12/2099)"),
        ("customer_email", "adresse e-mail invalide « pas-un-courriel »"),
        ("total", "le montant ne peut pas être négatif"),
        ("pdf", "Ce fichier n'est pas un PDF, quel que soit son nom."),
    ]
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_a_number_already_used_is_refused(company):
    make_invoice(make_customer(company, code="411A"), number="FC26020001")
    assert problems(company, customer_code="411A") == [
        ("number", "la facture « FC26020001 » existe déjà")
    ]


def test_a_due_date_before_the_invoice_date_is_refused(company):
    make_customer(company, code="411A")
    assert problems(company, customer_code="411A", due_date="2026-01-01") == [
        ("due_date", "l'échéance précède la date de facture")
    ]


def test_another_company_s_customer_is_unknown(company):
    make_customer(make_company(), code="411SECRET")
    assert problems(company, customer_code="411SECRET") == [
        ("customer_code", "client inconnu")
    ]
    assert not Invoice.objects.exists()


def test_customer_codes_follow_the_french_customer_accounts():
    assert customer_code_for("HERBLY Francis", set()) == "411HERBLYF"
    assert customer_code_for("M. et Mme Le Roux", set()) == "411ROUX"
    assert customer_code_for("Bâti-Ouest SARL", {"411BATIOUE"}) == "411BATIOUE2"
