"""Credit notes (« avoirs »): another company's credit notes and invoices are
never found, a credit note is never allocated across customers, two
allocations at once never give more than it holds, hostile input gets a
clear message, never a 500."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client

from relance.core.errors import ApplicationError
from relance.core.tokens import token_create
from relance.dunning.services.payments import credit_allocate
from relance.invoices.models import Invoice, Payment
from tests.conftest import Api
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_user,
)

TODAY = date(2026, 3, 1)


def api_post(company, path, data):
    return Api(token_create(company=company, name="ERP")[1]).call("post", path, data)


@pytest.mark.django_db
def test_another_companys_credit_note_or_invoice_is_never_found():
    mine, theirs = make_company(), make_company()
    my_customer = make_customer(mine)
    my_invoice = make_invoice(my_customer, total=Decimal("100.00"))
    their_customer = make_customer(theirs)
    their_credit = make_credit_note(their_customer, number="AV-EUX")
    their_invoice = make_invoice(their_customer, total=Decimal("100.00"))
    # API: their credit note by its number, their invoice by its id.
    status, body = api_post(
        mine,
        f"/invoices/{my_invoice.pk}/allocations",
        {"credit_note_number": "AV-EUX", "amount": "10.00"},
    )
    assert (status, body["detail"]) == (400, "Avoir introuvable.")
    my_credit = make_credit_note(my_customer)
    status, _body = api_post(
        mine,
        f"/invoices/{their_invoice.pk}/allocations",
        {"credit_note_number": my_credit.number, "amount": "10.00"},
    )
    assert status == 404
    # The service itself, given the objects.
    with pytest.raises(ApplicationError) as refused:
        credit_allocate(
            company=mine,
            credit_note=their_credit,
            invoice=my_invoice,
            amount=Decimal("10.00"),
            today=TODAY,
        )
    assert str(refused.value.message) == "Avoir introuvable."
    with pytest.raises(ApplicationError) as refused:
        credit_allocate(
            company=mine,
            credit_note=my_credit,
            invoice=their_invoice,
            amount=Decimal("10.00"),
            today=TODAY,
        )
    assert str(refused.value.message) == "Facture introuvable."
    # Web: their customer's and their invoice's forms are not found.
    client = Client()
    client.force_login(make_user(mine))
    assert client.get(f"/clients/{their_customer.pk}/avoir/").status_code == 404
    assert client.get(f"/factures/{their_invoice.pk}/avoir/").status_code == 404
    response = client.post(
        f"/factures/{my_invoice.pk}/avoir/",
        {"credit_note": their_credit.pk, "amount": "10,00"},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Payment.objects.exists()
    their_credit.refresh_from_db()
    assert their_credit.credit_left == Decimal("200.00")


@pytest.mark.django_db
def test_an_import_cannot_name_another_companys_invoice():
    from relance.dunning.services.intake import invoices_take_in
    from relance.invoices.importing import Refused

    mine, theirs = make_company(), make_company()
    make_invoice(make_customer(theirs, code="411X"), number="FC-EUX")
    content = (
        b"numero;code_client;client;date;echeance;montant;type_piece;facture_d_origine\n"
        b"AV1;411X;X;01/02/2026;01/02/2026;10,00;avoir;FC-EUX\n"
    )
    with pytest.raises(Refused) as refused:
        invoices_take_in(company=mine, content=content, filename="f.csv", today=TODAY)
    assert [(e.line, e.message) for e in refused.value.report.errors] == [
        (2, "facture d'origine « FC-EUX » inconnue")
    ]
    assert not Invoice.objects.filter(company=mine).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"credit_note_number": "AV1", "amount": "-5.00"},
        {"credit_note_number": "AV1", "amount": "0"},
        {"credit_note_number": "AV1", "amount": "1e30"},
        {"credit_note_number": "AV1", "amount": "abc"},
        {"credit_note_number": "", "amount": "1.00"},
        {"credit_note_number": "A" * 61, "amount": "1.00"},
        {"credit_note_number": "AV1\x00", "amount": "1.00"},
        {"amount": "1.00"},
    ],
)
def test_hostile_allocations_are_refused_with_a_clear_answer(data):
    company = make_company()
    customer = make_customer(company)
    invoice = make_invoice(customer)
    make_credit_note(customer, number="AV1")
    status, body = api_post(company, f"/invoices/{invoice.pk}/allocations", data)
    assert status in (400, 422)
    assert body["detail"]
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_allocations_at_once_never_give_more_than_the_credit_note_holds():
    """Two users allocate the same 100 € credit note, 80 € each, to two
    invoices at the same moment: one is recorded, the other refused."""
    company = make_company()
    customer = make_customer(company)
    first = make_invoice(customer, total=Decimal("100.00"))
    second = make_invoice(customer, total=Decimal("100.00"))
    credit = make_credit_note(customer, total=Decimal("100.00"))
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(invoice):
        try:
            barrier.wait(timeout=5)
            credit_allocate(
                company=company,
                credit_note=credit,
                invoice=invoice,
                amount=Decimal("80.00"),
                today=TODAY,
            )
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(str(error.message))
        except Exception as error:  # SQLite: the database is locked
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(i,)) for i in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    credit.refresh_from_db()
    assert credit.credit_left == Decimal("20.00")
    assert Payment.objects.filter(cancelled_at__isnull=True).count() == 1
    refusal = next(o for o in outcomes if o != "ok")
    if connection.vendor == "postgresql":
        assert refusal == (
            f"L'imputation de 80,00\u00a0€ dépasse ce qui reste de l'avoir "
            f"{credit.number} (20,00\u00a0€)."
        )
