"""« Indicateurs » at scale: python bench/indicators.py [--n 100000 1000000]
[--db sqlite postgres] [--runs 20] [--snapshot | --sums] [--keep FOLDER]

For each database and size: a fresh database, the synthetic invoices of
bench/generate.py (half of them the biggest company's), then a history on
top of them (bench/generate.py leaves none): 40 % of the invoices paid in
full (one payment each, 0 to 39 days after the due date, never after the
day), one payment on each partly paid invoice, one sent reminder for each
invoice at its level reached (on its last reminder's date). Then the
biggest company's indicators, `runs` times after 2 of warm-up, p50 and p95,
with the time of each figure's queries at the last run. Prints a table.
With --snapshot: the snapshot of the biggest company's today built once,
then the web page « Indicateurs » and the API answer read from it, `runs`
times each (ADR 13 amended); then the twelve month ends' snapshots built
by the schedule's roll (their time in all), the page and the API at the
last month end read from its snapshot, `runs` times each, and the first
reading of another past day (computed then kept: ADR 13 amended
2026-12-04, evening).
With --sums (ADR 13 amended in the fifteenth round): the sums by day built
once as the schedule's roll does (with the aged balance's snapshots and
changes, which the late payers read), then past days none keeps — ten days
back, the middle of each of the last twelve months — read `runs` times
each through the web page and the API (every reading a first one: the
sums are read, nothing is kept), p50 and p95 over all, and the time of
each figure at one of them. With --keep, the database is kept in FOLDER
between runs (bench/aged.py's, which holds the same history).
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.percentile import p95  # noqa: E402
from bench.run import inner_rows, postgres_available  # noqa: E402

TODAY_ISO = "2026-11-02"  # bench/part.py's TODAY


def history() -> dict:
    """Payments and reminders for every company, by set-based SQL."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"

    def plus_days(column: str, days: str) -> str:
        if pg:
            return f"LEAST({column} + ({days})::int, DATE '{TODAY_ISO}')"
        return f"min(date({column}, '+' || ({days}) || ' days'), '{TODAY_ISO}')"

    # Typed on PostgreSQL: in a UNION ALL an untyped literal is text.
    stamp = "TIMESTAMPTZ '2026-01-01 00:00:00+00'" if pg else "'2026-01-01 00:00:00'"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # 40 % of the invoices paid in full (those not partly paid, not paused).
        cursor.execute(
            "UPDATE invoices_invoice SET status = 'paid', amount_due = 0, "
            "dunning_level = 0, last_reminder_on = NULL "
            "WHERE id % 5 IN (0, 1) AND amount_due = total AND paused_until IS NULL"
        )
        paid = cursor.rowcount
        # Promises: make the paused ones' outcomes vary (some paid by then).
        cursor.execute(
            "UPDATE invoices_invoice SET status = 'paid', amount_due = 0 "
            "WHERE pause_kind = 'promise' AND id % 2 = 0"
        )
        cursor.execute(
            "INSERT INTO invoices_payment (company_id, invoice_id, date, amount, "
            "method, reference, created_at, cancel_reason) "
            f"SELECT company_id, id, {plus_days('due_date', 'id % 40')}, "
            f"total - amount_due, 'transfer', '', {stamp}, '' "
            "FROM invoices_invoice WHERE amount_due < total"
        )
        payments = cursor.rowcount
        # One sent reminder per invoice at its level (the bench's customers get
        # one per invoice: grouping does not change the figures' SQL).
        cursor.execute(
            "INSERT INTO dunning_reminder (company_id, customer_id, step_id, "
            "channel, recipients, subject, body_text, body_html, message_id, "
            "status, error, attempts, claimed_by, origin, send_anytime, created_at, "
            "updated_at, sent_at) "
            "SELECT i.company_id, i.customer_id, s.id, 'email', '[]', '', '', '', "
            "'<' || i.id || '@bench>', 'sent', '', 1, '', 'daily', "
            + ("false" if pg else "0")
            + ", "
            f"{stamp}, {stamp}, "
            + (
                "i.last_reminder_on + TIME '09:00'"
                if pg
                else "i.last_reminder_on || ' 09:00:00'"
            )
            + " FROM invoices_invoice i JOIN dunning_dunningstep s "
            'ON s.company_id = i.company_id AND s."order" = i.dunning_level '
            "WHERE i.dunning_level > 0 AND i.last_reminder_on IS NOT NULL"
        )
        reminders = cursor.rowcount
        cursor.execute(
            "INSERT INTO dunning_reminderinvoice (company_id, reminder_id, "
            "invoice_id, level, amount_due, holds_level, dropped) "
            "SELECT i.company_id, r.id, i.id, i.dunning_level, i.amount_due, "
            + ("true" if pg else "1")
            + ", '' FROM dunning_reminder r JOIN invoices_invoice i "
            "ON r.message_id = '<' || i.id || '@bench>'"
        )
        # The promises' history (what the indicator reads): each current
        # promise, and for half of them an earlier one it replaced.
        true = "true" if pg else "1"
        cursor.execute(
            "INSERT INTO dunning_pauserecord (company_id, customer_id, invoice_id, "
            "kind, until, reason, origin, set_at, set_at_known, lifted_at, "
            "lifted_origin) "
            "SELECT company_id, customer_id, id, 'promise', paused_until, '', "
            f"'user', {stamp}, {true}, NULL, '' FROM invoices_invoice "
            "WHERE pause_kind = 'promise' AND paused_until IS NOT NULL "
            "UNION ALL "
            "SELECT company_id, customer_id, id, 'promise', "
            + ("paused_until - 10" if pg else "date(paused_until, '-10 days')")
            + f", '', 'user', {stamp}, {true}, "
            f"{stamp}, 'user' FROM invoices_invoice "
            "WHERE pause_kind = 'promise' AND paused_until IS NOT NULL "
            "AND id % 2 = 1"
        )
        promises = cursor.rowcount
        if pg:
            cursor.execute("ANALYZE")
    return {
        "promises": promises,
        "paid": paid,
        "payments": payments,
        "reminders": reminders,
        "seconds": round(time.perf_counter() - started, 1),
    }


