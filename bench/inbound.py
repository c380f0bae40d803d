"""Taking in what comes back: one mbox of N messages (a quarter each of
Postfix bounces, out-of-office answers, customers' replies and unknown
messages, built from tests/mailing/files), each answering its own sent
reminder, then the same mbox again (all known), on a fresh database.

    python bench/inbound.py [--messages 2000] [--database-url URL]

Prints the time of each pass (reading and classifying included) and the
messages per second.
"""

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
FILES = ROOT / "tests" / "mailing" / "files"
SAMPLES = {  # sample → (its reminder's Message-ID number, its address)
    "postfix_bounce.eml": (1, "compta@client-disparu.fr"),
    "out_of_office_fr.eml": (4, "compta@client-absent.fr"),
    "reply.eml": (6, "compta@client-repond.fr"),
    "unknown.eml": (0, ""),
}


def mbox(count: int) -> bytes:
    """`count` messages in one mbox."""
    return b"".join(
        b"From bench Tue Dec  1 09:14:07 2026\n"
        + data.replace(b"\nFrom ", b"\n>From ")
        + b"\n"
        for data in messages(count)
    )


def messages(count: int) -> list[bytes]:
    """`count` messages: message n answers reminder n (its own Message-ID,
    its own address)."""
    samples = [(name, *SAMPLES[name], (FILES / name).read_bytes()) for name in SAMPLES]
    parts = []
    for n in range(count):
        _name, number, address, data = samples[n % len(samples)]
        data = re.sub(  # its own Message-ID
            rb"(?im)^(Message-Id: <)", rb"\g<1>m%d." % n, data, count=1
        )
        if number:
            data = data.replace(
                f"<176457924400.1234.555000{number}@durand-btp.fr>".encode(),
                f"<reminder-{n}@bench.example>".encode(),
            ).replace(address.encode(), f"c{n}@client.example".encode())
        parts.append(data)
    return parts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--imap", action="store_true", help="through Dovecot")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="relance-bench-inbound-")
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

    from relance.core.models import Company
    from relance.dunning.models import Reminder, ReminderInvoice
    from relance.dunning.services.inbound import mailbox_import
    from relance.dunning.services.steps import steps_create_defaults
    from relance.invoices.models import Customer, Invoice

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name="Bench", sender_email="r@bench.example")
    step = steps_create_defaults(company=company)[0]
    count = options.messages
    sent = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    customers = Customer.objects.bulk_create(
        Customer(
            company=company,
            code=f"C{n:06d}",
            name=f"Client {n}",
            email=f"c{n}@client.example",
        )
        for n in range(count)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            company=company,
            customer=c,
            number=f"F{n:07d}",
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
            total=100,
            amount_due=100,
            dunning_level=1,
            last_reminder_on=date(2026, 12, 1),
        )
        for n, c in enumerate(customers)
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            company=company,
            customer=c,
            step=step,
            recipients=[c.email],
            message_id=f"<reminder-{n}@bench.example>",
            status=Reminder.Status.SENT,
            sent_at=sent,
        )
        for n, c in enumerate(customers)
    )
    ReminderInvoice.objects.bulk_create(
        ReminderInvoice(company=company, reminder=r, invoice=i, level=1, amount_due=100)
        for r, i in zip(reminders, invoices, strict=True)
    )
    if options.imap:
        imap_passes(company, count)
        return
    data = mbox(count)
    print(f"{connection.vendor}, {count:,} messages, {len(data) / 1e6:.1f} MB")
    now = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    for name in ("first pass", "same file again"):
        started = time.perf_counter()
        report = mailbox_import(company=company, files=[("b.mbox", data)], now=now)
        seconds = time.perf_counter() - started
        print(
            f"{name}: {seconds:.2f} s ({count / seconds:,.0f} messages/s): "
            f"{len(report.bounces)} bounces, {report.auto_replies} auto-replies, "
            f"{len(report.replies)} replies, {report.unknown} unknown"
        )


def imap_passes(company, count: int) -> None:
    sys.path.insert(0, str(ROOT))
    from django.conf import settings
    from tests.dovecot import Dovecot

    from relance.dunning.services.inbound import mailbox_fetch

    server = Dovecot().start()
    try:
        started = time.perf_counter()
        server.append(*messages(count))
        print(
            f"IMAP (Dovecot, plain, loopback), {count:,} messages put in "
            f"in {time.perf_counter() - started:.1f} s"
        )
        settings.RELANCE_INBOX_URL = server.url()
        now = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
        for name in ("first fetch", "made unread, fetched again"):
            started = time.perf_counter()
            report = mailbox_fetch(company=company, now=now)
            seconds = time.perf_counter() - started
            print(
                f"{name}: {seconds:.2f} s ({count / seconds:,.0f} messages/s): "
                f"{report.read} read, {len(report.bounces)} bounces, "
                f"{report.auto_replies} auto-replies, {len(report.replies)} "
                f"replies, {report.unknown} unknown"
            )
            client = server.client()
            client.select("INBOX")
            client.store("1:*", "-FLAGS.SILENT", r"(\Seen)")
            client.logout()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
