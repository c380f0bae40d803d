"""An ERP's first sync through `POST /api/v1/invoices/batch`: batches of
1,000 invoices (new customers every 10 invoices), then the same batches again
(all unchanged), then one batch of 1,000 payments, on a fresh database.

    python bench/api_batch.py [--batches 20] [--database-url URL]

Without --database-url, a fresh SQLite file; with a PostgreSQL URL, its
database is used as given (make it empty: `python .ci/pgdb.py create NAME`).
Prints the server time of each kind of call (Django's test client, in
process: the request's whole handling, JSON parsing included). Issue 16's
target: 1,000 invoices in at most 1 s.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.percentile import p95


def invoices(batch: int, size: int) -> list[dict]:
    first = batch * size
    return [
        {
            "number": f"F{n:07d}",
            "customer_code": f"C{n // 10:06d}",
            "customer_name": f"Client {n // 10}",
            "customer_email": f"compta{n // 10}@client.example",
            "issue_date": "2026-09-01",
            "due_date": "2026-10-01",
            "total": f"{100 + n % 900}.50",
        }
        for n in range(first, first + size)
    ]


def timed(client, path: str, objects: list[dict]) -> float:
    body = json.dumps(objects)
    started = time.perf_counter()
    response = client.post(path, body, content_type="application/json")
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    return seconds


def line(name: str, seconds: list[float]) -> None:
    print(
        f"{name}: {len(seconds)} call(s), median {statistics.median(seconds):.3f} s,"
        f" p95 {p95(seconds):.3f} s, max {max(seconds):.3f} s"
    )


def fresh_company(*, database_url: str | None, prefix: str):
    """Django set up on a fresh database (a new SQLite file, or the
    PostgreSQL `database_url` as given), migrated, with one company, its
    default steps, and an API client holding its token."""
    folder = tempfile.mkdtemp(prefix=prefix)
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder}/relance.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
    os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from relance.core.models import Company
    from relance.core.tokens import token_create
    from relance.dunning.services.steps import steps_create_defaults

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Bench")
    steps_create_defaults(company=company)
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {token_create(company=company, name='ERP')[1]}"
    )
    return company, client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    _company, client = fresh_company(
        database_url=options.database_url, prefix="relance-bench-batch-"
    )
    from django.db import connection

    print(f"{connection.vendor}, batches of {options.size:,}")
    # The process's first call builds the API's schemas and imports what it
    # needs: once per server process, not per call.
    timed(client, "/api/v1/invoices/batch", invoices(10**6, 1))
    first = [
        timed(client, "/api/v1/invoices/batch", invoices(b, options.size))
        for b in range(options.batches)
    ]
    line("invoices, new", first)
    again = [
        timed(client, "/api/v1/invoices/batch", invoices(b, options.size))
        for b in range(options.batches)
    ]
    line("invoices, sent again (unchanged)", again)
    payments = [
        {
            "invoice_number": f"F{n:07d}",
            "date": "2026-10-15",
            "amount": "10.00",
            "reference": f"VIR {n}",
        }
        for n in range(options.size)
    ]
    line("payments, new", [timed(client, "/api/v1/payments/batch", payments)])


if __name__ == "__main__":
    main()
