"""Files of invoices, then of payments, through the command line:
`relance import invoices FILE`, then `relance import payments FILE`, each
run as its own process, as a user runs them (issue 16 §1).

    python bench/import_cli.py [--rows 100000] [--customers 20000]
        [--payments] [--again] [--profile DIR] [--database-url URL]

Without --database-url, a fresh SQLite file; with a PostgreSQL URL, its
database is used as given (make it empty: `python .ci/pgdb.py create NAME`).
For each command it prints the wall-clock seconds, the command's CPU
seconds (the database server's are not counted on PostgreSQL) and its peak
RSS. `--again` imports the invoices a second time (nothing changes);
`--profile DIR` runs each command under cProfile, its stats written to DIR
(the figures then include the profiler's cost).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--payments", action="store_true")
    parser.add_argument("--again", action="store_true")
    parser.add_argument("--profile")
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="relance-bench-cli-"))
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(folder),
        "DATABASE_URL": options.database_url or f"sqlite:///{folder}/relance.sqlite3",
        "DJANGO_SETTINGS_MODULE": "relance.config.settings",
    }
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from relance.core.models import Company\n"
        "from relance.dunning.services.steps import steps_create_defaults\n"
        "call_command('migrate', verbosity=0)\n"
        "steps_create_defaults(company=Company.objects.create(name='Bench'))\n"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, check=True)
    invoices = folder / "factures.csv"
    with invoices.open("w") as out:
        out.write("numero;code_client;client;date;echeance;montant\n")
        for n in range(options.rows):
            c = n % options.customers
            out.write(f"F{n};C{c};Client {c};01/10/2026;31/10/2026;100,00\n")
    runs = [("invoices", invoices)]
    if options.again:
        runs.append(("invoices", invoices))
    if options.payments:
        payments = folder / "reglements.csv"
        with payments.open("w") as out:
            out.write("facture;date;montant;reference\n")
            for n in range(options.rows):
                out.write(f"F{n};02/11/2026;100,00;VIR {n}\n")
        runs.append(("payments", payments))
    relance = [sys.executable, "-m", "relance.cli"]
    for number, (kind, path) in enumerate(runs, 1):
        command = [*relance, "import", kind, str(path), "--json", "--no-progress"]
        if options.profile:
            stats = Path(options.profile) / f"{number}-{kind}.prof"
            stats.parent.mkdir(parents=True, exist_ok=True)
            command[1:1] = ["-m", "cProfile", "-o", str(stats)]
        started = time.perf_counter()
        before = os.times()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        peak = int(done.stderr.strip().splitlines()[-1]) / 1024
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])
            raise SystemExit(f"relance import {kind} failed")
        report = __import__("json").loads(done.stdout)
        print(
            f"import {kind}: {options.rows:,} rows in {seconds:.1f} s "
            f"(CPU {cpu:.1f} s), peak RSS {peak:.0f} MB; created "
            f"{report['created']}, updated {report['updated']}, "
            f"unchanged {report.get('unchanged', 0)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
