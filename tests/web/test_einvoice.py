"""The invoice page shows its e-invoicing statuses, each with its date and
reason; another company's are never shown."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from relance.dunning.services.einvoice import NewStatus, einvoice_status_record
from relance.invoices.models import EInvoiceStatusEvent
from tests.factories import make_company, make_customer, make_invoice, make_user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def signed_in(company):
    client = Client()
    client.force_login(make_user(company))
    return client


def test_the_invoice_page_shows_each_status_with_its_date_and_reason(
    signed_in, company
):
    invoice = make_invoice(make_customer(company), number="F-2026-0042")
    einvoice_status_record(
        company=company,
        statuses=[
            NewStatus(invoice=invoice, code="200", on=date(2026, 1, 15)),
            NewStatus(
                invoice=invoice,
                code="207",
                on=date(2026, 3, 2),
                reason="QTE_ERR : 12 portes au lieu de 10",
                source=EInvoiceStatusEvent.Source.CDAR,
                message_id="CDV-1",
            ),
            NewStatus(
                invoice=invoice,
                code="212",
                on=date(2026, 3, 5),
                amount_paid=Decimal("600.00"),
                paid_on=date(2026, 3, 4),
            ),
        ],
        today=TODAY,
    )
    page = signed_in.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Encaissée — le 05/03/2026" in page
    table = page[page.index('data-testid="einvoice-statuses"') :]
    rows = table[: table.index("</table>")]
    assert (
        rows.index("15/01/2026") < rows.index("02/03/2026") < rows.index("05/03/2026")
    )
    assert "200 Déposée" in rows and "207 En litige" in rows
    assert "QTE_ERR : 12 portes au lieu de 10" in rows
    assert "encaissé : 600,00" in rows and "(04/03/2026)" in rows
    assert "Message CDAR · CDV-1" in rows


def test_another_companys_invoice_and_its_statuses_are_not_found(signed_in):
    other = make_company()
    theirs = make_invoice(make_customer(other))
    einvoice_status_record(
        company=other,
        statuses=[NewStatus(invoice=theirs, code="210", on=date(2026, 3, 1))],
        today=TODAY,
    )
    assert signed_in.get(f"/factures/{theirs.pk}/").status_code == 404


def test_a_cdar_file_is_checked_then_recorded_from_the_import_page(signed_in, company):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from relance.invoices.models import Payment

    invoice = make_invoice(
        make_customer(company), number="F-2026-0042", total=Decimal("1440.00")
    )
    content = (
        Path(__file__).parents[1] / "invoices" / "data" / "cdar-212-encaissee.xml"
    ).read_bytes()
    checked = signed_in.post(
        "/import/",
        {"kind": "einvoice", "file": SimpleUploadedFile("cdar.xml", content)},
    )
    page = checked.content.decode()
    assert checked.status_code == 200
    assert "212 Encaissée" in page and "encaissé : 1\xa0240,50" in page
    assert "1 statut(s) à enregistrer, 0 déjà reçu(s) ; 1 règlement(s)" in page
    assert not Payment.objects.exists()  # checked only
    key = page.split('name="key" value="')[1].split('"')[0]
    done = signed_in.post(
        "/import/",
        {"action": "einvoice_confirm", "kind": "einvoice", "key": key},
        follow=True,
    )
    assert "1 statut(s) enregistré(s), 0 déjà reçu(s), 1 règlement(s)" in (
        done.content.decode()
    )
    assert Payment.objects.get(invoice=invoice).amount == Decimal("1240.50")


def test_a_cdar_file_naming_an_unknown_invoice_is_refused_with_its_element(
    signed_in, company
):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        Path(__file__).parents[1] / "invoices" / "data" / "cdar-212-encaissee.xml"
    ).read_bytes()
    refused = signed_in.post(
        "/import/",
        {"kind": "einvoice", "file": SimpleUploadedFile("cdar.xml", content)},
    )
    assert refused.status_code == 400
    assert (
        "Statut n° 1, « IssuerAssignedID » : facture « F-2026-0042 » inconnue"
        in refused.content.decode()
    )


def test_a_status_typed_by_hand_is_recorded_and_a_future_date_refused_by_its_field(
    signed_in, company
):
    from relance.core.clock import company_today
    from relance.core.money import format_date

    invoice = make_invoice(make_customer(company), number="F-2026-0060")
    url = f"/factures/{invoice.pk}/statut-facturation-electronique/"
    today = company_today(company)
    refused = signed_in.post(
        url,
        {
            "einvoice-code": "210",
            "einvoice-date": date(2099, 1, 1).isoformat(),
            "einvoice-reason": "",
        },
    )
    assert refused.status_code == 400
    assert (
        f'id="id_einvoice-date_error" role="alert">date après aujourd&#x27;hui '
        f"({format_date(today)})" in refused.content.decode()
    )
    done = signed_in.post(
        url,
        {
            "einvoice-code": "210",
            "einvoice-date": today.isoformat(),
            "einvoice-reason": "Bon de commande absent",
        },
    )
    assert done.status_code == 302
    invoice.refresh_from_db()
    event = invoice.einvoice_events.get()
    assert (invoice.einvoice_status, event.source, event.reason) == (
        "210",
        "web",
        "Bon de commande absent",
    )
