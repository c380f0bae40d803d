"""Formal notice letters: made by a letter step's delivery, then rendered
to PDF, on a fresh SQLite database.

    python bench/letters.py [--letters 100] [--invoices 40]

Prints the seconds to make the letters (the delivery of letter-only
reminders: checked, frozen, levels raised), to render one letter of one
invoice, one letter of `--invoices` invoices, and the batch of every letter
as one PDF (`letters_pdf`, what « Télécharger la sélection » does), with its
pages.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--invoices", type=int, default=40)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="relance-bench-letters-")
    os.environ["RELANCE_DATA_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/relance.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from pypdf import PdfReader

    from relance.core.models import Company
    from relance.dunning.letters import letters_pdf
    from relance.dunning.models import DunningStep, Letter
    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.delivery import reminders_deliver
    from relance.dunning.services.reminders import reminders_create
    from relance.dunning.services.state import invoices_refresh
    from relance.invoices.models import Customer, Invoice

    call_command("migrate", verbosity=0)
    today = date(2025, 7, 15)
    company = Company.objects.create(
        name="Bench", sender_email="b@bench.example", city="Lyon"
    )
    DunningStep.objects.create(
        company=company,
        order=1,
        name="Mise en demeure",
        trigger="after_due_date",
        days=10,
        channel="letter",
    )
    for n in range(options.letters):
        customer = Customer.objects.create(
            company=company,
            code=f"C{n}",
            name=f"Client {n}",
            address_line1=f"{n} rue du Bench",
            postal_code="69002",
            city="Lyon",
        )
        count = options.invoices if n == 0 else 1 + n % 3
        Invoice.objects.bulk_create(
            Invoice(
                company=company,
                customer=customer,
                number=f"F{n}-{i}",
                issue_date=today - timedelta(days=90),
                due_date=today - timedelta(days=45),
                total=Decimal("1234.56"),
                amount_due=Decimal("1234.56"),
            )
            for i in range(count)
        )
    invoices_refresh(company=company, today=today)
    created = reminders_create(plan=reminder_plan(company=company, today=today))
    start = time.perf_counter()
    reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders],
        now=datetime(2025, 7, 15, 9, tzinfo=UTC),
        today=today,
    )
    made = time.perf_counter() - start
    letters = list(Letter.objects.order_by("pk"))
    print(f"letters made: {len(letters)} in {made:.2f} s")

    letters_pdf([letters[1]])  # fonts and stylesheet loaded once per process
    for label, chosen in [
        ("one letter, 1 invoice", [letters[1]]),
        (f"one letter, {options.invoices} invoices", [letters[0]]),
        (f"batch of {len(letters)} letters", letters),
    ]:
        start = time.perf_counter()
        pdf = letters_pdf(chosen)
        seconds = time.perf_counter() - start
        pages = len(PdfReader(BytesIO(pdf)).pages)
        print(f"{label}: {seconds:.2f} s, {pages} pages, {len(pdf) // 1024} KiB")


if __name__ == "__main__":
    main()
