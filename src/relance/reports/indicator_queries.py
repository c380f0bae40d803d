"""The cockpit's indicators in SQL, set-based: one aggregate query per figure
(or per kind of row it adds up), whatever the number of invoices. Each is
held to its pure reference (indicators.py) by a property test; the formulas
are there and in docs/reports.md."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import DecimalField, F, Min, Q, Sum

from relance.core.garbage import collection_paused
from relance.core.models import Company
from relance.core.sql import any_of, day_number, settings_local
from relance.invoices.models import Customer, Invoice, PauseKind, Payment
from relance.reports import indicators as ref

COUNTS = [Invoice.Status.OPEN, Invoice.Status.PAID]
MONEY = DecimalField(max_digits=16, decimal_places=2)


def date_of(column: str) -> str:
    """The local date of a timestamp column."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS DATE)"
    return f"date({column})"  # stored in UTC; TIME_ZONE is UTC on SQLite


def day_start(day: date):
    """The start of `day` as a timestamp parameter."""
    value = datetime.combine(day, time(), ZoneInfo(settings.TIME_ZONE))
    return connection.ops.adapt_datetimefield_value(value)


def _scope(company: Company, currency: str, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}company": company,
            f"{prefix}currency": currency,
            f"{prefix}status__in": COUNTS,
        }
    )


def _credits_left(company: Company, currency: str, **filters):
    """The credit notes in scope with credit left to allocate."""
    return Invoice.objects.filter(
        _scope(company, currency),
        kind=Invoice.Kind.CREDIT_NOTE,
        credit_left__gt=0,
        **filters,
    )


def _payments_after(
    company: Company, currency: str, *, of: str, after: date, **filters
):
    """The payments not cancelled dated after `after` that pay an invoice
    (`of="invoice"`) or spend a credit note (`of="credit_note"`) in scope;
    `filters` apply to that invoice or credit note."""
    return Payment.objects.filter(
        _scope(company, currency, f"{of}__"),
        company=company,
        cancelled_at__isnull=True,
        date__gt=after,
        **{f"{of}__{lookup}": value for lookup, value in filters.items()},
    )


