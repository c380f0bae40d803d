"""The aged balance's marks become rows a write adds, never shared (ADR 29,
amended 2026-12-05).

0001's triggers kept one mark a customer (`reports_agedstale`, its key the
customer) with `ON CONFLICT DO NOTHING`: when the customer was marked
already, a writer left nothing of its own, and a build starting before the
writer committed deleted the mark and grouped the sums without the
writer's row — the line stayed wrong, unmarked, until the next day's roll
(reproduced by tests/reports/test_aged_snapshot.py). Two writers marking
two new customers in opposite orders could also deadlock on the key.

Now the marks are in `reports_agedmark`, with no unique key: each write
adds its own row for its customer, unless its transaction added one
already (PostgreSQL: a row visible and not committed, `xmin`'s status,
its savepoints included; SQLite, one writer at a time: any row). A build deletes the rows committed before it; a row
of a writer still running is invisible to it, so stays. No writer waits
for another or for a build, and a build never waits. The marks standing
are copied; the triggers keep their names."""

import importlib

from django.db import migrations, models

base = importlib.import_module("relance.reports.migrations.0001_aged_snapshot")
guarded = importlib.import_module("relance.reports.migrations.0002_aged_triggers_guarded")

POSTGRES = """
CREATE OR REPLACE FUNCTION reports_aged_mark(mark_customer bigint, mark_company bigint)
RETURNS void AS $$
DECLARE
  mine bigint := pg_current_xact_id()::text::bigint;
BEGIN
  -- A row of this transaction (or of one of its savepoints) for the
  -- customer already: visible, not committed, so none of another.
  -- Those are at or after this transaction's id; others are skipped.
  IF NOT EXISTS (
    SELECT 1 FROM reports_agedmark m
    WHERE m.customer_id = mark_customer
      AND m.xmin::text::bigint >= (mine & 4294967295)
      AND pg_xact_status(
        (((mine >> 32) << 32) | m.xmin::text::bigint)::text::xid8
      ) = 'in progress'
  ) THEN
    INSERT INTO reports_agedmark (customer_id, company_id)
    VALUES (mark_customer, mark_company);
  END IF;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_invoice_stale() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM reports_aged_mark(OLD.customer_id, OLD.company_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
      AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN
    PERFORM reports_aged_mark(NEW.customer_id, NEW.company_id);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_payment_stale() RETURNS trigger AS $$
DECLARE
  owner record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    FOR owner IN SELECT DISTINCT customer_id, company_id FROM invoices_invoice
        WHERE id IN (OLD.invoice_id, OLD.credit_note_id) LOOP
      PERFORM reports_aged_mark(owner.customer_id, owner.company_id);
    END LOOP;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    FOR owner IN SELECT DISTINCT customer_id, company_id FROM invoices_invoice
        WHERE id IN (NEW.invoice_id, NEW.credit_note_id) LOOP
      PERFORM reports_aged_mark(owner.customer_id, owner.company_id);
    END LOOP;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_customer_stale() RETURNS trigger AS $$
BEGIN
  PERFORM reports_aged_mark(NEW.id, NEW.company_id);
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

# SQLite: one writer at a time, so a customer marked already (by anyone)
# needs no other row. Guarded as 0002's: only a company with a snapshot.
SQLITE_INVOICE = (
    "INSERT INTO reports_agedmark (customer_id, company_id)"
    " SELECT {row}.customer_id, {row}.company_id WHERE NOT EXISTS"
    " (SELECT 1 FROM reports_agedmark WHERE customer_id = {row}.customer_id);"
)
SQLITE_PAYMENT = (
    "INSERT INTO reports_agedmark (customer_id, company_id)"
    " SELECT DISTINCT i.customer_id, i.company_id FROM invoices_invoice i"
    " WHERE i.id IN ({row}.invoice_id, {row}.credit_note_id) AND NOT EXISTS"
    " (SELECT 1 FROM reports_agedmark m WHERE m.customer_id = i.customer_id);"
)
SQLITE_CUSTOMER = (
    "CREATE TRIGGER reports_aged_customer_update AFTER UPDATE ON invoices_customer"
    " WHEN ({changed}) AND " + guarded.SNAPSHOT.format(row="NEW") + " BEGIN"
    " INSERT INTO reports_agedmark (customer_id, company_id)"
    " SELECT NEW.id, NEW.company_id WHERE NOT EXISTS"
    " (SELECT 1 FROM reports_agedmark WHERE customer_id = NEW.id); END"
)


def triggers_create(apps, schema_editor):
    """The triggers (those of 0001 and 0002 dropped first), writing marks
    into reports_agedmark."""
    base.triggers_drop(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        # 0001's triggers, their functions replaced by this migration's.
        base.triggers_create(apps, schema_editor)
        for statement in POSTGRES.split("\n--\n"):
            schema_editor.execute(statement)
        return
    for sql in [
        *guarded._sqlite(
            base._changed(base.READ, "IS NOT"),
            SQLITE_INVOICE,
            "invoices_invoice",
            "reports_aged_invoice",
        ),
        *guarded._sqlite(
            base._changed(base.PAID, "IS NOT"),
            SQLITE_PAYMENT,
            "invoices_payment",
            "reports_aged_payment",
        ),
        SQLITE_CUSTOMER.format(changed=base._changed(base.NAMED, "IS NOT")),
    ]:
        schema_editor.execute(sql)


def triggers_drop(apps, schema_editor):
    base.triggers_drop(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS reports_aged_mark(bigint, bigint)")


def old_triggers_create(apps, schema_editor):
    """Back to 0001's triggers, guarded on SQLite by 0002's."""
    base.triggers_create(apps, schema_editor)
    guarded.triggers_create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_indicator_snapshot_per_day")]

    operations = [
        migrations.RunPython(base.triggers_drop, old_triggers_create),
        migrations.CreateModel(
            name="AgedMark",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("company_id", models.BigIntegerField(db_index=True)),
                ("customer_id", models.BigIntegerField(db_index=True)),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO reports_agedmark (customer_id, company_id)"
            " SELECT customer_id, company_id FROM reports_agedstale",
            "INSERT INTO reports_agedstale (customer_id, company_id)"
            " SELECT DISTINCT customer_id, company_id FROM reports_agedmark",
        ),
        migrations.DeleteModel(name="AgedStale"),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
