"""The aged balance's snapshots (ADR 29): each customer's sums by bucket
on a company's today and on the twelve month ends before it, so that a
page reads 47,000 stored lines instead of grouping 250,000 open invoices.
Triggers (migrations reports 0001, 0002, 0005, 0007–0009) list in
`AgedMark` every customer whose invoices or payments change afterwards
(or the company, when a statement changes more than a read names);
`selectors.aged_balance` reads those live, whichever the day. The day's
roll (the buckets move as days pass) builds them again:
`aged_snapshots_roll`, from the worker's scheduler, or `relance
aged-balance --snapshot`."""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from relance.core.clock import company_today
from relance.core.models import Company
from relance.core.sql import tables_tended, temporary_rows, triggers_named
from relance.invoices.models import Invoice
from relance.reports.indicators import trend_dates
from relance.reports.models import (
    AgedChange,
    AgedChangeSpan,
    AgedLine,
    AgedMark,
    AgedSnapshot,
)
from relance.reports.selectors import (
    BUCKET_COLUMNS,
    owed_changes_sql,
    owed_lines_sql,
)

# Builds of one company, one at a time on PostgreSQL: a session lock held
# across the build's transactions ("AGED", and the company). Else a second
# build's first transaction could delete the marks of writes that the
# first build's day, read before them and not yet committed, does not hold.
# SQLite has one writer at a time: each day's build sees every write
# committed before it.
BUILD_LOCK = 0x41474544


@contextmanager
def _building(company: Company, wait: bool) -> Iterator[bool]:
    """Whether this process may build the company's snapshots now (with
    `wait`, once the build running ends)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [BUILD_LOCK, company.pk % 2**31]
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
            got = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def aged_snapshot_build(
    *,
    company: Company,
    on: date,
    now: datetime,
    past: Iterable[date] = (),
    wait: bool = True,
) -> int | None:
    """The company's snapshots for `on` (its today) and the `past` days
    (month ends), in each currency it has amounts open in, built again
    from the live sums. Returns the lines written; None when another build
    of the company was running and not `wait`.

    First, in a transaction of its own, the company's snapshots are
    dropped (read live meanwhile) and its marks deleted: those of writes
    committed by then, which every later statement sees. A write that has
    not committed keeps its own mark (migration 0005), so each day's build,
    in a transaction of its own, either sees a write or leaves it marked.
    The build waits for no writer, nor any writer for it."""
    days = [on, *(day for day in past if day != on)]
    with _building(company, wait) as free:
        if not free:
            return None
        currencies = sorted(
            set(
                Invoice.objects.filter(company=company, status=Invoice.Status.OPEN)
                .values_list("currency", flat=True)
                .distinct()
            )
            | set(
                Invoice.objects.filter(
                    company=company, kind=Invoice.Kind.CREDIT_NOTE, credit_left__gt=0
                )
                .values_list("currency", flat=True)
                .distinct()
            )
        )
        lines = AgedLine.objects.filter(company_id=company.pk)
        with transaction.atomic():
            AgedSnapshot.objects.filter(company_id=company.pk).delete()
            AgedChangeSpan.objects.filter(company_id=company.pk).delete()
            # Nothing open in any currency: no day is built, no line kept.
            gone, _ = (lines.exclude(on__in=days) if currencies else lines).delete()
            AgedMark.objects.filter(company_id=company.pk).delete()
        written = 0
        for day in days if currencies else ():
            built, replaced = _day_build(company, day, currencies, now)
            written, gone = written + built, gone + replaced
            if day == on and connection.vendor == "postgresql":
                # Its plans need the new counts (analysed after today's
                # lines, which a reader wants first).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE reports_agedline")
        after = min(days) - timedelta(days=CHANGES_BEFORE)
        gone += _changes_build(company, after, on, currencies, now)
        _tables_tended(vacuum=bool(gone))
    return written


# The changes are kept from this many days before the oldest day kept: a
# day before it is read from it too, 31 days away at most.
CHANGES_BEFORE = 31


# The changes are written a month of days a transaction: SQLite's writers
# wait that long at most (a million invoices in one transaction held its
# lock 12 s; a month's rows, under a second).
CHANGES_DAYS_A_TRANSACTION = 31
WRITERS_TURN = 0.1  # seconds
STAGED = "reports_agedchange_staged"


def _changes_build(
    company: Company, after: date, until: date, currencies: list[str], now
) -> int:
    """The company's changes of each day after `after` up to `until`:
    computed once a currency into a temporary table, outside any write
    transaction, then written a month of days a transaction, and their
    spans last (until then the days between are read live). Built after
    the days, under the same marks: a write committed in between is marked,
    read live. Returns the rows replaced.

    Another build of the company (SQLite's may run beside this one; on
    PostgreSQL they wait for each other) first drops its snapshots and
    deletes the marks of the writes committed by then, which changes
    computed before do not hold: each transaction here first checks that
    the snapshots standing when the changes were computed still do, and
    else stops, the other build's changes to stand."""
    changes = AgedChange.objects.filter(company_id=company.pk)
    with transaction.atomic():
        # Those of a build of SQLite's that interleaved replaced too.
        AgedChangeSpan.objects.filter(company_id=company.pk).delete()
        gone, _ = changes.exclude(
            currency__in=currencies, day__gt=after, day__lte=until
        ).delete()
    standing = list(
        AgedSnapshot.objects.filter(company_id=company.pk).values_list("pk", flat=True)
    )

    def alone() -> bool:
        return AgedSnapshot.objects.filter(pk__in=standing).count() == len(standing)

    if not standing:  # nothing owed, or another build began: none to read
        return gone
    for currency in currencies:
        with _staged(company, currency, after, until) as staged:
            first = after
            while first < until:
                last = min(first + timedelta(days=CHANGES_DAYS_A_TRANSACTION), until)
                with transaction.atomic():
                    if not alone():
                        return gone
                    replaced, _ = changes.filter(
                        currency=currency, day__gt=first, day__lte=last
                    ).delete()
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"INSERT INTO reports_agedchange (company_id, currency,"
                            f" day, customer_id, {BUCKET_COLUMNS}) SELECT %s, %s, day,"
                            f" customer_id, {BUCKET_COLUMNS} FROM {staged}"
                            " WHERE day > %s AND day <= %s ORDER BY day, customer_id",
                            [company.pk, currency, first, last],
                        )
                gone, first = gone + replaced, last
                if connection.vendor == "sqlite":
                    # A writer waiting for the lock retries up to 100 ms
                    # apart: its turn comes between two transactions.
                    time.sleep(WRITERS_TURN)
    with transaction.atomic():
        if not alone():
            return gone
        AgedChangeSpan.objects.filter(company_id=company.pk).delete()
        AgedChangeSpan.objects.bulk_create(
            AgedChangeSpan(
                company_id=company.pk,
                currency=currency,
                after=after,
                until=until,
                built_at=now,
            )
            for currency in currencies
        )
    return gone


