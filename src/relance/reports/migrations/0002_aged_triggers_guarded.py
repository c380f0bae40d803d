"""On SQLite, the aged balance's triggers mark a customer only when its
company has a snapshot (ADR 29, amended 2026-12-04): without one, the
balance is read live and a mark is work for nothing — 100,000 invoices
imported into a new company wrote 100,000 marks.

SQLite only: a writer there cannot interleave with a build (writes take
the database's lock at BEGIN IMMEDIATE). On PostgreSQL a writer's
trigger could look for the snapshot before a concurrent build commits it,
while the build did not see the writer's row: a change lost until the
next roll. Its triggers stay as migration 0001 made them."""

import importlib

from django.db import migrations

base = importlib.import_module("relance.reports.migrations.0001_aged_snapshot")

SNAPSHOT = (
    "EXISTS (SELECT 1 FROM reports_agedsnapshot"
    " WHERE reports_agedsnapshot.company_id = {row}.company_id)"
)


def _sqlite(changed: str, stale: str, table: str, name: str):
    new, old = SNAPSHOT.format(row="NEW"), SNAPSHOT.format(row="OLD")
    yield (
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} WHEN {new}"
        f" BEGIN {stale.format(row='NEW')} END"
    )
    yield (
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} WHEN {old}"
        f" BEGIN {stale.format(row='OLD')} END"
    )
    yield (
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table}"
        f" WHEN ({changed}) AND ({old} OR {new})"
        f" BEGIN {stale.format(row='OLD')} {stale.format(row='NEW')} END"
    )


SQLITE_CUSTOMER = (
    "CREATE TRIGGER reports_aged_customer_update AFTER UPDATE ON invoices_customer"
    " WHEN ({changed}) AND " + SNAPSHOT.format(row="NEW") + " BEGIN INSERT OR IGNORE"
    " INTO reports_agedstale (customer_id, company_id) VALUES (NEW.id, NEW.company_id);"
    " END"
)


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    base.triggers_drop(apps, schema_editor)
    for sql in [
        *_sqlite(
            base._changed(base.READ, "IS NOT"),
            base.SQLITE_STALE_INVOICE,
            "invoices_invoice",
            "reports_aged_invoice",
        ),
        *_sqlite(
            base._changed(base.PAID, "IS NOT"),
            base.SQLITE_STALE_PAYMENT,
            "invoices_payment",
            "reports_aged_payment",
        ),
        SQLITE_CUSTOMER.format(changed=base._changed(base.NAMED, "IS NOT")),
    ]:
        schema_editor.execute(sql)


def triggers_drop(apps, schema_editor):
    """Back to migration 0001's triggers, unguarded."""
    if schema_editor.connection.vendor != "sqlite":
        return
    base.triggers_drop(apps, schema_editor)
    base.triggers_create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_aged_snapshot")]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