def measure(runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.part import TODAY, big_company, company_invoices
    from relance.reports import indicator_queries as q

    company = big_company()
    timings = []
    for index in range(runs + 2):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            figures = q.indicators(company=company, on=TODAY)
            elapsed = time.perf_counter() - started
        if index >= 2:
            timings.append(elapsed * 1000)
    parts = {}
    scope = {"company": company, "on": TODAY}
    for name, call in (
        ("trend", lambda: q.overdue_trend(**scope)),
        ("dso", lambda: q.dso(**scope, owed=figures.dso.receivables)),
        ("days_to_pay", lambda: q.days_to_pay(**scope)),
        ("steps", lambda: q.step_yields(**scope)),
        ("promises", lambda: q.promises(**scope)),
        ("late_payers", lambda: q.late_payers(**scope)),
    ):
        started = time.perf_counter()
        call()
        parts[name] = round((time.perf_counter() - started) * 1000, 1)
    past = []
    for index in range(5):
        started = time.perf_counter()
        q.indicators(company=company, on=TODAY - timedelta(days=30 * index + 30))
        past.append((time.perf_counter() - started) * 1000)
    return {
        "invoices": company_invoices(company),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95(timings), 1),
        "past_max_ms": round(max(past), 1),
        "queries": len(captured),
        "parts_ms": parts,
        "late_payers": len(figures.late_payers),
        "paying_customers": len(figures.days_to_pay),
        "dso": str(figures.dso.days),
    }


