"""Issue 19 §4 through the API: a customer's history and its notes."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.models import CustomerNote
from tests.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(company):
    return make_customer(company, name="Garage Dupuis")


def test_a_note_posted_through_the_api_is_written_api_and_listed(api, customer):
    status, body = api.call(
        "post", f"/customers/{customer.pk}/notes", {"text": "Litige réglé\nen appel."}
    )
    assert status == 201
    note = CustomerNote.objects.get()
    assert (note.customer, note.author, note.origin) == (customer, None, "api")
    assert (body["id"], body["text"], body["author"]) == (
        note.pk,
        "Litige réglé\nen appel.",
        "API",
    )
    status, listed = api.call("get", f"/customers/{customer.pk}/notes")
    assert status == 200
    assert [(n["text"], n["author"]) for n in listed["items"]] == [
        ("Litige réglé\nen appel.", "API")
    ]


def test_a_note_too_long_or_empty_gets_a_french_400_naming_the_field(api, customer):
    status, body = api.call(
        "post", f"/customers/{customer.pk}/notes", {"text": "x" * 5001}
    )
    assert (status, body) == (
        400,
        {
            "detail": "La note dépasse 5 000 caractères (5\xa0001) : raccourcissez-la.",
            "field": "text",
        },
    )
    status, body = api.call("post", f"/customers/{customer.pk}/notes", {"text": " "})
    assert (status, body["field"], body["detail"]) == (
        400,
        "text",
        "Écrivez le texte de la note.",
    )
    assert CustomerNote.objects.count() == 0


def test_the_timeline_answers_the_newest_events_and_whether_more_exist(api, customer):
    make_invoice(
        customer, number="FC-1", issue_date=date(2026, 1, 5), total=Decimal("90.00")
    )
    make_invoice(
        customer, number="FC-2", issue_date=date(2026, 1, 9), total=Decimal("80.00")
    )
    api.call("post", f"/customers/{customer.pk}/notes", {"text": "Appelé."})

    status, body = api.call("get", f"/customers/{customer.pk}/timeline", limit=2)

    assert status == 200
    assert body["more"] is True
    first, second = body["events"]
    assert (first["source"], first["title"], first["who"], first["text"]) == (
        "note",
        "Note",
        "API",
        "Appelé.",
    )
    assert first["time"] is not None
    assert {k: second[k] for k in ("date", "time", "source", "title", "amount")} == {
        "date": "2026-01-09",
        "time": None,
        "source": "invoice",
        "title": "Facture émise",
        "amount": "80.00",
    }
    assert second["invoice_number"] == "FC-2"
    status, body = api.call("get", f"/customers/{customer.pk}/timeline", limit=5000)
    assert status == 422
