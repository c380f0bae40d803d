"""The indicators' sums by day (ADR 13, amended in the fifteenth round): so
that a past day's indicators answer at their first reading in a fraction
of a second at a million invoices, instead of adding up a year of
payments and reminders (3 s).

Once a day (`indicator_sums_roll`, from the worker's schedule), for the
last `SPAN_DAYS` days of each company, in each currency it has invoices
in, three tables are built from the same rows the live indicators add up
(`indicator_queries`):
- `DaySum`: what was overdue and owed at the end of each day, and the
  net sales issued that day (the trend and DSO);
- `StepSum`: per day and level, the invoices reminded and those paid in
  full within STEP_DAYS after (what each step brings in);
- `PaySum`: per day and customer, the invoices paid in full that day and
  the days they took (days to pay).
A past day's figures are then sums over a few hundred rows (over the
paid invoices of a year for days to pay). The late payers are the aged
balance's most overdue customers on that day (its snapshots and changes,
exact: `selectors.late_leaders`), computed live for those few; the
promises are computed live.

Like the month ends' snapshots, the sums are those of the day they were
built: what is recorded later about a past day shows from the next
day's build (or at once with « Recalculer », which computes the day live
and keeps it). The figures say when the sums were built."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from relance.core.clock import company_today
from relance.core.models import Company
from relance.core.sql import days_after, tables_tended, temporary_rows
from relance.invoices.models import Invoice
from relance.reports import indicators as ref
from relance.reports.indicator_queries import (
    COUNTS,
    Indicators,
    as_cents,
    date_value,
    fetch_rows,
    late_payers,
    oldest_late_due,
    paid_in_full_sql,
    pay_times,
    payers_ranked,
    promises,
    reminded_sql,
)
from relance.reports.models import DaySum, IndicatorSumSpan, PaySum, StepSum
from relance.reports.selectors import late_leaders

# Days kept back from the company's today: a day's figures reach back
# `ref.MONTHS` months and a few days (`reach`), so any day of the last
# thirteen months is read from the sums.
SPAN_DAYS = 800
STAGED = "reports_paysum_staged"


def reach(on: date) -> date:
    """The first day `on`'s figures read: its trend's first month end, its
    DSO's first month, its step window's and days-to-pay window's first
    days, whichever is earliest."""
    return min(
        ref.trend_dates(on)[0],
        ref.months(on)[-1][0],
        ref.step_window(on)[0],
        on - timedelta(days=ref.PAID_WINDOW - 1),
    )


def _counts() -> str:
    return "(" + ", ".join(f"'{status}'" for status in COUNTS) + ")"


def _owed_deltas_sql(company: Company, currency: str, until: date):
    """Per day up to `until`, what the receivables and the overdue amount
    gained over the day before (day, owed, overdue): the rows the live
    trend adds up (`overdue_trend`), each owed from its issue date, late
    from the day after its due date (a credit note's own date), both until
    its payment's date."""
    counts = _counts()
    scope = f"i.company_id = %s AND i.currency = %s AND i.status IN {counts}"
    paid = (
        "FROM invoices_payment p JOIN invoices_invoice i ON i.id = p.{0}"
        f" WHERE p.company_id = %s AND p.cancelled_at IS NULL AND {scope}"
    )
    rows = (
        # start, anchor (late from the day after), amount, stop
        "SELECT i.issue_date AS s, i.due_date AS n, i.amount_due AS a,"
        f" CAST(NULL AS date) AS e FROM invoices_invoice i WHERE {scope}"
        " AND i.amount_due > 0"
        " UNION ALL SELECT i.issue_date, i.issue_date, -i.credit_left, NULL"
        f" FROM invoices_invoice i WHERE {scope} AND i.credit_left > 0"
        f" AND i.kind = '{Invoice.Kind.CREDIT_NOTE}'"
        " UNION ALL SELECT i.issue_date, i.due_date, p.amount, p.date "
        + paid.format("invoice_id")
        + " UNION ALL SELECT i.issue_date, i.issue_date, -p.amount, p.date "
        + paid.format("credit_note_id")
    )
    late = days_after("r.n", "1")
    events = (
        "SELECT r.s AS day, r.a AS owed, 0 AS overdue FROM r"
        " WHERE r.e IS NULL OR r.e > r.s"
        " UNION ALL SELECT r.e, -r.a, 0 FROM r WHERE r.e > r.s"
        f" UNION ALL SELECT {late}, 0, r.a FROM r"
        f" WHERE r.e IS NULL OR r.e > {late}"
        f" UNION ALL SELECT r.e, 0, -r.a FROM r WHERE r.e > {late}"
    )
    sql = (
        f"WITH r AS MATERIALIZED ({rows})"
        f" SELECT day, SUM(owed), SUM(overdue) FROM ({events}) v"
        " WHERE day <= %s GROUP BY day"
    )
    scoped = [company.pk, currency]
    return sql, [*scoped, *scoped, company.pk, *scoped, company.pk, *scoped, until]


def _day_sums(company: Company, currency: str, first: date, until: date) -> list:
    """The DaySum of each day from `first` to `until`."""
    sql, params = _owed_deltas_sql(company, currency, until)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        deltas = {
            date_value(day): (as_cents(owed), as_cents(late))
            for day, owed, late in cursor.fetchall()
        }
        cursor.execute(
            "SELECT issue_date, SUM(CASE WHEN kind = %s THEN -total ELSE total END)"
            " FROM invoices_invoice WHERE company_id = %s AND currency = %s"
            f" AND status IN {_counts()} AND issue_date >= %s AND issue_date <= %s"
            " GROUP BY issue_date",
            [Invoice.Kind.CREDIT_NOTE, company.pk, currency, first, until],
        )
        sales = {date_value(day): as_cents(amount) for day, amount in cursor.fetchall()}
    owed = overdue = ref.ZERO
    for day in sorted(deltas):
        if day >= first:
            break
        owed, overdue = owed + deltas[day][0], overdue + deltas[day][1]
    out = []
    for day in _days(first, until):
        gained = deltas.get(day, (ref.ZERO, ref.ZERO))
        owed, overdue = owed + gained[0], overdue + gained[1]
        out.append(
            DaySum(
                company_id=company.pk,
                currency=currency,
                day=day,
                overdue=overdue,
                owed=owed,
                sales=sales.get(day, ref.ZERO),
            )
        )
    return out


def _step_sums_sql(company: Company, currency: str, first: date, until: date):
    """Per day sent and level: the reminder lines (sent, not taken out) and
    those whose invoice was paid in full within STEP_DAYS after, as
    `step_yields` counts them."""
    lines, params = reminded_sql(company, currency, first, until)
    sql = (
        "SELECT day, level, COUNT(*), SUM(hit), ROUND(SUM(amount_due), 2),"
        f" ROUND(SUM(hit * amount_due), 2) FROM ({lines}) r GROUP BY day, level"
    )
    return sql, params


def _pay_sums_sql(company: Company, currency: str, first: date, until: date):
    """Per day and customer: the invoices paid in full whose last payment
    is that day, and the days they took, as `days_to_pay` counts them."""
    paid, params = paid_in_full_sql(company, currency, first, until)
    sql = (
        "SELECT paid_on AS day, customer_id, COUNT(*) AS invoices,"
        " SUM(from_issue) AS from_issue, SUM(from_due) AS from_due"
        f" FROM ({paid}) t GROUP BY paid_on, customer_id"
    )
    return sql, params


STEP_COLUMNS = "company_id, currency, day, level, sent, paid, amount_sent, amount_paid"
PAY_COLUMNS = "company_id, currency, day, customer_id, invoices, from_issue, from_due"


def indicator_sums_build(
    *, company: Company, currency: str, now: datetime
) -> IndicatorSumSpan | None:
    """The company's sums in `currency` for the `SPAN_DAYS` days up to its
    today, built again: computed first (the days and steps in memory, a
    few thousand rows; the payments into a temporary table), outside any
    write transaction, then written in one with their span, the earlier
    ones replaced. Returns the span, or None when another build wrote
    meanwhile (this one then gives way)."""
    until = company_today(company, now)
    first = until - timedelta(days=SPAN_DAYS)
    days = _day_sums(company, currency, first, until)
    steps_sql, steps_params = _step_sums_sql(company, currency, first, until)
    pays_sql, pays_params = _pay_sums_sql(company, currency, first, until)
    with connection.cursor() as cursor:
        cursor.execute(steps_sql, steps_params)
        steps = cursor.fetchall()
    with temporary_rows(STAGED, pays_sql, pays_params) as staged:
        try:
            with transaction.atomic():
                # The span locked first: a second build of the company waits
                # here, then replaces the first one's rows (PostgreSQL).
                span = (
                    IndicatorSumSpan.objects.select_for_update()
                    .filter(company_id=company.pk, currency=currency)
                    .first()
                )
                for model in (DaySum, StepSum, PaySum):
                    model.objects.filter(
                        company_id=company.pk, currency=currency
                    ).delete()
                DaySum.objects.bulk_create(days, batch_size=1000)
                with connection.cursor() as cursor:
                    if steps:
                        marks = ", ".join(["%s"] * 8)
                        cursor.executemany(
                            f"INSERT INTO reports_stepsum ({STEP_COLUMNS})"
                            f" VALUES ({marks})",
                            [(company.pk, currency, *step) for step in steps],
                        )
                    cursor.execute(
                        f"INSERT INTO reports_paysum ({PAY_COLUMNS}) SELECT %s, %s,"
                        " day, customer_id, invoices, from_issue, from_due"
                        f" FROM {staged} ORDER BY day, customer_id",
                        [company.pk, currency],
                    )
                values = {"first": first, "until": until, "built_at": now}
                if span is None:
                    IndicatorSumSpan.objects.create(
                        company_id=company.pk, currency=currency, **values
                    )
                else:
                    IndicatorSumSpan.objects.filter(pk=span.pk).update(**values)
        except IntegrityError:  # another build created the span meanwhile
            return None
    # The rows replaced vacuumed at once (a day's read went through the last
    # build's 158,000 dead rows at 1M: 20 ms more), the new ones analysed.
    tables_tended(["reports_daysum", "reports_stepsum", "reports_paysum"], vacuum=True)
    return IndicatorSumSpan.objects.get(company_id=company.pk, currency=currency)


def _currencies(company: Company) -> list[str]:
    """The currencies of the company's invoices that count, EUR at least."""
    return sorted(
        set(
            Invoice.objects.filter(company=company, status__in=COUNTS)
            .values_list("currency", flat=True)
            .distinct()
        )
        | {"EUR"}
    )


def indicator_sums_roll(*, now: datetime) -> list[Company]:
    """Each company whose sums are not of its today (its day turned, an
    upgrade, a new currency): built again in each currency. Returns those
    companies."""
    built = []
    for company in Company.objects.order_by("pk"):
        today = company_today(company, now)
        currencies = _currencies(company)
        current = set(
            IndicatorSumSpan.objects.filter(
                company_id=company.pk, until=today, currency__in=currencies
            ).values_list("currency", flat=True)
        )
        if current == set(currencies):
            continue
        for currency in currencies:
            indicator_sums_build(company=company, currency=currency, now=now)
        built.append(company)
    return built


def indicators_summed(
    *, company: Company, on: date, currency: str = "EUR"
) -> tuple[Indicators, datetime] | None:
    """The indicators of the past day `on` read from the sums, and when they
    were built; None when the sums do not reach its figures' first day or
    were built before `on` was over (or not at all)."""
    from relance.dunning.selectors import step_names

    span = (
        IndicatorSumSpan.objects.filter(company_id=company.pk, currency=currency)
        .values_list("first", "until", "built_at")
        .first()
    )
    first = reach(on)
    if span is None or not (span[0] <= first and on < span[1]):
        return None
    scope = {"company_id": company.pk, "currency": currency}
    days = {
        day: (overdue, owed, sales)
        for day, overdue, owed, sales in DaySum.objects.filter(
            **scope, day__gte=first, day__lte=on
        ).values_list("day", "overdue", "owed", "sales")
    }
    periods = ref.months(on)
    dso = ref.countback(
        days[on][1],
        [
            (
                start,
                last,
                sum((days[d][2] for d in _days(start, last)), ref.ZERO),
            )
            for start, last in periods
        ],
    )
    figures = Indicators(
        on=on,
        currency=currency,
        dso=dso,
        overdue={day: days[day][0] for day in ref.trend_dates(on)},
        days_to_pay=_days_to_pay(company, on, currency),
        steps=_step_yields(company, on, currency),
        step_names=step_names(company=company),
        promises=promises(company=company, on=on, currency=currency),
        late_payers=_late_payers(company, on, currency),
    )
    return figures, span[2]


def _days(first: date, last: date):
    """Each day from `first` to `last`."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _step_yields(company: Company, on: date, currency: str):
    first, last = ref.step_window(on)
    rows = fetch_rows(
        "SELECT level, SUM(sent), SUM(paid), SUM(amount_sent), SUM(amount_paid)"
        " FROM reports_stepsum WHERE company_id = %s AND currency = %s"
        " AND day >= %s AND day <= %s GROUP BY level ORDER BY level",
        [company.pk, currency, first, last],
    )
    return {
        level: ref.StepYield(
            int(sent), int(paid), as_cents(sent_sum), as_cents(paid_sum)
        )
        for level, sent, paid, sent_sum, paid_sum in rows
    }


def _days_to_pay(company: Company, on: date, currency: str):
    first = on - timedelta(days=ref.PAID_WINDOW - 1)
    rows = fetch_rows(
        # Summed first, then named: grouping by the names too took twice as
        # long.
        "SELECT s.customer_id, c.code, c.name, s.n, s.issue, s.due FROM ("
        # As integers: PostgreSQL sums bigints as numerics, slower.
        "SELECT customer_id, SUM(invoices) AS n,"
        " SUM(CAST(from_issue AS INTEGER)) AS issue,"
        " SUM(CAST(from_due AS INTEGER)) AS due FROM reports_paysum"
        " WHERE company_id = %s AND currency = %s AND day >= %s AND day <= %s"
        " GROUP BY customer_id) s JOIN invoices_customer c ON c.id = s.customer_id",
        [company.pk, currency, first, on],
    )
    return pay_times(rows)


def _late_payers(company: Company, on: date, currency: str):
    """The late payers among the customers the aged balance finds most
    overdue on `on`, its amounts, when it holds for that day; else live."""
    leaders = late_leaders(company=company, on=on, currency=currency, top=ref.TOP)
    if leaders is None:
        return late_payers(company=company, on=on, currency=currency)
    if not leaders:
        return []
    cent = Decimal("0.01")
    amounts = {pk: (Decimal(cents) * cent).quantize(cent) for pk, cents in leaders}
    oldest = oldest_late_due(on=on, currency=currency, customers=list(amounts))
    return payers_ranked(amounts, oldest, on)
