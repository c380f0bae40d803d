"""An ERP sending its invoices and payments a thousand at a time: all or
nothing, every problem named by the object's index."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relance.invoices.models import Invoice, Payment
from tests.api.test_api import invoice_payload
from tests.factories import make_customer, make_invoice

pytestmark = pytest.mark.django_db


def test_a_batch_creates_and_updates_invoices_and_computes_their_dunning(api, company):
    make_invoice(make_customer(company, code="411HERBLYF"), number="FC1", total="10")
    status, body = api.call(
        "post",
        "/invoices/batch",
        [
            invoice_payload("FC1", total="100"),
            invoice_payload("FC2"),
            invoice_payload("FC3", due_date="2099-12-31"),
        ],
    )
    assert status == 200
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 1, 0)
    by_number = dict(
        Invoice.objects.filter(company=company).values_list("number", "pk")
    )
    assert body["invoices"] == [
        {"index": 0, "id": by_number["FC1"], "number": "FC1"},
        {"index": 1, "id": by_number["FC2"], "number": "FC2"},
        {"index": 2, "id": by_number["FC3"], "number": "FC3"},
    ]
    assert body["warnings"] == [
        {
            "index": 2,
            "field": "due_date",
            "message": "Échéance lointaine : 31/12/2099, vérifiez la date",
        }
    ]
    fc1, fc2, fc3 = Invoice.objects.filter(company=company).order_by("number")
    assert (fc1.total, fc1.amount_due, fc1.to_remind) == (100, 100, True)
    assert (fc2.amount_due, fc2.to_remind, fc2.next_level) == (
        Decimal("1234.56"),
        True,
        1,
    )
    assert fc3.to_remind is False
    # Sent again: nothing changes.
    status, body = api.call(
        "post", "/invoices/batch", [invoice_payload("FC1", total="100")]
    )
    assert (status, body["created"], body["updated"], body["unchanged"]) == (
        200,
        0,
        0,
        1,
    )


def test_one_bad_object_refuses_the_whole_batch_naming_each_index(api, company):
    status, body = api.call(
        "post",
        "/invoices/batch",
        [
            invoice_payload("FC1"),
            invoice_payload("FC2", due_date="2025-01-01"),
            invoice_payload("FC3", customer_code="NEW", customer_name=None),
            invoice_payload("FC1"),
        ],
    )
    assert status == 400
    assert body == {
        "detail": "3 erreur(s) : rien n'a été importé.",
        "field": None,
        "errors": [
            {
                "index": 1,
                "field": "due_date",
                "message": "l'échéance précède la date de facture",
            },
            {
                "index": 2,
                "field": "customer_name",
                "message": "client « NEW » inconnu : indiquez son nom",
            },
            {
                "index": 3,
                "field": "number",
                "message": "facture « FC1 » déjà présente ligne 0",
            },
        ],
    }
    assert not Invoice.objects.exists()


def test_a_batch_is_bounded_and_its_shape_checked(api):
    status, body = api.call(
        "post", "/invoices/batch", [invoice_payload(f"F{i}") for i in range(1001)]
    )
    assert status == 422
    status, body = api.call("post", "/invoices/batch", [])
    assert status == 422
    status, body = api.call(
        "post", "/invoices/batch", [invoice_payload(), invoice_payload(total="-1")]
    )
    assert status == 422 and body["field"] == "total"
    assert not Invoice.objects.exists()


def test_payments_in_a_batch_settle_invoices_and_are_never_recorded_twice(api, company):
    customer = make_customer(company, code="411HERBLYF")
    one = make_invoice(customer, number="FC1", total="100")
    two = make_invoice(customer, number="FC2", total="300")
    payments = [
        {
            "invoice_number": "FC1",
            "date": "2026-02-01",
            "amount": "100",
            "reference": "V1",
        },
        {
            "invoice_number": "FC2",
            "date": "2026-02-01",
            "amount": "50",
            "reference": "V2",
        },
    ]
    status, body = api.call("post", "/payments/batch", payments)
    assert (status, body["created"], body["unchanged"]) == (200, 2, 0)
    assert [(p["invoice_number"], p["amount"]) for p in body["payments"]] == [
        ("FC1", "100.00"),
        ("FC2", "50.00"),
    ]
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.amount_due, one.to_remind) == ("paid", 0, False)
    assert (two.status, two.amount_due) == ("open", 250)
    status, body = api.call("post", "/payments/batch", payments)
    assert (status, body["created"], body["unchanged"]) == (200, 0, 2)
    assert Payment.objects.count() == 2


def test_one_bad_payment_refuses_the_whole_batch(api, company):
    make_invoice(make_customer(company, code="411HERBLYF"), number="FC1", total="100")
    status, body = api.call(
        "post",
        "/payments/batch",
        [
            {"invoice_number": "FC1", "date": "2026-02-01", "amount": "60"},
            {"invoice_number": "FC1", "date": "2026-02-02", "amount": "60"},
            {"invoice_number": "NOPE", "date": "2026-02-02", "amount": "1"},
        ],
    )
    assert status == 400
    assert body["errors"] == [
        {
            "index": 1,
            "field": "amount",
            "message": "dépasse le reste dû de la facture « FC1 »",
        },
        {
            "index": 2,
            "field": "invoice_number",
            "message": "facture « NOPE » inconnue",
        },
    ]
    assert not Payment.objects.exists()


def statements(api, path, objects) -> tuple[int, int]:
    """The statements of one call: (reads and updates, inserts). Inserts go
    by chunks of rows (SQLite binds at most 999 values a statement)."""
    with CaptureQueriesContext(connection) as queries:
        status, _body = api.call("post", path, objects)
    assert status == 200
    # (On SQLite up to 500 rows go in one INSERT; on PostgreSQL rows go by
    # COPY.)
    inserts = sum(
        "INSERT INTO" in q["sql"] or q["sql"].startswith("COPY ")
        for q in queries.captured_queries
    )
    return len(queries) - inserts, inserts


def test_a_batch_costs_the_same_reads_for_10_or_200_objects(api, company):
    make_customer(company, code="411HERBLYF")
    statements(api, "/invoices/batch", [invoice_payload("W")])  # the token's first use
    small = statements(
        api, "/invoices/batch", [invoice_payload(f"A{i}") for i in range(10)]
    )
    big = statements(
        api, "/invoices/batch", [invoice_payload(f"B{i}") for i in range(200)]
    )
    assert big[0] == small[0]
    # New invoices go in one statement, whatever their count (ADR 17).
    assert small[1] == big[1] == 1
