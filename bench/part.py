"""One benchmark measure in a fresh process: python bench/part.py PART N [TODAY].

The database comes from DATABASE_URL. Prints one JSON object.
"""

import json
import os
import resource
import statistics
import subprocess
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

from bench.percentile import p95  # noqa: E402

TODAY = date(2026, 11, 2)


def peak_rss_mb() -> float:
    """This program's peak resident memory. (On Linux, ru_maxrss would also
    count the memory of the parent it was forked from before exec.)"""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
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
    from relance.dunning.services.daily import daily_runs_now

    started = time.perf_counter()
    runs = daily_runs_now(now=datetime.now(UTC), on=on)
    return time.perf_counter() - started, runs


def first(total: int) -> dict:
    """The first run after loading: no state yet, every open invoice is written."""
    seconds, runs = _timed_run(TODAY - timedelta(days=1))
    return {
        "seconds": round(seconds, 3),
        "us_per_invoice": round(seconds / total * 1e6, 2),
        "rss_mb": round(peak_rss_mb(), 1),
        "tagged": sum(r.tagged for r in runs),
    }


def daily(total: int) -> dict:
    """The daily job the next day: every open invoice looked at, the day's
    changes written (the state of the day before is in place; on PostgreSQL,
    vacuumed, as autovacuum would have done overnight after the first run
    rewrote most rows)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE invoices_invoice")
    seconds, runs = _timed_run(TODAY)
    again, second = _timed_run(TODAY)
    return {
        "seconds": round(seconds, 3),
        "us_per_invoice": round(seconds / total * 1e6, 2),
        "per_second": round(total / seconds),
        "rss_mb": round(peak_rss_mb(), 1),
        "tagged": sum(r.tagged for r in runs),
        "to_remind": sum(r.to_remind for r in runs),
        "second_run_seconds": round(again, 3),
        "second_run_tagged": sum(r.tagged for r in second),
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
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95(timings), 1),
        "queries": sorted(queries),
    }


def aged(total: int) -> dict:
    """« Balance âgée » of the biggest company, today and a month ago (then
    the payments since are added back): p50 and p95 of 20 runs each."""
    from relance.reports.selectors import aged_balance

    company = big_company()
    out = {}
    for label, on in (("today", TODAY), ("past", TODAY - timedelta(days=30))):
        timings = []
        for index in range(20 + 2):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                balance = aged_balance(company=company, on=on)
                elapsed = time.perf_counter() - started
            if index >= 2:  # warm-up
                timings.append(elapsed * 1000)
        out[label] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(p95(timings), 1),
            "customers": len(balance.customers),
            "queries": len(captured),
        }
    out["invoices"] = company_invoices(company)
    return out


def company_invoices(company) -> int:
    from relance.invoices.models import Invoice

    return Invoice.objects.filter(company=company).count()


MESSAGES = int(os.environ.get("RELANCE_BENCH_MESSAGES", 10_000))
WORKERS = [int(w) for w in os.environ.get("RELANCE_BENCH_WORKERS", "1 2").split()]


def send(total: int) -> dict:
    """« Envoyer les relances » for MESSAGES customers (one message each) to the
    mail server of EMAIL_URL, as the application does it: the run and its
    reminders recorded (the web request), then delivered by worker processes
    (started beforehand, each with its own connection): every message
    rendered, sent, and its outcome and levels committed. Once with one
    worker, once with two. Around it, that server's ceiling: smtplib sending
    the same bytes over one connection (the better of two tries)."""
    result = {"messages": MESSAGES}
    ceilings = []
    for workers in WORKERS:
        company, seconds, rss = _send_with(workers)
        result[f"w{workers}"] = {
            "seconds": round(seconds, 2),
            "per_s": round(MESSAGES / seconds),
            "worker_rss_mb": rss,
        }
        messages = _wire_messages(company)
        ceilings.append(_smtplib_rate(messages))
    ceiling = max(ceilings)
    result["ceiling_per_s"] = round(ceiling)
    result["ceilings"] = [round(c) for c in ceilings]
    result["bytes"] = round(statistics.mean(len(m[2]) for m in messages))
    for workers in WORKERS:
        result[f"w{workers}"]["ratio"] = result[f"w{workers}"]["per_s"] / ceiling
    return result


def _wire_messages(company) -> list[tuple[str, list[str], bytes]]:
    """The company's reminders exactly as they went out (same Message-ID)."""
    from relance.dunning.messages import Composed, email_build
    from relance.dunning.models import Reminder

    return [
        (
            company.sender_email,
            reminder.recipients,
            email_build(
                company=company,
                to=reminder.recipients,
                composed=Composed(
                    reminder.subject, reminder.body_text, reminder.body_html
                ),
                message_id=reminder.message_id,
                automatic=False,
            ).data,
        )
        for reminder in Reminder.objects.filter(company=company)
    ]


def _smtplib_rate(messages) -> float:
    import smtplib

    from django.conf import settings

    started = time.perf_counter()
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as server:
        for sender, recipients, data in messages:
            server.sendmail(sender, recipients, data)
    return len(messages) / (time.perf_counter() - started)


