"""The summary of a big selection (issue 16 §3): the plan of N selected due
invoices, and the summary window's request.

    python bench/summary.py [--invoices 100000] [--customers 100000]
                            [--database-url postgres://…/EMPTY_DB] [--profile]

One company, N invoices all 40 days late (level 0, so each is due for its
first reminder), spread over the customers (100,000 customers: one invoice
each; 1,000 customers: 100 each). Without --database-url, a fresh SQLite
file; with a PostgreSQL URL, its database is used as given (make it empty:
`python .ci/pgdb.py create NAME`). Each measure runs in a fresh process, so
that its peak RSS (`VmHWM`) is its own; it also prints the process's RSS
before the measure (Django loaded) and the peak of Python allocations
(--tracemalloc: each measure again under tracemalloc, untimed). --profile
prints cProfile's top functions of one plan (by own time, then
cumulative). Given a database URL that already holds the same data (a
SQLite file of an earlier run), the data is reused. `--json`'s output is
counted, not kept (it is written as it is made).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TODAY = date(2026, 11, 2)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
    os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


def _rss(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def load(invoices: int, customers: int) -> int:
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.generate import CUSTOMER_COLUMNS, _customer_row, _insert
    from relance.core.models import Company
    from relance.dunning.services.steps import steps_create_defaults
    from relance.invoices.models import Invoice

    call_command("migrate", verbosity=0)
    known = Company.objects.filter(name="Résumé Bench").first()
    if known and Invoice.objects.filter(company=known).count() == invoices:
        return known.pk  # --database-url of an earlier run: reused as it is
    with transaction.atomic():
        company = Company.objects.create(
            name="Résumé Bench",
            sender_email="relances@resume.example",
            reply_to_email="compta@resume.example",
        )
        steps_create_defaults(company=company)
        _insert(
            "invoices_customer",
            CUSTOMER_COLUMNS,
            [
                _customer_row(
                    company.pk,
                    f"411R{n:07d}",
                    f"Client {n:06d}",
                    "business",
                    f"compta{n}@client{n}.example",
                )
                for n in range(customers)
            ],
            timestamps=True,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM invoices_customer WHERE company_id = %s ORDER BY id",
                [company.pk],
            )
            customer_ids = [row[0] for row in cursor.fetchall()]
        issue, due = TODAY - timedelta(days=70), TODAY - timedelta(days=40)
        _insert(
            "invoices_invoice",
            "company_id, customer_id, number, issue_date, due_date, currency, "
            "total, amount_due, status, payment_terms, pdf, einvoice_status, "
            "dunning_level, to_remind, pause_kind, pause_reason, kind, credit_left",
            [
                (
                    company.pk,
                    customer_ids[n % customers],
                    f"FR-{n:08d}",
                    issue,
                    due,
                    "EUR",
                    Decimal("1234.56"),
                    Decimal("1234.56"),
                    "open",
                    "30 jours",
                    "",
                    "",
                    0,
                    True,
                    "",
                    "",
                    "invoice",
                    Decimal(0),
                )
                for n in range(invoices)
            ],
            timestamps=True,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return company.pk


class _Counted:
    """A text output that counts the characters written to it."""

    size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)

    def flush(self) -> None:
        pass


def measure(part: str, company_id: int, traced: bool) -> dict:
    """One measure, in this (fresh) process."""
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relance.core.models import Company
    from relance.dunning.planning import reminder_plan
    from relance.invoices.models import Invoice

    company = Company.objects.get(pk=company_id)
    ids = list(
        Invoice.objects.filter(company=company)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    if part == "page":
        from django.test import Client

        from relance.core.models import Membership, User

        user = User.objects.filter(email="bench@resume.example").first()
        if user is None:
            user = User.objects.create_user(email="bench@resume.example", password="x")
            Membership.objects.create(user=user, company=company)
        client = Client()
        client.force_login(user)
        client.get("/")  # the session's first request, not measured
    before = _rss("VmRSS")
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        if part == "plan":
            plan = reminder_plan(company=company, today=TODAY, invoices=ids)
            result = {"messages": plan.to_send, "errors": len(plan.errors)}
        elif part == "json":
            from django.core.management import call_command

            out = _Counted()  # the output counted, not kept (it is streamed)
            call_command(
                "remind",
                "--all-due",
                "--dry-run",
                "--json",
                f"--date={TODAY.isoformat()}",
                f"--company={company.pk}",
                stdout=out,
            )
            result = {"characters": out.size}
        else:
            response = client.post(
                "/relances/resume/", {"all": "1"}, HTTP_HX_REQUEST="true"
            )
            assert response.status_code == 200, response.status_code
            html = response.content.decode()
            result = {"bytes": len(html), "rows": html.count('data-testid="message"')}
    seconds = time.perf_counter() - started
    result.update(
        seconds=round(seconds, 3),
        cpu_seconds=round(time.process_time() - cpu, 3),
        queries=len(queries),
        rss_before_mb=round(before, 1),
        peak_rss_mb=round(_rss("VmHWM"), 1),
        selected=len(ids),
    )
    if traced:
        result["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    return result


def profile(company_id: int) -> None:
    import cProfile
    import pstats

    from relance.core.models import Company
    from relance.dunning.planning import reminder_plan
    from relance.invoices.models import Invoice

    company = Company.objects.get(pk=company_id)
    ids = list(Invoice.objects.filter(company=company).values_list("pk", flat=True))
    profiler = cProfile.Profile()
    profiler.runcall(reminder_plan, company=company, today=TODAY, invoices=ids)
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--parts", nargs="+", default=["plan", "page", "json"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also each measure again under tracemalloc (4 times slower)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        _django()
        print(json.dumps(measure(options.measure, options.company, options.traced)))
        return
    folder = tempfile.mkdtemp(prefix="relance-bench-summary-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = (
        options.database_url or f"sqlite:///{folder}/relance.sqlite3"
    )
    _django()
    started = time.perf_counter()
    company_id = load(options.invoices, options.customers)
    print(
        f"loaded {options.invoices:,} invoices of {options.customers:,} customers "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if options.profile:
        profile(company_id)
    for part in options.parts:
        for traced in (False, True) if options.tracemalloc else (False,):
            command = [sys.executable, __file__, "--measure", part]
            command += ["--company", str(company_id)] + (["--traced"] * traced)
            output = subprocess.run(
                command, check=True, capture_output=True, text=True, env=os.environ
            ).stdout
            print(part, "traced" if traced else "timed", output.strip())


if __name__ == "__main__":
    main()
