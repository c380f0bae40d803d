"""« Balance âgée » at scale, as the page, the API and the export ask for it:
python bench/aged.py [--n 1000000] [--db sqlite postgres] [--runs 20]
[--keep FOLDER]

For each database and size: a fresh database (or, with --keep, one kept in
FOLDER — a SQLite file, a PostgreSQL database named after the folder — and
loaded only once), bench/generate.py's invoices (half of them the biggest
company's) and bench/indicators.py's history on top (payments, so that a
past date adds payments back). Then the biggest company's balance, `runs`
times after 2 of warm-up, p50 and p95: the page computed live (first page
by total, a later page by name, a month ago, the last month end, the middle
of the month before it and of a month half a year back; fewer runs), then
today's and the twelve month ends' snapshots and the changes between built
(once) and the same pages read from them (the other days from the nearest
kept day and the changes), the first pages with 1 % of the customers
changed since (read live), the web page (today's, the month end's, the
middle of the month's) and the API's first page, and the complete balance
the XLSX, the PDF and `relance aged-balance --json` read (fewer runs).
Prints a table; CPU seconds beside wall seconds.
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


def _timed(call, runs: int) -> dict:
    walls, cpus = [], []
    for index in range(runs + 2):
        started, cpu = time.perf_counter(), time.process_time()
        result = call()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        if index >= 2:  # warm-up
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
    return {
        "p50_ms": round(statistics.median(walls), 1),
        "p95_ms": round(p95(walls), 1),
        "cpu_p50_ms": round(statistics.median(cpus), 1),
        "result": result,
    }


def measure(runs: int) -> dict:
    from django.db import transaction
    from django.test import Client

    from bench.part import TODAY, big_company, company_invoices
    from relance.core.clock import utc_now
    from relance.core.models import Membership, User
    from relance.core.tokens import token_create
    from relance.reports.aged_snapshot import aged_snapshot_build, snapshot_days
    from relance.reports.models import AgedLine, AgedMark, AgedSnapshot
    from relance.reports.selectors import PER_PAGE, aged_balance

    company = big_company()
    # A kept database has the last run's snapshots: the live cases first.
    AgedSnapshot.objects.filter(company_id=company.pk).delete()
    past = TODAY - timedelta(days=30)
    _, *month_ends = snapshot_days(TODAY)  # the roll's days, the last first
    month_end = month_ends[0]
    # The farthest from a kept day: 15 and 16 days from the month ends
    # around it; the same, six months back.
    mid_month = month_ends[0] - timedelta(days=15)
    far_past = month_ends[5] - timedelta(days=15)
    scope = {"company": company}
    out = {"invoices": company_invoices(company)}
    page = {"limit": PER_PAGE}
    live_runs = max(runs // 4, 1)  # live: seconds each
    cases = {
        "page_total": lambda: aged_balance(**scope, on=TODAY, **page),
        "page_name_p40": lambda: aged_balance(
            **scope, on=TODAY, sort="name", descending=False, **page, offset=3900
        ),
        "page_past": lambda: aged_balance(**scope, on=past, **page),
        "page_month_end": lambda: aged_balance(**scope, on=month_end, **page),
        # Days kept by no snapshot: read from the changes once built.
        "page_mid_month": lambda: aged_balance(**scope, on=mid_month, **page),
        "page_far_past": lambda: aged_balance(**scope, on=far_past, **page),
    }
    for name, call in cases.items():
        timed = _timed(call, live_runs)
        out[name] = {**timed, "result": timed["result"].count}
    # Today's snapshot and the twelve month ends' (ADR 29), as the
    # scheduler builds them; then the page, the API and the export read it.
    started, cpu = time.perf_counter(), time.process_time()
    aged_snapshot_build(company=company, on=TODAY, now=utc_now(), past=month_ends)
    out["build"] = {
        "p50_ms": round((time.perf_counter() - started) * 1000, 1),
        "p95_ms": "-",
        "cpu_p50_ms": round((time.process_time() - cpu) * 1000, 1),
    }
    for name in (
        "page_total",
        "page_name_p40",
        "page_month_end",
        "page_past",
        "page_mid_month",
        "page_far_past",
    ):
        timed = _timed(cases[name], runs)
        out[f"{name}_snapshot"] = {**timed, "result": timed["result"].count}
    # A day of writes after the snapshot: 1 % of the customers marked
    # stale (their lines read live), rolled back.
    with transaction.atomic():
        owing = AgedLine.objects.filter(company_id=company.pk, on=TODAY)
        AgedMark.objects.bulk_create(
            AgedMark(customer_id=pk, company_id=company.pk)
            for pk in owing.values_list("customer_id", flat=True)[::100]
        )
        for name in ("page_total", "page_month_end", "page_mid_month"):
            timed = _timed(cases[name], runs)
            out[f"{name}_1pc_stale"] = {**timed, "result": timed["result"].count}
        transaction.set_rollback(True)
    # Through the web page and the API, as a user asks for them.
    user = User.objects.create_user(
        email=f"bench{time.time()}@bench.example", password="x"
    )
    Membership.objects.create(user=user, company=company, role="admin")
    client = Client()
    client.force_login(user)
    token = token_create(company=company, name="bench")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for name, call in {
        "web_page": lambda: client.get("/balance-agee/", {"date": TODAY}),
        "web_page_month_end": lambda: client.get("/balance-agee/", {"date": month_end}),
        "web_page_mid_month": lambda: client.get("/balance-agee/", {"date": mid_month}),
        "api_page": lambda: api.get(
            "/api/v1/aged-balance", {"date": TODAY, "limit": 100}
        ),
    }.items():
        timed = _timed(call, runs)
        assert timed["result"].status_code == 200, timed["result"].content[:500]
        out[name] = {**timed, "result": timed["result"].status_code}
    timed = _timed(lambda: aged_balance(**scope, on=TODAY), max(runs // 4, 1))
    out["complete"] = {**timed, "result": len(timed["result"].customers)}
    return out


def inner(n: int, runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
    os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.indicators import history
    from bench.part import setup
    from relance.invoices.models import Invoice, Payment

    call_command("migrate", verbosity=0)
    if not Invoice.objects.exists():
        setup(n)
    if not Payment.objects.exists():
        history()
    print(json.dumps(measure(runs), default=str))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", help="a folder for databases kept between runs")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inner:
        inner(options.n[0], options.runs)
        return
    kinds = [k for k in options.db if k != "postgres" or postgres_available()]
    rows = inner_rows(__file__, kinds, options.n, options.runs, options.keep)
    with open("/proc/loadavg") as load:
        print(f"load average after: {load.read().strip()}")
    names = (
        "page_total",
        "page_name_p40",
        "page_past",
        "page_month_end",
        "page_mid_month",
        "page_far_past",
        "build",
        "page_total_snapshot",
        "page_name_p40_snapshot",
        "page_month_end_snapshot",
        "page_past_snapshot",
        "page_mid_month_snapshot",
        "page_far_past_snapshot",
        "page_total_1pc_stale",
        "page_month_end_1pc_stale",
        "page_mid_month_1pc_stale",
        "web_page",
        "web_page_month_end",
        "web_page_mid_month",
        "api_page",
    )
    print(
        "| DB | invoices | its invoices | customers owing | "
        + " | ".join(f"{n} p50 / p95 (CPU p50)" for n in (*names, "complete"))
        + " |"
    )
    print("|---|---|---|---|" + "---|" * (len(names) + 1))
    for row in rows:
        cells = [
            row["db"],
            f"{row['n']:,}",
            f"{row['invoices']:,}",
            f"{row['complete']['result']:,}",
            *(
                f"{row[k]['p50_ms']} / {row[k]['p95_ms']} ms ({row[k]['cpu_p50_ms']})"
                for k in (*names, "complete")
            ),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
