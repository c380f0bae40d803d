"""ADR 13 amended: today's indicators are read from the company's snapshot —
the same figures as computed live, to the cent — which says when it was
computed, and is built again by the schedule (the day turned, or an hour
old), the page's « Recalculer » and `relance indicators --snapshot`."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from relance.invoices.models import Invoice
from relance.reports.indicator_queries import indicators
from relance.reports.indicator_snapshot import (
    figures_dump,
    figures_load,
    indicator_snapshot_build,
    indicator_snapshots_roll,
    indicators_read,
)
from relance.reports.models import IndicatorSnapshot
from tests.factories import make_company, make_user, pay
from tests.reports.test_indicators import EXPECTED, ON, company  # noqa: F401

pytestmark = pytest.mark.django_db

# 10:00 in Paris on ON, the company's today.
MORNING = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


def test_a_snapshot_reads_back_the_same_figures_as_computed_live(company):  # noqa: F811
    live = indicators(company=company, on=ON)
    again = figures_load(json.loads(json.dumps(figures_dump(live))))
    assert again == live
    assert again.as_dict() == EXPECTED
    assert [p.customer.pk for p in again.late_payers] == [
        p.customer.pk for p in live.late_payers
    ]


@time_machine.travel(MORNING, tick=False)
def test_today_is_read_from_the_snapshot_until_it_is_built_again(company):  # noqa: F811
    figures, computed_at = indicators_read(company=company, on=ON)
    assert computed_at == MORNING
    assert figures.as_dict() == EXPECTED
    assert IndicatorSnapshot.objects.get().on == ON
    # A payment recorded afterwards: the snapshot holds until rebuilt.
    garage_late = Invoice.objects.get(company=company, number="G-1")
    pay(garage_late, on=ON, amount="600.00")
    figures, computed_at = indicators_read(company=company, on=ON)
    assert (figures.as_dict(), computed_at) == (EXPECTED, MORNING)
    # Another day is computed live, with the payment.
    live, when = indicators_read(company=company, on=ON - timedelta(days=1))
    assert when is None and live.on == ON - timedelta(days=1)
    # The schedule: nothing to do within the hour, then built again.
    assert indicator_snapshots_roll(now=MORNING + timedelta(minutes=59)) == []
    later = MORNING + timedelta(hours=1)
    assert indicator_snapshots_roll(now=later) == [company]
    figures, computed_at = indicators_read(company=company, on=ON)
    assert computed_at == later
    assert figures.as_dict() == indicators(company=company, on=ON).as_dict()
    assert figures.as_dict()["late_payers"][0]["code"] != "411GAR"


def test_the_roll_builds_each_company_s_today_once_its_day_turns():
    company = make_company(time_zone="Europe/Paris")  # noqa: F811
    assert indicator_snapshots_roll(now=MORNING) == [company]
    assert indicator_snapshots_roll(now=MORNING + timedelta(minutes=30)) == []
    # 22:30 UTC on 31 March is already 1 April in Paris.
    night = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert indicator_snapshots_roll(now=night) == [company]
    snapshot = IndicatorSnapshot.objects.get(company_id=company.pk)
    assert (snapshot.on, snapshot.computed_at) == (date(2026, 4, 1), night)
    assert snapshot.figures["overdue"][-1] == ["2026-04-01", "0.00"]


@time_machine.travel(MORNING, tick=False)
def test_the_page_says_when_and_recalculer_builds_them_again(company):  # noqa: F811
    client = Client()
    client.force_login(make_user(company))
    page = client.get("/indicateurs/").content.decode()
    assert "Calculés le 31/03/2026 10:00 ; recalculés toutes les heures." in page
    assert 'action="/indicateurs/recalculer/"' in page
    pay(Invoice.objects.get(company=company, number="G-1"), on=ON, amount="600.00")
    with time_machine.travel(MORNING + timedelta(minutes=5), tick=False):
        answer = client.post("/indicateurs/recalculer/", follow=True)
    page = answer.content.decode()
    assert answer.redirect_chain == [("/indicateurs/", 302)]
    assert "Calcul des indicateurs lancé ; rechargez la page dans un instant." in page
    assert "Calculés le 31/03/2026 10:05 ; recalculés toutes les heures." in page
    # Another day: computed live, no snapshot's time.
    page = client.get("/indicateurs/", {"date": "2026-03-30"}).content.decode()
    assert "Calculés le" not in page


@time_machine.travel(MORNING, tick=False)
def test_the_command_builds_the_snapshot_and_says_when(company):  # noqa: F811
    earlier = indicators(company=company, on=ON - timedelta(days=9))
    IndicatorSnapshot.objects.create(
        company_id=company.pk,
        currency="EUR",
        on=ON,
        computed_at=MORNING - timedelta(minutes=30),
        figures=figures_dump(earlier),
        answer=json.dumps(earlier.as_dict()),
    )
    out = StringIO()
    call_command("indicators", "--json", stdout=out)
    stale = json.loads(out.getvalue())
    assert stale["computed_at"] == "2026-03-31T07:30:00Z"
    assert stale["date"] == "2026-03-22"  # what that snapshot held
    out = StringIO()
    call_command("indicators", "--snapshot", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        **EXPECTED,
        "computed_at": "2026-03-31T08:00:00Z",
    }
    out = StringIO()
    call_command("indicators", stdout=out)
    assert "Calculés le 31/03/2026 à 10:00" in out.getvalue()


def test_a_second_build_replaces_the_first():
    company = make_company()  # noqa: F811
    for hour in (6, 7):
        indicator_snapshot_build(
            company=company, on=ON, now=datetime(2026, 3, 31, hour, tzinfo=UTC)
        )
    snapshot = IndicatorSnapshot.objects.get()
    assert snapshot.computed_at.hour == 7
    assert snapshot.figures["dso"][1] == str(Decimal("0.00"))