def overdue_trend(
    *, company: Company, on: date, currency: str = "EUR"
) -> tuple[dict[date, Decimal], Decimal]:
    """What was overdue at the end of each of the last 12 months and on
    `on`, and the receivables on `on` (all owed, late or not).

    Four GROUP BYs by date (a few hundred groups, read from covering
    indexes), summed here for the 13 dates: an invoice is late on a day
    when its due date is before it (its issue date, never after its due
    date, then is too); a payment dated after the day counts back; a credit
    note's credit counts from the day after its date."""
    days = ref.trend_dates(on)
    first = days[0]
    late = dict.fromkeys(days, ref.ZERO)
    owed = ref.ZERO

    def add(amount, *, due: date, paid: date | None = None, credit=False):
        """`amount` owed on each day after `due` (before `paid`)."""
        nonlocal owed
        amount = -amount if credit else amount
        if paid is None or paid > on:
            owed += amount
        for day in days:
            if due < day and (paid is None or paid > day):
                late[day] += amount

    for row in (
        Invoice.objects.filter(
            _scope(company, currency), amount_due__gt=0, issue_date__lte=on
        )
        .values("due_date")
        .annotate(amount=Sum("amount_due"))
        .order_by()
    ):
        add(row["amount"], due=row["due_date"])
    for row in (
        _credits_left(company, currency, issue_date__lte=on)
        .values("issue_date")
        .annotate(amount=Sum("credit_left"))
        .order_by()
    ):
        add(row["amount"], due=row["issue_date"], credit=True)
    for row in (
        _payments_after(
            company, currency, of="invoice", after=first, issue_date__lte=on
        )
        .values("date", "invoice__due_date")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        add(row["amount"], due=row["invoice__due_date"], paid=row["date"])
    for row in (
        _payments_after(
            company, currency, of="credit_note", after=first, issue_date__lte=on
        )
        .values("date", "credit_note__issue_date")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        add(
            row["amount"],
            due=row["credit_note__issue_date"],
            paid=row["date"],
            credit=True,
        )
    return late, owed


def dso(*, company: Company, on: date, owed: Decimal, currency: str = "EUR"):
    """DSO by countback: the net sales of each day (one GROUP BY), added up
    by month here; the receivables `owed` come from overdue_trend."""
    periods = ref.months(on)
    sales = dict.fromkeys(periods, ref.ZERO)
    for row in (
        Invoice.objects.filter(
            _scope(company, currency), issue_date__range=(periods[-1][0], on)
        )
        .values("issue_date", "kind")
        .annotate(amount=Sum("total"))
        .order_by()
    ):
        for first, last in periods:
            if first <= row["issue_date"] <= last:
                credit = row["kind"] == Invoice.Kind.CREDIT_NOTE
                sales[first, last] += -row["amount"] if credit else row["amount"]
    return ref.countback(
        owed, [(first, last, amount) for (first, last), amount in sales.items()]
    )


def as_cents(value) -> Decimal:
    """A raw SUM of amounts (SQLite answers a float) as cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def fetch_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class CustomerPayTimes:
    pk: int
    code: str
    name: str
    times: ref.PayTimes


def paid_in_full_sql(
    company: Company, currency: str, first: date, last: date
) -> tuple[str, list]:
    """The statement of the invoices paid in full whose last payment falls
    from `first` to `last`: their customer, that day (`paid_on`) and the
    days it came after their issue and due dates (`from_issue`,
    `from_due`). What `days_to_pay` and the sums by day (`indicator_sums`)
    add up."""
    sql = f"""
        SELECT i.customer_id, p.paid_on,
               {day_number("p.paid_on")} - {day_number("i.issue_date")} AS from_issue,
               {day_number("p.paid_on")} - {day_number("i.due_date")} AS from_due
        FROM (
            SELECT invoice_id, MAX(date) AS paid_on FROM invoices_payment
            WHERE company_id = %s AND cancelled_at IS NULL AND date >= %s
            GROUP BY invoice_id HAVING MAX(date) <= %s
        ) p
        JOIN invoices_invoice i ON i.id = p.invoice_id
        WHERE i.company_id = %s AND i.status = %s AND i.kind = %s
          AND i.currency = %s
    """
    params = [
        company.pk,
        first,
        last,
        company.pk,
        Invoice.Status.PAID,
        Invoice.Kind.INVOICE,
        currency,
    ]
    return sql, params


def days_to_pay(
    *, company: Company, on: date, currency: str = "EUR"
) -> list[CustomerPayTimes]:
    """Per customer, the invoices paid in full whose last payment falls in
    the 365 days ending on `on`: one GROUP BY over the payments per
    invoice. Slowest first."""
    first = on - timedelta(days=ref.PAID_WINDOW - 1)
    paid, params = paid_in_full_sql(company, currency, first, on)
    rows = fetch_rows(
        "SELECT t.customer_id, c.code, c.name, COUNT(*), SUM(t.from_issue),"
        f" SUM(t.from_due) FROM ({paid}) t"
        " JOIN invoices_customer c ON c.id = t.customer_id"
        " GROUP BY t.customer_id, c.code, c.name",
        params,
    )
    return pay_times(rows)


def pay_times(rows) -> list[CustomerPayTimes]:
    """Rows (customer, code, name, invoices, days from issue, days from due)
    as the customers' lines, slowest first (by their average from issue
    rounded as shown, then code: the tenths in integers, the same order as
    `PayTimes.average_from_issue` gives, at a fifth of its cost)."""
    keyed = []
    # Tens of thousands of objects at 1M: the collector, run every 700
    # allocations over the whole heap, doubled the time it takes.
    with collection_paused():
        for pk, code, name, n, issue, due in rows:
            n, issue = int(n), int(issue)
            tenths = (abs(issue) * 20 + n) // (2 * n) * (1 if issue >= 0 else -1)
            times = ref.PayTimes(n, issue, int(due))
            line = CustomerPayTimes(pk, code, name, times)
            keyed.append((-tenths, code, pk, line))
        keyed.sort(key=lambda each: each[:3])
        return [line for *_key, line in keyed]


PAID_ON = """(SELECT MAX(pp.date) FROM invoices_payment pp
              WHERE pp.invoice_id = i.id AND pp.cancelled_at IS NULL)"""


def reminded_sql(
    company: Company, currency: str, first: date, last: date
) -> tuple[str, list]:
    """The statement of the reminder lines (sent, not taken out) of the days
    `first` to `last`: their day sent (`day`), level, amount due and
    whether the invoice was paid in full within STEP_DAYS after (`hit`, 1
    or 0). What `step_yields` and the sums by day (`indicator_sums`) add
    up."""
    sent_on = date_of("r.sent_at")
    # Paid in full (status paid; its last payment's date, looked up for
    # those only) on the reminder's day or up to 15 days after; NULL
    # otherwise, which BETWEEN reads as no.
    hit = (
        f"CASE WHEN i.status = %s THEN {day_number(PAID_ON)} END"
        f" - {day_number(sent_on)} BETWEEN 0 AND {ref.STEP_DAYS}"
    )
    # PostgreSQL would copy the inner expression into each outer use
    # (computing the subquery twice a row): OFFSET 0 keeps it computed once.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = f"""
        SELECT {sent_on} AS day, l.level, l.amount_due,
               CASE WHEN {hit} THEN 1 ELSE 0 END AS hit
        FROM dunning_reminderinvoice l
        JOIN dunning_reminder r ON r.id = l.reminder_id
        JOIN invoices_invoice i ON i.id = l.invoice_id
        WHERE l.company_id = %s AND r.company_id = %s AND r.status = %s
          AND l.dropped = '' AND i.currency = %s
          AND r.sent_at >= %s AND r.sent_at < %s {fence}
    """
    params = [
        Invoice.Status.PAID,
        company.pk,
        company.pk,
        "sent",
        currency,
        day_start(first),
        day_start(last + timedelta(days=1)),
    ]
    return sql, params


def step_yields(
    *, company: Company, on: date, currency: str = "EUR"
) -> dict[int, ref.StepYield]:
    """Per level, the invoices reminded (sent, not taken out) in the window
    and those paid in full within 15 days after: one GROUP BY."""
    lines, params = reminded_sql(company, currency, *ref.step_window(on))
    rows = fetch_rows(
        "SELECT level, COUNT(*), SUM(hit), SUM(amount_due), SUM(hit * amount_due)"
        f" FROM ({lines}) r GROUP BY level ORDER BY level",
        params,
    )
    return {
        level: ref.StepYield(sent, paid, as_cents(amount), as_cents(amount_paid))
        for level, sent, paid, amount, amount_paid in rows
    }


def promises(
    *, company: Company, on: date, currency: str = "EUR"
) -> dict[str, ref.Tally]:
    """The payment promises recorded by the pauses (PauseRecord, kind
    promise, on an invoice, set by `on`) kept, broken and pending on `on`;
    those lifted or replaced before their date (as of `on`) get no verdict.
    One GROUP BY on the outcome, read from the records' partial index."""
    day_after = day_start(on + timedelta(days=1))
    lifted_on = f"CASE WHEN p.lifted_at < %s THEN {date_of('p.lifted_at')} END"
    paid_on = f"CASE WHEN i.status = %s THEN {PAID_ON} END"
    # As timeline.promise_outcome: paid (in full, by the promised date and
    # the day), lifted (by the promised date), then the verdict.
    paid = "(paid_on IS NOT NULL AND paid_on <= until AND paid_on <= %s)"
    lifted = "(lifted_on IS NOT NULL AND lifted_on <= until)"
    outcome = f"""CASE
        WHEN {lifted} AND (NOT {paid} OR lifted_on < paid_on) THEN 'lifted'
        WHEN {paid} THEN 'kept' WHEN until < %s THEN 'broken'
        ELSE 'pending' END"""
    fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
    # A few thousand records, each invoice read by its key: PostgreSQL would
    # rather hash all the invoices of every company (180 ms at 1M, 10 ms so).
    with settings_local(enable_hashjoin="off", enable_mergejoin="off"):
        rows = fetch_rows(
            f"""
        SELECT outcome, COUNT(*), SUM(total) FROM (
            SELECT {outcome} AS outcome, total FROM (
                SELECT p.until, i.total, {lifted_on} AS lifted_on,
                       {paid_on} AS paid_on
                FROM dunning_pauserecord p
                JOIN invoices_invoice i ON i.id = p.invoice_id
                WHERE p.company_id = %s AND p.kind = '{PauseKind.PROMISE}'
                  AND p.invoice_id IS NOT NULL AND p.set_at < %s
                  AND i.kind = %s AND i.status IN (%s, %s)
                  AND i.issue_date <= %s AND i.currency = %s {fence}
            ) r
        ) o WHERE outcome <> 'lifted' GROUP BY outcome
        """,
            [
                on,
                on,
                on,
                day_after,
                Invoice.Status.PAID,
                company.pk,
                day_after,
                Invoice.Kind.INVOICE,
                *COUNTS,
                on,
                currency,
            ],
        )
    out = {key: ref.Tally() for key in ("kept", "broken", "pending")}
    for key, count, amount in rows:
        out[key] = ref.Tally(count, as_cents(amount))
    return out


@dataclass(frozen=True)
class Payer:
    customer: Customer
    overdue: Decimal
    days_late: int


def late_payers(*, company: Company, on: date, currency: str = "EUR") -> list[Payer]:
    """The 10 customers most overdue on `on` (then the oldest late invoice
    still owed, then the first created): four GROUP BYs per customer (two when no
    payment is dated after `on`), sorted in Python."""
    amounts: dict[int, Decimal] = {}
    oldest: dict[int, date] = {}

    def add(rows, prefix="", due=None):
        for row in rows:
            pk = row[f"{prefix}customer_id"]
            amounts[pk] = amounts.get(pk, ref.ZERO) + (row["amount"] or 0)
            if due and row[due] and (pk not in oldest or row[due] < oldest[pk]):
                oldest[pk] = row[due]

    add(
        Invoice.objects.filter(
            _scope(company, currency),
            amount_due__gt=0,
            issue_date__lte=on,
            due_date__lt=on,
        )
        .values("customer_id")
        .annotate(amount=Sum("amount_due"), oldest=Min("due_date"))
        .order_by(),
        due="oldest",
    )
    add(
        _credits_left(company, currency, issue_date__lt=on)
        .values("customer_id")
        .annotate(amount=Sum(-F("credit_left"), output_field=MONEY))
        .order_by()
    )
    if Payment.objects.filter(company=company, date__gt=on).exists():
        add(
            _payments_after(
                company,
                currency,
                of="invoice",
                after=on,
                issue_date__lte=on,
                due_date__lt=on,
            )
            .values("invoice__customer_id")
            .annotate(amount=Sum("amount"), oldest=Min("invoice__due_date"))
            .order_by(),
            "invoice__",
            due="oldest",
        )
        add(
            _payments_after(
                company, currency, of="credit_note", after=on, issue_date__lt=on
            )
            .values("credit_note__customer_id")
            .annotate(amount=Sum(-F("amount"), output_field=MONEY))
            .order_by(),
            "credit_note__",
        )
    return payers_ranked(amounts, oldest, on)


def payers_ranked(
    amounts: dict[int, Decimal], oldest: dict[int, date], on: date
) -> list[Payer]:
    """The late payers among the customers' late `amounts` on `on` (those
    above zero), their oldest late invoice still owed due on `oldest`: the
    most overdue first, then the longest late, then the first created."""
    top = sorted(
        (
            (-amount, -(on - oldest[pk]).days if pk in oldest else 0, pk)
            for pk, amount in amounts.items()
            if amount > 0
        )
    )[: ref.TOP]
    customers = Customer.objects.in_bulk([pk for _a, _d, pk in top])
    return [Payer(customers[pk], -amount, -days) for amount, days, pk in top]


def oldest_late_due(
    *, on: date, currency: str, customers: list[int]
) -> dict[int, date]:
    """Per customer among `customers` (a few: the aged balance's most
    overdue on `on`), the due date of its oldest invoice late and still
    owed on `on` (some left to pay now, or paid after `on`), as
    `late_payers` finds it. Read by the customers' index: the company's
    own (a condition on it) would read a year of the company's payments
    on SQLite; the customers are the company's."""
    condition, ids = any_of("i.customer_id", customers)
    statuses = ", ".join(["%s"] * len(COUNTS))
    rows = fetch_rows(
        "SELECT i.customer_id, MIN(i.due_date) FROM invoices_invoice i"
        f" WHERE {condition} AND i.currency = %s AND i.status IN ({statuses})"
        " AND i.issue_date <= %s AND i.due_date < %s AND (i.amount_due > 0"
        " OR EXISTS (SELECT 1 FROM invoices_payment p WHERE p.invoice_id = i.id"
        " AND p.cancelled_at IS NULL AND p.date > %s))"
        " GROUP BY i.customer_id",
        [*ids, currency, *COUNTS, on, on, on],
    )
    return {pk: date_value(due) for pk, due in rows}


def date_value(value) -> date:
    """A date column's value (SQLite answers text for an aggregate)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class Indicators:
    on: date
    currency: str
    dso: ref.Dso
    overdue: dict[date, Decimal]  # the trend's dates, then `on`
    days_to_pay: list[CustomerPayTimes]
    steps: dict[int, ref.StepYield]
    step_names: dict[int, str]
    promises: dict[str, ref.Tally]
    late_payers: list[Payer]

    @property
    def overdue_now(self) -> Decimal:
        return self.overdue[self.on]

    def as_dict(self) -> dict:
        def money(value: Decimal) -> str:
            return f"{value:.2f}"

        return {
            "date": self.on.isoformat(),
            "currency": self.currency,
            "dso": {
                "method": "countback",
                "days": str(self.dso.days),
                "receivables": money(self.dso.receivables),
                "more_than_12_months": self.dso.capped,
                "months": [
                    {
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                        "sales": money(sales),
                        "days": str(days),
                    }
                    for first, last, sales, days in self.dso.months
                ],
            },
            "overdue": money(self.overdue_now),
            "overdue_trend": [
                {"date": day.isoformat(), "amount": money(amount)}
                for day, amount in self.overdue.items()
            ],
            "days_to_pay": [
                {
                    "code": c.code,
                    "name": c.name,
                    "invoices": c.times.invoices,
                    "from_issue_date": str(c.times.average_from_issue),
                    "from_due_date": str(c.times.average_from_due),
                }
                for c in self.days_to_pay
            ],
            "steps": [
                {
                    "level": level,
                    "name": self.step_names.get(level, ""),
                    "sent": y.sent,
                    "paid_within_15_days": y.paid,
                    "share": str(y.share),
                    "amount_sent": money(y.amount_sent),
                    "amount_paid": money(y.amount_paid),
                }
                for level, y in self.steps.items()
            ],
            "promises": {
                key: {"count": t.count, "amount": money(t.amount)}
                for key, t in self.promises.items()
            },
            "late_payers": [
                {
                    "code": p.customer.code,
                    "name": p.customer.name,
                    "overdue": money(p.overdue),
                    "days_late": p.days_late,
                }
                for p in self.late_payers
            ],
        }


def indicators(*, company: Company, on: date, currency: str = "EUR") -> Indicators:
    """Every indicator of the cockpit on `on`."""
    from relance.dunning.selectors import step_names

    scope = {"company": company, "on": on, "currency": currency}
    trend, owed = overdue_trend(**scope)
    return Indicators(
        on=on,
        currency=currency,
        dso=dso(**scope, owed=owed),
        overdue=trend,
        days_to_pay=days_to_pay(**scope),
        steps=step_yields(**scope),
        step_names=step_names(company=company),
        promises=promises(**scope),
        late_payers=late_payers(**scope),
    )
