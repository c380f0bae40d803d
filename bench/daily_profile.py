"""Profile the daily job's incremental run on a kept database (issue 16 §4).

DATABASE_URL=... python bench/daily_profile.py build N
    once: bench/generate.py's N invoices, a full run on TODAY and the
    day's 1 % of changes (bench/part.py `incremental`, without its timed
    runs).
DATABASE_URL=... python bench/daily_profile.py run [--explain] [--days N]
    the next day's run (or the next N days' runs, one by one; then the
    last day again), timed, with Django's
    query log: the slowest statements, and with --explain each
    statement's plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE,
    BUFFERS) on PostgreSQL). On SQLite copy the file first to keep the
    built one (the run writes the day's tags); on PostgreSQL make a
    copy with CREATE DATABASE … TEMPLATE.
"""

import argparse
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import part  # noqa: E402


def build(total: int) -> None:
    print(part.setup(total))
    seconds, runs = part._timed_run(part.TODAY - timedelta(days=1))
    print(f"full run: {seconds:.2f} s, {len(runs)} companies")
    # part.incremental's run on TODAY and its day of changes, without the
    # next day's timed runs.
    original = part._timed_run
    part._timed_run = lambda on: original(on) if on == part.TODAY else (0.0, [])
    try:
        print(part.incremental(total))
    finally:
        part._timed_run = original


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def run(explain: bool, days: int = 1) -> None:
    """The next `days` days' runs one after the other, each timed (the
    generator's due dates make the first four days tag 3.5–3.9 % of the
    invoices each, the next ones about 0.7 %), then the last day again."""
    labels = [f"day {n} after" if days > 1 else "next day" for n in range(1, days + 1)]
    dates = [part.TODAY + timedelta(days=n) for n in range(1, days + 1)]
    for label, day in [*zip(labels, dates, strict=True), ("same day again", dates[-1])]:
        started, cpu_started = time.perf_counter(), cpu()
        with CaptureQueriesContext(connection) as log:
            _, runs = part._timed_run(day)
        wall, used = time.perf_counter() - started, cpu() - cpu_started
        sql = sum(float(q["time"]) for q in log.captured_queries)
        print(
            f"{label}: {wall:.3f} s wall, {used:.3f} s CPU (this process), "
            f"{len(log.captured_queries)} statements, {sql:.3f} s in SQL, "
            f"{sum(r.tagged for r in runs)} tagged, "
            f"{sum(not r.full for r in runs)}/{len(runs)} incremental; "
            f"load {Path('/proc/loadavg').read_text().split()[:3]}"
        )
        by_shape = Counter()
        for q in log.captured_queries:
            by_shape[" ".join(q["sql"].split())[:110]] += float(q["time"])
        for shape, seconds in by_shape.most_common(8):
            print(f"  {seconds:7.3f} s  {shape}")
    if explain:
        explain_statements(log.captured_queries)


def explain_statements(queries) -> None:
    """The plan of each distinct statement of the big company's run."""
    seen = set()
    postgres = connection.vendor == "postgresql"
    for q in queries:
        sql = q["sql"]
        shape = " ".join(sql.split())[:60]
        if shape in seen or sql.startswith(("SAVEPOINT", "RELEASE", "DROP")):
            continue
        seen.add(shape)
        print("\n====", " ".join(sql.split())[:300])
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            try:
                if not postgres and sql.startswith("CREATE TEMPORARY TABLE"):
                    cursor.execute("DROP TABLE IF EXISTS relance_changes")
                if postgres:
                    cursor.execute("BEGIN")
                cursor.execute(prefix + sql)
                for row in cursor.fetchall():
                    print("   ", " | ".join(map(str, row)))
            except Exception as error:
                print("   (no plan:", error, ")")
            finally:
                if postgres:
                    cursor.execute("ROLLBACK")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["build", "run"])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--days", type=int, default=1, help="days run one by one")
    options = parser.parse_args()
    if options.action == "build":
        build(options.n)
    else:
        run(options.explain, options.days)
