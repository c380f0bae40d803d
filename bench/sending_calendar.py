"""The sending calendar and the mail quota: what they cost, on a fresh SQLite
database (messages written to files, no SMTP server).

    python bench/sending_calendar.py [--messages 400] [--calls 100000]

Prints the microseconds of one `Calendar.next_allowed` (a moment within the
window, and a Saturday that waits for Monday), then the seconds and SQL
statements to deliver `--messages` emails without a quota, and with quotas
per minute and per day that let them all go (every group of 4 takes from
the counters).
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--calls", type=int, default=100_000)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="relance-bench-calendar-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/relance.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relance.core.calendar import Calendar
    from relance.core.models import Company
    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.delivery import reminders_deliver
    from relance.dunning.services.reminders import reminders_create
    from relance.dunning.services.state import invoices_refresh
    from relance.dunning.services.steps import steps_create_defaults
    from relance.invoices.models import Customer, Invoice

    paris = ZoneInfo("Europe/Paris")
    calendar = Calendar()
    for label, moment in [
        ("within the window", datetime(2026, 7, 16, 10, 0, tzinfo=paris)),
        ("Saturday 14 July", datetime(2029, 7, 14, 10, 0, tzinfo=paris)),
    ]:
        calendar.next_allowed(moment)  # the year's holidays, once
        start = time.perf_counter()
        for _ in range(options.calls):
            calendar.next_allowed(moment)
        each = (time.perf_counter() - start) / options.calls * 1e6
        print(f"next_allowed, {label}: {each:.1f} µs")

    call_command("migrate", verbosity=0)
    today = date(2026, 7, 16)
    now = datetime(2026, 7, 16, 8, 0, tzinfo=UTC)  # 10:00 in Paris
    for label, quotas in [
        ("no quota", {}),
        ("quotas per minute and per day", {"quota_per_minute": 100_000}),
    ]:
        if quotas:
            quotas["quota_per_day"] = 100_000
        company = Company.objects.create(
            name=label, sender_email="b@bench.example", **quotas
        )
        steps_create_defaults(company=company)
        for n in range(options.messages):
            customer = Customer.objects.create(
                company=company,
                code=f"C{n}",
                name=f"Client {n}",
                email=f"c{n}@client.example",
            )
            Invoice.objects.create(
                company=company,
                customer=customer,
                number=f"F{n}",
                issue_date=today - timedelta(days=60),
                due_date=today - timedelta(days=30),
                total=Decimal("1234.56"),
                amount_due=Decimal("1234.56"),
            )
        invoices_refresh(company=company, today=today)
        created = reminders_create(plan=reminder_plan(company=company, today=today))
        ids = [r.pk for r in created.reminders]
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            delivered = reminders_deliver(reminder_ids=ids, now=now)
        seconds = time.perf_counter() - start
        print(
            f"{label}: {len(delivered.sent)} sent in {seconds:.2f} s, "
            f"{len(queries)} SQL statements"
        )


if __name__ == "__main__":
    main()
