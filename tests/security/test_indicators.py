"""Issue 19 §2: another company's invoices, payments, promises and reminders
never count in a company's indicators (page, API, command line, list
filters); the page needs a login."""

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from relance.core.tokens import token_create
from relance.reports.indicator_snapshot import PAST_DAYS_KEPT
from relance.reports.models import IndicatorSnapshot
from tests.conftest import Api
from tests.factories import make_company, make_customer, make_invoice, make_user
from tests.reports.test_indicators import EXPECTED, ON, company  # noqa: F401

pytestmark = pytest.mark.django_db

NOTHING = {
    **EXPECTED,
    "dso": {
        "method": "countback",
        "days": "0.0",
        "receivables": "0.00",
        "more_than_12_months": False,
        "months": [],
    },
    "overdue": "0.00",
    "overdue_trend": [
        {**point, "amount": "0.00"} for point in EXPECTED["overdue_trend"]
    ],
    "days_to_pay": [],
    "steps": [],
    "promises": {
        key: {"count": 0, "amount": "0.00"} for key in ("kept", "broken", "pending")
    },
    "late_payers": [],
    "computed_at": None,
}
# Two days after ON: ON is a past day, computed at its first reading and kept.
LATER = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


@time_machine.travel(LATER, tick=False)
def test_another_company_counts_none_of_it(company):  # noqa: F811
    # The first company's snapshot of ON kept first: the other never reads it.
    mine = Api(token_create(company=company, name="ERP")[1])
    assert mine.call("get", "/reports/indicators", date=ON.isoformat())[1][
        "late_payers"
    ]
    other = make_company(name="Concurrent")
    api = Api(token_create(company=other, name="ERP")[1])
    nothing = {**NOTHING, "computed_at": "2026-04-02T08:00:00Z"}
    assert api.call("get", "/reports/indicators", date=ON.isoformat()) == (
        200,
        nothing,
    )
    out = StringIO()
    call_command(
        "indicators",
        "--company",
        str(other.pk),
        "--date",
        ON.isoformat(),
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue()) == nothing
    client = Client()
    client.force_login(make_user(other))
    page = client.get("/indicateurs/", {"date": ON.isoformat()}).content.decode()
    assert "Garage Dupuis" not in page and "Boulangerie Martin" not in page
    assert "Aucun retard à cette date" in page
    for params in ({"reminded": "1"}, {"filter": "promised"}, {"filter": "paid"}):
        listed = client.get("/factures/", params).content.decode()
        assert "B-1" not in listed and "G-1" not in listed


def test_the_page_and_the_api_need_a_login(company):  # noqa: F811
    answer = Client().get("/indicateurs/")
    assert answer.status_code == 302 and "/connexion/" in answer["Location"]
    assert Client().get("/api/v1/reports/indicators").status_code == 401


@time_machine.travel(datetime(2026, 3, 31, 8, 0, tzinfo=UTC), tick=False)
def test_a_company_reads_and_rebuilds_its_own_snapshot_only(company):  # noqa: F811
    """Today's figures come from a snapshot: another company's page, API
    and « Recalculer » never read or build the first one's."""
    other = make_company(name="Concurrent")
    api = Api(token_create(company=other, name="ERP")[1])
    status, body = api.call("get", "/reports/indicators")
    assert status == 200
    assert {**body, "computed_at": None} == NOTHING
    assert body["computed_at"] == "2026-03-31T08:00:00Z"
    assert list(IndicatorSnapshot.objects.values_list("company_id", flat=True)) == [
        other.pk
    ]
    client = Client()
    client.force_login(make_user(other))
    assert client.post("/indicateurs/recalculer/").status_code == 302
    page = client.get("/indicateurs/").content.decode()
    assert "Garage Dupuis" not in page and "Boulangerie Martin" not in page
    assert list(IndicatorSnapshot.objects.values_list("company_id", flat=True)) == [
        other.pk
    ]
    # The rebuild needs a login and a POST (with its CSRF token).
    assert Client().post("/indicateurs/recalculer/").status_code == 302
    assert client.get("/indicateurs/recalculer/").status_code == 405
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(make_user(other, email="autre@example.com"))
    assert checked.post("/indicateurs/recalculer/").status_code == 403


@time_machine.travel(datetime(2026, 3, 31, 8, 0, tzinfo=UTC), tick=False)
def test_a_currency_of_no_invoice_keeps_no_snapshot(company):  # noqa: F811
    """Each currency a caller names would otherwise leave a row, rebuilt by
    the schedule every hour: a token could make the worker compute the
    indicators thousands of times an hour. Such a currency is computed
    live (nothing to add up) and kept nowhere."""
    api = Api(token_create(company=company, name="ERP")[1])
    for currency in ("ZZZ", "zzz", "€€€"):
        status, body = api.call("get", "/reports/indicators", currency=currency)
        assert (status, body["computed_at"], body["overdue"]) == (200, None, "0.00")
        assert body["currency"] == currency
    assert IndicatorSnapshot.objects.count() == 0
    status, body = api.call("get", "/reports/indicators")
    assert body["computed_at"] == "2026-03-31T08:00:00Z"
    assert list(IndicatorSnapshot.objects.values_list("currency", flat=True)) == ["EUR"]


@time_machine.travel(LATER, tick=False)
def test_past_days_asked_for_keep_a_bounded_number_of_snapshots(company):  # noqa: F811
    """A past day is kept once computed (ADR 13 amended 2026-12-04,
    evening); a token walking through every day would otherwise store a snapshot for
    each. Beyond PAST_DAYS_KEPT, a day is computed live and kept nowhere;
    a month end of the trend is always kept."""
    api = Api(token_create(company=company, name="ERP")[1])
    kept_at = "2026-04-02T08:00:00Z"
    for n in range(PAST_DAYS_KEPT + 5):
        day = date(2026, 1, 1) + timedelta(days=n)
        status, body = api.call("get", "/reports/indicators", date=day.isoformat())
        assert status == 200 and body["date"] == day.isoformat()
        if day == date(2026, 1, 31):
            assert body["computed_at"] == kept_at  # a month end: kept
        elif n <= PAST_DAYS_KEPT:  # 31 others, and 31 January
            assert body["computed_at"] == kept_at, day
        else:
            assert body["computed_at"] is None, day
    others = IndicatorSnapshot.objects.exclude(on=date(2026, 1, 31))
    assert others.count() == PAST_DAYS_KEPT
    status, body = api.call("get", "/reports/indicators", date="2026-02-28")
    assert body["computed_at"] == kept_at  # a month end, beyond the bound
    # « Recalculer » on a day beyond the bound keeps nothing either.
    client = Client()
    client.force_login(make_user(company))
    client.post("/indicateurs/recalculer/", {"date": "2026-02-20"})
    assert not IndicatorSnapshot.objects.filter(on=date(2026, 2, 20)).exists()
    assert IndicatorSnapshot.objects.count() == PAST_DAYS_KEPT + 2
    # Another currency counts in the same bound, month ends included.
    make_invoice(make_customer(company), currency="USD")
    for day in ("2026-01-15", "2026-02-28"):
        status, body = api.call("get", "/reports/indicators", date=day, currency="USD")
        assert (status, body["currency"], body["computed_at"]) == (200, "USD", None)
    assert not IndicatorSnapshot.objects.filter(currency="USD").exists()