def _send_with(workers: int):
    """Record the run, then deliver it with `workers` processes; returns the
    company, the seconds from the click to the last message, and the
    workers' peak RSS (MB)."""
    from django.db import connections

    from bench.generate import sending_company
    from relance.dunning.models import Reminder
    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.send_runs import send_run_record
    from relance.dunning.services.state import invoices_refresh

    company = sending_company(MESSAGES, TODAY)
    invoices_refresh(company=company, today=TODAY)
    plan = reminder_plan(company=company, today=TODAY)
    assert plan.to_send == MESSAGES, (plan.to_send, plan.errors[:3])
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:  # ready: Django loaded, connected
        assert process.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    _run, created = send_run_record(plan=plan)
    ids = [reminder.pk for reminder in created.reminders]
    connections.close_all()
    for index, process in enumerate(processes):
        process.stdin.write(json.dumps(ids[index::workers]) + "\n")
        process.stdin.flush()
    outcomes = [json.loads(process.stdout.readline()) for process in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.wait()
    assert all(o["sent"] == o["given"] for o in outcomes), outcomes
    sent = Reminder.objects.filter(company=company, status="sent").count()
    assert sent == MESSAGES, sent
    return company, seconds, max(o["rss_mb"] for o in outcomes)


def worker(total: int) -> None:
    """A delivery worker: waits for its reminder ids on stdin, delivers them
    in the chunks the queue's tasks carry (tasks.deliver_reminders)."""
    from django.db import connection

    from relance.cli.base import sending_process_setup
    from relance.dunning.services.delivery import reminders_deliver
    from relance.dunning.tasks import CHUNK

    sending_process_setup()  # as `relance worker` does
    connection.ensure_connection()
    print("ready", flush=True)
    ids = json.loads(sys.stdin.readline())
    sent = 0
    profile = os.environ.get("RELANCE_BENCH_PROFILE")  # a file for cProfile's figures
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        delivered = reminders_deliver(
            reminder_ids=chunk, now=datetime.now(UTC), today=TODAY
        )
        sent += len(delivered.sent)
    if profile:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{os.getpid()}")
    outcome = {"given": len(ids), "sent": sent, "rss_mb": round(peak_rss_mb(), 1)}
    print(json.dumps(outcome), flush=True)
    sys.exit(0)


def incremental(total: int) -> dict:
    """Issue 16 §4: the daily job once the state is in place, looking only at
    the invoices whose date has come. A full run on TODAY, then about 1 % of
    the invoices change during the day as the services change them (the rows
    written, then their state recomputed for that day): 0.4 % paid, 0.3 %
    paused for 10 days, 0.3 % new; then the next day's run is timed (three
    times: the run, then the same day again twice, which find nothing)."""
    from relance.core.models import Company
    from relance.dunning.services.state import invoices_refresh

    full_seconds, _ = _timed_run(TODAY)
    tomorrow = TODAY + timedelta(days=1)
    changed = 0
    with connection.cursor() as cursor:
        for company in Company.objects.order_by("id"):
            cursor.execute(
                "SELECT id FROM invoices_invoice WHERE company_id = %s "
                "AND status = 'open' ORDER BY id",
                [company.pk],
            )
            ids = [row[0] for row in cursor.fetchall()]
            paid, paused = ids[7::250], ids[3::333]
            cursor.execute(
                "UPDATE invoices_invoice SET amount_due = 0, status = 'paid' "
                f"WHERE id IN ({', '.join(map(str, paid)) or 'NULL'})"
            )
            cursor.execute(
                "UPDATE invoices_invoice SET paused_until = %s, pause_kind = 'dispute' "
                f"WHERE id IN ({', '.join(map(str, paused)) or 'NULL'})",
                [TODAY + timedelta(days=10)],
            )
            cursor.execute("SELECT MAX(id) FROM invoices_invoice")
            top = cursor.fetchone()[0]
            copied = ids[5::333]
            cursor.execute(
                """INSERT INTO invoices_invoice (company_id, customer_id, number,
                    kind, credit_left, issue_date, due_date, currency, total,
                    amount_due, status, payment_terms, pdf, einvoice_status,
                    dunning_level, to_remind, pause_kind, pause_reason,
                    created_at, updated_at, payment_url)
                SELECT company_id, customer_id, number || '-N', kind, credit_left,
                    %s, %s, currency, total, total, 'open', payment_terms, pdf, '',
                    0, FALSE, '', '', created_at, updated_at, payment_url
                FROM invoices_invoice WHERE """
                + f"id IN ({', '.join(map(str, copied)) or 'NULL'})",
                [TODAY - timedelta(days=40), TODAY - timedelta(days=10)],
            )
            cursor.execute(
                "SELECT id FROM invoices_invoice WHERE company_id = %s AND id > %s",
                [company.pk, top],
            )
            new = [row[0] for row in cursor.fetchall()]
            touched = paid + paused + new
            invoices_refresh(company=company, today=TODAY, invoice_ids=touched)
            changed += len(touched)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE invoices_invoice")
    seconds, runs = _timed_run(tomorrow)
    again = [_timed_run(tomorrow)[0] for _ in range(2)]
    return {
        "full_seconds": round(full_seconds, 3),
        "changed": changed,
        "seconds": round(seconds, 3),
        "again_seconds": [round(a, 3) for a in again],
        "tagged": sum(r.tagged for r in runs),
        "untagged": sum(r.untagged for r in runs),
        "to_remind": sum(r.to_remind for r in runs),
        "incremental_runs": sum(not r.full for r in runs),
        "companies": len(runs),
        "rss_mb": round(peak_rss_mb(), 1),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


PARTS = {
    "setup": setup,
    "incremental": incremental,
    "first": first,
    "daily": daily,
    "summary": summary,
    "list": listing,
    "send": send,
    "aged": aged,
    "worker": worker,
}

if __name__ == "__main__":
    name, total = sys.argv[1], int(sys.argv[2])
    print(json.dumps(PARTS[name](total)))
