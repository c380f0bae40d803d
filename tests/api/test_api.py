"""An ERP keeping Relance in sync through the API alone, and what it may not do."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from relance.core.models import ApiToken
from relance.core.tokens import token_create
from relance.dunning.models import Reminder
from relance.invoices.models import Invoice
from tests.conftest import Api
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db


def test_token_create_prints_the_token_alone_on_its_last_line(company):
    out, err = StringIO(), StringIO()
    call_command("token", "create", "--name", "Sage", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("rl_") and len(raw) > 40
    token = ApiToken.objects.get()
    assert (token.name, token.company, token.prefix) == ("Sage", company, raw[:10])
    assert raw not in token.digest  # only a digest is kept
    assert Api(raw).call("get", "/invoices")[0] == 200


def test_every_call_needs_a_valid_token(company):
    client = Client()
    assert client.get("/api/v1/invoices").status_code == 401
    status, body = Api("rl_not-a-token").call("get", "/invoices")
    assert (status, body["detail"]) == (401, "Jeton d'API absent ou invalide.")
    token, raw = token_create(company=company, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert Api(raw).call("get", "/invoices")[0] == 401
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/invoices" in schema.json()["paths"]


def invoice_payload(number="FC23010001", **changes):
    payload = {
        "number": number,
        "customer_code": "411HERBLYF",
        "customer_name": "HERBLY Francis",
        "customer_email": "compta@herbly.example",
        "issue_date": "2026-01-02",
        "due_date": "2026-01-31",
        "total": "1234.56",
        "status": "open",
    }
    payload.update(changes)
    return payload


def test_an_erp_keeps_relance_in_sync_through_the_api_alone(api, company, smtp_server):
    # Invoices pushed, then pushed again unchanged: created once, updated after.
    status, created = api.call("post", "/invoices", invoice_payload())
    assert status == 201
    assert (created["number"], created["amount_due"], created["to_remind"]) == (
        "FC23010001",
        "1234.56",
        True,
    )
    assert created["next_step"] == "Relance 1"
    assert api.call("post", "/invoices", invoice_payload())[0] == 200
    api.call(
        "post",
        "/invoices",
        invoice_payload("FC23010002", total="300", due_date="2099-01-01"),
    )
    status, found = api.call("get", "/invoices", number="FC23010001")
    assert (status, found["count"], found["items"][0]["customer_code"]) == (
        200,
        1,
        "411HERBLYF",
    )
    # A partial payment from the bank.
    status, paid = api.call(
        "post",
        "/payments",
        {
            "invoice_number": "FC23010001",
            "date": "2026-02-10",
            "amount": "234.56",
            "reference": "VIR 1",
        },
    )
    assert (status, paid["amount"]) == (201, "234.56")
    # The summary, then the run, then its outcome.
    status, plan = api.call("post", "/reminders/preview", {"all_due": True})
    assert status == 200
    assert plan["to_send"] == 1
    assert plan["messages"][0]["invoices"] == ["FC23010001"]
    assert plan["messages"][0]["total"] == "1000.00"
    status, started = api.call("post", "/reminders/send", {"invoices": ["FC23010001"]})
    assert status == 202
    from relance.core.clock import utc_now
    from relance.dunning.services.delivery import reminders_deliver_due

    reminders_deliver_due(now=utc_now())  # the worker
    status, run = api.call("get", f"/runs/{started['run']}")
    assert (run["sent"], run["finished"], run["reminders"][0]["invoices"]) == (
        1,
        True,
        ["FC23010001"],
    )
    assert [r.recipients for r in smtp_server.received] == [["compta@herbly.example"]]
    status, reminders = api.call("get", "/reminders", invoice_number="FC23010001")
    assert reminders["items"][0]["status"] == "sent"
    # The customer pays the rest: the invoice leaves the dunning at once.
    api.call(
        "post",
        "/payments",
        {
            "invoice_number": "FC23010001",
            "date": "2026-03-01",
            "amount": "1000",
            "reference": "VIR 2",
        },
    )
    status, invoice = api.call("get", f"/invoices/{created['id']}")
    assert (invoice["status"], invoice["amount_due"], invoice["to_remind"]) == (
        "paid",
        "0.00",
        False,
    )
    # A dispute from the ERP pauses the other invoice.
    other = Invoice.objects.get(number="FC23010002")
    until = (date.today() + timedelta(days=30)).isoformat()
    status, paused = api.call(
        "post",
        f"/invoices/{other.pk}/pause",
        {"kind": "dispute", "until": until, "reason": "Réserves"},
    )
    assert (status, paused["pause_kind"], paused["paused_until"]) == (
        200,
        "dispute",
        until,
    )
    status, daily = api.call("post", "/daily", {})
    assert status == 200 and set(daily) == {"date", "tagged", "untagged", "to_remind"}


def test_a_due_date_far_ahead_is_saved_with_a_warning(api):
    status, body = api.call("post", "/invoices", invoice_payload())
    assert (status, body["warnings"]) == (201, [])
    status, body = api.call("post", "/invoices", invoice_payload(due_date="2099-12-31"))
    assert (status, body["due_date"]) == (200, "2099-12-31")
    assert body["warnings"] == [
        {
            "line": None,
            "column": "due_date",
            "message": "Échéance lointaine : 31/12/2099, vérifiez la date",
        }
    ]
    # Only the answer to a write carries warnings.
    status, found = api.call("get", f"/invoices/{body['id']}")
    assert status == 200 and "warnings" not in found


def test_bad_input_gets_a_4xx_naming_the_field(api):
    status, body = api.call("post", "/invoices", invoice_payload(due_date="31/02/2026"))
    assert (status, body["field"]) == (422, "due_date")
    status, body = api.call("post", "/invoices", invoice_payload(due_date="2025-01-01"))
    assert status == 400
    assert body["errors"] == [
        {
            "line": None,
            "column": "due_date",
            "message": "l'échéance précède la date de facture",
        }
    ]
    status, body = api.call(
        "post", "/invoices", invoice_payload(customer_code="NEW", customer_name=None)
    )
    assert (status, body["errors"][0]["column"]) == (400, "customer_name")
    status, body = api.call(
        "post",
        "/payments",
        {"invoice_number": "NOPE", "date": "2026-01-01", "amount": "1"},
    )
    assert status == 404
    api.call("post", "/invoices", invoice_payload())
    status, body = api.call(
        "post",
        "/payments",
        {"invoice_number": "FC23010001", "date": "2026-01-01", "amount": "9999"},
    )
    assert (status, body["field"]) == (400, "amount")
    assert "dépasse le reste dû" in body["detail"]


def test_a_token_of_company_a_never_reads_or_writes_company_b(api, company):
    other = make_company(name="Concurrent")
    make_steps(other)
    theirs = make_invoice(make_customer(other, code="411HERBLYF"), number="FC23010001")
    assert api.call("get", f"/invoices/{theirs.pk}")[0] == 404
    assert api.call("get", "/invoices", number="FC23010001")[1]["count"] == 0
    assert (
        api.call(
            "post",
            f"/invoices/{theirs.pk}/pause",
            {"kind": "promise", "until": "2099-01-01"},
        )[0]
        == 404
    )
    status, _ = api.call("post", "/invoices", invoice_payload(total="10"))
    assert status == 201  # a new invoice of company A, not an update of B's
    theirs.refresh_from_db()
    assert str(theirs.total) == "1200.00"
    reminder_b = Reminder.objects.filter(company=other).first()
    assert (
        reminder_b is None or api.call("get", f"/reminders/{reminder_b.pk}")[0] == 404
    )
    status, plan = api.call("post", "/reminders/preview", {"invoices": ["FC23010001"]})
    assert [m["customer"] for m in plan["messages"]] == ["HERBLY Francis"]
    assert Invoice.objects.get(company=company, number="FC23010001").total == 10


def test_steps_are_read_and_replaced_all_or_nothing(api):
    status, steps = api.call("get", "/steps")
    assert [s["name"] for s in steps] == [
        "Relance 1",
        "Relance 2",
        "Relance 3",
        "Mise en demeure",
    ]
    steps[0]["body"] = "Bonjour {{ client.nom }}"
    status, body = api.call("put", "/steps", {"steps": steps})
    assert (status, body["field"]) == (400, "body")
    assert "variable inconnue « client »" in body["detail"]
    steps[0]["body"] = "Bonjour {{ customer.name }}"
    steps[0]["days"] = -2
    status, saved = api.call("put", "/steps", {"steps": steps[:2]})
    assert status == 200
    assert [(s["name"], s["days"]) for s in saved][:2] == [
        ("Relance 1", -2),
        ("Relance 2", 15),
    ]


def test_lists_are_paginated(api, company):
    for n in range(5):
        make_invoice(make_customer(company), number=f"P{n}")
    status, page = api.call("get", "/invoices", limit=2, offset=2)
    assert (status, page["count"], [i["number"] for i in page["items"]]) == (
        200,
        5,
        ["P2", "P3"],
    )
    assert api.call("get", "/invoices", limit=5000)[0] == 422


def test_a_payment_is_cancelled_through_the_api_and_the_invoice_owes_it_again(
    api, company
):
    api.call("post", "/invoices", invoice_payload())
    status, paid = api.call(
        "post",
        "/payments",
        {"invoice_number": "FC23010001", "date": "2026-02-01", "amount": "1234.56"},
    )
    assert status == 201 and paid["cancelled_at"] is None
    status, body = api.call("post", f"/payments/{paid['id']}/cancel", {"reason": ""})
    assert status == 422
    status, body = api.call(
        "post", f"/payments/{paid['id']}/cancel", {"reason": "Prélèvement rejeté"}
    )
    assert status == 200
    assert body["cancel_reason"] == "Prélèvement rejeté" and body["cancelled_at"]
    status, invoice = api.call("get", "/invoices", number="FC23010001")
    assert (invoice["items"][0]["status"], invoice["items"][0]["amount_due"]) == (
        "open",
        "1234.56",
    )
    status, again = api.call(
        "post", f"/payments/{paid['id']}/cancel", {"reason": "encore"}
    )
    assert (status, again["detail"]) == (400, "Ce règlement est déjà annulé.")
