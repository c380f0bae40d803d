"""Synthetic data for the benchmarks: companies × customers × N open invoices
with a realistic spread (due dates over a year and the next two months,
levels already reached, partly paid invoices, disputes, promises, paused
customers, a few e-invoicing disputes).

Rows go in by bulk SQL (COPY on PostgreSQL, executemany on SQLite), never one
ORM save per row. The dunning state (tag, next step) is left empty, as after
an import: the daily job has to compute all of it.
"""

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from relance.core.models import Company
from relance.dunning.services.steps import steps_create_defaults

INVOICES_PER_CUSTOMER = 10
SMALL_COMPANY = 5_000  # invoices of each company beside the big one

CUSTOMER_COLUMNS = (
    "company_id, code, name, kind, email, dunning_email, phone, language, "
    "address_line1, address_line2, postal_code, city, country, siren, "
    "paused_until, pause_reason, email_refused, email_refused_reason"
)


def plan_companies(total: int) -> list[int]:
    """Invoices per company: one big company holds half, small ones the rest."""
    big = max(total // 2, 1)
    rest = total - big
    smalls = [SMALL_COMPANY] * (rest // SMALL_COMPANY)
    if rest % SMALL_COMPANY:
        smalls.append(rest % SMALL_COMPANY)
    return [big, *smalls]


def generate(total: int, today: date, seed: int = 7) -> list[int]:
    """Create the companies and their data; returns the company ids, big first."""
    rng = random.Random(seed)
    ids = []
    for index, count in enumerate(plan_companies(total)):
        with transaction.atomic():
            company = Company.objects.create(
                name=f"Bench {index}",
                sender_email=f"relances@bench{index}.example",
                reply_to_email=f"compta@bench{index}.example",
            )
            steps_create_defaults(company=company)
            _company_rows(company.pk, count, today, rng)
        ids.append(company.pk)
    return ids


def _company_rows(company_id: int, count: int, today: date, rng: random.Random) -> None:
    customers = max(count // INVOICES_PER_CUSTOMER, 1)
    paused_until = today + timedelta(days=20)
    customer_rows = [
        _customer_row(
            company_id,
            f"411C{n:07d}",
            f"Client {n}",
            "business" if n % 7 else "consumer",
            f"client{n}@client{company_id}.example" if n % 50 else "",
            paused_until if n % 100 == 0 else None,
            "Échéancier" if n % 100 == 0 else "",
        )
        for n in range(customers)
    ]
    _insert(
        "invoices_customer",
        CUSTOMER_COLUMNS,
        customer_rows,
        timestamps=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM invoices_customer WHERE company_id = %s ORDER BY id",
            [company_id],
        )
        customer_ids = [row[0] for row in cursor.fetchall()]
    invoice_rows = []
    steps_gaps = [3, 15, 15, 10]
    for n in range(count):
        issue = today - timedelta(days=rng.randrange(0, 365))
        due = issue + timedelta(days=rng.choice([0, 30, 30, 45, 60]))
        total = Decimal(rng.randrange(5_000, 1_500_000)) / 100
        # N open invoices: some partly paid; no paid or cancelled ones, which the
        # daily job would barely look at.
        status, amount_due = "open", total
        if rng.random() < 0.15:
            amount_due = (total * Decimal("0.4")).quantize(Decimal("0.01"))
        # Levels already reached, as the office would have sent them.
        level, last = 0, None
        if status == "open":
            day = due
            for gap in steps_gaps[: rng.randrange(0, 5)]:
                day = day + timedelta(days=gap + rng.randrange(0, 4))
                if day >= today:
                    break
                level, last = level + 1, day
        pause, kind = None, ""
        if status == "open" and rng.random() < 0.02:
            pause = today + timedelta(days=rng.randrange(-5, 30))
            kind = rng.choice(["dispute", "promise"])
        invoice_rows.append(
            (
                company_id,
                customer_ids[n % len(customer_ids)],
                f"F{company_id}-{n:08d}",
                issue,
                due,
                "EUR",
                total,
                amount_due,
                status,
                "",
                "",
                "207" if rng.random() < 0.005 else "",
                level,
                last,
                False,
                None,
                None,
                pause,
                kind,
                "Litige" if kind == "dispute" else "",
                "invoice",
                Decimal(0),
                "",
            )
        )
    _insert(
        "invoices_invoice",
        "company_id, customer_id, number, issue_date, due_date, currency, total, "
        "amount_due, status, payment_terms, pdf, einvoice_status, dunning_level, "
        "last_reminder_on, to_remind, next_level, next_reminder_on, paused_until, "
        "pause_kind, pause_reason, kind, credit_left, payment_url",
        invoice_rows,
        timestamps=True,
    )


def _customer_row(company_id, code, name, kind, email, paused_until=None, reason=""):
    return (
        *(company_id, code, name, kind, email, "", "", "fr"),
        *("", "", "", "", "FR", ""),
        *(paused_until, reason, "", ""),
    )


# Columns without a database default that the rows above leave to it.
DEFAULTS = {"invoices_invoice": {"payment_url": ""}}


def _insert(table: str, columns: str, rows: list[tuple], *, timestamps: bool) -> None:
    for column, value in DEFAULTS.get(table, {}).items():
        if column in (name.strip() for name in columns.split(",")):
            continue  # the rows give it
        columns += f", {column}"
        rows = [(*row, value) for row in rows]
    if timestamps:
        columns += ", created_at, updated_at"
        stamp = "2026-01-01 00:00:00" + (
            "+00" if connection.vendor == "postgresql" else ""
        )
        rows = [(*row, stamp, stamp) for row in rows]
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())
        return
    marks = ", ".join(["%s"] * len(rows[0]))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20_000):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                [
                    tuple(_sqlite_value(v) for v in row)
                    for row in rows[start : start + 20_000]
                ],
            )


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _sqlite_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def sending_company(messages: int, today: date) -> Company:
    """A company with `messages` customers, each owing one invoice due for its
    first reminder: one message each."""
    with transaction.atomic():
        company = Company.objects.create(
            name="Envoi Bench",
            sender_email="relances@envoi.example",
            reply_to_email="compta@envoi.example",
            phone="01 23 45 67 89",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPPXXX",
            # Throughput at any hour: the calendar would hold the messages
            # until the next working morning (it has its own tests).
            send_calendar=False,
        )
        steps_create_defaults(company=company)
        _insert(
            "invoices_customer",
            CUSTOMER_COLUMNS,
            [
                _customer_row(
                    company.pk,
                    f"411E{n:07d}",
                    f"Client Envoi {n}",
                    "business",
                    f"compta{n}@client{n}.example",
                )
                for n in range(messages)
            ],
            timestamps=True,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM invoices_customer WHERE company_id = %s ORDER BY id",
                [company.pk],
            )
            customer_ids = [row[0] for row in cursor.fetchall()]
        issue, due = today - timedelta(days=40), today - timedelta(days=10)
        _insert(
            "invoices_invoice",
            "company_id, customer_id, number, issue_date, due_date, currency, total, "
            "amount_due, status, payment_terms, pdf, einvoice_status, dunning_level, "
            "to_remind, pause_kind, pause_reason, kind, credit_left, payment_url",
            [
                (
                    company.pk,
                    customer,
                    f"FE-{n:08d}",
                    issue,
                    due,
                    "EUR",
                    Decimal("1234.56"),
                    Decimal("1234.56"),
                    "open",
                    "30 jours fin de mois",
                    "",
                    "",
                    0,
                    False,
                    "",
                    "",
                    "invoice",
                    Decimal(0),
                    "",
                )
                for n, customer in enumerate(customer_ids)
            ],
            timestamps=True,
        )
    return company