def measure_snapshot(runs: int) -> dict:
    """Today's figures from the snapshot (ADR 13 amended): its build, then
    the web page and the API answer, each `runs` times after 2 of warm-up,
    through Django's test client, signed in."""
    from datetime import UTC, datetime

    import time_machine
    from django.test import Client

    from bench.part import TODAY, big_company, company_invoices
    from relance.core.models import Membership, User
    from relance.core.tokens import token_create
    from relance.reports.indicator_snapshot import (
        indicator_snapshot_build,
        month_end_snapshots_roll,
    )
    from relance.reports.indicators import trend_dates

    company = big_company()
    company.time_zone = "UTC"
    company.save(update_fields=["time_zone"])
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        started = time.perf_counter()
        cpu = time.process_time()
        indicator_snapshot_build(company=company, on=TODAY, now=now)
        build = (time.perf_counter() - started, time.process_time() - cpu)
        user = User.objects.create_user(email="bench@example.com", password="x" * 12)
        Membership.objects.create(user=user, company=company)
        web = Client()
        web.force_login(user)
        token = token_create(company=company, name="bench")[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        started = time.perf_counter()
        while month_end_snapshots_roll(now=now):
            pass
        month_ends = time.perf_counter() - started
        last_end = trend_dates(TODAY)[-2].isoformat()
        timings = {}
        for name, client, path, params in (
            ("page", web, "/indicateurs/", {}),
            ("api", api, "/api/v1/reports/indicators", {}),
            ("month_end_page", web, "/indicateurs/", {"date": last_end}),
            ("month_end_api", api, "/api/v1/reports/indicators", {"date": last_end}),
        ):
            measured = []
            for index in range(runs + 2):
                started = time.perf_counter()
                answer = client.get(path, params)
                elapsed = time.perf_counter() - started
                assert answer.status_code == 200, answer.status_code
                if index >= 2:
                    measured.append(elapsed * 1000)
            timings[name] = (
                round(statistics.median(measured), 1),
                round(p95(measured), 1),
                len(answer.content),
            )
        other_day = (TODAY - timedelta(days=10)).isoformat()
        started = time.perf_counter()
        assert web.get("/indicateurs/", {"date": other_day}).status_code == 200
        first_reading = time.perf_counter() - started
    return {
        "invoices": company_invoices(company),
        "build_s": round(build[0], 2),
        "build_cpu_s": round(build[1], 2),
        "month_ends_s": round(month_ends, 1),
        "other_day_first_s": round(first_reading, 2),
        **{f"{k}_ms": v for k, v in timings.items()},
    }


def measure_sums(runs: int) -> dict:
    """Past days' first readings from the sums (see the module's text)."""
    from datetime import UTC, datetime

    import time_machine
    from django.test import Client

    from bench.part import TODAY, big_company, company_invoices
    from relance.core.models import Membership, User
    from relance.core.tokens import token_create
    from relance.reports import indicator_queries as q
    from relance.reports import indicator_sums as sums
    from relance.reports.aged_snapshot import aged_snapshots_build
    from relance.reports.models import IndicatorSnapshot, PaySum

    company = big_company()
    company.time_zone = "UTC"
    company.save(update_fields=["time_zone"])
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=UTC)
    days, month = [TODAY - timedelta(days=10)], TODAY.replace(day=1)
    for _ in range(12):  # the middle of each month before
        month = (month - timedelta(days=1)).replace(day=1)
        days.append(month.replace(day=16))
    with time_machine.travel(now, tick=False):
        started = time.perf_counter()
        aged_snapshots_build(company=company, now=now)
        aged = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        sums.indicator_sums_build(company=company, currency="EUR", now=now)
        build = (time.perf_counter() - started, time.process_time() - cpu)
        IndicatorSnapshot.objects.filter(company_id=company.pk).delete()
        user = User.objects.create_user(
            email=f"bench-{os.getpid()}-{time.perf_counter_ns()}@example.com",
            password="x" * 12,
        )
        Membership.objects.create(user=user, company=company)
        web = Client()
        web.force_login(user)
        token = token_create(company=company, name="bench")[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        timings = {"read": [], "page": [], "api": []}
        for index in range(runs + 1):
            for day in days:
                for name, call in (
                    (
                        "read",
                        lambda day=day: sums.indicators_summed(company=company, on=day),
                    ),
                    ("page", lambda day=day: web.get("/indicateurs/", {"date": day})),
                    (
                        "api",
                        lambda day=day: api.get(
                            "/api/v1/reports/indicators", {"date": day.isoformat()}
                        ),
                    ),
                ):
                    started = time.perf_counter()
                    answer = call()
                    elapsed = time.perf_counter() - started
                    if name != "read":
                        assert answer.status_code == 200, answer.status_code
                    else:
                        assert answer is not None, day
                    if index:  # the first round warms up
                        timings[name].append(elapsed * 1000)
        assert not IndicatorSnapshot.objects.filter(company_id=company.pk).exists()
        scope = {"company": company, "on": days[1], "currency": "EUR"}
        parts = {}
        for name, call in (
            ("sums", lambda: sums.DaySum.objects.filter(company_id=company.pk).count()),
            ("days_to_pay", lambda: sums._days_to_pay(company, days[1], "EUR")),
            ("steps", lambda: sums._step_yields(company, days[1], "EUR")),
            ("promises", lambda: q.promises(**scope)),
            ("late_payers", lambda: sums._late_payers(company, days[1], "EUR")),
        ):
            started = time.perf_counter()
            call()
            parts[name] = round((time.perf_counter() - started) * 1000, 1)
        live = time.perf_counter()
        exact = q.indicators(**scope)
        live = time.perf_counter() - live
        summed, _built = sums.indicators_summed(**scope)
        assert summed.as_dict() == exact.as_dict(), "sums differ from live"
    return {
        "invoices": company_invoices(company),
        "aged_build_s": round(aged, 1),
        "build_s": round(build[0], 2),
        "build_cpu_s": round(build[1], 2),
        "pay_sums": PaySum.objects.filter(company_id=company.pk).count(),
        "live_s": round(live, 2),
        "parts_ms": parts,
        **{
            f"{name}_ms": (round(statistics.median(v), 1), round(p95(v), 1))
            for name, v in timings.items()
        },
    }


def inner(n: int, runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.part import setup
    from relance.invoices.models import Invoice, Payment

    call_command("migrate", verbosity=0)  # a kept database may be older
    loaded = setup(n) if not Invoice.objects.exists() else "kept"
    made = history() if not Payment.objects.exists() else "kept"
    if os.environ.get("RELANCE_BENCH_SUMS"):
        print(json.dumps({"load": loaded, "history": made, **measure_sums(runs)}))
        return
    if os.environ.get("RELANCE_BENCH_SNAPSHOT"):
        print(json.dumps({"load": loaded, "history": made, **measure_snapshot(runs)}))
        return
    print(json.dumps({"load": loaded, "history": made, **measure(runs)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="time today's snapshot: its build, the web page and the API",
    )
    parser.add_argument(
        "--sums",
        action="store_true",
        help="time past days read from the sums by day: web page and API",
    )
    parser.add_argument("--keep", help="a folder for databases kept between runs")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inner:
        inner(options.n[0], options.runs)
        return
    kinds = [k for k in options.db if k != "postgres" or postgres_available()]
    if options.snapshot or options.sums:
        os.environ[
            "RELANCE_BENCH_SUMS" if options.sums else "RELANCE_BENCH_SNAPSHOT"
        ] = "1"
        os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver,localhost")
    rows = inner_rows(__file__, kinds, options.n, options.runs, options.keep)
    if options.sums:
        print(
            "| DB | invoices | its invoices | sums built (CPU) | paid sums "
            "| a past day: computed | from the sums | web page p50 / p95 "
            "| API p50 / p95 | days to pay | steps | promises | late payers |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            parts = row["parts_ms"]
            print(
                f"| {row['db']} | {row['n']:,} | {row['invoices']:,} "
                f"| {row['build_s']} s ({row['build_cpu_s']} s) | {row['pay_sums']:,} "
                f"| {row['live_s']} s | {row['read_ms'][0]} / {row['read_ms'][1]} ms "
                f"| {row['page_ms'][0]} / {row['page_ms'][1]} ms "
                f"| {row['api_ms'][0]} / {row['api_ms'][1]} ms "
                + " ".join(
                    f"| {parts[k]} ms"
                    for k in ("days_to_pay", "steps", "promises", "late_payers")
                )
                + " |"
            )
        return
    if options.snapshot:
        print(
            "| DB | invoices | its invoices | build (CPU) | web page p50 / p95 "
            "| API p50 / p95 | page, API size | 12 month ends built "
            "| a month end: web page p50 / p95 | its API p50 / p95 "
            "| another past day, first reading |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            page, api = row["page_ms"], row["api_ms"]
            end_page, end_api = row["month_end_page_ms"], row["month_end_api_ms"]
            print(
                f"| {row['db']} | {row['n']:,} | {row['invoices']:,} "
                f"| {row['build_s']} s ({row['build_cpu_s']} s) "
                f"| {page[0]} / {page[1]} ms | {api[0]} / {api[1]} ms "
                f"| {page[2]:,} / {api[2]:,} bytes | {row['month_ends_s']} s "
                f"| {end_page[0]} / {end_page[1]} ms "
                f"| {end_api[0]} / {end_api[1]} ms | {row['other_day_first_s']} s |"
            )
        return
    print(
        "| DB | invoices | its invoices | p50 | p95 | past dates, max | queries "
        "| trend | DSO | days to pay | steps | promises | late payers |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        parts = row["parts_ms"]
        cells = [
            row["db"],
            f"{row['n']:,}",
            f"{row['invoices']:,}",
            f"{row['p50_ms']} ms",
            f"{row['p95_ms']} ms",
            f"{row['past_max_ms']} ms",
            str(row["queries"]),
            *(
                f"{parts[k]} ms"
                for k in (
                    "trend",
                    "dso",
                    "days_to_pay",
                    "steps",
                    "promises",
                    "late_payers",
                )
            ),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
