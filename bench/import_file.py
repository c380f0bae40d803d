"""A file of invoices through the Import page's path: checked, then imported,
by the worker's task (`import_run_execute`), on a fresh SQLite database.

    python bench/import_file.py [--rows 200000]

Prints the seconds of each run and the process's peak RSS. Issue 16 sets the
targets (100,000 rows in 10 s; 1,000,000 in 120 s under 300 MB).
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
    rows = parser.parse_args().rows
    folder = tempfile.mkdtemp(prefix="relance-bench-import-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/relance.sqlite3"
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
    lines = ["numero;code_client;client;date;echeance;montant"] + [
        f"F{n};C{n % 20000};Client {n % 20000};01/10/2026;31/10/2026;100,00"
        for n in range(rows)
    ]
    content = ("\n".join(lines) + "\n").encode()
    del lines
    run = import_runs.import_run_record(
        company=company, kind="invoices", filename="f.csv", content=content
    )
    del content
    for name in ("check", "import"):
        started = time.perf_counter()
        run = import_runs.import_run_execute(run_id=run.pk)
        seconds = time.perf_counter() - started
        assert run.status == "done" and run.created == rows, (run.status, run.error)
        print(f"{name}: {rows:,} rows in {seconds:.1f} s")
        if name == "check":
            run = import_runs.import_run_confirm(checked=run)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
