"""The indicators' snapshot (ADR 13, amended 2026-12-04): a company's
figures of its day, computed once and read back as one row, so that
« Indicateurs » answers in milliseconds at a million invoices instead of
adding up a year of payments on each view (20 s and more).

The snapshot says when it was computed; the page, the API and the command
show it. Today's is built again by the worker's schedule once an hour and
when the company's day turns (`indicator_snapshots_roll`), by the page's
« Recalculer » button, and by `relance indicators --snapshot`.

A past day is read from a snapshot too (ADR 13, amended 2026-12-04,
evening): those of the twelve month ends the trend shows (in euros) are
kept, built by the schedule and built again once a day old
(`month_end_snapshots_roll`); another past day (or currency) is computed
the first time it is asked for, then kept a day (`PAST_DAYS_KEPT` such at
most). A past day's snapshot computed before that day was over (today's
last one, yesterday) is computed again. A day after today is computed
live, never kept."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from relance.core.clock import company_today, utc_now
from relance.core.garbage import collection_paused
from relance.core.models import Company
from relance.invoices.models import Customer, Invoice
from relance.reports import indicators as ref
from relance.reports.indicator_queries import (
    CustomerPayTimes,
    Indicators,
    Payer,
    indicators,
)
from relance.reports.indicator_sums import indicators_summed
from relance.reports.models import IndicatorSnapshot

# Today's snapshot older than this is built again by the schedule.
MAX_AGE = timedelta(hours=1)
# A past day's: a month end's is built again once this old, another day's
# deleted (asked for again, it is computed again).
PAST_MAX_AGE = timedelta(days=1)
# Past days' snapshots kept at most a company besides the month ends in
# euros (whatever their currency): beyond, a day is computed live and not
# kept (a token asking for every day of a century would otherwise store as
# many snapshots, megabytes each at a million invoices).
PAST_DAYS_KEPT = 31
# The month ends' currency: the schedule keeps theirs.
MONTH_END_CURRENCY = "EUR"
# Month ends' snapshots built a company per call of the schedule (every 15
# minutes): twelve in three hours at most, the missing and oldest first.
MONTH_END_BUILDS = 1


def figures_dump(figures: Indicators) -> dict:
    """`figures` as JSON values (amounts and dates as text), all that
    `figures_load` needs to make the same `Indicators` again."""
    return {
        "on": figures.on.isoformat(),
        "currency": figures.currency,
        "dso": [
            str(figures.dso.days),
            str(figures.dso.receivables),
            [
                [first.isoformat(), last.isoformat(), str(sales), str(days)]
                for first, last, sales, days in figures.dso.months
            ],
            figures.dso.capped,
        ],
        "overdue": [
            [day.isoformat(), str(amount)] for day, amount in figures.overdue.items()
        ],
        "days_to_pay": [
            [
                line.pk,
                line.code,
                line.name,
                line.times.invoices,
                line.times.days_from_issue,
                line.times.days_from_due,
            ]
            for line in figures.days_to_pay
        ],
        "steps": [
            [level, y.sent, y.paid, str(y.amount_sent), str(y.amount_paid)]
            for level, y in figures.steps.items()
        ],
        "step_names": [[level, name] for level, name in figures.step_names.items()],
        "promises": [
            [key, tally.count, str(tally.amount)]
            for key, tally in figures.promises.items()
        ],
        "late_payers": [
            [
                payer.customer.pk,
                payer.customer.code,
                payer.customer.name,
                str(payer.overdue),
                payer.days_late,
            ]
            for payer in figures.late_payers
        ],
    }


def figures_load(data: dict) -> Indicators:
    """The `Indicators` that `figures_dump` wrote (the customers as they
    were named then: the links go by their ids)."""
    day = date.fromisoformat
    days, receivables, months, capped = data["dso"]
    return Indicators(
        on=day(data["on"]),
        currency=data["currency"],
        dso=ref.Dso(
            days=Decimal(days),
            receivables=Decimal(receivables),
            months=tuple(
                (day(first), day(last), Decimal(sales), Decimal(counted))
                for first, last, sales, counted in months
            ),
            capped=capped,
        ),
        overdue={day(on): Decimal(amount) for on, amount in data["overdue"]},
        days_to_pay=[
            CustomerPayTimes(pk, code, name, ref.PayTimes(count, from_issue, from_due))
            for pk, code, name, count, from_issue, from_due in data["days_to_pay"]
        ],
        steps={
            level: ref.StepYield(sent, paid, Decimal(amount_sent), Decimal(amount_paid))
            for level, sent, paid, amount_sent, amount_paid in data["steps"]
        },
        step_names=dict(data["step_names"]),
        promises={
            key: ref.Tally(count, Decimal(amount))
            for key, count, amount in data["promises"]
        },
        late_payers=[
            Payer(Customer(pk=pk, code=code, name=name), Decimal(overdue), days_late)
            for pk, code, name, overdue, days_late in data["late_payers"]
        ],
    )


def indicator_snapshot_build(
    *, company: Company, on: date, now: datetime, currency: str = "EUR"
) -> IndicatorSnapshot:
    """The company's indicators of `on`, computed live and kept (in place
    of the one it had for that day in this currency)."""
    live = indicators(company=company, on=on, currency=currency)
    values = {
        "on": on,
        "computed_at": now,
        "figures": figures_dump(live),
        "answer": json.dumps(live.as_dict(), ensure_ascii=False),
    }
    try:
        with transaction.atomic():
            snapshot, _created = IndicatorSnapshot.objects.update_or_create(
                company_id=company.pk, currency=currency, on=on, defaults=values
            )
    except IntegrityError:  # another build created it meanwhile: ours wins
        snapshot = IndicatorSnapshot.objects.get(
            company_id=company.pk, currency=currency, on=on
        )
        IndicatorSnapshot.objects.filter(pk=snapshot.pk).update(**values)
        snapshot.refresh_from_db()
    return snapshot


def _snapshot(company: Company, on: date, currency: str, field: str):
    """The company's snapshot of `on` with `field` read (built now if
    there is none yet, or if it was computed before that day was over), or
    None (computed live, kept nowhere) when `on` is after its today, when
    the currency is none of its invoices' (nothing to add up; else a row
    kept, then rebuilt every hour, for each currency a caller names), or
    when `PAST_DAYS_KEPT` other past days are kept."""
    today = company_today(company)
    if on > today:
        return None
    snapshot = (
        IndicatorSnapshot.objects.filter(
            company_id=company.pk, currency=currency, on=on
        )
        .only("on", "computed_at", field)
        .first()
    )
    if snapshot is not None and not (on < today and _unfinished(company, snapshot)):
        return snapshot
    if snapshot is None:
        if (
            currency != "EUR"
            and not Invoice.objects.filter(company=company, currency=currency).exists()
        ):
            return None
        if not may_keep(company, on, today, currency):
            return None
    snapshot = indicator_snapshot_build(
        company=company, on=on, now=utc_now(), currency=currency
    )
    bounded = on < today and not _month_end(on, today, currency)
    if bounded and _past_kept(company, today).count() > PAST_DAYS_KEPT:
        # Other requests kept theirs meanwhile: this one is not kept.
        IndicatorSnapshot.objects.filter(pk=snapshot.pk).delete()
    return snapshot


def _month_end(on: date, today: date, currency: str) -> bool:
    """Whether `on` in `currency` is one of the month ends the schedule
    keeps: those of the trend, in euros."""
    return currency == MONTH_END_CURRENCY and on in ref.trend_dates(today)[:-1]


def _unfinished(company: Company, snapshot: IndicatorSnapshot) -> bool:
    """Whether the snapshot was computed before its day was over (in the
    company's time zone): what was recorded later that day is missing."""
    return company_today(company, snapshot.computed_at) <= snapshot.on


def indicator_snapshot_rebuild(
    *, company: Company, on: date, now: datetime, currency: str = "EUR"
) -> IndicatorSnapshot | None:
    """« Recalculer »: the company's snapshot of `on` built again, when it
    has one or may keep one (`may_keep`); else nothing (None)."""
    today = company_today(company, now)
    kept = IndicatorSnapshot.objects.filter(
        company_id=company.pk, currency=currency, on=on
    ).exists()
    if not (kept or may_keep(company, on, today, currency)):
        return None
    return indicator_snapshot_build(company=company, on=on, now=now, currency=currency)


def may_keep(company: Company, on: date, today: date, currency: str) -> bool:
    """Whether the company's snapshot of `on` in `currency` may be kept:
    today's, and a month end's of the trend in euros, always; another past
    day's (or currency's) while fewer than `PAST_DAYS_KEPT` such are."""
    if on == today or _month_end(on, today, currency):
        return True
    if on > today:
        return False
    return _past_kept(company, today).count() < PAST_DAYS_KEPT


def _past_kept(company: Company, today: date):
    """The company's kept snapshots of past days, but the month ends' in
    euros (those the schedule keeps)."""
    return IndicatorSnapshot.objects.filter(
        company_id=company.pk, on__lt=today
    ).exclude(currency=MONTH_END_CURRENCY, on__in=ref.trend_dates(today)[:-1])


def _summed(
    company: Company, on: date, currency: str
) -> tuple[Indicators, datetime] | None:
    """A past day no snapshot keeps, read from the indicators' sums (ADR
    13, amended in the fifteenth round), and when they were built; None
    when they do not hold for it."""
    if on >= company_today(company):
        return None
    kept = IndicatorSnapshot.objects.filter(
        company_id=company.pk, currency=currency, on=on
    )
    if kept.exists():
        return None
    # Tens of thousands of lines made at 1M: the cyclic collector, run over
    # the whole heap every few hundred of them, added 60 ms and most of the
    # spread between readings.
    with collection_paused():
        return indicators_summed(company=company, on=on, currency=currency)


def indicators_read(
    *, company: Company, on: date, currency: str = "EUR"
) -> tuple[Indicators, datetime | None]:
    """The indicators of `on` and when they were computed: the company's
    snapshot of that day; a past day none keeps read from the sums when
    they hold for it; a day after its today computed live (None)."""
    summed = _summed(company, on, currency)
    if summed is not None:
        return summed
    snapshot = _snapshot(company, on, currency, "figures")
    if snapshot is None:
        return indicators(company=company, on=on, currency=currency), None
    return figures_load(snapshot.figures), snapshot.computed_at


def indicators_answer(*, company: Company, on: date, currency: str = "EUR") -> str:
    """The API's answer as JSON text: `Indicators.as_dict()` and
    `computed_at` (UTC, ISO 8601; null for a day computed live; when the
    sums were built for a day read from them). A snapshot's is its stored
    text, not parsed again."""
    summed = _summed(company, on, currency)
    if summed is not None:
        figures, built_at = summed
        when = DjangoJSONEncoder().default(built_at)
        with collection_paused():  # tens of thousands of lines at 1M
            answer = {"computed_at": when, **figures.as_dict()}
            return json.dumps(answer, ensure_ascii=False)
    snapshot = _snapshot(company, on, currency, "answer")
    if snapshot is None:
        figures = indicators(company=company, on=on, currency=currency).as_dict()
        return json.dumps({**figures, "computed_at": None}, ensure_ascii=False)
    when = json.dumps(DjangoJSONEncoder().default(snapshot.computed_at))
    return f'{{"computed_at": {when}, {snapshot.answer[1:]}'


def indicator_snapshots_roll(*, now: datetime) -> list[Company]:
    """Each company whose today's snapshots are missing or older than
    `MAX_AGE`, built again (in each currency it has one in; EUR at
    least). Returns those companies."""
    kept = _kept_by_company()
    built = []
    for company in Company.objects.order_by("pk"):
        today = company_today(company, now)
        snapshots = kept.get(company.pk, [])
        todays = [s for s in snapshots if s.on == today]
        if todays and all(now - s.computed_at < MAX_AGE for s in todays):
            continue
        for currency in _currencies(snapshots):
            indicator_snapshot_build(
                company=company, on=today, now=now, currency=currency
            )
        built.append(company)
    return built


def month_end_snapshots_roll(*, now: datetime) -> list[tuple[Company, date]]:
    """The past days' snapshots of each company: those of the month ends
    its trend shows (`ref.trend_dates`), in euros, built when missing, a
    day old, or computed before their day was over — the missing then the
    oldest first, `MONTH_END_BUILDS` a company per call, so that a company
    of a million invoices (4 s a build) spreads its twelve over the
    worker's rounds; those of other past days (or currencies) deleted once
    a day old. Returns the (company, day) built."""
    kept = _kept_by_company()
    built = []
    for company in Company.objects.order_by("pk"):
        today = company_today(company, now)
        snapshots = kept.get(company.pk, [])
        # A day old when read above: the condition on the time is the
        # query's, so that a row rebuilt meanwhile (« Recalculer », a
        # reading) is kept.
        IndicatorSnapshot.objects.filter(
            pk__in=[
                s.pk
                for s in snapshots
                if s.on < today and not _month_end(s.on, today, s.currency)
            ],
            computed_at__lte=now - PAST_MAX_AGE,
        ).delete()
        ages = {
            s.on: now - s.computed_at
            for s in snapshots
            if s.currency == MONTH_END_CURRENCY and not _unfinished(company, s)
        }
        due = sorted(
            (
                day
                for day in ref.trend_dates(today)[:-1]
                if ages.get(day, timedelta.max) >= PAST_MAX_AGE
            ),
            key=lambda day: (ages.get(day, timedelta.max), day),
            reverse=True,
        )
        for day in due[:MONTH_END_BUILDS]:
            indicator_snapshot_build(
                company=company, on=day, now=now, currency=MONTH_END_CURRENCY
            )
            built.append((company, day))
    return built


def _kept_by_company() -> dict[int, list[IndicatorSnapshot]]:
    """Every kept snapshot (its day, currency and time only), by company."""
    kept: dict[int, list[IndicatorSnapshot]] = {}
    for snapshot in IndicatorSnapshot.objects.only(
        "company_id", "currency", "on", "computed_at"
    ):
        kept.setdefault(snapshot.company_id, []).append(snapshot)
    return kept


def _currencies(snapshots: list[IndicatorSnapshot]) -> list[str]:
    """The currencies a company's snapshots are kept in: those it has one
    in, EUR at least."""
    return sorted({s.currency for s in snapshots} | {"EUR"})
