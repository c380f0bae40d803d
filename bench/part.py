"""One benchmark measure in a fresh process: python bench/part.py PART N [TODAY].

The database comes from DATABASE_URL. Prints one JSON object.
"""

import json
import os
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver,localhost")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TODAY = date(2026, 11, 2)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(total: int) -> dict:
    from django.core.management import call_command

    from bench.generate import generate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    ids = generate(total, TODAY)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a load
    return {"companies": len(ids), "seconds": round(time.perf_counter() - started, 1)}


def _timed_run(on: date):
    from relance.dunning.services.daily import daily_run

    started = time.perf_counter()
    runs = daily_run(now=datetime.now(UTC), on=on)
    return time.perf_counter() - started, runs


def first(total: int) -> dict:
    """The first run after loading: no state yet, every open invoice is written."""
    seconds, runs = _timed_run(TODAY - timedelta(days=1))
    return {
        "seconds": round(seconds, 3),
        "us_per_invoice": round(seconds / total * 1e6, 2),
        "rss_mb": round(peak_rss_mb(), 1),
        "tagged": sum(r.result.tagged for r in runs),
    }


def daily(total: int) -> dict:
    """The daily job the next day: every open invoice looked at, the day's
    changes written (the state of the day before is in place)."""
    seconds, runs = _timed_run(TODAY)
    again, second = _timed_run(TODAY)
    return {
        "seconds": round(seconds, 3),
        "us_per_invoice": round(seconds / total * 1e6, 2),
        "per_second": round(total / seconds),
        "rss_mb": round(peak_rss_mb(), 1),
        "tagged": sum(r.result.tagged for r in runs),
        "to_remind": sum(r.result.to_remind for r in runs),
        "second_run_seconds": round(again, 3),
        "second_run_tagged": sum(r.result.tagged for r in second),
    }


def big_company():
    from relance.core.models import Company

    return Company.objects.order_by("id").first()


def summary(total: int) -> dict:
    from relance.dunning.planning import reminder_plan
    from relance.invoices.models import Invoice

    company = big_company()
    ids = list(
        Invoice.objects.filter(company=company)
        .order_by("-to_remind", "status", "id")
        .values_list("pk", flat=True)[:10_000]
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        plan = reminder_plan(company=company, today=TODAY, invoices=ids)
        timings.append(time.perf_counter() - started)
    return {
        "selected": len(ids),
        "seconds": round(min(timings), 3),
        "messages": plan.to_send,
        "errors": len(plan.errors),
    }


def listing(total: int) -> dict:
    from django.test import Client

    from relance.core.models import Membership, User

    company = big_company()
    user = User.objects.create_user(
        email=f"bench{time.time()}@bench.example", password="x"
    )
    Membership.objects.create(user=user, company=company, role="admin")
    client = Client()
    client.force_login(user)
    timings, queries = [], set()
    for index in range(50 + 3):
        page = 1 + index % 5
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(f"/factures/?filter=to_remind&page={page}")
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        if index >= 3:  # warm-up
            timings.append(elapsed * 1000)
            queries.add(len(captured))
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "queries": sorted(queries),
    }


PARTS = {
    "setup": setup,
    "first": first,
    "daily": daily,
    "summary": summary,
    "list": listing,
}

if __name__ == "__main__":
    name, total = sys.argv[1], int(sys.argv[2])
    print(json.dumps(PARTS[name](total)))