def _staged(company: Company, currency: str, after: date, until: date):
    """The company's changes in `currency` in the temporary table STAGED, in
    the order of the days, indexed by day; dropped after (yields its name)."""
    changes, params = owed_changes_sql(company, currency, after, until)
    return temporary_rows(
        STAGED,
        f"SELECT day, customer_id, {BUCKET_COLUMNS} FROM ({changes}) c"
        " ORDER BY day, customer_id",
        params,
        index="day",
    )


def _tables_tended(*, vacuum: bool) -> None:
    """PostgreSQL: the lines and changes analysed after each build, and
    vacuumed when it replaced some (`core.sql.tables_tended`).
    - Unanalysed, a first build's month ends and changes were unknown to
      the planner (ANALYZE ran after today's lines only), which then
      joined a day's 47,000 lines to the changes by nested loop: a day
      between two kept days took minutes instead of 0.3 s, until
      autovacuum came (never, when it is off).
    - The lines a build replaced (600,000 for a company of 500,000
      invoices) stay as dead rows that a page's count reads through,
      150 ms instead of 20, until autovacuum comes; vacuumed at once
      (1 s)."""
    tables_tended(["reports_agedline", "reports_agedchange"], vacuum=vacuum)


def _day_build(
    company: Company, day: date, currencies: list[str], now
) -> tuple[int, int]:
    """One day's lines and snapshots, in a transaction (the day's earlier
    ones replaced: SQLite's builds may interleave). Returns the lines
    written and those replaced."""
    columns = f"{BUCKET_COLUMNS}, total"
    written = 0
    with transaction.atomic():
        AgedSnapshot.objects.filter(company_id=company.pk, on=day).delete()
        gone, _ = AgedLine.objects.filter(company_id=company.pk, on=day).delete()
        for currency in currencies:
            lines, params = owed_lines_sql(company, day, currency)
            with connection.cursor() as cursor:
                cursor.execute(
                    'INSERT INTO reports_agedline (company_id, currency, "on",'
                    f" customer_id, code, name, {columns})"
                    f" SELECT %s, %s, %s, customer_id, code, name, {columns}"
                    f" FROM ({lines}) g",
                    [company.pk, currency, day, *params],
                )
                written += cursor.rowcount
            AgedSnapshot.objects.create(
                company_id=company.pk, currency=currency, on=day, built_at=now
            )
    return written, gone


