"""POST /api/v1/bank/transactions: an aggregator's push."""

import time_machine
from django.test import Client

from relance.bank.models import Transaction
from relance.core.tokens import token_create
from relance.invoices.models import Invoice
from tests.conftest import Api
from tests.factories import make_company


def push(company, objects):
    return Api(token_create(company=company, name="Agrégateur")[1]).call(
        "post", "/bank/transactions", objects
    )


@time_machine.travel("2026-12-03 09:00 +0100", tick=False)
def test_pushed_transactions_are_matched_and_answered_like_a_statement(books):
    company, _invoices = books
    objects = [
        {
            "id": "AGG-1",
            "date": "2026-12-02",
            "amount": "1200.00",
            "label": "FACTURE FC22120054",
            "payer_iban": "FR76 1010 7001 0112 3456 7890 129",
        },
        {"id": "AGG-2", "date": "2026-12-02", "amount": "-45.00", "label": "FRAIS"},
        {"id": "AGG-3", "date": "2026-12-02", "amount": "99.90", "label": "VIR"},
        {"id": "AGG-4", "date": "2026-12-02", "amount": "7.00", "label": "?"},
    ]
    status, body = push(company, objects)
    ids = dict(Transaction.objects.values_list("bank_id", "pk"))
    assert status == 200
    assert body == {
        "format": "api",
        "transactions": 3,
        "new": 3,
        "matched": [
            {"invoice": "FC22120054", "amount": "1200.00", "transaction": ids["AGG-1"]}
        ],
        "suggested": [
            {"invoice": "FC22120070", "amount": "99.90", "transaction": ids["AGG-3"]}
        ],
        "unmatched": 1,
    }
    assert Transaction.objects.get(bank_id="AGG-1").payer_iban == (
        "FR7610107001011234567890129"
    )
    status, again = push(company, objects)
    assert (status, again["new"], again["matched"]) == (200, 0, [])


def test_a_bad_transaction_is_named_by_its_index_and_nothing_is_recorded(books):
    company, _invoices = books
    status, body = push(
        company,
        [
            {"date": "2026-12-02", "amount": "1200.00", "label": "FC22120054"},
            {"date": "2026-13-02", "amount": "10.00"},
        ],
    )
    assert status == 422
    assert body["detail"].startswith("1.date : ")
    assert not Transaction.objects.exists()
    assert Invoice.objects.get(number="FC22120054").status == "open"


def test_more_than_a_thousand_transactions_are_refused(books):
    company, _invoices = books
    status, _body = push(company, [{"date": "2026-12-02", "amount": "1.00"}] * 1001)
    assert status == 422
    assert not Transaction.objects.exists()


def test_another_companys_token_never_matches_these_invoices(books):
    _company, _invoices = books
    status, body = push(
        make_company(),
        [{"date": "2026-12-02", "amount": "1200.00", "label": "FC22120054"}],
    )
    assert (status, body["matched"], body["unmatched"]) == (200, [], 1)
    assert Invoice.objects.get(number="FC22120054").status == "open"


def test_the_push_needs_a_token(db):
    response = Client().post(
        "/api/v1/bank/transactions", "[]", content_type="application/json"
    )
    assert response.status_code == 401
