"""The invoice file's e-invoicing status column (statut_facture_electronique,
its date and reason): each status in the invoice's history, its effect on
the dunning, once however many times the file is imported."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.services.intake import invoices_take_in
from relance.invoices.importing import Refused
from relance.invoices.models import EInvoiceStatusEvent, Invoice, Payment
from tests.factories import make_company, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)

EXPORT = (
    "N° facture;Code client;Client;Date facture;Date échéance;Montant TTC;"
    "Statut facture électronique;Date statut;Motif statut\r\n"
    "F-2026-0040;411LEON;Bâtiments Léon;15/01/2026;14/02/2026;1 440,00;"
    "212 - Encaissée;05/03/2026;\r\n"
    "F-2026-0041;411LEON;Bâtiments Léon;15/01/2026;14/02/2026;960,00;"
    "En litige;06/03/2026;Livraison incomplète\r\n"
    "F-2026-0042;411LEON;Bâtiments Léon;15/01/2026;14/02/2026;480,00;"
    "210;;Bon de commande absent\r\n"
    "F-2026-0043;411LEON;Bâtiments Léon;15/01/2026;14/02/2026;120,00;;;\r\n"
).encode("cp1252")


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def take_in(company, content, dry_run=False):
    return invoices_take_in(
        company=company,
        content=content,
        filename="export.csv",
        today=TODAY,
        dry_run=dry_run,
    )


def test_each_rows_status_does_what_its_code_says(company):
    take_in(company, EXPORT)
    invoices = {i.number: i for i in Invoice.objects.all()}
    cashed = invoices["F-2026-0040"]
    assert (cashed.status, cashed.amount_due) == ("paid", Decimal("0.00"))
    payment = Payment.objects.get()
    assert (payment.invoice, payment.amount, payment.date) == (
        cashed,
        Decimal("1440.00"),
        date(2026, 3, 5),
    )
    disputed = invoices["F-2026-0041"]
    assert (disputed.pause_kind, disputed.pause_reason, disputed.to_remind) == (
        "dispute",
        "207 « En litige » : Livraison incomplète",
        False,
    )
    refused = invoices["F-2026-0042"]
    assert (refused.einvoice_status, refused.to_remind) == ("210", False)
    assert invoices["F-2026-0043"].to_remind is True
    assert list(
        EInvoiceStatusEvent.objects.order_by("invoice__number").values_list(
            "invoice__number", "code", "status_on", "source", "reason"
        )
    ) == [
        ("F-2026-0040", "212", date(2026, 3, 5), "import", ""),
        ("F-2026-0041", "207", date(2026, 3, 6), "import", "Livraison incomplète"),
        ("F-2026-0042", "210", TODAY, "import", "Bon de commande absent"),
    ]


def test_the_same_file_imported_again_records_nothing_new(company):
    take_in(company, EXPORT)
    take_in(company, EXPORT)
    assert EInvoiceStatusEvent.objects.count() == 3
    assert Payment.objects.count() == 1


def test_a_dry_run_records_no_status(company):
    take_in(company, EXPORT, dry_run=True)
    assert not EInvoiceStatusEvent.objects.exists()


def test_a_bad_status_is_named_with_its_line_and_nothing_is_imported(company):
    bad = EXPORT.replace(b"210;;", b"Pay\xe9e;;").replace(
        b"En litige;06/03/2026", b"En litige;11/03/2026"
    )
    with pytest.raises(Refused) as refused:
        take_in(company, bad)
    assert [e.as_dict() for e in refused.value.report.errors] == [
        {
            "line": 3,
            "column": "Date statut",
            "message": "date après aujourd'hui (10/03/2026)",
        },
        {
            "line": 4,
            "column": "Statut facture électronique",
            "message": "statut de facture électronique inconnu « Payée » (attendu : "
            "un code de 200 à 213, ou son libellé, par exemple « Encaissée »)",
        },
    ]
    assert not Invoice.objects.exists()


def test_a_status_date_without_a_status_is_refused(company):
    bad = EXPORT.replace(b"120,00;;;", b"120,00;;01/03/2026;")
    with pytest.raises(Refused) as refused:
        take_in(company, bad)
    assert [e.as_dict() for e in refused.value.report.errors] == [
        {
            "line": 5,
            "column": "Date statut",
            "message": "sans statut de facture électronique sur la ligne",
        }
    ]