def snapshot_days(today: date) -> list[date]:
    """The days kept: today, then the twelve month ends before it (those
    the indicators' trend shows: an accountant's closes)."""
    return [today, *reversed(trend_dates(today)[:-1])]


def aged_snapshots_build(
    *, company: Company, now: datetime, wait: bool = True
) -> int | None:
    """The company's snapshots of its today and of the twelve month ends
    before it (see `aged_snapshot_build`)."""
    today, *past = snapshot_days(company_today(company, now))
    return aged_snapshot_build(company=company, on=today, now=now, past=past, wait=wait)


def aged_snapshots_roll(*, now: datetime) -> list[Company]:
    """Each company that has not all its days' snapshots (its day turned,
    a build failed midway, an upgrade): built again, unless a build of it
    is running. Returns the companies built."""
    built = []
    for company in Company.objects.order_by("pk"):
        days = snapshot_days(company_today(company, now))
        kept = set(
            AgedSnapshot.objects.filter(company_id=company.pk, on__in=days)
            .values_list("on", flat=True)
            .distinct()
        )
        spans = AgedChangeSpan.objects.filter(company_id=company.pk, until=days[0])
        if kept == set(days) and spans.exists():
            continue
        if aged_snapshots_build(company=company, now=now, wait=False) is not None:
            built.append(company)
    return built


EVENTS = ("insert", "delete", "update")
# The migrations that made the triggers, in order, each applied over the
# ones before on its database: SQLite's are guarded by 0002 (they mark only
# a company that has a snapshot); 0005's write the marks as rows of their
# own (reports_agedmark), on both; 0007's mark the rows a statement inserts
# once a statement, 0008's the invoices it updates, 0009's mark a company
# as one when a statement changes more of its customers than a read names
# (PostgreSQL).
MIGRATIONS = (
    "0001_aged_snapshot",
    "0002_aged_triggers_guarded",
    "0005_aged_mark_rows",
    "0007_aged_marks_on_insert_statement",
    "0008_aged_marks_on_update_statement",
    "0009_aged_mark_whole_company",
)
# The triggers that mark the customers changed since (PostgreSQL: those of
# inserts once a statement since 0007, of the invoices' updates since 0008).
TRIGGERS = (
    "reports_aged_invoice",
    "reports_aged_invoice_insert",
    "reports_aged_invoice_update",
    "reports_aged_payment",
    "reports_aged_payment_insert",
    "reports_aged_payment_update",
    "reports_aged_customer_update",
)
SQLITE_TRIGGERS = (
    *(f"reports_aged_{t}_{e}" for t in ("invoice", "payment") for e in EVENTS),
    "reports_aged_customer_update",
)


def triggers_ensure(using="default", **kwargs) -> bool:
    """After each `migrate`: the snapshot's triggers put back when a later
    migration of the invoices dropped them (SQLite rebuilds a table to alter
    it, and its triggers go with it; PostgreSQL drops a column CASCADE), and
    the snapshots dropped, since writes may have gone unmarked: read live
    until the next roll. Returns whether they had to be put back."""
    import importlib

    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    made = [name for name in MIGRATIONS if ("reports", name) in applied]
    if not made:
        return False
    expected = TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
    present = triggers_named(connection, "reports_aged_")
    if present >= set(expected):
        return False
    # Each migration's triggers_create does nothing on the other database.
    first, *later = (
        importlib.import_module(f"relance.reports.migrations.{name}") for name in made
    )
    with connection.schema_editor() as editor:
        first.triggers_drop(None, editor)
        first.triggers_create(None, editor)
        for each in later:
            each.triggers_create(None, editor)
    AgedSnapshot.objects.using(using).all().delete()
    AgedChangeSpan.objects.using(using).all().delete()
    return True
