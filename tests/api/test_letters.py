"""Issue 14 §4 through the API: /api/v1/letters lists the letters (waiting
first to print), gives each one's PDF, records « envoyé en recommandé » and
the acknowledgement of receipt; another company's letters answer 404."""

import pytest
from django.test import Client

from relance.core.clock import company_today
from relance.core.tokens import token_create
from relance.dunning.models import Letter
from relance.invoices.models import Invoice
from tests.conftest import Api
from tests.factories import company_with_letter_waiting, make_company
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return company_with_letter_waiting()


def test_the_letters_waiting_come_with_their_frozen_amounts(api):
    letter = Letter.objects.get()
    status, answer = api.call("get", "/letters", status="waiting")
    assert status == 200
    assert answer["count"] == 1
    [item] = answer["items"]
    assert item == {
        "id": letter.pk,
        "customer": "Garage Dupuis",
        "customer_code": "411DUPUIS",
        "consumer": False,
        "step": "Mise en demeure",
        "reminder_id": letter.reminder_id,
        "status": "waiting",
        "dated_on": "2025-07-15",
        "pay_by": "2025-07-23",
        "currency": "EUR",
        "invoices": [
            {
                "invoice": "FC-1",
                "issue_date": "2025-05-01",
                "due_date": "2025-05-31",
                "principal": "6000.00",
                "days_late": 45,
                "penalties": "116.42",
                "indemnity": "40.00",
                "legal_interest": "0.00",
            }
        ],
        "principal": "6000.00",
        "penalties": "116.42",
        "indemnity": "40.00",
        "legal_interest": "0.00",
        "total": "6156.42",
        "tracking_number": "",
        "sent_on": None,
        "received_on": None,
    }
    assert api.call("get", "/letters", status="sent")[1]["count"] == 0


def test_a_letters_pdf_is_the_letter(api):
    letter = Letter.objects.get()
    response = api.client.get(f"/api/v1/letters/{letter.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Total à payer 6 156,42 €" in text_of(response.content)


def test_sending_then_receipt_are_recorded(api, company):
    letter = Letter.objects.get()
    today = company_today(company).isoformat()

    status, sent = api.call(
        "post",
        f"/letters/{letter.pk}/sent",
        {"number": "RR 123 456 789 FR", "date": today},
    )
    assert status == 200
    assert (sent["status"], sent["tracking_number"], sent["sent_on"]) == (
        "sent",
        "RR123456789FR",
        today,
    )
    status, received = api.call(
        "post", f"/letters/{letter.pk}/received", {"date": today}
    )
    assert status == 200
    assert (received["status"], received["received_on"]) == ("received", today)
    assert Invoice.objects.get().formal_notice_received_on.isoformat() == today


def test_a_bad_number_or_date_is_refused_with_its_field(api):
    letter = Letter.objects.get()
    status, answer = api.call(
        "post", f"/letters/{letter.pk}/sent", {"number": "12", "date": "2025-07-16"}
    )
    assert status == 400
    assert answer["field"] == "number"
    assert answer["detail"].startswith("numéro de recommandé invalide")
    status, answer = api.call(
        "post", f"/letters/{letter.pk}/received", {"date": "2025-07-16"}
    )
    assert (status, answer["detail"]) == (
        400,
        "Enregistrez d'abord l'envoi en recommandé de ce courrier.",
    )
    status, _answer = api.call(
        "post",
        f"/letters/{letter.pk}/sent",
        {"number": "RR123456789FR", "date": "9999-01-01"},
    )
    assert status == 422


def test_another_companys_letters_answer_404(company):
    letter = Letter.objects.get()
    stranger = Api(token_create(company=make_company(name="Autre"), name="ERP")[1])
    assert stranger.call("get", "/letters")[1]["count"] == 0
    assert stranger.call("get", f"/letters/{letter.pk}")[0] == 404
    assert stranger.client.get(f"/api/v1/letters/{letter.pk}/pdf").status_code == 404
    status, _ = stranger.call(
        "post",
        f"/letters/{letter.pk}/sent",
        {"number": "RR123456789FR", "date": "2025-07-16"},
    )
    assert status == 404
    assert Client().get("/api/v1/letters").status_code == 401


def test_a_steps_channel_is_read_and_written_through_the_api(api):
    status, steps = api.call("get", "/steps")
    assert status == 200
    assert [step["channel"] for step in steps] == ["letter"]
    steps[0]["channel"] = "both"
    status, steps = api.call("put", "/steps", {"steps": steps})
    assert (status, steps[0]["channel"]) == (200, "both")
    steps[0]["channel"] = "fax"
    status, _answer = api.call("put", "/steps", {"steps": steps})
    assert status == 422
