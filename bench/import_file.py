"""A file of invoices through the Import page's path: checked, then imported,
by the worker's task (`import_run_execute`); then, with --payments, a file
paying every invoice, the same way.

    python bench/import_file.py [--rows 200000] [--payments] [--database-url URL]

Without --database-url, a fresh SQLite file; with a PostgreSQL URL, its
database is used as given (make it empty: `python .ci/pgdb.py create NAME`).
Prints the seconds of each run, the CPU seconds of this process (the
database server's are not counted on PostgreSQL; on a loaded machine they
are the steadier figure), and the process's peak RSS (the file of a
million rows is itself about 60 MB of it). Issue 16 sets the targets
(100,000 rows in 10 s; 1,000,000 in 120 s under 300 MB; 100,000 payments
in 10 s).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--payments", action="store_true")
    parser.add_argument("--database-url")
    options = parser.parse_args()
    rows = options.rows
    folder = tempfile.mkdtemp(prefix="relance-bench-import-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = (
        options.database_url or f"sqlite:///{folder}/relance.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from relance.core.models import Company
    from relance.dunning.services import import_runs
    from relance.dunning.services.steps import steps_create_defaults

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Bench")
    steps_create_defaults(company=company)
    header = "numero;code_client;client;date;echeance;montant"
    line = "F{n};C{c};Client {c};01/10/2026;31/10/2026;100,00"
    content = "\n".join(
        [header, *(line.format(n=n, c=n % 20000) for n in range(rows))]
    ).encode()
    run(import_runs, company, "invoices", content, rows)
    del content
    if options.payments:
        content = "\n".join(
            [
                "facture;date;montant;reference",
                *(f"F{n};02/11/2026;100,00;VIR {n}" for n in range(rows)),
            ]
        ).encode()
        run(import_runs, company, "payments", content, rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


def run(import_runs, company, kind: str, content: bytes, rows: int) -> None:
    """The file checked, then imported, as the page does."""
    record = import_runs.import_run_record(
        company=company, kind=kind, filename="f.csv", content=content
    )
    for name in ("check", "import"):
        started, cpu = time.perf_counter(), time.process_time()
        record = import_runs.import_run_execute(run_id=record.pk)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        assert record.status == "done" and record.created == rows, (
            record.status,
            record.error,
            record.errors[:3],
        )
        print(
            f"{kind} {name}: {rows:,} rows in {seconds:.1f} s "
            f"(this process's CPU: {cpu:.1f} s)",
            flush=True,
        )
        if name == "check":
            record = import_runs.import_run_confirm(checked=record)


if __name__ == "__main__":
    main()
