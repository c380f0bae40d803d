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
    month_end_snapshots_roll,
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
    # Another day is computed at its first reading, with the payment.
    past, when = indicators_read(company=company, on=ON - timedelta(days=1))
    assert when == MORNING and past.on == ON - timedelta(days=1)
    assert past == indicators(company=company, on=ON - timedelta(days=1))
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
    snapshot = IndicatorSnapshot.objects.get(company_id=company.pk, on=date(2026, 4, 1))
    assert snapshot.computed_at == night
    assert snapshot.figures["overdue"][-1] == ["2026-04-01", "0.00"]
    # The day before, computed while it lasted, is kept, and built again by
    # the month ends' roll (31 March is one): what was recorded after
    # 10:00 that day counts in the month's close.
    assert IndicatorSnapshot.objects.get(on=ON).computed_at == MORNING
    assert month_end_snapshots_roll(now=night) == [(company, ON)]
    assert IndicatorSnapshot.objects.get(on=ON).computed_at == night


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
    # Another day: computed at its first reading, then kept; « Recalculer »
    # builds that day again and comes back to it.
    page = client.get("/indicateurs/", {"date": "2026-03-30"}).content.decode()
    assert "Calculés le 31/03/2026 10:00 ; recalculés chaque jour." in page
    assert '<input type="hidden" name="date" value="2026-03-30">' in page
    with time_machine.travel(MORNING + timedelta(minutes=20), tick=False):
        answer = client.post(
            "/indicateurs/recalculer/", {"date": "2026-03-30"}, follow=True
        )
    assert answer.redirect_chain == [("/indicateurs/?date=2026-03-30", 302)]
    assert "Calculés le 31/03/2026 10:20 ; recalculés chaque jour." in (
        answer.content.decode()
    )
    # A day after today: computed live, never kept.
    page = client.get("/indicateurs/", {"date": "2026-04-02"}).content.decode()
    assert "Calculés le" not in page
    assert sorted(IndicatorSnapshot.objects.values_list("on", flat=True)) == [
        date(2026, 3, 30),
        ON,
    ]


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


@time_machine.travel(MORNING, tick=False)
def test_a_past_day_is_kept_a_day_then_computed_again(company):  # noqa: F811
    """ADR 13 amended 2026-12-04, evening: a past day (not a month end) is
    computed at its first reading and read back the same, whatever is
    recorded meanwhile, until the schedule drops it a day later."""
    day = ON - timedelta(days=3)
    before, when = indicators_read(company=company, on=day)
    assert when == MORNING
    pay(Invoice.objects.get(company=company, number="G-1"), on=day, amount="600.00")
    assert indicators_read(company=company, on=day) == (before, MORNING)
    paid = indicators(company=company, on=day)
    assert paid.overdue_now < before.overdue_now
    # Under a day old: kept. A day old: dropped, computed again when asked.
    month_end_snapshots_roll(now=MORNING + timedelta(hours=23))
    assert IndicatorSnapshot.objects.filter(on=day).exists()
    later = MORNING + timedelta(days=1)
    month_end_snapshots_roll(now=later)
    assert not IndicatorSnapshot.objects.filter(on=day).exists()
    with time_machine.travel(later, tick=False):
        assert indicators_read(company=company, on=day) == (paid, later)


def test_the_month_ends_of_the_trend_are_built_one_at_a_time_then_daily(
    company,  # noqa: F811
):
    """The schedule builds the twelve month ends the trend shows, the newest
    missing first, one a company each round; each is the live figure of
    its day; a day later the oldest built is built again."""
    ends = [date(2025, 3, 31), *[date(2025, m, 1) for m in range(4, 13)]]
    ends = [ref_month_end(d) for d in ends] + [date(2026, 1, 31), date(2026, 2, 28)]
    built = []
    for round_ in range(13):
        now = MORNING + timedelta(minutes=15 * round_)
        built += [day for _company, day in month_end_snapshots_roll(now=now)]
    assert built == list(reversed(ends))  # twelve rounds, then nothing
    for snapshot in IndicatorSnapshot.objects.all():
        assert snapshot.figures == figures_dump(
            indicators(company=company, on=snapshot.on)
        )
    # A day later it is 1 April: 31 March, a new month end of the trend, is
    # built first, then the oldest built (28 February, a day old).
    later = MORNING + timedelta(days=1)
    assert month_end_snapshots_roll(now=later) == [(company, ON)]
    assert month_end_snapshots_roll(now=later + timedelta(minutes=15)) == [
        (company, date(2026, 2, 28))
    ]
    # March 2025, out of the trend since, is dropped once a day old.
    assert IndicatorSnapshot.objects.filter(on=date(2025, 3, 31)).exists()
    month_end_snapshots_roll(now=later + timedelta(hours=3))
    assert not IndicatorSnapshot.objects.filter(on=date(2025, 3, 31)).exists()


def ref_month_end(day: date) -> date:
    from relance.reports.indicators import month_end

    return month_end(day)


@time_machine.travel(MORNING, tick=False)
def test_the_worker_s_schedule_runs_the_month_ends_roll(company):  # noqa: F811
    from relance.reports.tasks import month_end_snapshots

    month_end_snapshots()
    assert list(IndicatorSnapshot.objects.values_list("on", "computed_at")) == [
        (date(2026, 2, 28), MORNING)
    ]


def test_yesterday_computed_while_it_lasted_is_computed_again(company):  # noqa: F811
    """Today's last snapshot becomes yesterday's: its first reading as a
    past day computes it again, with what was recorded later that day."""
    with time_machine.travel(MORNING, tick=False):
        morning, _ = indicators_read(company=company, on=ON)
    pay(Invoice.objects.get(company=company, number="G-1"), on=ON, amount="600.00")
    later = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        figures, computed_at = indicators_read(company=company, on=ON)
        assert computed_at == later
        assert figures == indicators(company=company, on=ON) != morning
        # Computed after its day: read back as it is.
        assert indicators_read(company=company, on=ON)[1] == later


def test_the_month_ends_follow_the_company_s_day_not_utc():
    """22:30 UTC on 31 March is 1 April in Paris: 31 March is then a month
    end of the trend, built first."""
    company = make_company(time_zone="Europe/Paris")  # noqa: F811
    night = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert month_end_snapshots_roll(now=night) == [(company, ON)]
    # In New York it is still 31 March: its last month end is 28 February.
    other = make_company(name="Brooklyn", time_zone="America/New_York")
    assert (other, date(2026, 2, 28)) in month_end_snapshots_roll(
        now=night + timedelta(minutes=15)
    )
