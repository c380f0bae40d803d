"""Who changed what through the API (issue 18 §6): a customer changed by an
ERP is recorded under its token; GET /changes lists the company's changes,
newest first, paginated, of one kind or one customer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from relance.core.changes import change_record
from relance.core.models import ChangeRecord
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_a_customer_changed_through_the_api_is_recorded_under_the_tokens_name(
    api, company
):
    customer = make_customer(
        company, code="411DUPUIS", name="Garage Dupuis", email="compta@dupuis.example"
    )
    status, _body = api.call(
        "post",
        "/customers",
        {
            "code": "411DUPUIS",
            "name": "Garage Dupuis",
            "email": "compta@dupuis.example",
            "language": "en",
        },
    )
    assert status == 200
    record = ChangeRecord.objects.get()
    assert (record.user, record.by_name, record.origin) == (None, "ERP", "api")
    status, body = api.call("get", "/changes")
    assert status == 200
    assert body == {
        "count": 1,
        "items": [
            {
                "id": record.pk,
                "at": "2026-03-02T09:15:00Z",
                "kind": "customer",
                "by": "API (jeton « ERP »)",
                "origin": "api",
                "subject_id": customer.pk,
                "subject_label": "Garage Dupuis",
                "customer_id": customer.pk,
                "before": {"language": "fr"},
                "after": {"language": "en"},
                "title": "Client modifié",
                "lines": ["Langue : français → anglais"],
            }
        ],
    }


def test_changes_are_paginated_newest_first_and_filtered_by_kind_and_customer(
    api, company
):
    customer = make_customer(company, name="Garage Dupuis")
    user = make_user(company, full_name="Marie Dupont")
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for n in range(3):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            change_record(
                company=company,
                by=user,
                kind="step",
                subject_id=1,
                subject_label="Relance 1",
                before={"days": n},
                after={"days": n + 1},
            )
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        change_record(
            company=company,
            by=user,
            kind="customer",
            subject_id=customer.pk,
            subject_label="Garage Dupuis",
            customer=customer,
            before={"phone": ""},
            after={"phone": "01 02 03 04 05"},
        )
    status, body = api.call("get", "/changes", limit=2, offset=1)
    assert status == 200
    assert body["count"] == 4
    assert [item["after"] for item in body["items"]] == [{"days": 3}, {"days": 2}]
    assert {item["by"] for item in body["items"]} == {"Marie Dupont"}
    status, body = api.call("get", "/changes", kind="customer")
    assert [item["lines"] for item in body["items"]] == [
        ["Téléphone : (vide) → 01 02 03 04 05"]
    ]
    status, body = api.call("get", "/changes", customer_id=customer.pk)
    assert [item["subject_label"] for item in body["items"]] == ["Garage Dupuis"]
    status, body = api.call("get", "/changes", kind="invoice")
    assert status == 422
