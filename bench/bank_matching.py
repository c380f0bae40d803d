"""A bank statement of 10,000 credits taken in against 100,000 open invoices
(issue 15 §5: at most 5 s), on a fresh database.

    python bench/bank_matching.py [--credits 10000] [--invoices 100000]
                                  [--database-url URL]

Without --database-url, a fresh SQLite file; with a PostgreSQL URL, its
database is used as given (make it empty: `python .ci/pgdb.py create NAME`).
The statement is a camt.053 file: most credits name their invoice (rule 1),
some come from a known payer with the amount of one invoice (rule 2) or of
all of them (rule 3), some are only suggestions, some are unmatched. Prints
the time of the whole import (reading the XML, matching, writing the
transactions, matches and payments, the invoices' dunning state), of the
matching alone, and of the same file imported again (nothing new).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TODAY = date(2026, 12, 3)


def camt(credits: list[tuple]) -> bytes:
    entries = []
    for n, (amount, label, name) in enumerate(credits):
        entries.append(
            f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-02</Dt></BookgDt>"
            f"<AcctSvcrRef>B{n:08d}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties>"
            f"<Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{label}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><Document "
        "xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt>"
        "<Stmt><Id>BENCH</Id>" + "".join(entries) + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credits", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="relance-bench-bank-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = (
        options.database_url or f"sqlite:///{folder}/relance.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    os.environ.setdefault("RELANCE_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from relance.bank import matching
    from relance.bank.services import book_read, statement_take_in
    from relance.bank.statements import statement_read
    from relance.core.models import Company
    from relance.dunning.services.steps import steps_create_defaults
    from relance.invoices.models import Customer, Invoice

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Bench")
    steps_create_defaults(company=company)
    customers_count = options.invoices // 10
    Customer.objects.bulk_create(
        [
            Customer(company=company, code=f"C{c:06d}", name=f"Client {c:06d} SARL")
            for c in range(customers_count)
        ],
        batch_size=5000,
    )
    customer_ids = list(
        Customer.objects.filter(company=company)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    rng = random.Random(7)
    dues = [Decimal(rng.randrange(5000, 900000)) / 100 for _ in range(options.invoices)]
    Invoice.objects.bulk_create(
        [
            Invoice(
                company=company,
                customer_id=customer_ids[n // 10],
                number=f"FC{n:08d}",
                issue_date=date(2026, 9, 1),
                due_date=date(2026, 10, 1),
                total=dues[n],
                amount_due=dues[n],
            )
            for n in range(options.invoices)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        # As autovacuum would have after months of invoices: without
        # statistics, the dunning state's refresh after the payments chose a
        # nested loop over every customer (6 s instead of 0.1 s).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    credits = []
    for k in range(options.credits):
        kind = k % 20
        n = rng.randrange(options.invoices)
        customer = n // 10
        if kind < 12:  # rule 1: the number in the label
            credits.append((dues[n], f"VIR SEPA FACTURE FC{n:08d} MERCI", "X"))
        elif kind < 15:  # rule 2: a known name, one invoice's amount
            credits.append((dues[n], "REGLEMENT", f"SARL CLIENT {customer:06d}"))
        elif kind < 16:  # rule 3: the sum of all the customer's invoices
            total = sum(dues[customer * 10 : customer * 10 + 10])
            credits.append((total, "REGLEMENT", f"CLIENT {customer:06d}"))
        elif kind < 18:  # a suggestion: an invoice's amount, a stranger
            credits.append((dues[n], "VIREMENT", "M. INCONNU"))
        else:  # unmatched
            credits.append((Decimal("12.34"), "REMBOURSEMENT", "ASSURANCE"))
    content = camt(credits)
    print(
        f"{connection.vendor}: {options.credits:,} credits ({len(content) / 2**20:.1f}"
        f" MiB of camt.053) against {options.invoices:,} open invoices"
    )

    started = time.perf_counter()
    statement = statement_read(content)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    book = book_read(company)
    book_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = matching.credits_match(
        [
            matching.Credit(str(n), line.amount, line.label, "", line.payer_name)
            for n, line in enumerate(statement.lines)
        ],
        book,
    )
    match_seconds = time.perf_counter() - started
    print(
        f"  reading the file {read_seconds:.2f} s; reading the open invoices "
        f"{book_seconds:.2f} s; matching alone {match_seconds:.2f} s"
    )

    from relance.bank import services, statements

    spent: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(module, name, label):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            begun, cpu_begun = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0) + time.perf_counter() - begun
                cpu[label] = cpu.get(label, 0) + time.process_time() - cpu_begun

        setattr(module, name, wrapper)

    timed(services, "statement_read", "reading")
    timed(services, "book_read", "open invoices")
    timed(matching, "credits_match", "matching")
    timed(services, "_transactions_insert", "transactions written")
    timed(services, "payments_record", "payments (payments_record)")
    timed(services, "rows_insert", "rows written")
    timed(services, "_known_keys", "known keys")
    timed(services, "_links_learn", "IBANs learned")
    timed(services, "_suggestions_mark", "suggestions marked")
    del statements
    import gc

    collecting = {"seconds": 0.0, "begun": 0.0}

    def gc_timer(phase, info):
        if phase == "start":
            collecting["begun"] = time.perf_counter()
        else:
            collecting["seconds"] += time.perf_counter() - collecting["begun"]

    gc.callbacks.append(gc_timer)
    started = time.perf_counter()
    cpu_started = time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    result = statement_take_in(
        company=company, content=content, filename="bench.xml", today=TODAY
    )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    gc.callbacks.remove(gc_timer)
    if os.environ.get("BENCH_PROFILE"):
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            "relance|bulk_create|in_bulk", 40
        )
    print(
        f"  whole import: {seconds:.2f} s — {len(result.matched):,} payments "
        f"recorded, {len(result.suggested):,} suggestions, {result.unmatched:,} "
        f"unmatched ({sum(o.matched for o in outcomes):,} credits matched)"
    )
    print(
        f"  this process's CPU: {cpu_seconds:.2f} s (garbage collection "
        f"{collecting['seconds']:.2f} s of wall time); load average "
        + Path("/proc/loadavg").read_text().split()[0]
    )
    print(
        "  of which (wall, CPU): "
        + "; ".join(f"{k} {v:.2f} s, {cpu[k]:.2f} s" for k, v in spent.items())
    )
    started = time.perf_counter()
    again = statement_take_in(
        company=company, content=content, filename="bench.xml", today=TODAY
    )
    print(
        f"  the same file again: {time.perf_counter() - started:.2f} s "
        f"({again.new} new)"
    )


if __name__ == "__main__":
    main()
